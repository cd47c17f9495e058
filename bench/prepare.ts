// The example models as the inference benchmark uses them, prepared in Node: the graph
// from examples/NAME.nn, weights from test/helpers/models.ts's randomizedWeights (seed
// 1: initializers plus non-trivial BatchNormalization statistics, so folding matters),
// and the optimizer's output for them.

import { optimize } from '../compiler/passes/pipeline.js';
import { exampleGraph, randomizedWeights } from '../test/helpers/models.js';
import type { PreparedModel } from './inferenceCells.js';

export function prepareExample(name: string): PreparedModel {
  const graph = exampleGraph(name);
  const weights = randomizedWeights(graph);
  const result = optimize({ graph, weights });
  return { name, graph, weights, optimized: result.graph, optimizedWeights: result.weights! };
}
