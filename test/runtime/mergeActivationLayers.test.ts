// Inference semantics of Multiply, Average, Maximum, Minimum, PReLU and GlobalMaxPooling2D
// against tfjs-layers with the same weights; of what tfjs-layers lacks (Subtract,
// broadcasting merges, keepdims, Identity, Keras 3's Normalization) against float64
// hand computations.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { errorsOf, paramsOf } from '../helpers/check.js';
import { graphOf, randomizedWeights } from '../helpers/models.js';
import { assertMatchesTfjsLayers } from '../helpers/tfjsLayers.js';

test.before(async () => {
  await initNodeBackend('cpu');
});

const MERGES = `model Merges {
  input x: [5, 6, 4]
  a = x -> Conv2D(4, 1)
  b = x -> Conv2D(4, 3, padding=same)
  m = (a, b) -> Multiply
  v = (a, b, x) -> Average
  hi = (a, b) -> Maximum
  lo = (a, b, x) -> Minimum
  p = (m, v) -> Maximum -> PReLU
  q = hi -> PReLU(shared_axes=[1, 2])
  g = (p, q, lo) -> Concatenate -> GlobalMaxPooling2D
  output g, p
}`;

test('Multiply, Average, Maximum, Minimum, PReLU and GlobalMaxPooling2D equal tfjs-layers with the same weights', (t) => {
  const graph = graphOf(MERGES);
  const weights = randomizedWeights(graph);
  // PReLU's alpha starts at zeros: draw it so the negative side counts.
  for (const [key, w] of weights) {
    if (key.endsWith('/alpha')) weights.set(key, { shape: w.shape, data: Float32Array.from(w.data, (_, i) => 0.1 + 0.8 * Math.abs(Math.sin(i + 1))) });
  }
  assertMatchesTfjsLayers(t, graph, weights, { backend: 'cpu', x: 3, labels: ['global max', 'prelu'] });
});

/** Runs a one-output model on `x` ([batch, ...dims] as nested arrays flattened with its shape). */
function run(source: string, x: number[], shape: number[], weights = new Map<string, HostTensor>()): { data: Float32Array; shape: number[] } {
  const model = new Model(graphOf(source), weights, 'cpu');
  const input = tf.tensor(x, shape);
  const y = model.predict(input) as tf.Tensor;
  const result = { data: y.dataSync() as Float32Array, shape: y.shape };
  tf.dispose([input, y]);
  model.dispose();
  return result;
}

function near(t: import('ava').ExecutionContext, actual: Float32Array, expected: number[], tolerance = 1e-6): void {
  t.is(actual.length, expected.length);
  expected.forEach((e, i) => t.true(Math.abs(actual[i] - e) <= tolerance * Math.max(1, Math.abs(e)), `[${i}] ${actual[i]} vs ${e}`));
}

// One image 2×2 with 3 channels, values x[h][w][c] = (h·2 + w)·3 + c − 5 (negative and positive).
const IMAGE = Array.from({ length: 12 }, (_, i) => i - 5);

test('Subtract, and merges broadcasting a keepdims global pooling, by hand', (t) => {
  const source = (merge: string) => `model M {\n  input x: [2, 2, 3]\n  g = x -> GlobalMaxPooling2D(keepdims=true)\n  (x, g) -> ${merge}\n}`;
  const channelMax = [0, 1, 2].map((c) => Math.max(...[0, 1, 2, 3].map((p) => IMAGE[p * 3 + c])));
  const broadcast = (f: (a: number, b: number) => number) => IMAGE.map((v, i) => f(v, channelMax[i % 3]));
  const sub = run(source('Subtract'), IMAGE, [1, 2, 2, 3]);
  t.deepEqual(sub.shape, [1, 2, 2, 3]);
  near(t, sub.data, broadcast((a, b) => a - b));
  near(t, run(source('Multiply'), IMAGE, [1, 2, 2, 3]).data, broadcast((a, b) => a * b));
  near(t, run(source('Average'), IMAGE, [1, 2, 2, 3]).data, broadcast((a, b) => (a + b) / 2));
  near(t, run(source('Minimum'), IMAGE, [1, 2, 2, 3]).data, broadcast(Math.min));
});

