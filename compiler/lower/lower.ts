// CST → IR for a whole file: indexes the definitions, runs the check rules
// (compiler/checks/index.ts) at their phases around expanding each model
// (modelLowering.ts), and builds the graph of every model without errors.
//
// Errors are collected, never thrown. A model with any error yields no graph.

import type { ParseResult } from '../../grammar/parse.js';
import type { Diagnostic, Source } from '../../src/diagnostics.js';
import type { Graph } from '../../src/ir/types.js';
import { specifiedRules } from '../checks/index.js';
import type { FileContext } from '../checks/rule.js';
import { indexDefinitions } from './definitions.js';
import { buildGraph } from './expandedModel.js';
import { fileLimits } from './limits.js';
import { ModelLowering } from './modelLowering.js';

export interface LoweredFile {
  /** Graphs of the models that have no errors, by name. */
  readonly models: ReadonlyMap<string, Graph>;
  /** Every model defined in the file, in order (with or without errors). */
  readonly modelNames: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * A model the parser cut (`parsed.cutDefinitions`) did not stop at a limit before the
   * cut: what it says depends on the text left out, so the file must be parsed whole.
   */
  readonly cutTooEarly: boolean;
}

export function lower(source: Source, parsed: ParseResult): LoweredFile {
  const rules = specifiedRules;
  const diagnostics: Diagnostic[] = [];
  const index = indexDefinitions(source, parsed, diagnostics);
  const graphs = new Map<string, Graph>();
  const context: FileContext = { source, parsed, index, limits: fileLimits(), graphs, report: (d) => diagnostics.push(d) };

  for (const rule of rules) rule.definitions?.(context);
  let cutTooEarly = false;
  for (const model of index.models.values()) {
    const cut = parsed.cutDefinitions.has(model.node);
    if (model.broken) {
      cutTooEarly ||= cut;
      continue;
    }
    const lowering = new ModelLowering(source, index, context.limits);
    const expanded = lowering.lowerModel(model);
    cutTooEarly ||= cut && !lowering.stoppedAtLimit;
    diagnostics.push(...lowering.diagnostics);
    if (!expanded) continue;
    const before = diagnostics.length;
    for (const rule of rules) rule.model?.(expanded, context);
    if (!diagnostics.slice(before).some((d) => d.severity === 'error')) graphs.set(model.name, buildGraph(expanded));
  }
  for (const rule of rules) rule.file?.(context);
  return { models: graphs, modelNames: [...index.models.keys()], diagnostics: dedupe(diagnostics), cutTooEarly };
}

/** The same diagnostic twice (a block expanded by several calls) is reported once. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.severity}:${d.location?.start}:${d.location?.end}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
