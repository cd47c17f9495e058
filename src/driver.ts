// The one driver: source → check → optimize → bundle. The API and every CLI command
// go through these stages instead of assembling the compiler's parts themselves, so a
// model is checked once, its weights are checked against it once, and its optimized
// form and fusion report come from one call. Platform-neutral: no Node module, no
// backend; running a model (verify, predict) and writing files sit above it.

import { type CheckResult, check, pickModel } from '../compiler/check.js';
import { type OptimizeOptions, type OptimizeResult, optimize } from '../compiler/passes/pipeline.js';
import { type FusionReport, fusionReport } from '../compiler/passes/report.js';
import { Source } from './diagnostics.js';
import type { WeightMap } from './ir/tensors.js';
import type { Graph } from './ir/types.js';
import { checkWeightMap } from './ir/weights.js';

/** A graph with weights that fit it (every name and shape checked). */
export interface WeightedModel {
  readonly graph: Graph;
  readonly weights: WeightMap;
}

/** What the optimizer made of a model: the new graph and weights, with the original beside them. */
export interface OptimizedModel extends WeightedModel {
  readonly original: WeightedModel;
  readonly result: OptimizeResult;
  readonly report: FusionReport;
}

/** Stage 1: parse and check a source; diagnostics come back, never an exception. */
export function checkSource(source: string | Source, name = '<input>'): CheckResult {
  return check(typeof source === 'string' ? new Source(source, name) : source);
}

/**
 * Stage 1, for tools that work on one model: the checked graph of `model` (or of the
 * source's only model). Throws NncError with every diagnostic when the source has
 * errors; `chooseWith` tells the user how to name a model (`--model NAME`).
 */
export function modelGraph(checked: CheckResult, model: string | undefined, chooseWith: string): Graph {
  return pickModel(checked, model, chooseWith);
}

/** Pairs a graph with its weights, checking names and shapes once (`what` names their origin). */
export function withWeights(graph: Graph, weights: WeightMap, what: string): WeightedModel {
  checkWeightMap(graph, weights, what);
  return { graph, weights };
}

/** Stage 2: the inference (or training) optimizer, with its fusion report. */
export function optimizeModel(model: WeightedModel, options: OptimizeOptions = {}): OptimizedModel {
  const result = optimize(model, options);
  return { graph: result.graph, weights: result.weights!, original: model, result, report: fusionReport(model.graph, result) };
}

/** Stage 2 on the structure alone (no weights): what `nnc summary --optimize` and `nnc ir --after` show. */
export function optimizeGraph(graph: Graph, options: OptimizeOptions = {}): OptimizeResult {
  return optimize({ graph, weights: null }, options);
}
