// The training step: against tfjs-layers' trainOnBatch (SGD), and every optimizer
// against Keras 3's update rules computed by hand in float64.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { TrainableModel } from '../../runtime/train/trainableModel.js';
import { type OptimizerName, createOptimizer } from '../../runtime/train/optimizers.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { exampleGraph, graphOf, hostMaxAbsDiff, randomizedWeights } from '../helpers/models.js';
import { sgdBesideTfjsLayers } from '../helpers/sgdReference.js';

test.before(async () => {
  await initNodeBackend('wasm');
  await registerGradients();
});

test.serial("Géron's MLP: three SGD steps give tfjs-layers' trainOnBatch weights, losses and moving statistics", async (t) => {
  const graph = exampleGraph('geron');
  const weights = randomizedWeights(graph);
  const { after, checked } = await sgdBesideTfjsLayers(t, graph, weights, { backend: 'wasm', learningRate: 0.05, steps: 3, batchSize: 16, firstSeed: 100, label: (k, i) => (k * 7 + i) % 10 });
  t.is(checked, 18);
  // The weights did move: the comparison is not between two untouched copies.
  t.true(hostMaxAbsDiff(after.get('dense/kernel')!.data, weights.get('dense/kernel')!.data) > 1e-4);
  t.true(hostMaxAbsDiff(after.get('batch_normalization/moving_mean')!.data, weights.get('batch_normalization/moving_mean')!.data) > 1e-4);
});

// One weight vector w (Dense(1, use_bias=false) on 2 features), MSE on a fixed batch:
// loss = mean_i (x_i·w − y_i)², gradient = (2/N) Σ_i x_i (x_i·w − y_i).
const XS = [
  [1, 2],
  [-1, 0.5],
  [3, -1],
];
const YS = [1, -2, 0.5];
const W0 = [0.3, -0.7];

function gradient(w: number[]): number[] {
  const g = [0, 0];
  XS.forEach((x, i) => {
    const residual = x[0] * w[0] + x[1] * w[1] - YS[i];
    g[0] += (2 / XS.length) * x[0] * residual;
    g[1] += (2 / XS.length) * x[1] * residual;
  });
  return g;
}

/** Keras 3's update rules, written out per element in float64. */
function handTrajectory(name: OptimizerName, lr: number, steps: number): number[] {
  const w = [...W0];
  const m = [0, 0];
  const v = [0, 0];
  let product = 1;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-7;
  for (let t = 1; t <= steps; t++) {
    const g = gradient(w);
    for (let j = 0; j < 2; j++) {
      if (name === 'sgd') {
        m[j] = 0.9 * m[j] - lr * g[j]; // momentum 0.9
        w[j] += m[j];
      } else if (name === 'adam') {
        m[j] += (g[j] - m[j]) * (1 - b1);
        v[j] += (g[j] ** 2 - v[j]) * (1 - b2);
        w[j] -= ((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)) * (m[j] / (Math.sqrt(v[j]) + eps));
      } else if (name === 'nadam') {
        const u = (s: number) => b1 * (1 - 0.5 * 0.96 ** (0.004 * s));
        const uT = u(t);
        const uNext = u(t + 1);
        const pT = product * uT;
        const pNext = pT * uNext;
        m[j] += (g[j] - m[j]) * (1 - b1);
        v[j] += (g[j] ** 2 - v[j]) * (1 - b2);
        const mHat = (uNext * m[j]) / (1 - pNext) + ((1 - uT) * g[j]) / (1 - pT);
        const vHat = v[j] / (1 - b2 ** t);
        w[j] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      } else {
        v[j] = 0.9 * v[j] + 0.1 * g[j] ** 2;
        w[j] -= (lr * g[j]) / Math.sqrt(v[j] + eps);
      }
    }
    if (name === 'nadam') product *= b1 * (1 - 0.5 * 0.96 ** (0.004 * t));
  }
  return w;
}

