// The gradients of a training step through BatchNormalization in training mode,
// against central finite differences of the same loss computed on the host in float64:
//
//   x → Dense(5, relu) → BN (batch mean, biased batch variance, ε = 1e-3) → Dense(3, softmax)
//   loss = mean over the batch of −log softmax(z)[y]
//
// One SGD step with learning rate 1 moves each weight by exactly −gradient.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '../../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { initializeWeights } from '../../../runtime/initializers.js';
import { TrainableModel } from '../../../runtime/train/trainableModel.js';
import { Random } from '../../../runtime/random.js';
import { createOptimizer } from '../../../runtime/train/optimizers.js';
import { graphOf } from '../../helpers/models.js';

test.before(async () => {
  await initNodeBackend('wasm');
  await registerGradients();
});

const BATCH = 6;
const IN = 4;
const HIDDEN = 5;
const CLASSES = 3;

type HostWeights = Map<string, number[]>;

/** The loss in float64, exactly the step's forward pass. */
function hostLoss(w: HostWeights, x: number[], y: number[]): number {
  const kernel = w.get('dense/kernel')!;
  const bias = w.get('dense/bias')!;
  const gamma = w.get('batch_normalization/gamma')!;
  const beta = w.get('batch_normalization/beta')!;
  const kernel1 = w.get('dense_1/kernel')!;
  const bias1 = w.get('dense_1/bias')!;
  const h = Array.from({ length: BATCH }, (_, n) =>
    Array.from({ length: HIDDEN }, (_, u) => {
      let sum = bias[u];
      for (let j = 0; j < IN; j++) sum += x[n * IN + j] * kernel[j * HIDDEN + u];
      return Math.max(0, sum);
    }),
  );
  const z = h.map((row) => [...row]);
  for (let u = 0; u < HIDDEN; u++) {
    const mean = h.reduce((s, row) => s + row[u], 0) / BATCH;
    const variance = h.reduce((s, row) => s + (row[u] - mean) ** 2, 0) / BATCH;
    for (let n = 0; n < BATCH; n++) z[n][u] = (gamma[u] * (h[n][u] - mean)) / Math.sqrt(variance + 1e-3) + beta[u];
  }
  let loss = 0;
  for (let n = 0; n < BATCH; n++) {
    const logits = Array.from({ length: CLASSES }, (_, c) => z[n].reduce((s, v, u) => s + v * kernel1[u * CLASSES + c], bias1[c]));
    const max = Math.max(...logits);
    const total = logits.reduce((s, l) => s + Math.exp(l - max), 0);
    loss -= logits[y[n]] - max - Math.log(total);
  }
  return loss / BATCH;
}

test('gradients through BatchNormalization in training mode match float64 finite differences', async (t) => {
  const graph = graphOf(`model M { input x: [${IN}]\n Dense(${HIDDEN}, activation=relu)\n BatchNormalization\n Dense(${CLASSES}, activation=softmax) }`);
  const weights = initializeWeights(graph, 3);
  const random = new Random(8);
  // Non-trivial bias, gamma and beta so that every term of the BN gradient matters.
  for (const key of ['dense/bias', 'batch_normalization/gamma', 'batch_normalization/beta']) {
    const tensor = weights.get(key)!;
    weights.set(key, { shape: tensor.shape, data: Float32Array.from(tensor.data, () => 0.5 + random.uniform()) });
  }
  const x = Array.from({ length: BATCH * IN }, () => Math.fround(random.normal()));
  const y = [0, 1, 2, 0, 1, 2];
  const host: HostWeights = new Map([...weights].map(([key, value]) => [key, Array.from(value.data)]));

  const model = new TrainableModel(graph, weights, 'wasm');
  const optimizer = createOptimizer('sgd', { learningRate: 1 });
  const xs = tf.tensor2d(x, [BATCH, IN]);
  const ys = tf.tensor1d(y, 'float32');
  const result = model.trainStep('sparse_categorical_crossentropy', optimizer).run(xs, ys, 0);
  // 1e-6: float32 forward pass against float64.
  t.true(Math.abs(result.loss.dataSync()[0] - hostLoss(host, x, y)) < 1e-6);
  const after = await model.getWeights();

  let checked = 0;
  for (const [key, values] of host) {
    if (key.includes('moving')) continue;
    for (let i = 0; i < values.length; i++) {
      const shifted = (delta: number) => hostLoss(new Map([...host, [key, values.map((v, k) => (k === i ? v + delta : v))]]), x, y);
      const finiteDifference = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
      const gradient = values[i] - after.get(key)!.data[i];
      // 1e-5: float32 gradients (|g| < 1) against float64 central differences (error ~1e-10).
      t.true(Math.abs(finiteDifference - gradient) < 1e-5, `${key}[${i}]: finite difference ${finiteDifference}, step ${gradient}`);
      checked++;
    }
  }
  t.is(checked, IN * HIDDEN + HIDDEN + 2 * HIDDEN + HIDDEN * CLASSES + CLASSES);
  tf.dispose([xs, ys, result.loss, result.correct]);
  optimizer.dispose();
  model.dispose();
});
