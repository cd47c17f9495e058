// normalization-to-batchnorm: a Normalization becomes the equal BatchNormalization, which
// the BN passes fold into the neighbouring Dense or convolution. Checked against the
// unfolded graph (the Normalization kernel, itself checked against a float64 hand
// computation in test/runtime/mergeActivationLayers.test.ts), and against a float64
// evaluation of the folded BN's γ, μ, σ², ε.

import test, { type ExecutionContext } from 'ava';
import { FOLD_EPSILON, normalizationToBatchNorm } from '../../../compiler/passes/normalizationToBatchNorm.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { HostTensor } from '../../../src/ir/tensors.js';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { equivalence, kinds, notesAbout, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

/**
 * Statistics far from the identity: means ±1.5, variances in [0.2, 5]; with `floored`,
 * channel 1's variance is 1e-16, whose √ Keras floors at 1e-7.
 */
function withStatistics(source: string, floored = false, seed = 4): { graph: ReturnType<typeof graphOf>; weights: Map<string, HostTensor> } {
  const graph = graphOf(source);
  const weights = randomizedWeights(graph, seed);
  for (const [key, w] of weights) {
    if (key.endsWith('/mean')) weights.set(key, { shape: w.shape, data: Float32Array.from(w.data, (_, i) => 1.5 * Math.sin(3 * i + 1)) });
    if (key.endsWith('/variance')) weights.set(key, { shape: w.shape, data: Float32Array.from(w.data, (_, i) => (floored && i === 1 ? 1e-16 : 0.2 + 4.8 * Math.abs(Math.cos(i + 2)))) });
  }
  return { graph, weights };
}

async function foldsExactly(t: ExecutionContext, source: string, expectedKinds: readonly string[]): Promise<void> {
  const { graph, weights } = withStatistics(source);
  const result = optimizeVerified({ graph, weights });
  t.deepEqual(kinds(result.graph), expectedKinds);
  t.false(result.graph.nodes.some((n) => n.kind === 'Normalization' || n.kind === 'BatchNormalization'));
  const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! }, { tolerance: { atol: 1e-5, rtol: 1e-5 } });
  t.true(comparison.within, `max abs ${comparison.maxAbsError}, max rel ${comparison.maxRelError}`);
  // The statistics matter: the same graph with mean 0 and variance 1 is told apart.
  const neutral = new Map(weights);
  for (const [key, w] of weights) {
    if (key.endsWith('/mean')) neutral.set(key, { shape: w.shape, data: new Float32Array(w.data.length) });
    if (key.endsWith('/variance')) neutral.set(key, { shape: w.shape, data: new Float32Array(w.data.length).fill(1) });
  }
  t.false((await equivalence({ graph, weights }, { graph, weights: neutral })).within);
}

test('Normalization before a Dense: folded into its kernel and bias', async (t) => {
  await foldsExactly(t, 'model M { input x: [6]\n Normalization\n Dense(4) }', ['Input', 'Dense']);
});

test('Normalization(invert=true) after a Dense: folded into it', async (t) => {
  await foldsExactly(t, 'model M { input x: [6]\n Dense(4)\n Normalization(invert=true) }', ['Input', 'Dense']);
});

test('Normalization before a valid Conv2D: folded', async (t) => {
  await foldsExactly(t, 'model M { input x: [5, 5, 3]\n Normalization\n Conv2D(4, 3) }', ['Input', 'Conv2D']);
});

test('Normalization with axis=null (one scalar mean and variance) before a Dense: folded', async (t) => {
  await foldsExactly(t, 'model M { input x: [6]\n Normalization(axis=null)\n Dense(4) }', ['Input', 'Dense']);
});

