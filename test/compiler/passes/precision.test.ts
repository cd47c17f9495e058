// Point 7 of the optimizer issue: folding arithmetic is float64, values are rounded to
// float32 only when stored. The passes' outputs are compared, bit for bit, with float64
// hand computations written with explicit 4-D indices (not the passes' flat index
// arithmetic), summing in the same order — float64 addition is not associative, so the
// order is part of "exactly".

import test from 'ava';
import { foldBatchNormIntoFollowing } from '../../../compiler/passes/foldBatchNormIntoFollowing.js';
import { foldBiasIntoBatchNorm } from '../../../compiler/passes/foldBiasIntoBatchNorm.js';
import { foldRescaling } from '../../../compiler/passes/foldRescaling.js';
import { fuseBatchNormIntoPreceding } from '../../../compiler/passes/fuseBatchNormIntoPreceding.js';
import { batchNormToAffine } from '../../../compiler/passes/batchNormToAffine.js';
import type { Pass } from '../../../compiler/passes/pass.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import type { Graph } from '../../../src/ir/types.js';
import type { HostTensor, WeightMap } from '../../../src/ir/tensors.js';
import { hostFloat32 } from '../../../src/ir/tensors.js';
import { FoldedKernel } from '../../../compiler/passes/foldedKernel.js';
import { writeSafetensors } from '../../../src/formats/safetensors.js';
import { exampleGraph, graphOf, randomizedWeights } from '../../helpers/models.js';
import { kinds, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

const get = (weights: WeightMap, key: string) => weights.get(key)!.data;

/** s_c = γ_c/√(σ²_c + ε) and t_c = β_c − μ_c·s_c from the stored float32 statistics, in float64. */
function affine64(weights: WeightMap, bn: string, epsilon: number) {
  const gamma = get(weights, `${bn}/gamma`);
  const beta = get(weights, `${bn}/beta`);
  const mean = get(weights, `${bn}/moving_mean`);
  const variance = get(weights, `${bn}/moving_variance`);
  const s = Array.from(mean, (_, c) => gamma[c] / Math.sqrt(variance[c] + epsilon));
  const t = Array.from(mean, (m, c) => beta[c] - m * s[c]);
  return { s, t };
}

function runPass(pass: Pass, graph: Graph, weights: WeightMap) {
  const result = pass.run({ graph, weights }, 'inference');
  return { graph: result.graph, weights: result.weights! };
}

/** The values of a float64 result: never rounded to float32 on the way. */
function float64(t: import('ava').ExecutionContext, tensor: HostTensor | undefined): Float64Array {
  t.true(tensor?.data instanceof Float64Array, 'folded weights are handed on as Float64Array');
  return tensor!.data as Float64Array;
}

test("fuse-batchnorm-into-preceding, Conv2D: W'[h,w,c,o] = W·s_o, b'_o = b_o·s_o + t_o, exactly in float64", (t) => {
  const graph = graphOf(`model M { input x: [6, 6, 3]\n Conv2D(4, [3, 2])\n BatchNormalization }`);
  const weights = randomizedWeights(graph, 8);
  const { weights: out } = runPass(fuseBatchNormIntoPreceding, graph, weights);
  const { s, t: shift } = affine64(weights, 'batch_normalization', 1e-3);
  const W = get(weights, 'conv2d/kernel');
  const b = get(weights, 'conv2d/bias');
  const kernel = float64(t, out.get('conv2d/kernel'));
  const bias = float64(t, out.get('conv2d/bias'));
  for (let h = 0; h < 3; h++)
    for (let w = 0; w < 2; w++)
      for (let c = 0; c < 3; c++)
        for (let o = 0; o < 4; o++) {
          const i = ((h * 2 + w) * 3 + c) * 4 + o;
          t.is(kernel[i], W[i] * s[o]);
        }
  // (b − μ)·s + β, evaluated as b·s + (β − μ·s).
  t.deepEqual(Array.from(bias), Array.from(b, (v, o) => v * s[o] + shift[o]));
  // Not already float32: the float64 products are kept whole.
  t.true(Array.from(kernel).some((v) => Math.fround(v) !== v));
});

test("fuse-batchnorm-into-preceding, DepthwiseConv2D(depth_multiplier=2): output channel c·m + k scales filter [.., c, k]", (t) => {
  const graph = graphOf(`model M { input x: [6, 6, 3]\n DepthwiseConv2D(3, depth_multiplier=2, use_bias=false)\n BatchNormalization }`);
  const weights = randomizedWeights(graph, 8);
  const { weights: out } = runPass(fuseBatchNormIntoPreceding, graph, weights);
  const { s, t: shift } = affine64(weights, 'batch_normalization', 1e-3);
  const W = get(weights, 'depthwise_conv2d/depthwise_kernel');
  const kernel = float64(t, out.get('depthwise_conv2d/depthwise_kernel'));
  for (let h = 0; h < 3; h++)
    for (let w = 0; w < 3; w++)
      for (let c = 0; c < 3; c++)
        for (let k = 0; k < 2; k++) {
          const i = ((h * 3 + w) * 3 + c) * 2 + k;
          t.is(kernel[i], W[i] * s[c * 2 + k]);
        }
  // No bias before: b' = 0·s + t = t.
  t.deepEqual(Array.from(float64(t, out.get('depthwise_conv2d/bias'))), shift);
});

test("fold-batchnorm-into-following, Dense: W'[i,j] = s_i·W[i,j], b'_j = b_j + Σ_i W[i,j]·t_i, exactly", (t) => {
  const graph = graphOf(`model M { input x: [7]\n BatchNormalization\n Dense(5) }`);
  const weights = randomizedWeights(graph, 8);
  const { weights: out } = runPass(foldBatchNormIntoFollowing, graph, weights);
  const { s, t: shift } = affine64(weights, 'batch_normalization', 1e-3);
  const W = get(weights, 'dense/kernel');
  const b = get(weights, 'dense/bias');
  const kernel = float64(t, out.get('dense/kernel'));
  const bias = float64(t, out.get('dense/bias'));
  for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) t.is(kernel[i * 5 + j], s[i] * W[i * 5 + j]);
  for (let j = 0; j < 5; j++) {
    let added = 0;
    for (let i = 0; i < 7; i++) added += W[i * 5 + j] * shift[i];
    t.is(bias[j], b[j] + added);
  }
});

