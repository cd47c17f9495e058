// The models the inference benchmark uses, prepared in Node: the graph from
// examples/NAME.nn (or, for a zoo model, the named model of its file under
// examples/zoo/), weights from test/helpers/models.ts's randomizedWeights (seed 1:
// initializers plus non-trivial BatchNormalization statistics, so folding matters), and
// the optimizer's output for them.

import { readFileSync } from 'node:fs';
import { optimize } from '../compiler/passes/pipeline.js';
import { compileGraph } from '../src/api.js';
import type { Graph } from '../src/ir/types.js';
import { exampleGraph, randomizedWeights } from '../test/helpers/models.js';
import type { PreparedModel } from './inferenceCells.js';
import { ZOO_MODELS } from './inferencePlan.js';

/** The graph a benchmark model name stands for. */
export function benchmarkGraph(name: string): Graph {
  const zoo = ZOO_MODELS[name];
  if (!zoo) return exampleGraph(name);
  return compileGraph(readFileSync(new URL(`../examples/${zoo.file}.nn`, import.meta.url), 'utf8'), zoo.model);
}

export function prepareExample(name: string): PreparedModel {
  const graph = benchmarkGraph(name);
  const weights = randomizedWeights(graph);
  const result = optimize({ graph, weights });
  return { name, graph, weights, optimized: result.graph, optimizedWeights: result.weights! };
}
