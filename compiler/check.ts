// The front end in one call: text → diagnostics and the IR of every error-free model.

import { parse } from '../grammar/parse.js';
import { type Diagnostic, Source } from '../src/diagnostics.js';
import type { Graph } from '../src/ir/types.js';
import { lower } from './lower.js';

export interface CheckResult {
  readonly source: Source;
  /** Every error and warning in the file, in source order. */
  readonly diagnostics: readonly Diagnostic[];
  /** Graphs of the models without errors. */
  readonly models: ReadonlyMap<string, Graph>;
  /** All models defined in the file, in order. */
  readonly modelNames: readonly string[];
}

/** Parses and checks a `.nn` text. Never throws on bad input: problems come back as diagnostics. */
export function check(text: string | Source, name = '<input>'): CheckResult {
  const source = typeof text === 'string' ? new Source(text, name) : text;
  const parsed = parse(source);
  const lowered = lower(source, parsed);
  const diagnostics = [...parsed.diagnostics, ...lowered.diagnostics].sort((a, b) => (a.location?.start ?? 0) - (b.location?.start ?? 0));
  return { source, diagnostics, models: lowered.models, modelNames: lowered.modelNames };
}
