// The front end in one call: text → diagnostics and the IR of every error-free model.

import { parse } from '../grammar/parse.js';
import { type Diagnostic, NncError, Source, didYouMean, error, hasErrors } from '../src/diagnostics.js';
import type { Graph } from '../src/ir/types.js';
import { checkCapacity } from './capacity.js';
import { MAX_LAYERS } from './lower/limits.js';
import { lower } from './lower/lower.js';

export interface CheckResult {
  readonly source: Source;
  /** Every error and warning in the file, in source order. */
  readonly diagnostics: readonly Diagnostic[];
  /** Graphs of the models without errors. */
  readonly models: ReadonlyMap<string, Graph>;
  /** All models defined in the file, in order. */
  readonly modelNames: readonly string[];
  /** Tokens the parser read: fewer than the file holds when a model past the layer limit was cut short. */
  readonly tokensParsed: number;
}

/** Parses and checks a `.nn` text. Never throws on bad input: problems come back as diagnostics. */
export function check(text: string | Source, name = '<input>'): CheckResult {
  const source = typeof text === 'string' ? new Source(text, name) : text;
  // The layer limit stops work where it is passed: a model whose top level makes more
  // calls than the limit allows layers is parsed only a little past that (grammar/parse.ts
  // `cutModelsAfter`). Each call makes at most one layer there, so a cut model nearly
  // always stops at the limit before the cut, with the error, at the place, the whole
  // text would give; if it does not (some calls were values or blocks, or it is broken),
  // the file is parsed again, whole.
  let parsed = parse(source, { cutModelsAfter: MAX_LAYERS });
  let lowered = lower(source, parsed);
  if (lowered.cutTooEarly) {
    parsed = parse(source);
    lowered = lower(source, parsed);
  }
  const diagnostics = [...parsed.diagnostics, ...lowered.diagnostics].sort((a, b) => (a.location?.start ?? 0) - (b.location?.start ?? 0));
  return { source, diagnostics, models: lowered.models, modelNames: lowered.modelNames, tokensParsed: parsed.tokensParsed };
}

/**
 * `check`, then what the runtime can hold (capacity.ts): a model beyond it gets an
 * error at its layer and no graph. The language itself counts exactly up to 2^53
 * parameters (`check` alone); the tools and `compile` refuse, before any work, what
 * they could not run.
 */
export function checkForRuntime(text: string | Source, name = '<input>'): CheckResult {
  const result = check(text, name);
  const models = new Map(result.models);
  const capacity: Diagnostic[] = [];
  for (const [modelName, graph] of models) {
    const problem = checkCapacity(graph);
    if (problem) {
      capacity.push(problem);
      models.delete(modelName);
    }
  }
  if (capacity.length === 0) return result;
  const diagnostics = [...result.diagnostics, ...capacity].sort((a, b) => (a.location?.start ?? 0) - (b.location?.start ?? 0));
  return { ...result, diagnostics, models };
}

/**
 * The one model of a checked source a tool works on: `name`, or the source's only model.
 * Throws NncError with every error of the source if it has any, or saying which models
 * there are; `chooseWith` tells how to name one (`--model NAME`, the `model` option).
 */
export function pickModel(result: CheckResult, name: string | undefined, chooseWith: string): Graph {
  if (hasErrors(result.diagnostics)) throw new NncError(result.diagnostics);
  const subject = result.source.name;
  const names = result.modelNames;
  if (names.length === 0) throw new NncError([error(`${subject} defines no model (only blocks); add 'model NAME { ... }'`)]);
  if (name === undefined) {
    if (names.length > 1) throw new NncError([error(`${subject} defines ${names.length} models (${names.join(', ')}); choose one with ${chooseWith}`)]);
    name = names[0];
  }
  const graph = result.models.get(name);
  if (!graph) throw new NncError([error(`${subject} has no model '${name}'${didYouMean(name, names)} (models: ${names.join(', ')})`)]);
  return graph;
}