test("fold-batchnorm-into-following, Conv2D: b'_o = b_o + Σ_{h,w,c} W[h,w,c,o]·t_c, exactly", (t) => {
  const graph = graphOf(`model M { input x: [6, 6, 3]\n BatchNormalization\n Conv2D(4, [2, 3]) }`);
  const weights = randomizedWeights(graph, 8);
  const { weights: out } = runPass(foldBatchNormIntoFollowing, graph, weights);
  const { s, t: shift } = affine64(weights, 'batch_normalization', 1e-3);
  const W = get(weights, 'conv2d/kernel');
  const b = get(weights, 'conv2d/bias');
  const kernel = float64(t, out.get('conv2d/kernel'));
  const bias = float64(t, out.get('conv2d/bias'));
  for (let o = 0; o < 4; o++) {
    let added = 0;
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++)
        for (let c = 0; c < 3; c++) {
          const i = ((h * 3 + w) * 3 + c) * 4 + o;
          t.is(kernel[i], W[i] * s[c]);
          added += W[i] * shift[c];
        }
    t.is(bias[o], b[o] + added);
  }
});

test("fold-batchnorm-into-following, DepthwiseConv2D(depth_multiplier=2): b'_{c·m+k} = b + Σ_{h,w} W[h,w,c,k]·t_c", (t) => {
  const graph = graphOf(`model M { input x: [6, 6, 3]\n BatchNormalization\n DepthwiseConv2D(2, depth_multiplier=2) }`);
  const weights = randomizedWeights(graph, 8);
  const { weights: out } = runPass(foldBatchNormIntoFollowing, graph, weights);
  const { s, t: shift } = affine64(weights, 'batch_normalization', 1e-3);
  const W = get(weights, 'depthwise_conv2d/depthwise_kernel');
  const b = get(weights, 'depthwise_conv2d/bias');
  const kernel = float64(t, out.get('depthwise_conv2d/depthwise_kernel'));
  const bias = float64(t, out.get('depthwise_conv2d/bias'));
  for (let c = 0; c < 3; c++)
    for (let k = 0; k < 2; k++) {
      let added = 0;
      for (let h = 0; h < 2; h++)
        for (let w = 0; w < 2; w++) {
          const i = ((h * 2 + w) * 3 + c) * 2 + k;
          t.is(kernel[i], W[i] * s[c]);
          added += W[i] * shift[c];
        }
      t.is(bias[c * 2 + k], b[c * 2 + k] + added);
    }
});

