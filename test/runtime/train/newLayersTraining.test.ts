// Training through the layers and activations added for issue 17: three SGD steps equal
// tfjs-layers' trainOnBatch (weights and losses) for PReLU, the merges and the softsign and
// mish activations; Normalization's statistics are not trained (non-trainable, no update).

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '../../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { TrainableModel } from '../../../runtime/train/trainableModel.js';
import { createOptimizer } from '../../../runtime/train/optimizers.js';
import { graphOf, hostMaxAbsDiff, randomInput, randomizedWeights } from '../../helpers/models.js';
import { sgdBesideTfjsLayers } from '../../helpers/sgdReference.js';

test.before(async () => {
  await initNodeBackend('wasm');
  await registerGradients();
});

const SOURCE = `model M {
  input x: [5]
  a = x -> Dense(6, activation=softsign) -> PReLU
  b = x -> Dense(6, activation=mish)
  m = (a, b) -> Multiply
  v = (a, b, m) -> Average
  (v, a) -> Maximum
  c = Dense(6, activation=swish)
  (c, b) -> Minimum -> Dense(3, activation=softmax)
}`;

test.serial('PReLU, Multiply, Average, Maximum, Minimum, softsign, mish: three SGD steps equal tfjs-layers', async (t) => {
  const graph = graphOf(SOURCE);
  const weights = randomizedWeights(graph);
  weights.set('p_re_lu/alpha', { shape: [6], data: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) });
  const { after } = await sgdBesideTfjsLayers(t, graph, weights, { backend: 'wasm', learningRate: 0.1, steps: 3, batchSize: 16, firstSeed: 200, label: (k, i) => (k + i) % 3 });
  t.true(hostMaxAbsDiff(after.get('p_re_lu/alpha')!.data, weights.get('p_re_lu/alpha')!.data) > 1e-5, 'alpha moved');
});

test.serial("Normalization's mean, variance and count do not change in training", async (t) => {
  const graph = graphOf('model M {\n  input x: [4]\n  Normalization -> Dense(3, activation=softmax)\n}');
  const weights = randomizedWeights(graph);
  weights.set('normalization/mean', { shape: [4], data: Float32Array.from([1, -1, 0.5, 2]) });
  weights.set('normalization/variance', { shape: [4], data: Float32Array.from([4, 0.25, 1, 9]) });
  const model = new TrainableModel(graph, weights, 'wasm');
  const step = model.trainStep('sparse_categorical_crossentropy', createOptimizer('sgd', { learningRate: 0.1 }));
  const x = randomInput(graph, 8, 5);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'float32');
  const result = step.run(x, y, 0);
  tf.dispose([x, y, result.loss, result.correct]);
  const after = await model.getWeights();
  for (const v of ['mean', 'variance', 'count']) t.is(hostMaxAbsDiff(after.get(`normalization/${v}`)!.data, weights.get(`normalization/${v}`)!.data), 0, v);
  t.true(hostMaxAbsDiff(after.get('dense/kernel')!.data, weights.get('dense/kernel')!.data) > 1e-5);
  model.dispose();
});
