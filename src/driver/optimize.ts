// The driver's optimize stage: the pass pipeline and its fusion report, on a model
// whose weights the check stage paired with its graph.

import { type OptimizeOptions, type OptimizeResult, optimize } from '../../compiler/passes/pipeline.js';
import { type FusionReport, fusionReport } from '../../compiler/passes/report.js';
import type { Graph } from '../ir/types.js';
import type { WeightedModel } from './check.js';

/** What the optimizer made of a model: the new graph and weights, with the original beside them. */
export interface OptimizedModel extends WeightedModel {
  readonly original: WeightedModel;
  readonly result: OptimizeResult;
  readonly report: FusionReport;
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
