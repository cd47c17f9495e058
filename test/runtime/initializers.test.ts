import test from 'ava';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initializers as tfjsInitializers } from '@tensorflow/tfjs-layers';
import { check } from '../../compiler/check.js';
import { init } from '../../src/ir/layers/paramTypes.js';
import { computeFans, initialValues, initializeWeights, TRUNCATED_NORMAL_STDDEV } from '../../runtime/initializers.js';
import { Random } from '../../runtime/random.js';
import type { ArgValue, Graph, Initializer, InitializerName } from '../../src/ir/types.js';

// ---------------------------------------------------------------------------
// Helpers

/** An initializer with Keras's defaults (from the compiler's own table), some overridden. */
function initializer(name: InitializerName, args: Record<string, ArgValue> = {}): Initializer {
  const base = init(name);
  return { name, args: { ...base.args, ...args } };
}

function moments(values: Float32Array): { mean: number; variance: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, variance: squares / (values.length - 1), min, max };
}

function fractionBeyond(values: Float32Array, center: number, distance: number): number {
  let count = 0;
  for (const v of values) if (Math.abs(v - center) >= distance) count++;
  return count / values.length;
}

// Kurtosis E[(x−μ)⁴]/σ⁴ of each family, for the standard error of a sample
// variance: SE(s²) = σ²·√((kurtosis − 1)/N).
//   normal: 3;  uniform: (L⁴/5)/(L²/3)² = 9/5;
//   unit normal truncated to ±a (Z = 2Φ(a) − 1, φ the density):
//     E[z²] = 1 − 2aφ(a)/Z,  E[z⁴] = 3E[z²] − 2a³φ(a)/Z;  at a = 2 this is 1.41618/0.77374² ≈ 2.3655.
const PHI_2 = Math.exp(-2) / Math.sqrt(2 * Math.PI); // φ(2)
const Z_2 = 0.9544997361036416; // 2Φ(2) − 1 = erf(√2)
const TRUNCATED_VARIANCE = 1 - (4 * PHI_2) / Z_2; // E[z²] of the unit normal truncated to ±2
const TRUNCATED_KURTOSIS = (3 * TRUNCATED_VARIANCE - (16 * PHI_2) / Z_2) / TRUNCATED_VARIANCE ** 2;
const KURTOSIS = { normal: 3, uniform: 9 / 5, truncated: TRUNCATED_KURTOSIS } as const;

/** Fraction of a normal more than 2σ from its mean: 1 − erf(√2). */
const NORMAL_BEYOND_2_SIGMA = 1 - Z_2;

/**
 * Asserts the sample mean and variance against exact values, each within 5
 * standard errors: SE(mean) = σ/√N, SE(variance) = σ²·√((kurtosis − 1)/N). The
 * generator is seeded, so the outcome is fixed; 5 SE means a correct sampler is
 * outside with probability < 6e-7 per statistic, whichever seed is used.
 */
function assertMoments(
  t: import('ava').ExecutionContext,
  values: Float32Array,
  expected: { mean: number; variance: number; family: keyof typeof KURTOSIS },
): void {
  const n = values.length;
  const { mean, variance } = moments(values);
  const meanTolerance = (5 * Math.sqrt(expected.variance)) / Math.sqrt(n);
  const varianceTolerance = 5 * expected.variance * Math.sqrt((KURTOSIS[expected.family] - 1) / n);
  t.true(Math.abs(mean - expected.mean) < meanTolerance, `mean ${mean}, expected ${expected.mean} ± ${meanTolerance}`);
  t.true(Math.abs(variance - expected.variance) < varianceTolerance, `variance ${variance}, expected ${expected.variance} ± ${varianceTolerance}`);
}

const SHAPE = [400, 500]; // fan_in 400, fan_out 500, fan_avg 450; N = 200,000
const N = 400 * 500;

function sample(init: Initializer, shape: readonly number[] = SHAPE, seed = 1234): Float32Array {
  return initialValues(init, shape, new Random(seed));
}

// ---------------------------------------------------------------------------
// computeFans