test('GlobalAveragePooling2D and GlobalMaxPooling2D with keepdims keep [b, 1, 1, c]', (t) => {
  const avg = run('model M {\n  input x: [2, 2, 3]\n  GlobalAveragePooling2D(keepdims=true)\n}', IMAGE, [1, 2, 2, 3]);
  t.deepEqual(avg.shape, [1, 1, 1, 3]);
  near(t, avg.data, [0, 1, 2].map((c) => [0, 1, 2, 3].reduce((s, p) => s + IMAGE[p * 3 + c], 0) / 4));
  const max = run('model M {\n  input x: [2, 2, 3]\n  GlobalMaxPooling2D(keepdims=true)\n}', IMAGE, [1, 2, 2, 3]);
  t.deepEqual(max.shape, [1, 1, 1, 3]);
  near(t, max.data, [4, 5, 6]);
});

test('Identity returns its input', (t) => {
  near(t, run('model M {\n  input x: [2, 2, 3]\n  Identity\n}', IMAGE, [1, 2, 2, 3]).data, IMAGE);
});

// Keras 3's Normalization: (x − mean) / max(√variance, 1e-7); invert: mean + x · max(√variance, 1e-7).
const EPSILON = 1e-7;
const MEAN = [0.5, -1.25, 2];
const VARIANCE = [4, 0.09, 1e-16]; // the last one's √ is floored at ε
function normalizationWeights(mean: number[], variance: number[], shape: number[]): Map<string, HostTensor> {
  return new Map([
    ['normalization/mean', { shape, data: Float32Array.from(mean) }],
    ['normalization/variance', { shape, data: Float32Array.from(variance) }],
    ['normalization/count', { shape: [], data: Float32Array.from([12]) }],
  ]);
}
const X = [1, 2, 3, -4, 0.5, 2.5];

test('Normalization: (x − mean) / max(√variance, 1e-7) per channel', (t) => {
  const y = run('model M {\n  input x: [3]\n  Normalization\n}', X, [2, 3], normalizationWeights(MEAN, VARIANCE, [3]));
  const expected = X.map((v, i) => (v - MEAN[i % 3]) / Math.max(Math.sqrt(Math.fround(VARIANCE[i % 3])), EPSILON));
  near(t, y.data, expected, 1e-5);
  // The floor matters: without it the last channel would be divided by 1e-8.
  t.true(Math.abs(y.data[2] - 1e7) < 1e3, `${y.data[2]}`);
});

test('Normalization with invert=true: mean + x · max(√variance, 1e-7)', (t) => {
  const y = run('model M {\n  input x: [3]\n  Normalization(invert=true)\n}', X, [2, 3], normalizationWeights(MEAN, VARIANCE, [3]));
  near(t, y.data, X.map((v, i) => MEAN[i % 3] + v * Math.max(Math.sqrt(Math.fround(VARIANCE[i % 3])), EPSILON)), 1e-6);
});

test('Normalization with axis=null: one scalar mean and variance', (t) => {
  const y = run('model M {\n  input x: [3]\n  Normalization(axis=null)\n}', X, [2, 3], normalizationWeights([1.5], [2.25], []));
  near(t, y.data, X.map((v) => (v - 1.5) / 1.5));
});

test('Normalization over axis 1 of a [2, 3] input: statistics shaped [2]', (t) => {
  const y = run('model M {\n  input x: [2, 3]\n  Normalization(axis=1)\n}', X, [1, 2, 3], normalizationWeights([1, -1], [0.25, 16], [2]));
  near(t, y.data, X.map((v, i) => (i < 3 ? (v - 1) / 0.5 : (v + 1) / 4)));
});

