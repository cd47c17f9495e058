// A model that is the identity in inference (Input → Dropout) optimizes to a graph
// whose output is its Input node: valid IR, the same function. The executor clones an
// output that is an input, so disposing outputs never frees the caller's tensors.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
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

test('a model whose output is its input runs, and the caller keeps its input tensor', async (t) => {
  const graph = graphOf(`model M { input x: [3]\n Dropout(0.5) }`);
  const result = optimizeVerified({ graph, weights: new Map() });
  const model = new Model(result.graph, new Map(), 'wasm');
  const [y] = await model.predictHost({ shape: [1, 3], data: Float32Array.from([1, 2, 3]) });
  t.deepEqual(Array.from(y.data), [1, 2, 3]);
  const x = tf.tensor2d([[4, 5, 6]]);
  const out = model.predict(x) as tf.Tensor;
  t.not(out, x);
  out.dispose();
  t.false(x.isDisposed);
  x.dispose();
});
