// Activation functions as Keras 3 defines them (keras/src/activations/activations.py),
// against float64 hand computations, and against tfjs-layers' own activations where it
// has the same function (its hardSigmoid is Keras 2's 0.2·x + 0.5, so not that one).
// Gradients (training) against the hand-derived derivatives.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { registerGradients } from '../../runtime/backends/gradients.js';
import { activate } from '../../runtime/activations.js';
import { Model } from '../../runtime/model.js';
import type { ActivationName } from '../../src/ir/attributes.js';
import { graphOf } from '../helpers/models.js';
import { assertMatchesTfjsLayers } from '../helpers/tfjsLayers.js';

test.before(async () => {
  await initNodeBackend('cpu');
  await registerGradients();
});

// Points around every kink and saturation: ±3 for the hard ones, 0, and the tails.
const X = [-8, -4, -3.5, -3, -2.999, -1.5, -0.5, -1e-3, 0, 1e-3, 0.25, 0.5, 1, 2.5, 2.999, 3, 3.5, 6, 9];

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
// erf to float64 precision by its Maclaurin series below 3; beyond, 1 − erf(t) < 2.3e-5
// (and gelu's argument is x/√2, so |x| ≥ 4.24: below 2e-9), under float32's resolution.
function erf(x: number): number {
  const t = Math.abs(x);
  if (t < 3) {
    // Maclaurin series: 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)).
    let sum = 0;
    let term = t;
    for (let n = 0; n < 80; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x);
}
const hardSigmoid = (x: number) => Math.min(Math.max(x / 6 + 0.5, 0), 1);

const BY_HAND: Record<string, (x: number) => number> = {
  hard_sigmoid: hardSigmoid,
  hard_swish: (x) => x * hardSigmoid(x),
  softsign: (x) => x / (Math.abs(x) + 1),
  exponential: Math.exp,
  mish: (x) => x * Math.tanh(softplus(x)),
  swish: (x) => x * sigmoid(x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  softplus,
  selu: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * (Math.exp(x) - 1)),
};

/** Keras 3's docstring examples of hard_sigmoid and hard_silu: 0 below −3, 1 (or x) above 3. */
test('hard_sigmoid and hard_swish follow Keras 3: x/6 + 1/2 clipped, and x times it', (t) => {
  t.is(hardSigmoid(-3), 0);
  t.is(hardSigmoid(3), 1);
  t.is(hardSigmoid(0), 0.5);
  t.is(BY_HAND.hard_swish(1.5), 1.5 * 0.75);
});

function run(source: string, x: number[]): Float32Array {
  const graph = graphOf(source);
  const model = new Model(graph, new Map(), 'cpu');
  const input = tf.tensor2d([x]);
  const y = model.predict(input) as tf.Tensor;
  const data = y.dataSync() as Float32Array;
  tf.dispose([input, y]);
  model.dispose();
  return data;
}

for (const [name, f] of Object.entries(BY_HAND)) {
  test(`Activation(${name}) equals the float64 hand computation`, (t) => {
    const y = run(`model M {\n  input x: [${X.length}]\n  Activation(${name})\n}`, X);
    for (let i = 0; i < X.length; i++) {
      const expected = f(X[i]);
      const tolerance = 1e-6 * Math.max(1, Math.abs(expected));
      t.true(Math.abs(y[i] - expected) <= tolerance, `${name}(${X[i]}) = ${y[i]}, expected ${expected}`);
    }
  });
}

test('each activation as a Dense layer\'s activation= equals Dense then the hand computation', (t) => {
  for (const [name, f] of Object.entries(BY_HAND)) {
    const graph = graphOf(`model M {\n  input x: [2]\n  Dense(1, activation=${name})\n}`);
    const weights = new Map([
      ['dense/kernel', { shape: [2, 1], data: Float32Array.from([0.5, -0.25]) }],
      ['dense/bias', { shape: [1], data: Float32Array.from([0.125]) }],
    ]);
    const model = new Model(graph, weights, 'cpu');
    const rows = X.map((x) => [x, x / 2]);
    const input = tf.tensor2d(rows);
    const y = model.predict(input) as tf.Tensor;
    const data = y.dataSync();
    rows.forEach(([a, b], i) => {
      const expected = f(0.5 * a - 0.25 * b + 0.125);
      t.true(Math.abs(data[i] - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${name}: ${data[i]} vs ${expected}`);
    });
    tf.dispose([input, y]);
    model.dispose();
  }
});

for (const name of ['softsign', 'mish', 'gelu', 'swish', 'softplus', 'selu'] as const) {
  test(`${name}: a Dense + Activation model equals tfjs-layers with the same weights`, (t) => {
    const graph = graphOf(`model M {\n  input x: [4]\n  Dense(6, activation=${name}) -> Dense(5) -> Activation(${name})\n}`);
    const weights = new Map([
      ['dense/kernel', { shape: [4, 6], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i + 1) * 1.5) }],
      ['dense/bias', { shape: [6], data: Float32Array.from({ length: 6 }, (_, i) => 0.3 * i - 0.7) }],
      ['dense_1/kernel', { shape: [6, 5], data: Float32Array.from({ length: 30 }, (_, i) => Math.cos(i * 0.7)) }],
      ['dense_1/bias', { shape: [5], data: Float32Array.from({ length: 5 }, (_, i) => 0.2 * i - 0.4) }],
    ]);
    const x = tf.tensor2d(X.slice(0, 16), [4, 4]);
    assertMatchesTfjsLayers(t, graph, weights, { backend: 'cpu', x });
    x.dispose();
  });
}

const DERIVATIVES: Partial<Record<ActivationName, (x: number) => number>> = {
  hard_sigmoid: (x) => (x > -3 && x < 3 ? 1 / 6 : 0),
  hard_swish: (x) => (x <= -3 ? 0 : x >= 3 ? 1 : (2 * x + 3) / 6),
  softsign: (x) => 1 / (1 + Math.abs(x)) ** 2,
  exponential: Math.exp,
  mish: (x) => {
    const sp = softplus(x);
    const th = Math.tanh(sp);
    return th + x * (1 - th * th) * sigmoid(x);
  },
};

test('gradients of the new activations equal their derivatives (training)', (t) => {
  // Away from the kinks at ±3, where the one-sided derivatives differ.
  const points = X.filter((x) => Math.abs(Math.abs(x) - 3) > 0.01);
  for (const [name, derivative] of Object.entries(DERIVATIVES)) {
    const g = tf.grad((x: tf.Tensor) => activate(x, { name: name as ActivationName }))(tf.tensor1d(points));
    const data = g.dataSync();
    points.forEach((x, i) => {
      const expected = derivative(x);
      t.true(Math.abs(data[i] - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${name}'(${x}) = ${data[i]}, expected ${expected}`);
    });
    g.dispose();
  }
});