// Keras 3's mean= and variance= constants: configuration, no variables.

test("Normalization(mean=3, variance=2): Keras 3's docstring example, no weights", (t) => {
  // keras/src/layers/preprocessing/normalization.py: Normalization(mean=3., variance=2.) on [[1.], [2.], [3.]].
  const y = run('model M {\n  input x: [1]\n  Normalization(mean=3, variance=2)\n}', [1, 2, 3], [3, 1]);
  near(t, y.data, [-1.4142135, -0.70710677, 0]);
  t.deepEqual(paramsOf('model M {\n  input x: [1]\n  Normalization(mean=3, variance=2)\n}'), [0, 0, 0]);
});

test('Normalization constants per channel, with invert, and aligned from the right with the kept axes (float64 by hand)', (t) => {
  const per = run('model M {\n  input x: [3]\n  Normalization(mean=[0.5, -1.25, 2], variance=[4, 0.09, 1e-16])\n}', X, [2, 3]);
  near(t, per.data, X.map((v, i) => (v - MEAN[i % 3]) / Math.max(Math.sqrt(Math.fround(VARIANCE[i % 3])), EPSILON)), 1e-5);
  const inverted = run('model M {\n  input x: [3]\n  Normalization(mean=[0.5, -1.25, 2], variance=[4, 0.09, 1e-16], invert=true)\n}', X, [2, 3]);
  near(t, inverted.data, X.map((v, i) => MEAN[i % 3] + v * Math.max(Math.sqrt(Math.fround(VARIANCE[i % 3])), EPSILON)));
  // axis=[1, 2] of a [2, 3] input keeps [2, 3]: constants of shape [3] line up with axis 2
  // (both rows the same), of shape [2, 1] with axes 1 and 2 (all columns the same).
  const aligned = run('model M {\n  input x: [2, 3]\n  Normalization(axis=[1, 2], mean=[1, 2, 3], variance=[1, 4, 16])\n}', X, [1, 2, 3]);
  near(t, aligned.data, X.map((v, i) => (v - [1, 2, 3][i % 3]) / [1, 2, 4][i % 3]));
  const broadcast = run('model M {\n  input x: [2, 3]\n  Normalization(axis=[1, 2], mean=[[1], [-1]], variance=[[1], [4]])\n}', X, [1, 2, 3]);
  near(t, broadcast.data, X.map((v, i) => (i < 3 ? v - 1 : (v + 1) / 2)));
  t.deepEqual(paramsOf('model M {\n  input x: [2, 3]\n  Normalization(axis=[1, 2], mean=[1, 2, 3], variance=[1, 1, 1])\n}'), [0, 0, 0]);
});