test('computeFans follows Keras for ranks 0 to 4', (t) => {
  t.deepEqual(computeFans([]), { fanIn: 1, fanOut: 1 });
  t.deepEqual(computeFans([7]), { fanIn: 7, fanOut: 7 });
  t.deepEqual(computeFans([784, 300]), { fanIn: 784, fanOut: 300 });
  // Conv1D kernel [k, in, out]: receptive field 5.
  t.deepEqual(computeFans([5, 4, 8]), { fanIn: 20, fanOut: 40 });
  // Conv2D kernel [3, 3, 16, 32]: receptive field 9, fan_in 9·16, fan_out 9·32.
  t.deepEqual(computeFans([3, 3, 16, 32]), { fanIn: 144, fanOut: 288 });
  // Depthwise kernel [3, 3, 32, 1]: fan_in 9·32, fan_out 9·1.
  t.deepEqual(computeFans([3, 3, 32, 1]), { fanIn: 288, fanOut: 9 });
});

test("Keras's truncation constant is the standard deviation of a unit normal truncated to ±2", (t) => {
  // 1e-12: the constant has 17 digits; Z_2 is erf(√2) to double precision.
  t.true(Math.abs(Math.sqrt(TRUNCATED_VARIANCE) - TRUNCATED_NORMAL_STDDEV) < 1e-12);
});

// ---------------------------------------------------------------------------
// Constants

test('zeros, ones and constant are exact', (t) => {
  t.true(sample(initializer('zeros')).every((v) => v === 0));
  t.true(sample(initializer('ones')).every((v) => v === 1));
  t.true(sample(initializer('constant', { value: 0.25 })).every((v) => v === 0.25));
  t.true(sample(initializer('constant')).every((v) => v === 0), 'constant defaults to 0');
  t.is(sample(initializer('ones'), []).length, 1, 'a scalar has one value');
  t.deepEqual([...sample(initializer('constant', { value: -3 }), [2, 3])], [-3, -3, -3, -3, -3, -3]);
});

// ---------------------------------------------------------------------------
// Variance scaling and its named shortcuts, on [400, 500]

const VARIANCE_SCALING_CASES: readonly {
  title: string;
  init: Initializer;
  /** scale / max(1, n) */
  variance: number;
  distribution: 'truncated_normal' | 'untruncated_normal' | 'uniform';
}[] = [
  { title: 'glorot_uniform', init: initializer('glorot_uniform'), variance: 1 / 450, distribution: 'uniform' },
  { title: 'glorot_normal', init: initializer('glorot_normal'), variance: 1 / 450, distribution: 'truncated_normal' },
  { title: 'he_normal', init: initializer('he_normal'), variance: 2 / 400, distribution: 'truncated_normal' },
  { title: 'he_uniform', init: initializer('he_uniform'), variance: 2 / 400, distribution: 'uniform' },
  { title: 'lecun_normal', init: initializer('lecun_normal'), variance: 1 / 400, distribution: 'truncated_normal' },
  { title: 'lecun_uniform', init: initializer('lecun_uniform'), variance: 1 / 400, distribution: 'uniform' },
  { title: 'variance_scaling defaults (1, fan_in, truncated_normal)', init: initializer('variance_scaling'), variance: 1 / 400, distribution: 'truncated_normal' },
  {
    title: 'variance_scaling(3, fan_out, uniform)',
    init: initializer('variance_scaling', { scale: 3, mode: 'fan_out', distribution: 'uniform' }),
    variance: 3 / 500,
    distribution: 'uniform',
  },
  {
    title: 'variance_scaling(2, fan_avg, untruncated_normal)',
    init: initializer('variance_scaling', { scale: 2, mode: 'fan_avg', distribution: 'untruncated_normal' }),
    variance: 2 / 450,
    distribution: 'untruncated_normal',
  },
];