test('Normalization before a same-padded Conv2D: not folded into it (the padding), left as an Affine', async (t) => {
  const { graph, weights } = withStatistics('model M { input x: [5, 5, 3]\n Normalization\n Conv2D(4, 3, padding=same) }');
  const result = optimizeVerified({ graph, weights });
  t.deepEqual(kinds(result.graph), ['Input', 'Affine', 'Conv2D']);
  const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! }, { tolerance: { atol: 1e-5, rtol: 1e-5 } });
  t.true(comparison.within, `max abs ${comparison.maxAbsError}`);
  t.true(notesAbout(result, 'normalization').some((n) => n.pass === 'normalization-to-batchnorm' && n.action === 'converted'));
});

test('the BN it becomes: γ = 1/max(√v, 1e-7), β = 0, μ = m, σ² + ε = 1 (float64)', (t) => {
  const { graph, weights } = withStatistics('model M { input x: [3]\n Normalization }', true);
  const { graph: out, weights: w } = normalizationToBatchNorm.run({ graph, weights }, 'inference');
  const bn = out.nodes[1];
  t.is(bn.kind, 'BatchNormalization');
  t.is(bn.name, 'normalization');
  t.deepEqual((bn.attrs as { axis: number[] }).axis, [1]);
  t.is((bn.attrs as { epsilon: number }).epsilon, FOLD_EPSILON);
  const get = (v: string) => Array.from(w!.get(`normalization/${v}`)!.data);
  const mean = Array.from(weights.get('normalization/mean')!.data);
  const variance = Array.from(weights.get('normalization/variance')!.data);
  t.deepEqual(get('gamma'), variance.map((v) => 1 / Math.max(Math.sqrt(v), 1e-7)));
  t.deepEqual(get('beta'), [0, 0, 0]);
  t.deepEqual(get('moving_mean'), mean);
  t.true(get('moving_variance').every((v) => v + FOLD_EPSILON === 1));
  t.is(w!.get('normalization/count'), undefined);
  t.is(w!.get('normalization/mean'), undefined);
});

test('constant mean= and variance= (no variables): folded into the Dense after it, and the BN it becomes holds them broadcast (float64)', async (t) => {
  const source = 'model M { input x: [2, 3]\n Normalization(axis=[1, 2], mean=[[0.5], [-1.5]], variance=[[4], [0.09]])\n Flatten\n Dense(4) }';
  const graph = graphOf(source);
  const weights = randomizedWeights(graph, 4);
  t.deepEqual([...weights.keys()].sort(), ['dense/bias', 'dense/kernel']);
  const result = optimizeVerified({ graph, weights });
  t.false(result.graph.nodes.some((n) => n.kind === 'Normalization' || n.kind === 'BatchNormalization' || n.kind === 'Affine'));
  const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! }, { tolerance: { atol: 1e-5, rtol: 1e-5 } });
  t.true(comparison.within, `max abs ${comparison.maxAbsError}, max rel ${comparison.maxRelError}`);
  // The constants matter: the same graph with mean 0 and variance 1 is told apart.
  const neutral = graphOf(source.replace('mean=[[0.5], [-1.5]], variance=[[4], [0.09]]', 'mean=0, variance=1'));
  t.false((await equivalence({ graph, weights }, { graph: neutral, weights })).within);
  // The BN: kept axes [2, 3], each row's constant repeated along it; rounded to float32 as Keras holds them.
  const { weights: w } = normalizationToBatchNorm.run({ graph, weights }, 'inference');
  const row = (a: number, b: number) => [a, a, a, b, b, b];
  t.deepEqual(Array.from(w!.get('normalization/moving_mean')!.data), row(0.5, -1.5));
  t.deepEqual(Array.from(w!.get('normalization/gamma')!.data), row(1 / 2, 1 / Math.sqrt(Math.fround(0.09))));
  t.deepEqual(w!.get('normalization/gamma')!.shape, [2, 3]);
});

test('training builds keep the Normalization', (t) => {
  const graph = graphOf('model M { input x: [6]\n Normalization\n Dense(4) }');
  const result = optimizeVerified({ graph, weights: null }, { mode: 'training' });
  t.deepEqual(kinds(result.graph), ['Input', 'Normalization', 'Dense']);
});
