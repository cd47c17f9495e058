// BatchNormalization against hand computations (float64 loops, no tfjs), including
// cases rewritten from Keras's and tfjs-layers' own BatchNormalization tests.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { graphOf, hostMaxAbsDiff } from '../helpers/models.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

type Stats = { gamma?: number[]; beta?: number[]; mean: number[]; variance: number[] };

/** A one-layer model `input x: shape -> BatchNormalization(args)` with the given statistics. */
function bnModel(shape: number[], args: string, stats: Stats, paramShape: number[]): Model {
  const graph = graphOf(`model M { input x: [${shape.join(', ')}]\n BatchNormalization(${args}) }`);
  const weights = new Map<string, HostTensor>();
  const put = (name: string, values: number[] | undefined) => {
    if (values) weights.set(`batch_normalization/${name}`, { shape: paramShape, data: Float32Array.from(values) });
  };
  put('gamma', stats.gamma);
  put('beta', stats.beta);
  put('moving_mean', stats.mean);
  put('moving_variance', stats.variance);
  return new Model(graph, weights, 'wasm');
}

async function run(model: Model, x: number[][], training = false): Promise<Float32Array> {
  const [y] = await model.predictHost({ shape: [x.length, x[0].length], data: Float32Array.from(x.flat()) }, { training });
  return y.data as Float32Array;
}

// Rewritten from Keras's renorm correctness test, without renorm: a 3×3 batch, hand-computed.
const X = [
  [4, 6, 2],
  [8, -2, 5],
  [6, 4, 3],
];
const GAMMA = [1.1, 0.9, 1.0];
const BETA = [0.1, -0.2, 0.0];
const MEAN = [0.5, -1.0, 0.0];
const VARIANCE = [1.0, 2.0, 0.5];
const EPSILON = 1e-3;

function columnStats(x: number[][]): { mean: number[]; variance: number[] } {
  const n = x.length;
  const mean = x[0].map((_, j) => x.reduce((s, row) => s + row[j], 0) / n);
  // Biased variance: divide by n, as Keras does in training.
  const variance = x[0].map((_, j) => x.reduce((s, row) => s + (row[j] - mean[j]) ** 2, 0) / n);
  return { mean, variance };
}

function normalizeByHand(x: number[][], mean: number[], variance: number[], gamma: number[] | null, beta: number[] | null): number[] {
  return x.flatMap((row) => row.map((v, j) => ((v - mean[j]) / Math.sqrt(variance[j] + EPSILON)) * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0)));
}

test('inference: γ·(x − moving_mean)/√(moving_variance + ε) + β', async (t) => {
  const model = bnModel([3], 'epsilon=0.001', { gamma: GAMMA, beta: BETA, mean: MEAN, variance: VARIANCE }, [3]);
  const y = await run(model, X);
  const expected = normalizeByHand(X, MEAN, VARIANCE, GAMMA, BETA);
  // 1e-5: float32 rounding of a handful of operations on values of magnitude ~10.
  t.true(hostMaxAbsDiff(y, expected) < 1e-5, `${[...y]} vs ${expected}`);
  model.dispose();
});

test('training: batch mean and biased batch variance, then moving = moving·momentum + batch·(1 − momentum)', async (t) => {
  const model = bnModel([3], 'momentum=0.9, epsilon=0.001', { gamma: GAMMA, beta: BETA, mean: MEAN, variance: VARIANCE }, [3]);
  const y = await run(model, X, true);
  const batch = columnStats(X);
  // Column 0 by hand: mean 6, variance ((−2)² + 2² + 0²)/3 = 8/3.
  t.is(batch.mean[0], 6);
  t.true(Math.abs(batch.variance[0] - 8 / 3) < 1e-12);
  t.true(hostMaxAbsDiff(y, normalizeByHand(X, batch.mean, batch.variance, GAMMA, BETA)) < 1e-5);
  const weights = await model.getWeights();
  const expectedMean = MEAN.map((m, j) => m * 0.9 + batch.mean[j] * 0.1);
  const expectedVariance = VARIANCE.map((v, j) => v * 0.9 + batch.variance[j] * 0.1);
  t.true(hostMaxAbsDiff(weights.get('batch_normalization/moving_mean')!.data, expectedMean) < 1e-6);
  t.true(hostMaxAbsDiff(weights.get('batch_normalization/moving_variance')!.data, expectedVariance) < 1e-6);
  // Gradients never touch the moving statistics, and a forward pass never touches γ and β.
  t.deepEqual([...weights.get('batch_normalization/gamma')!.data], [...Float32Array.from(GAMMA)]);
  model.dispose();
});