for (const c of VARIANCE_SCALING_CASES) {
  test(`${c.title}: mean 0, variance scale/n, bounds`, (t) => {
    const values = sample(c.init);
    t.is(values.length, N);
    const family = c.distribution === 'uniform' ? 'uniform' : c.distribution === 'truncated_normal' ? 'truncated' : 'normal';
    assertMoments(t, values, { mean: 0, variance: c.variance, family });
    const { min, max } = moments(values);
    if (c.distribution === 'uniform') {
      const limit = Math.sqrt(3 * c.variance);
      t.true(min >= -limit && max < limit, 'inside [−limit, limit)');
      // Reaching within 0.1% of each end: a miss has probability (1 − 0.0005)^N ≈ e^−100.
      t.true(min < -limit * 0.999 && max > limit * 0.999, 'fills the interval');
    } else if (c.distribution === 'truncated_normal') {
      const bound = (2 * Math.sqrt(c.variance)) / TRUNCATED_NORMAL_STDDEV;
      t.true(min > -bound && max < bound, 'strictly inside ±2σ');
      // The truncated density at ±2σ is φ(2)/Z ≈ 0.057 per σ, so about N·2·0.057·0.01 ≈ 226
      // values are expected beyond 1.99σ; none would mean the cut sits too early.
      t.true(fractionBeyond(values, 0, 0.995 * bound) > 0, 'reaches the cut');
    } else {
      // Untruncated: 4.55% beyond 2σ; binomial SE √(p(1−p)/N) ≈ 4.7e-4, 5 SE allowed.
      const beyond = fractionBeyond(values, 0, 2 * Math.sqrt(c.variance));
      const tolerance = 5 * Math.sqrt((NORMAL_BEYOND_2_SIGMA * (1 - NORMAL_BEYOND_2_SIGMA)) / N);
      t.true(Math.abs(beyond - NORMAL_BEYOND_2_SIGMA) < tolerance, `fraction beyond 2σ ${beyond}`);
    }
  });
}

test('glorot_uniform on [784, 300] stays within ±√(6/(784+300))', (t) => {
  const values = sample(initializer('glorot_uniform'), [784, 300]);
  const limit = Math.sqrt(6 / (784 + 300));
  t.true(values.every((v) => v >= -limit && v < limit));
  assertMoments(t, values, { mean: 0, variance: 2 / (784 + 300), family: 'uniform' });
});

test('he_normal on [784, 300] has variance 2/784', (t) => {
  const values = sample(initializer('he_normal'), [784, 300]);
  assertMoments(t, values, { mean: 0, variance: 2 / 784, family: 'truncated' });
});

test('conv kernels use the receptive field: he_uniform on [3, 3, 16, 32] has variance 2/144', (t) => {
  // N = 4,608: the 5-SE tolerances are wider here but still exclude 2/16 or 2/288.
  const values = sample(initializer('he_uniform'), [3, 3, 16, 32]);
  assertMoments(t, values, { mean: 0, variance: 2 / 144, family: 'uniform' });
});

// ---------------------------------------------------------------------------
// Plain random initializers

test('random_normal defaults: mean 0, stddev 0.05, not truncated', (t) => {
  const values = sample(initializer('random_normal'));
  assertMoments(t, values, { mean: 0, variance: 0.05 ** 2, family: 'normal' });
  const beyond = fractionBeyond(values, 0, 0.1);
  t.true(Math.abs(beyond - NORMAL_BEYOND_2_SIGMA) < 5 * Math.sqrt((NORMAL_BEYOND_2_SIGMA * (1 - NORMAL_BEYOND_2_SIGMA)) / N));
});

test('random_normal(mean=1, stddev=0.2)', (t) => {
  assertMoments(t, sample(initializer('random_normal', { mean: 1, stddev: 0.2 })), { mean: 1, variance: 0.04, family: 'normal' });
});

test('random_uniform defaults: [−0.05, 0.05)', (t) => {
  const values = sample(initializer('random_uniform'));
  assertMoments(t, values, { mean: 0, variance: 0.05 ** 2 / 3, family: 'uniform' });
  t.true(values.every((v) => v >= -0.05 && v < 0.05));
});

test('random_uniform(minval=1, maxval=3): mean 2, variance 1/3', (t) => {
  // Uniform on [a, b): variance (b − a)²/12.
  const values = sample(initializer('random_uniform', { minval: 1, maxval: 3 }));
  assertMoments(t, values, { mean: 2, variance: 4 / 12, family: 'uniform' });
  t.true(values.every((v) => v >= 1 && v < 3));
});

test('truncated_normal defaults: stddev 0.05 before truncation, cut at ±0.1', (t) => {
  // Unlike variance_scaling, the plain truncated_normal does not correct its stddev:
  // the variance is 0.05²·E[z²] of the truncated unit normal.
  const values = sample(initializer('truncated_normal'));
  assertMoments(t, values, { mean: 0, variance: 0.05 ** 2 * TRUNCATED_VARIANCE, family: 'truncated' });
  t.true(values.every((v) => v > -0.1 && v < 0.1));
});

