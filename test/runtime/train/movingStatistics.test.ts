// BatchNormalization's moving statistics after N training steps of `fit`, against a
// hand computation in float64: for each batch B (in the seeded shuffled order),
//   h = relu(x·K + b)                          (a frozen Dense: K, b never change)
//   μ_B = mean_B h,  σ²_B = mean_B (h − μ_B)²   (biased, as Keras)
//   moving_mean ← moving_mean·m + μ_B·(1 − m),  moving_variance likewise with σ²_B

import test from 'ava';
import { registerGradients } from '../../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { initializeWeights } from '../../../runtime/initializers.js';
import { TrainableModel } from '../../../runtime/train/trainableModel.js';
import { Random } from '../../../runtime/random.js';
import type { Dataset } from '../../../runtime/train/datasets.js';
import { epochOrder, fit } from '../../../runtime/train/fit.js';
import { createOptimizer } from '../../../runtime/train/optimizers.js';
import { graphOf, hostMaxAbsDiff } from '../../helpers/models.js';

test.before(async () => {
  await initNodeBackend('wasm');
  await registerGradients();
});

const MOMENTUM = 0.9;
const SOURCE = `model M {
  input x: [3]
  Dense(4, activation=relu, trainable=false)
  BatchNormalization(momentum=${MOMENTUM})
  Dense(3, activation=softmax)
}`;

function blobs(count: number, seed: number): Dataset {
  const random = new Random(seed);
  const x = new Float32Array(count * 3);
  const y = new Float32Array(count);
  for (let n = 0; n < count; n++) {
    y[n] = n % 3;
    for (let j = 0; j < 3; j++) x[n * 3 + j] = random.normal() + (j === n % 3 ? 1.5 : 0);
  }
  return { x, xShape: [3], y, yShape: [], count };
}

test.serial('moving mean and variance after 2 epochs of 10 examples in batches of 4 (6 steps, two partial) match float64', async (t) => {
  const graph = graphOf(SOURCE);
  const weights = initializeWeights(graph, 7);
  // A non-zero frozen bias, so that relu leaves fewer zeros and the statistics say more.
  weights.set('dense/bias', { shape: [4], data: Float32Array.from([0.5, 0.2, 0.8, 0.3]) });
  const data = blobs(10, 3);
  const seed = 11;
  const epochs = 2;
  const batchSize = 4;

  const kernel = weights.get('dense/kernel')!.data;
  const bias = weights.get('dense/bias')!.data;
  const movingMean = [0, 0, 0, 0];
  const movingVariance = [1, 1, 1, 1];
  let steps = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = epochOrder(data.count, seed, epoch);
    for (let start = 0; start < data.count; start += batchSize) {
      const rows = Array.from(order.subarray(start, Math.min(start + batchSize, data.count)));
      const h = rows.map((n) => [0, 1, 2, 3].map((u) => Math.max(0, bias[u] + [0, 1, 2].reduce((s, j) => s + data.x[n * 3 + j] * kernel[j * 4 + u], 0))));
      for (let u = 0; u < 4; u++) {
        const mean = h.reduce((s, row) => s + row[u], 0) / rows.length;
        const variance = h.reduce((s, row) => s + (row[u] - mean) ** 2, 0) / rows.length;
        movingMean[u] = movingMean[u] * MOMENTUM + mean * (1 - MOMENTUM);
        movingVariance[u] = movingVariance[u] * MOMENTUM + variance * (1 - MOMENTUM);
      }
      steps++;
    }
  }
  t.is(steps, 6);

  const model = new TrainableModel(graph, weights, 'wasm');
  const optimizer = createOptimizer('sgd', { learningRate: 0.1 });
  await fit(model, data, null, { epochs, batchSize, loss: 'sparse_categorical_crossentropy', optimizer, seed });
  const after = await model.getWeights();
  // 1e-6: float32 rounding of sums over at most 4 rows, six updates.
  t.true(hostMaxAbsDiff(after.get('batch_normalization/moving_mean')!.data, movingMean) < 1e-6, `${[...after.get('batch_normalization/moving_mean')!.data]} vs ${movingMean}`);
  t.true(hostMaxAbsDiff(after.get('batch_normalization/moving_variance')!.data, movingVariance) < 1e-6, `${[...after.get('batch_normalization/moving_variance')!.data]} vs ${movingVariance}`);
  // The frozen Dense did not move; gamma and the last Dense did (gradients flowed).
  t.is(hostMaxAbsDiff(after.get('dense/kernel')!.data, kernel), 0);
  t.is(hostMaxAbsDiff(after.get('dense/bias')!.data, bias), 0);
  t.true(hostMaxAbsDiff(after.get('batch_normalization/gamma')!.data, [1, 1, 1, 1]) > 1e-4);
  t.true(hostMaxAbsDiff(after.get('dense_1/kernel')!.data, weights.get('dense_1/kernel')!.data) > 1e-4);
  t.is(optimizer.iterations, 6);
  optimizer.dispose();
  model.dispose();
});

test.serial('a BatchNormalization with trainable=false keeps every weight through fit, moving statistics included', async (t) => {
  const graph = graphOf(SOURCE.replace(`BatchNormalization(momentum=${MOMENTUM})`, 'BatchNormalization(trainable=false)'));
  const weights = initializeWeights(graph, 7);
  weights.set('batch_normalization/moving_mean', { shape: [4], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) });
  weights.set('batch_normalization/moving_variance', { shape: [4], data: Float32Array.from([1.5, 0.5, 2, 1]) });
  const model = new TrainableModel(graph, weights, 'wasm');
  const optimizer = createOptimizer('sgd', { learningRate: 0.1 });
  await fit(model, blobs(10, 3), null, { epochs: 2, batchSize: 4, loss: 'sparse_categorical_crossentropy', optimizer, seed: 1 });
  const after = await model.getWeights();
  for (const name of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
    const key = `batch_normalization/${name}`;
    t.is(hostMaxAbsDiff(after.get(key)!.data, weights.get(key)!.data), 0, key);
  }
  t.true(hostMaxAbsDiff(after.get('dense_1/kernel')!.data, weights.get('dense_1/kernel')!.data) > 1e-4);
  optimizer.dispose();
  model.dispose();
});