test('center=false drops β and scale=false drops γ', async (t) => {
  const model = bnModel([3], 'center=false, scale=false, epsilon=0.001', { mean: MEAN, variance: VARIANCE }, [3]);
  t.true(hostMaxAbsDiff(await run(model, X), normalizeByHand(X, MEAN, VARIANCE, null, null)) < 1e-5);
  const batch = columnStats(X);
  t.true(hostMaxAbsDiff(await run(model, X, true), normalizeByHand(X, batch.mean, batch.variance, null, null)) < 1e-5);
  model.dispose();
  const onlyScale = bnModel([3], 'center=false, epsilon=0.001', { gamma: GAMMA, mean: MEAN, variance: VARIANCE }, [3]);
  t.true(hostMaxAbsDiff(await run(onlyScale, X), normalizeByHand(X, MEAN, VARIANCE, GAMMA, null)) < 1e-5);
  onlyScale.dispose();
});

test('trainable=false runs in inference mode even while training, and leaves the moving statistics alone', async (t) => {
  const model = bnModel([3], 'trainable=false, epsilon=0.001', { gamma: GAMMA, beta: BETA, mean: MEAN, variance: VARIANCE }, [3]);
  t.true(hostMaxAbsDiff(await run(model, X, true), normalizeByHand(X, MEAN, VARIANCE, GAMMA, BETA)) < 1e-5);
  const weights = await model.getWeights();
  t.deepEqual([...weights.get('batch_normalization/moving_mean')!.data], [...Float32Array.from(MEAN)]);
  t.deepEqual([...weights.get('batch_normalization/moving_variance')!.data], [...Float32Array.from(VARIANCE)]);
  model.dispose();
});

// Rewritten from Keras's test_masked_broadcast_normalization (without the mask):
// a constant batch has mean 1 and variance 0, so the output is β and, with momentum 0,
// the moving statistics become exactly the batch's.
test('a constant batch with momentum 0: output β, moving mean 1, moving variance 0', async (t) => {
  const model = bnModel([2, 3, 4], 'momentum=0', { gamma: [1, 1, 1, 1], beta: [0, 0, 0, 0], mean: [0, 0, 0, 0], variance: [1, 1, 1, 1] }, [4]);
  const [y] = await model.predictHost({ shape: [1, 2, 3, 4], data: new Float32Array(24).fill(1) }, { training: true });
  t.true(hostMaxAbsDiff(y.data, new Float32Array(24)) < 1e-6);
  const weights = await model.getWeights();
  t.deepEqual([...weights.get('batch_normalization/moving_mean')!.data], [1, 1, 1, 1]);
  t.deepEqual([...weights.get('batch_normalization/moving_variance')!.data], [0, 0, 0, 0]);
  model.dispose();
});

// Rewritten from Keras's test_correctness: data around 5 with spread 10, momentum 0,
// normalized three times in training mode, over axis −1 and axis 1 of 3-D and 4-D inputs.
for (const [shape, axis] of [
  [[2, 3], -1],
  [[2, 3], 1],
  [[3, 3, 2], -1],
  [[3, 3, 2], 1],
] as const) {
  test(`momentum 0, axis ${axis} on [None, ${shape.join(', ')}]: per-channel mean 0 and std 1, inference after training matches`, async (t) => {
    const rank = shape.length + 1;
    const resolved = axis < 0 ? axis + rank : axis;
    const channels = [5, ...shape][resolved];
    const model = bnModel([...shape], `axis=${axis}, momentum=0`, { gamma: Array(channels).fill(1), beta: Array(channels).fill(0), mean: Array(channels).fill(0), variance: Array(channels).fill(1) }, [channels]);
    const x = tf.add(tf.mul(tf.randomNormal([5, ...shape], 0, 1, 'float32', 7), 10), 5);
    let out = x;
    for (let i = 0; i < 3; i++) {
      const next = model.predict(out, { training: true }) as tf.Tensor;
      if (out !== x) out.dispose();
      out = next;
    }
    const reduction = [0, ...shape.map((_, i) => i + 1)].filter((a) => a !== resolved);
    const { mean, variance } = tf.moments(out, reduction);
    // 1e-3 as in Keras's test: ε = 1e-3 keeps the std just under 1.
    t.true(hostMaxAbsDiff(await mean.data(), new Array(channels).fill(0)) < 1e-3);
    t.true(hostMaxAbsDiff((await tf.sqrt(variance).data()), new Array(channels).fill(1)) < 1e-3);
    const trained = model.predict(x, { training: true }) as tf.Tensor;
    const inferred = model.predict(x) as tf.Tensor;
    t.true(tf.max(tf.abs(tf.sub(trained, inferred))).dataSync()[0] < 1e-4);
    tf.dispose([x, out, mean, variance, trained, inferred]);
    model.dispose();
  });
}