test("fold-bias-into-batchnorm: μ' = μ − b in float64; batchnorm-to-affine: scale = s, offset = t", (t) => {
  const graph = graphOf(`model M { input x: [6]\n Dense(4)\n BatchNormalization }`);
  const weights = randomizedWeights(graph, 8);
  const { weights: out } = runPass(foldBiasIntoBatchNorm, graph, weights);
  const mean = float64(t, out.get('batch_normalization/moving_mean'));
  const b = get(weights, 'dense/bias');
  t.deepEqual(Array.from(mean), Array.from(get(weights, 'batch_normalization/moving_mean'), (m, c) => m - b[c]));

  const alone = graphOf(`model M { input x: [6]\n BatchNormalization(epsilon=0.01) }`);
  const alonesWeights = randomizedWeights(alone, 8);
  const affine = runPass(batchNormToAffine, alone, alonesWeights);
  t.deepEqual(kinds(affine.graph), ['Input', 'Affine']);
  const { s, t: shift } = affine64(alonesWeights, 'batch_normalization', 0.01);
  t.deepEqual(Array.from(float64(t, affine.weights.get('batch_normalization/scale'))), s);
  t.deepEqual(Array.from(float64(t, affine.weights.get('batch_normalization/offset'))), shift);
});

test("fold-rescaling: W' = a·W, b' = b + o·Σ W (before) and a·b + o (after), exactly", (t) => {
  const a = 0.1;
  const o = 0.3;
  const before = graphOf(`model M { input x: [3]\n Rescaling(${a}, offset=${o})\n Dense(2) }`);
  const wb = randomizedWeights(before, 8);
  const rb = runPass(foldRescaling, before, wb);
  const W = get(wb, 'dense/kernel');
  const b = get(wb, 'dense/bias');
  t.deepEqual(Array.from(float64(t, rb.weights.get('dense/kernel'))), Array.from(W, (v) => v * a));
  t.deepEqual(Array.from(float64(t, rb.weights.get('dense/bias'))), [0, 1].map((j) => b[j] + o * W[j] + o * W[2 + j] + o * W[4 + j]));

  const after = graphOf(`model M { input x: [3]\n Dense(2)\n Rescaling(${a}, offset=${o}) }`);
  const wa = randomizedWeights(after, 8);
  const ra = runPass(foldRescaling, after, wa);
  t.deepEqual(Array.from(float64(t, ra.weights.get('dense/bias'))), Array.from(get(wa, 'dense/bias'), (v) => a * v + o));
});

test('chained folds (BN → BN → Dense) compose in float64: no rounding between rounds', (t) => {
  const graph = graphOf(`model M { input x: [6]\n BatchNormalization\n BatchNormalization\n Dense(3) }`);
  const weights = randomizedWeights(graph, 8);
  const result = optimizeVerified({ graph, weights });
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
  // Round 1 folds the second BN (its consumer is the Dense), round 2 the first.
  const first = affine64(weights, 'batch_normalization', 1e-3);
  const second = affine64(weights, 'batch_normalization_1', 1e-3);
  const W = Array.from(get(weights, 'dense/kernel'));
  const fold = (kernel: number[], bias: number[], { s, t: shift }: { s: number[]; t: number[] }, round: (v: number) => number) => {
    const added = [0, 0, 0];
    const k = kernel.map((v, i) => {
      added[i % 3] += v * shift[Math.floor(i / 3)];
      return round(v * s[Math.floor(i / 3)]);
    });
    return { kernel: k, bias: bias.map((v, j) => round(v + added[j])) };
  };
  const exact = (v: number) => v;
  const once = fold(W, Array.from(get(weights, 'dense/bias')), second, exact);
  const twice = fold(once.kernel, once.bias, first, exact);
  t.deepEqual(Array.from(float64(t, result.weights!.get('dense/kernel'))), twice.kernel);
  t.deepEqual(Array.from(float64(t, result.weights!.get('dense/bias'))), twice.bias);
  // Rounding to float32 between the rounds would have given other values.
  const roundedOnce = fold(W, Array.from(get(weights, 'dense/bias')), second, Math.fround);
  const roundedTwice = fold(roundedOnce.kernel, roundedOnce.bias, first, exact);
  t.notDeepEqual(roundedTwice.kernel.concat(roundedTwice.bias), twice.kernel.concat(twice.bias));
});