test('truncated_normal(mean=1, stddev=0.2): inside (0.6, 1.4)', (t) => {
  const values = sample(initializer('truncated_normal', { mean: 1, stddev: 0.2 }));
  assertMoments(t, values, { mean: 1, variance: 0.04 * TRUNCATED_VARIANCE, family: 'truncated' });
  t.true(values.every((v) => v > 0.6 && v < 1.4));
});

test('a zero stddev gives the mean', (t) => {
  t.true(sample(initializer('random_normal', { mean: 0.5, stddev: 0 }), [10]).every((v) => v === 0.5));
  t.true(sample(initializer('truncated_normal', { mean: 0.5, stddev: 0 }), [10]).every((v) => v === 0.5));
});

test('an unknown initializer name throws', (t) => {
  const bogus = { name: 'orthogonal', args: {} } as unknown as Initializer;
  t.throws(() => sample(bogus, [2, 2]), { instanceOf: Error, message: "unknown initializer 'orthogonal'" });
});

// ---------------------------------------------------------------------------
// Determinism

test('the same generator seed gives identical values; another seed different ones', (t) => {
  for (const name of ['glorot_uniform', 'he_normal', 'random_normal', 'random_uniform', 'truncated_normal'] as const) {
    const a = sample(initializer(name), [30, 20], 5);
    const b = sample(initializer(name), [30, 20], 5);
    const c = sample(initializer(name), [30, 20], 6);
    t.deepEqual(a, b, name);
    t.notDeepEqual(a, c, name);
  }
});

test('a seeded initializer ignores the generator it is given and leaves it untouched', (t) => {
  const seeded = initializer('he_normal', { seed: 7 });
  const given = new Random(1);
  const a = initialValues(seeded, [30, 20], given);
  const b = initialValues(seeded, [30, 20], new Random(2));
  t.deepEqual(a, b);
  t.is(given.uniform(), new Random(1).uniform(), 'the given generator was not advanced');
  t.notDeepEqual(a, initialValues(initializer('he_normal', { seed: 8 }), [30, 20], new Random(1)), 'another seed');
  t.notDeepEqual(a, initialValues(initializer('lecun_normal', { seed: 7 }), [30, 20], new Random(1)), 'the name is part of the stream');
  t.notDeepEqual(a, sample(initializer('he_normal'), [30, 20], 1), 'unseeded draws from the generator');
});

// ---------------------------------------------------------------------------
// initializeWeights

function model(text: string, name: string): Graph {
  const result = check(text, `${name}.nn`);
  const graph = result.models.get(name);
  if (!graph) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return graph;
}

const GERON = readFileSync('examples/geron.nn', 'utf8');

test("initializeWeights on Géron's MLP: keys, shapes, Keras's defaults", (t) => {
  const weights = initializeWeights(model(GERON, 'FashionMLP'), 42);
  const shapes = Object.fromEntries([...weights].map(([key, w]) => [key, w.shape]));
  t.deepEqual(shapes, {
    'batch_normalization/gamma': [784],
    'batch_normalization/beta': [784],
    'batch_normalization/moving_mean': [784],
    'batch_normalization/moving_variance': [784],
    'dense/kernel': [784, 300],
    'dense/bias': [300],
    'batch_normalization_1/gamma': [300],
    'batch_normalization_1/beta': [300],
    'batch_normalization_1/moving_mean': [300],
    'batch_normalization_1/moving_variance': [300],
    'dense_1/kernel': [300, 100],
    'dense_1/bias': [100],
    'batch_normalization_2/gamma': [100],
    'batch_normalization_2/beta': [100],
    'batch_normalization_2/moving_mean': [100],
    'batch_normalization_2/moving_variance': [100],
    'dense_2/kernel': [100, 10],
    'dense_2/bias': [10],
  });
  // 271,346 parameters in all, as Keras's summary says.
  t.is([...weights.values()].reduce((n, w) => n + w.data.length, 0), 271346);
  for (const [key, w] of weights) {
    t.true(w.data instanceof Float32Array, key);
    t.is(w.data.length, w.shape.reduce((a, b) => a * b, 1), key);
    const variable = key.split('/')[1];
    if (variable === 'gamma' || variable === 'moving_variance') t.true(w.data.every((v) => v === 1), key);
    if (variable === 'beta' || variable === 'moving_mean' || variable === 'bias') t.true(w.data.every((v) => v === 0), key);
  }
  // Dense kernels default to glorot_uniform.
  for (const [key, [fanIn, fanOut]] of [['dense/kernel', [784, 300]], ['dense_1/kernel', [300, 100]], ['dense_2/kernel', [100, 10]]] as const) {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const data = weights.get(key)!.data;
    t.true(data.every((v) => v >= -limit && v < limit), key);
    t.true(data.some((v) => v !== 0), key);
  }
  t.notDeepEqual(weights.get('dense_1/kernel')!.data.slice(0, 10), weights.get('dense/kernel')!.data.slice(0, 10), 'each weight its own stream');
});