test('list axes: axis=[1, 2] on [28, 28] normalizes 784 features, each over the batch only', async (t) => {
  const graph = graphOf('model M { input x: [28, 28]\n BatchNormalization(axis=[1, 2], momentum=0.5) }');
  const size = 784;
  const gamma = Array.from({ length: size }, (_, i) => 0.5 + (i % 7) / 10);
  const beta = Array.from({ length: size }, (_, i) => ((i % 5) - 2) / 10);
  const mean = Array.from({ length: size }, (_, i) => ((i % 11) - 5) / 10);
  const variance = Array.from({ length: size }, (_, i) => 0.5 + (i % 3) / 2);
  const weights = new Map<string, HostTensor>([
    ['batch_normalization/gamma', { shape: [28, 28], data: Float32Array.from(gamma) }],
    ['batch_normalization/beta', { shape: [28, 28], data: Float32Array.from(beta) }],
    ['batch_normalization/moving_mean', { shape: [28, 28], data: Float32Array.from(mean) }],
    ['batch_normalization/moving_variance', { shape: [28, 28], data: Float32Array.from(variance) }],
  ]);
  const model = new Model(graph, weights, 'wasm');
  const batch = 4;
  const x = Array.from({ length: batch }, (_, b) => Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + b * 1.3) * (1 + b)));
  const [inference] = await model.predictHost({ shape: [batch, 28, 28], data: Float32Array.from(x.flat()) });
  t.true(hostMaxAbsDiff(inference.data, normalizeByHand(x, mean, variance, gamma, beta)) < 1e-5);
  const [training] = await model.predictHost({ shape: [batch, 28, 28], data: Float32Array.from(x.flat()) }, { training: true });
  const stats = columnStats(x);
  t.true(hostMaxAbsDiff(training.data, normalizeByHand(x, stats.mean, stats.variance, gamma, beta)) < 1e-4);
  const after = await model.getWeights();
  t.deepEqual(after.get('batch_normalization/moving_mean')!.shape, [28, 28]);
  t.true(hostMaxAbsDiff(after.get('batch_normalization/moving_variance')!.data, variance.map((v, j) => v * 0.5 + stats.variance[j] * 0.5)) < 1e-5);
  model.dispose();
});

test('list axes on a 4-D input: axis=[1, 3] on [3, 5, 2] has [3, 2] statistics, reduced over batch and width', async (t) => {
  const graph = graphOf('model M { input x: [3, 5, 2]\n BatchNormalization(axis=[1, -1], center=false, scale=false, momentum=0) }');
  const zeros = { shape: [3, 2], data: new Float32Array(6) };
  const ones = { shape: [3, 2], data: new Float32Array(6).fill(1) };
  const model = new Model(graph, new Map([['batch_normalization/moving_mean', zeros], ['batch_normalization/moving_variance', ones]]), 'wasm');
  const n = 2 * 3 * 5 * 2;
  const data = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) * 3 + (i % 4));
  const [y] = await model.predictHost({ shape: [2, 3, 5, 2], data }, { training: true });
  // By hand: for each (h, c), statistics over the 2 × 5 values of (batch, w).
  const at = (b: number, h: number, w: number, c: number) => ((b * 3 + h) * 5 + w) * 2 + c;
  const expected = new Float64Array(n);
  const movingVariance: number[] = [];
  for (let h = 0; h < 3; h++) {
    for (let c = 0; c < 2; c++) {
      const idx: number[] = [];
      for (let b = 0; b < 2; b++) for (let w = 0; w < 5; w++) idx.push(at(b, h, w, c));
      const mean = idx.reduce((s, i) => s + data[i], 0) / idx.length;
      const variance = idx.reduce((s, i) => s + (data[i] - mean) ** 2, 0) / idx.length;
      for (const i of idx) expected[i] = (data[i] - mean) / Math.sqrt(variance + 1e-3);
      movingVariance.push(variance);
    }
  }
  t.true(hostMaxAbsDiff(y.data, expected) < 1e-5);
  const after = await model.getWeights();
  t.true(hostMaxAbsDiff(after.get('batch_normalization/moving_variance')!.data, movingVariance) < 1e-5);
  model.dispose();
});

test('Dropout: identity in inference; in training zeros about `rate` of the values and scales the rest by 1/(1 − rate)', async (t) => {
  const graph = graphOf('model M { input x: [1000]\n Dropout(0.25) }');
  const model = new Model(graph, new Map(), 'wasm');
  const ones = { shape: [4, 1000], data: new Float32Array(4000).fill(1) };
  const [inference] = await model.predictHost(ones);
  t.true(inference.data.every((v) => v === 1));
  const [training] = await model.predictHost(ones, { training: true });
  const zeros = training.data.filter((v) => v === 0).length;
  const kept = training.data.filter((v) => Math.abs(v - 1 / 0.75) < 1e-6).length;
  t.is(zeros + kept, 4000);
  // 4000 Bernoulli(0.25) draws: mean 1000, sd ≈ 27.4; allow 5 sd.
  t.true(Math.abs(zeros - 1000) < 137, `zeros: ${zeros}`);
  model.dispose();
});