test.serial('Normalization constants in a training step: the Dense after it gets the gradients of a float64 loss (central differences)', async (t) => {
  const { registerGradients } = await import('../../runtime/backends/gradients.js');
  const { TrainableModel } = await import('../../runtime/train/trainableModel.js');
  const { createOptimizer } = await import('../../runtime/train/optimizers.js');
  await registerGradients();
  const graph = graphOf('model M {\n  input x: [3]\n  Normalization(mean=[0.5, -1.25, 2], variance=[4, 0.09, 1])\n  Dense(2, activation=softmax)\n}');
  const weights = randomizedWeights(graph, 5);
  t.deepEqual([...weights.keys()].sort(), ['dense/bias', 'dense/kernel']);
  const labels = [0, 1];
  const host = new Map([...weights].map(([k, v]) => [k, Array.from(v.data)]));
  const loss = (w: Map<string, number[]>) => {
    const [kernel, bias] = [w.get('dense/kernel')!, w.get('dense/bias')!];
    let total = 0;
    for (let n = 0; n < 2; n++) {
      const z = [0, 1, 2].map((c) => (X[n * 3 + c] - MEAN[c]) / Math.sqrt(Math.fround([4, 0.09, 1][c])));
      const logits = [0, 1].map((o) => z.reduce((sum, v, c) => sum + v * kernel[c * 2 + o], bias[o]));
      const max = Math.max(...logits);
      total -= logits[labels[n]] - max - Math.log(logits.reduce((sum, l) => sum + Math.exp(l - max), 0));
    }
    return total / 2;
  };
  const model = new TrainableModel(graph, weights, 'cpu');
  const optimizer = createOptimizer('sgd', { learningRate: 1 });
  const [xs, ys] = [tf.tensor2d(X, [2, 3]), tf.tensor1d(labels, 'float32')];
  const result = model.trainStep('sparse_categorical_crossentropy', optimizer).run(xs, ys, 0);
  // 1e-6: the float32 forward pass against float64.
  t.true(Math.abs(result.loss.dataSync()[0] - loss(host)) < 1e-6);
  const after = await model.getWeights();
  for (const [key, values] of host) {
    for (let i = 0; i < values.length; i++) {
      const shifted = (delta: number) => loss(new Map([...host, [key, values.map((v, k) => (k === i ? v + delta : v))]]));
      const finiteDifference = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
      // 1e-5: float32 gradients against float64 central differences.
      t.true(Math.abs(finiteDifference - (values[i] - after.get(key)!.data[i])) < 1e-5, `${key}[${i}]`);
    }
  }
  tf.dispose([xs, ys, result.loss, result.correct]);
  optimizer.dispose();
  model.dispose();
});

test('Normalization constants: the errors Keras 3 raises, at the argument', (t) => {
  const errors = (args: string, dims = '[2, 3]') => errorsOf(`model M {\n  input x: ${dims}\n  Normalization(${args})\n}`).map((e) => e.message);
  t.deepEqual(errors('mean=1'), ['Normalization needs mean= and variance= together (or neither: statistics stored as weights), found only mean']);
  t.deepEqual(errors('mean=[1, 2, 3], variance=[1, 2]'), ['Normalization mean and variance must have the same shape, found [3] and [2]']);
  t.deepEqual(errors('mean=[[1, 2, 3]], variance=[[1, 2, 3]]'), ['Normalization mean of shape [1, 3] has more axes than the 1 kept axis [3]']);
  t.deepEqual(errors('mean=[1, 2], variance=[1, 2]'), ['Normalization mean of shape [2] does not broadcast to the kept axes [3] (aligned from the right, each size must be 1 or equal)']);
  t.deepEqual(errors('axis=null, mean=[1], variance=[1]'), ['Normalization mean of shape [1] has more axes than the 0 kept axes []']);
  t.deepEqual(errors('mean=[1, 2, 3], variance=[1, -2, 3]'), ['Normalization variance must be non-negative']);
  t.deepEqual(errors('mean=[[1, 2], [3]], variance=1'), ["argument 'mean' of Normalization expects a number, a list of numbers (nested lists of one shape), or null, found [[1, 2], [3]]"]);
  t.deepEqual(errorsOf('model M {\n  input x: [2, 3]\n  Normalization(mean=[1, 2], variance=[1, 2])\n}'), [
    { message: 'Normalization mean of shape [2] does not broadcast to the kept axes [3] (aligned from the right, each size must be 1 or equal)', line: 3, column: 22 },
  ]);
});

test('PReLU: x where x ≥ 0, alpha · x elsewhere, alpha shared over height and width', (t) => {
  const alpha = [0.1, 0.5, 2];
  const y = run('model M {\n  input x: [2, 2, 3]\n  PReLU(shared_axes=[1, 2])\n}', IMAGE, [1, 2, 2, 3], new Map([['p_re_lu/alpha', { shape: [1, 1, 3], data: Float32Array.from(alpha) }]]));
  near(t, y.data, IMAGE.map((v, i) => (v >= 0 ? v : alpha[i % 3] * v)));
});