test('initializeWeights is reproducible and depends on the seed', (t) => {
  const graph = model(GERON, 'FashionMLP');
  const a = initializeWeights(graph, 42);
  t.deepEqual(a, initializeWeights(graph, 42));
  t.notDeepEqual(a.get('dense/kernel')!.data, initializeWeights(graph, 43).get('dense/kernel')!.data);
});

test("adding a layer at the end leaves the other layers' initial weights unchanged", (t) => {
  const extended = GERON.replace('Dense(10, activation=softmax)', 'Dense(10, activation=relu)\n  Dense(10, activation=softmax)');
  t.not(extended, GERON);
  const before = initializeWeights(model(GERON, 'FashionMLP'), 42);
  const after = initializeWeights(model(extended, 'FashionMLP'), 42);
  t.deepEqual([...after.keys()].filter((k) => !before.has(k)), ['dense_3/kernel', 'dense_3/bias']);
  for (const [key, w] of before) t.deepEqual(after.get(key), w, key);
});

test('a seeded initializer in a model gives the same values under any model seed', (t) => {
  const text = 'model M {\n  input x: [8]\n  Dense(4, kernel_initializer=he_normal(seed=7))\n}\n';
  const graph = model(text, 'M');
  const a = initializeWeights(graph, 1).get('dense/kernel')!;
  const b = initializeWeights(graph, 2).get('dense/kernel')!;
  t.deepEqual(a, b);
  t.deepEqual(a.data, initialValues(initializer('he_normal', { seed: 7 }), [8, 4], new Random(99)));
});

// ---------------------------------------------------------------------------
// Against tfjs-layers: same families, and where the variances differ, why.

test.before(async () => {
  await tf.setBackend('cpu');
});

function tfjsSample(make: () => { apply(shape: number[]): tf.Tensor }, shape: number[]): Float32Array {
  return tf.tidy(() => make().apply(shape).dataSync() as Float32Array);
}

test('glorot_uniform matches tfjs-layers: same bounds, both variance 2/(fan_in + fan_out)', (t) => {
  const shape = [784, 300];
  const limit = Math.sqrt(6 / 1084);
  const ours = sample(initializer('glorot_uniform'), shape);
  const theirs = tfjsSample(() => tfjsInitializers.glorotUniform({ seed: 3 }), shape);
  for (const values of [ours, theirs]) {
    t.true(values.every((v) => v >= -limit && v <= limit));
    assertMoments(t, values, { mean: 0, variance: 2 / 1084, family: 'uniform' });
  }
});

test('he_normal: Keras 3 (ours) has variance 2/fan_in; tfjs-layers, which skips the truncation correction, 0.774 of it', (t) => {
  // tfjs-layers 4.x draws VarianceScaling's 'normal' as a normal with σ = √scale'
  // truncated at ±2σ, so its variance is scale'·E[z²] ≈ 0.774·scale'. Keras 3 divides
  // σ by 0.8796 (the truncated unit normal's stddev) so the variance is scale' —
  // the variance He et al. derive. We follow Keras 3: the language has Keras semantics.
  const shape = [784, 300];
  const scale = 2 / 784;
  const ours = sample(initializer('he_normal'), shape);
  const theirs = tfjsSample(() => tfjsInitializers.heNormal({ seed: 3 }), shape);
  assertMoments(t, ours, { mean: 0, variance: scale, family: 'truncated' });
  assertMoments(t, theirs, { mean: 0, variance: scale * TRUNCATED_VARIANCE, family: 'truncated' });
  // Both are cut at two of their own standard deviations.
  t.true(ours.every((v) => Math.abs(v) < (2 * Math.sqrt(scale)) / TRUNCATED_NORMAL_STDDEV));
  t.true(theirs.every((v) => Math.abs(v) <= 2 * Math.sqrt(scale) * (1 + 1e-6)));
});
