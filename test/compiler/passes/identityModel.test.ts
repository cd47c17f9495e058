// A model that is the identity in inference (Input → Dropout) optimizes to a graph
// whose output is its Input node: valid IR, the same function. Running it exposes a
// runtime bug outside the optimizer: Model.predict disposes the tensors it created
// from host inputs, including one it returns as an output ("Tensor is disposed").
// Marked failing until runtime/model.ts clones outputs that are inputs.

import test from 'ava';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { graphOf } from '../../helpers/models.js';
import { kinds, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

test('Input → Dropout optimizes to the Input itself', (t) => {
  const graph = graphOf(`model M { input x: [3]\n Dropout(0.5) }`);
  const result = optimizeVerified({ graph, weights: new Map() });
  t.deepEqual(kinds(result.graph), ['Input']);
  t.deepEqual(result.graph.outputs, [0]);
});

test.failing('a model whose output is its input runs (runtime bug: Model.predict disposes the returned input)', async (t) => {
  const graph = graphOf(`model M { input x: [3]\n Dropout(0.5) }`);
  const result = optimizeVerified({ graph, weights: new Map() });
  const model = new Model(result.graph, new Map(), 'wasm');
  const [y] = await model.predictHost({ shape: [1, 3], data: Float32Array.from([1, 2, 3]) });
  t.deepEqual(Array.from(y.data), [1, 2, 3]);
});