for (const name of ['sgd', 'adam', 'nadam', 'rmsprop'] as const) {
  test.serial(`${name}: five steps follow Keras 3's update rule`, async (t) => {
    const graph = graphOf('model M { input x: [2]\n Dense(1, use_bias=false) }');
    const weights = new Map<string, HostTensor>([['dense/kernel', { shape: [2, 1], data: Float32Array.from(W0) }]]);
    const model = new TrainableModel(graph, weights, 'wasm');
    const optimizer = createOptimizer(name, { learningRate: 0.01, momentum: name === 'sgd' ? 0.9 : undefined });
    const step = model.trainStep('mean_squared_error', optimizer);
    const x = tf.tensor2d(XS);
    const y = tf.tensor2d(YS.map((v) => [v]));
    for (let i = 0; i < 5; i++) {
      const result = step.run(x, y, i);
      tf.dispose([result.loss, result.correct]);
    }
    const expected = handTrajectory(name, 0.01, 5);
    const actual = (await model.getWeights()).get('dense/kernel')!.data;
    // 1e-6: float32 arithmetic over five small updates.
    t.true(hostMaxAbsDiff(actual, expected) < 1e-6, `${[...actual]} vs ${expected}`);
    t.true(hostMaxAbsDiff(actual, W0) > 1e-3); // it moved
    t.is(optimizer.iterations, 5);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });
}

test.serial('l2 regularization adds λ·Σw² to the loss, and non_neg clips the weight after the update', async (t) => {
  const graph = graphOf('model M { input x: [2]\n Dense(1, use_bias=false, kernel_regularizer=l2(0.5), kernel_constraint=non_neg) }');
  const model = new TrainableModel(graph, new Map([['dense/kernel', { shape: [2, 1], data: Float32Array.from(W0) }]]), 'wasm');
  const step = model.trainStep('mean_squared_error', createOptimizer('sgd', { learningRate: 0.01 }));
  const x = tf.tensor2d(XS);
  const y = tf.tensor2d(YS.map((v) => [v]));
  const result = step.run(x, y, 0);
  const mse = XS.reduce((s, xi, i) => s + (xi[0] * W0[0] + xi[1] * W0[1] - YS[i]) ** 2, 0) / XS.length;
  const l2 = 0.5 * (W0[0] ** 2 + W0[1] ** 2);
  t.true(Math.abs((await result.loss.data())[0] - (mse + l2)) < 1e-5);
  // Update by hand: w − lr·(∇mse + 2·0.5·w), then negative entries set to 0.
  const g = gradient(W0);
  const expected = W0.map((w, j) => Math.max(0, w - 0.01 * (g[j] + w)));
  t.true(hostMaxAbsDiff((await model.getWeights()).get('dense/kernel')!.data, expected) < 1e-6);
  // −0, like Keras's w · [w ≥ 0] on a negative weight.
  t.true((await model.getWeights()).get('dense/kernel')!.data[1] === 0);
  tf.dispose([x, y, result.loss, result.correct]);
  model.dispose();
});

test.serial('a BatchNormalization with trainable=false is left untouched by training steps', async (t) => {
  const graph = graphOf('model M { input x: [4]\n Dense(3)\n BatchNormalization(trainable=false)\n Dense(2, activation=softmax) }');
  const weights = randomizedWeights(graph, 4);
  const model = new TrainableModel(graph, weights, 'wasm');
  const step = model.trainStep('sparse_categorical_crossentropy', createOptimizer('adam', { learningRate: 0.01 }));
  for (let i = 0; i < 3; i++) {
    const x = tf.randomNormal([8, 4], 0, 1, 'float32', i);
    const y = tf.tensor1d([0, 1, 0, 1, 1, 0, 1, 0]);
    const r = step.run(x, y, i);
    tf.dispose([x, y, r.loss, r.correct]);
  }
  const after = await model.getWeights();
  for (const variable of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
    const key = `batch_normalization/${variable}`;
    t.deepEqual([...after.get(key)!.data], [...weights.get(key)!.data], key);
  }
  t.true(hostMaxAbsDiff(after.get('dense/kernel')!.data, weights.get('dense/kernel')!.data) > 1e-4);
  model.dispose();
});
