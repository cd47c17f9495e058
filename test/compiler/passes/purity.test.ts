// Passes are pure: each returns a new model and leaves the graph and weight map it was
// given exactly as they were; graphs in and out are deeply frozen; the same input gives
// the same output; a pass that changes nothing returns the very graph and weight map it
// was given (no pass edits weights without editing the graph).

import test from 'ava';
import { optimize, PASSES } from '../../../compiler/passes/pipeline.js';
import type { ModelState } from '../../../compiler/passes/pass.js';
import type { Graph } from '../../../src/ir/types.js';
import type { WeightMap } from '../../../src/ir/tensors.js';
import { EXAMPLES, exampleGraph, graphOf, randomizedWeights } from '../../helpers/models.js';
import { deeplyFrozen, graphSnapshot, sameWeights, weightsSnapshot } from '../../helpers/optimizer.js';

/** Models on which every pass has something to do. */
const MODELS: readonly (readonly [string, () => Graph])[] = [
  ...EXAMPLES.map((name) => [name, () => exampleGraph(name)] as const),
  ['bias, rescaling, affine', () => graphOf(`model M { input x: [6, 6, 2]
    Rescaling(0.5, offset=0.1)
    Conv2D(4, 3)
    BatchNormalization
    Dropout(0.3)
    BatchNormalization
    Conv2D(3, 3, padding=same)
    Rescaling(2)
    ReLU
    b = BatchNormalization(axis=1)
    (b, b) -> Add -> Flatten }`)],
];

for (const [name, make] of MODELS) {
  for (const mode of ['inference', 'training'] as const) {
    test(`${name} (${mode}): every pass leaves its input untouched`, (t) => {
      const graph = make();
      const weights: WeightMap = randomizedWeights(graph, 9);
      // The states a single run of the pipeline goes through; then every pass on each.
      const passes = PASSES.filter((p) => p.modes.includes(mode));
      const states: ModelState[] = [{ graph, weights }];
      for (const pass of passes) states.push(pass.run(states[states.length - 1], mode));
      const before = states.map((state) => ({
        graph: graphSnapshot(state.graph),
        weights: weightsSnapshot(state.weights),
        tensors: state.weights ? [...state.weights.values()] : [],
      }));
      for (const pass of passes) {
        states.forEach((state, k) => {
          const result = pass.run(state, mode);
          t.is(graphSnapshot(state.graph), before[k].graph, `${pass.name} changed its input graph`);
          t.true(sameWeights(state.weights, before[k].weights), `${pass.name} changed its input weights`);
          if (state.weights) t.true([...state.weights.values()].every((tensor, i) => tensor === before[k].tensors[i]), `${pass.name} replaced tensors in its input map`);
          t.true(deeplyFrozen(result.graph), `${pass.name} returned a graph that is not frozen`);
          // Deterministic: again, the same graph and weights.
          const again = pass.run(state, mode);
          t.is(graphSnapshot(again.graph), graphSnapshot(result.graph));
          t.true(sameWeights(again.weights, result.weights));
          // Unchanged ⇒ the same graph object (the pipeline's fixpoint relies on it).
          if (graphSnapshot(result.graph) === before[k].graph) {
            t.is(result.graph, state.graph, `${pass.name} rebuilt an unchanged graph`);
            t.is(result.weights, state.weights, `${pass.name} copied the weights of an unchanged model`);
          }
        });
      }
      t.true(deeplyFrozen(graph));
    });
  }
}

test('graphs are deeply frozen: a pass could not edit its input if it tried', (t) => {
  const graph = exampleGraph('geron');
  t.true(deeplyFrozen(graph));
  t.throws(() => {
    (graph.nodes as unknown as unknown[]).push(graph.nodes[0]);
  });
  t.throws(() => {
    (graph.nodes[2].attrs as { units: number }).units = 1;
  });
});

test('the pipeline leaves its input untouched too, and a structural run needs no weights', (t) => {
  const graph = exampleGraph('mobilenet_block');
  const weights = randomizedWeights(graph, 9);
  const graphBefore = graphSnapshot(graph);
  const weightsBefore = weightsSnapshot(weights);
  const result = optimize({ graph, weights });
  t.is(graphSnapshot(graph), graphBefore);
  t.true(sameWeights(weights, weightsBefore));
  t.not(result.graph, graph);
  for (const step of result.steps) t.true(deeplyFrozen(step.graph));
  const structural = optimize({ graph, weights: null });
  t.is(structural.weights, null);
  t.is(graphSnapshot(structural.graph), graphSnapshot(result.graph));
});