test('the runtime stores the float64 weights as their float32 rounding', async (t) => {
  const graph = graphOf(`model M { input x: [6]\n BatchNormalization\n Dense(3) }`);
  const result = optimizeVerified({ graph, weights: randomizedWeights(graph, 8) });
  const model = new Model(result.graph, result.weights!, 'wasm');
  try {
    const stored = await model.getWeights();
    for (const [key, tensor] of result.weights!) {
      t.deepEqual(Array.from(stored.get(key)!.data), Array.from(tensor.data, Math.fround), key);
    }
  } finally {
    model.dispose();
  }
});

test('a folded kernel is computed when first read, not by the optimizer, with the same bits however it is read', (t) => {
  // BN → Dense → BN: the second BN folds first (into the columns), then the first (into
  // the rows, reading the kernel as the first fold left it).
  const graph = graphOf(`model M { input x: [5]\n BatchNormalization\n Dense(4)\n BatchNormalization }`);
  const weights = randomizedWeights(graph, 9);
  const result = optimizeVerified({ graph, weights });
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
  const folded = result.weights!.get('dense/kernel')!;
  t.true(folded instanceof FoldedKernel);
  t.is((folded as FoldedKernel).factors.length, 2);
  t.is((folded as FoldedKernel).known, undefined, 'the optimizer computed no kernel values');

  const rows = affine64(weights, 'batch_normalization', 1e-3);
  const columns = affine64(weights, 'batch_normalization_1', 1e-3);
  const W = get(weights, 'dense/kernel');
  const b = get(weights, 'dense/bias');
  const afterColumns = Array.from(W, (w, i) => w * columns.s[i % 4]);
  const kernel = afterColumns.map((w, i) => w * rows.s[Math.floor(i / 4)]);
  const added = [0, 0, 0, 0];
  afterColumns.forEach((w, i) => (added[i % 4] += w * rows.t[Math.floor(i / 4)]));
  // fold-bias-into-batchnorm runs first: the Dense's bias moves into the second BN's mean.
  const beta = get(weights, 'batch_normalization_1/beta');
  const mean = get(weights, 'batch_normalization_1/moving_mean');
  const bias = Array.from(b, (v, j) => 0 * columns.s[j] + (beta[j] - (mean[j] - v) * columns.s[j]) + added[j]);

  // Stored as float32 first (what an upload does), then read in float64, then stored again.
  const asFloat32 = hostFloat32(folded);
  t.is((folded as FoldedKernel).known, undefined, 'float32 values are computed without keeping float64 ones');
  t.deepEqual(Array.from(asFloat32), kernel.map(Math.fround));
  t.deepEqual(Array.from(float64(t, folded)), kernel);
  t.deepEqual(Array.from(hostFloat32(folded)), kernel.map(Math.fround));
  t.deepEqual(Array.from(float64(t, result.weights!.get('dense/bias'))), bias);
  // A bundle's weights file holds the same bytes as for the eagerly computed kernel.
  const eager = new Map(result.weights!);
  eager.set('dense/kernel', { shape: folded.shape, data: Float64Array.from(kernel) });
  t.deepEqual(writeSafetensors(result.weights!), writeSafetensors(eager));
});

test("float32 values computed a chunk at a time equal the float64 values rounded, for Géron's kernels (larger than a chunk, channel runs across chunk ends)", (t) => {
  const graph = exampleGraph('geron');
  const result = optimizeVerified({ graph, weights: randomizedWeights(graph, 4) });
  const folded = [...result.weights!].filter(([, tensor]) => tensor instanceof FoldedKernel);
  t.deepEqual(folded.map(([key]) => key), ['dense/kernel', 'dense_1/kernel', 'dense_2/kernel']);
  t.is(folded[0][1].shape[0] * folded[0][1].shape[1], 235_200);
  for (const [key, tensor] of folded) {
    const asFloat32 = hostFloat32(tensor); // first: computed in chunks, no float64 copy
    const rounded = Float32Array.from(tensor.data);
    t.is(asFloat32.length, rounded.length, key);
    // The first index where they differ (a deepEqual of 235,200 values would print them all).
    t.is(asFloat32.findIndex((v, i) => !Object.is(v, rounded[i])), -1, key);
  }
});
