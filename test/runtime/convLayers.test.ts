// SeparableConv2D, Conv2DTranspose, Conv2D with groups and UpSampling2D: shapes and
// parameter counts by hand with Keras's rules, argument errors with their locations,
// and predictions against tfjs-layers built with the same weights — or, where
// tfjs-layers has no such layer (groups) or computes another one (bilinear
// UpSampling2D: Keras 3 resizes with half-pixel centers), against a float64 hand
// computation.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import { graphFromJson, graphToJson } from '../../src/ir/json.js';
import { nodeWeights } from '../../src/ir/ops.js';
import type { Graph, NodeOf } from '../../src/ir/types.js';
import { kernelOf } from '../../runtime/kernels.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { errorsOf, graphOf, modelWith, outputShape, summaryOf } from '../helpers/check.js';
import { LAYERS_TOLERANCE, assertMatches, hostMaxAbsDiff, randomInput, randomizedWeights } from '../helpers/models.js';
import { assertMatchesTfjsLayers, buildTfjsLayersModel } from '../helpers/tfjsLayers.js';
import { sgdBesideTfjsLayers } from '../helpers/sgdReference.js';

test.before(async () => {
  await initNodeBackend('wasm');
  await registerGradients();
});

/** [total, trainable, non-trainable] of the one layer after the input. */
function layerParams(dims: readonly number[], layer: string): [number, number, number] {
  const row = summaryOf(modelWith(dims, layer)).layers.at(-1)!;
  return [row.params, row.trainableParams, row.nonTrainableParams];
}

test('SeparableConv2D: shapes as Conv2D; depthwise kh·kw·in·m, pointwise in·m·filters, bias filters', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'SeparableConv2D(8, 3)'), [null, 26, 26, 8]);
  t.deepEqual(outputShape([28, 28, 3], 'SeparableConv2D(8, 3, strides=2, padding=same)'), [null, 14, 14, 8]);
  t.deepEqual(outputShape([28, 28, 3], 'SeparableConv2D(8, 3, dilation_rate=2)'), [null, 24, 24, 8]); // 28 - 5 + 1
  t.deepEqual(layerParams([32, 32, 16], 'SeparableConv2D(32, 3)'), [688, 688, 0]); // 9*16 + 16*32 + 32
  t.deepEqual(layerParams([32, 32, 16], 'SeparableConv2D(32, 3, depth_multiplier=2, use_bias=false)'), [1312, 1312, 0]); // 9*16*2 + 32*32
  // Xception's block 2 first layer: 9*64 + 64*128 = 8768 in Keras's summary.
  t.deepEqual(layerParams([147, 147, 64], 'SeparableConv2D(128, 3, padding=same, use_bias=false)'), [8768, 8768, 0]);
});

test('Conv2DTranspose: valid n·s + max(k − s, 0), same n·s; kernel kh·kw·filters·in + filters', (t) => {
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3)'), [null, 7, 7, 8]); // 5 + 2
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, strides=2)'), [null, 11, 11, 8]); // 10 + 1
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 2, strides=2)'), [null, 10, 10, 8]); // 10 + 0
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, strides=2, padding=same)'), [null, 10, 10, 8]);
  t.deepEqual(outputShape([5, 4, 3], 'Conv2DTranspose(8, [1, 3], strides=[3, 1])'), [null, 15, 6, 8]); // 15 + 0, 4 + 2
  t.deepEqual(layerParams([8, 8, 16], 'Conv2DTranspose(32, 3)'), [4640, 4640, 0]); // 9*32*16 + 32
  t.deepEqual(layerParams([8, 8, 16], 'Conv2DTranspose(32, 3, use_bias=false)'), [4608, 4608, 0]);
  // Keras's layout: [kh, kw, filters, in].
  const graph = graphOf(modelWith([8, 8, 16], 'Conv2DTranspose(32, [2, 3])'));
  t.deepEqual(nodeWeights(graph, graph.nodes[1]).map((w) => [w.name, w.shape]), [['kernel', [2, 3, 32, 16]], ['bias', [32]]]);
});

test("Conv2DTranspose output_padding and dilation_rate: Keras 3's shapes (K = (k − 1)·d + 1)", (t) => {
  // valid: (n − 1)·s + K + output_padding; same: (n − 1)·s + K mod 2 + output_padding.
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, strides=2, output_padding=1)'), [null, 12, 12, 8]); // 8 + 3 + 1
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, strides=2, output_padding=0)'), [null, 11, 11, 8]);
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, strides=2, padding=same, output_padding=1)'), [null, 10, 10, 8]); // 8 + 1 + 1
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, strides=2, padding=same, output_padding=0)'), [null, 9, 9, 8]);
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 4, strides=[2, 3], padding=same, output_padding=[1, 2])'), [null, 9, 14, 8]); // 8 + 0 + 1, 12 + 0 + 2
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, dilation_rate=2)'), [null, 9, 9, 8]); // K = 5: 4 + 5
  t.deepEqual(outputShape([5, 5, 3], 'Conv2DTranspose(8, 3, dilation_rate=[2, 1], padding=same)'), [null, 5, 5, 8]);
  t.deepEqual(outputShape([5, 4, 3], 'Conv2DTranspose(8, [2, 3], dilation_rate=[3, 2])'), [null, 8, 8, 8]); // K = 4, 5
  // The kernel does not depend on either: kh·kw·filters·in + filters.
  t.deepEqual(layerParams([8, 8, 16], 'Conv2DTranspose(32, 3, dilation_rate=2)'), [4640, 4640, 0]);
  t.deepEqual(layerParams([8, 8, 16], 'Conv2DTranspose(32, 3, strides=2, output_padding=1)'), [4640, 4640, 0]);
});

test('Conv2D groups: kernel kh·kw·(in/groups)·filters; shapes unchanged', (t) => {
  t.deepEqual(outputShape([8, 8, 16], 'Conv2D(32, 3, groups=4)'), [null, 6, 6, 32]);
  t.deepEqual(layerParams([8, 8, 16], 'Conv2D(32, 3, groups=4)'), [1184, 1184, 0]); // 9*4*32 + 32
  t.deepEqual(layerParams([8, 8, 16], 'Conv2D(16, 1, groups=16, use_bias=false)'), [16, 16, 0]); // 1*1*1*16
});

test('a stored IR (bundle JSON) with groups that do not divide the filters is refused in the words of the argument check', (t) => {
  for (const [layer, dims] of [['Conv2D(8, 3, groups=4)', [8, 8, 8]], ['Conv1D(8, 3, groups=4)', [8, 8]]] as const) {
    const json = JSON.parse(JSON.stringify(graphToJson(graphOf(modelWith(dims, layer))))) as { nodes: { attrs: Record<string, unknown> }[] };
    json.nodes[1].attrs.filters = 6;
    const kind = layer.slice(0, 6);
    t.throws(() => graphFromJson(json), { message: new RegExp(`${kind} filters=6 cannot be split into groups=4: filters must be a multiple of groups`) });
  }
});

test("automatic names are Keras 3's", (t) => {
  const graph = graphOf(modelWith([8, 8, 4], 'SeparableConv2D(4, 1) -> Conv2DTranspose(4, 1) -> UpSampling2D -> SeparableConv2D(4, 1)'));
  t.deepEqual(graph.nodes.slice(1).map((n) => n.name), ['separable_conv2d', 'conv2d_transpose', 'up_sampling2d', 'separable_conv2d_1']);
});

test('UpSampling2D: height and width times size; no weights', (t) => {
  t.deepEqual(outputShape([5, 7, 3], 'UpSampling2D'), [null, 10, 14, 3]);
  t.deepEqual(outputShape([5, 7, 3], 'UpSampling2D([3, 1], interpolation=bilinear)'), [null, 15, 7, 3]);
  t.deepEqual(layerParams([5, 7, 3], 'UpSampling2D(2)'), [0, 0, 0]);
});

test('argument errors name the argument and the numbers', (t) => {
  t.deepEqual(errorsOf(modelWith([8, 8, 16], 'Conv2D(30, 3, groups=4)')), [
    { message: 'Conv2D filters=30 cannot be split into groups=4: filters must be a multiple of groups', line: 3, column: 24 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 6], 'Conv2D(8, 3, groups=4)')), [
    { message: "Conv2D with groups=4 needs input channels divisible by 4, but 'x' [None, 8, 8, 6] has 6", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv2DTranspose(4, 3, strides=2, dilation_rate=2)')), [
    { message: 'Conv2DTranspose cannot combine strides [2, 2] with dilation_rate [2, 2]: one of them must be 1', line: 3, column: 50 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv2DTranspose(4, 3, strides=[2, 3], output_padding=[1, 3])')), [
    { message: 'Conv2DTranspose output_padding [1, 3] must be less than strides [2, 3] on each axis', line: 3, column: 56 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv2DTranspose(4, 3, output_padding=1)')), [
    { message: 'Conv2DTranspose output_padding [1, 1] must be less than strides [1, 1] on each axis', line: 3, column: 40 },
  ]);
  t.deepEqual(errorsOf(modelWith([1, 1, 3], 'Conv2DTranspose(4, 2, strides=2, padding=same, output_padding=0)')), [
    { message: "Conv2DTranspose output would be 0x0 for the 1x1 input 'x' [None, 1, 1, 3] (kernel_size [2, 2], padding=same, output_padding [0, 0])", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv2DTranspose(4, 3, strides=2, output_padding=-1)')), [
    { message: "argument 'output_padding' of Conv2DTranspose expects a non-negative integer or a pair [a, b] of non-negative integers or null, found -1", line: 3, column: 51 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'SeparableConv2D(4, 3, strides=2, dilation_rate=2)')), [
    { message: 'SeparableConv2D cannot combine strides [2, 2] with dilation_rate [2, 2]: one of them must be 1', line: 3, column: 50 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'UpSampling2D(interpolation=bicubic)')), [
    { message: "interpolation 'bicubic' is not supported (nnc has nearest and bilinear)", line: 3, column: 30 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'UpSampling2D(interpolation=bilinar)')), [
    { message: "unknown interpolation 'bilinar'; did you mean 'bilinear'? (expected one of nearest, bilinear)", line: 3, column: 30 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 3], 'UpSampling2D')), [
    { message: "UpSampling2D expects an image [batch, height, width, channels] (rank 4, batch included), but 'x' is [None, 8, 3]", line: 3, column: 3 },
  ]);
});

async function predict(graph: Graph, weights: Map<string, HostTensor>, x: tf.Tensor): Promise<tf.Tensor> {
  await initNodeBackend('wasm');
  const model = new Model(graph, weights, 'wasm');
  const y = model.predict(x) as tf.Tensor;
  model.dispose();
  return y;
}

const AGAINST_TFJS_LAYERS: readonly [string, readonly number[], string][] = [
  ['SeparableConv2D valid', [9, 9, 3], 'SeparableConv2D(5, 3, activation=relu)'],
  ['SeparableConv2D same, strides 2, depth_multiplier 2', [9, 9, 3], 'SeparableConv2D(4, 3, strides=2, padding=same, depth_multiplier=2)'],
  ['SeparableConv2D dilated, no bias', [9, 9, 3], 'SeparableConv2D(4, [3, 2], dilation_rate=2, use_bias=false)'],
  ['Conv2DTranspose valid', [5, 6, 3], 'Conv2DTranspose(4, 3, activation=relu)'],
  ['Conv2DTranspose strides 2 valid', [5, 6, 3], 'Conv2DTranspose(4, 3, strides=2)'],
  ['Conv2DTranspose strides 2 same', [5, 6, 3], 'Conv2DTranspose(4, 3, strides=2, padding=same)'],
  ['Conv2DTranspose [2, 3] strides [2, 1] same, no bias', [5, 6, 3], 'Conv2DTranspose(4, [2, 3], strides=[2, 1], padding=same, use_bias=false)'],
  ['UpSampling2D nearest', [3, 4, 2], 'UpSampling2D([3, 2])'],
];

for (const [label, dims, layer] of AGAINST_TFJS_LAYERS) {
  test.serial(`${label}: inference equals tfjs-layers with the same weights`, async (t) => {
    const graph = graphOf(modelWith(dims, layer));
    const weights = randomizedWeights(graph);
    const x = randomInput(graph, 2);
    const ours = await predict(graph, weights, x);
    const reference = buildTfjsLayersModel(graph, weights);
    const theirs = reference.predict(x) as tf.Tensor;
    assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
    tf.dispose([x, ours, theirs]);
    reference.dispose();
  });
}

test.serial('training mode: SeparableConv2D → BN → Conv2DTranspose → UpSampling2D equals tfjs-layers, batch statistics and all', async (t) => {
  const graph = graphOf(modelWith([6, 6, 3], 'SeparableConv2D(4, 3, activation=relu) -> BatchNormalization -> Conv2DTranspose(3, 2, strides=2) -> UpSampling2D'));
  const weights = randomizedWeights(graph);
  assertMatchesTfjsLayers(t, graph, weights, { backend: 'wasm', x: 4, training: true });
});

// On cpu: TensorFlow.js's wasm backend has no Conv2DBackpropFilter, which the kernel
// gradients of every convolution (Conv2D's too) need. Without UpSampling2D: tfjs-layers
// upsamples with resizeNearestNeighbor, whose gradient on cpu (12x12 → 24x24 here) does
// not sum to the upstream gradient — the bias before it then moves 0.0135 where the same
// model without the upsampling (mean(upsampled) = mean(input)) moves 0.0153, as nnc's
// does. UpSampling2D's gradient is checked by hand below.
test.serial("two SGD steps through the new layers give tfjs-layers' trainOnBatch weights (cpu)", async (t) => {
  await initNodeBackend('cpu');
  const graph = graphOf(modelWith([6, 6, 3], 'SeparableConv2D(4, 3, depth_multiplier=2, activation=relu) -> BatchNormalization -> Conv2DTranspose(3, 3, strides=2, padding=same) -> GlobalAveragePooling2D -> Dense(3, activation=softmax)'));
  const weights = randomizedWeights(graph);
  const { after } = await sgdBesideTfjsLayers(t, graph, weights, { backend: 'cpu', learningRate: 0.1, steps: 2, batchSize: 8, firstSeed: 50, label: (k, i) => (k + i) % 3 });
  // The kernels did move.
  for (const key of ['separable_conv2d/depthwise_kernel', 'separable_conv2d/pointwise_kernel', 'conv2d_transpose/kernel']) {
    t.true(hostMaxAbsDiff(after.get(key)!.data, weights.get(key)!.data) > 1e-4, key);
  }
  await initNodeBackend('wasm');
});

test.serial('UpSampling2D nearest: the gradient of each input pixel is the sum over its size[0]×size[1] copies', async (t) => {
  await initNodeBackend('cpu');
  const graph = graphOf(modelWith([3, 4, 2], 'UpSampling2D([2, 3])'));
  const node = graph.nodes[1] as NodeOf<'UpSampling2D'>;
  const x = randomInput(graph, 2);
  const upstream = tf.randomNormal([2, 6, 12, 2], 0, 1, 'float32', 9);
  const context = { training: true, nextSeed: () => 0, stateUpdates: [] };
  const gradient = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(kernelOf('UpSampling2D')!(node, [a], {}, context), upstream)))(x).dataSync();
  const u = upstream.dataSync();
  let worst = 0;
  for (let b = 0; b < 2; b++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 4; j++) {
        for (let c = 0; c < 2; c++) {
          let sum = 0;
          for (let di = 0; di < 2; di++) for (let dj = 0; dj < 3; dj++) sum += u[((b * 6 + i * 2 + di) * 12 + j * 3 + dj) * 2 + c];
          worst = Math.max(worst, Math.abs(sum - gradient[((b * 3 + i) * 4 + j) * 2 + c]));
        }
      }
    }
  }
  // 1e-6: float32 sums of six values of order 1.
  t.true(worst <= 1e-6, `max abs diff ${worst}`);
  tf.dispose([x, upstream]);
  await initNodeBackend('wasm');
});

/**
 * A transposed convolution in float64 as a direct scatter: input pixel (i, j) with kernel
 * tap (u, v) lands at (i·s + u·d − offset) on each axis, where Keras 3's output size is
 * O = (n − 1)·s + K + p (valid; p = max(K, s) − K when output_padding is null) or
 * (n − 1)·s + K mod 2 + p (same; n·s when null), K = (k − 1)·d + 1, and TensorFlow's
 * conv_transpose (Keras 3's TF backend) puts the output at offset 0 (valid) or
 * ⌊max((n − 1)·s + K − O, 0) / 2⌋ (same). Kernel [kh, kw, filters, in].
 */
function transposedByHand(x: ArrayLike<number>, [batch, n0, n1, inC]: readonly number[], kernel: ArrayLike<number>, bias: ArrayLike<number>, k: readonly number[], s: readonly number[], d: readonly number[], padding: 'valid' | 'same', outputPadding: readonly number[] | null, filters: number) {
  const size = (a: number) => {
    const n = [n0, n1][a];
    const K = (k[a] - 1) * d[a] + 1;
    const p = outputPadding?.[a] ?? null;
    const out = padding === 'valid' ? (n - 1) * s[a] + K + (p ?? Math.max(K, s[a]) - K) : p === null ? n * s[a] : (n - 1) * s[a] + (K % 2) + p;
    return { out, offset: padding === 'valid' ? 0 : Math.floor(Math.max((n - 1) * s[a] + K - out, 0) / 2) };
  };
  const [rows, cols] = [size(0), size(1)];
  const y = new Float64Array(batch * rows.out * cols.out * filters);
  for (let b = 0; b < batch; b++) for (let h = 0; h < rows.out; h++) for (let w = 0; w < cols.out; w++) for (let f = 0; f < filters; f++) y[((b * rows.out + h) * cols.out + w) * filters + f] = bias[f];
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n0; i++) {
      for (let j = 0; j < n1; j++) {
        for (let u = 0; u < k[0]; u++) {
          for (let v = 0; v < k[1]; v++) {
            const h = i * s[0] + u * d[0] - rows.offset;
            const w = j * s[1] + v * d[1] - cols.offset;
            if (h < 0 || h >= rows.out || w < 0 || w >= cols.out) continue;
            for (let f = 0; f < filters; f++) {
              for (let c = 0; c < inC; c++) y[((b * rows.out + h) * cols.out + w) * filters + f] += x[((b * n0 + i) * n1 + j) * inC + c] * kernel[((u * k[1] + v) * filters + f) * inC + c];
            }
          }
        }
      }
    }
  }
  return { y, shape: [batch, rows.out, cols.out, filters] };
}

const TRANSPOSED_CASES: readonly [string, readonly number[] | null, readonly number[], readonly number[], readonly number[], 'valid' | 'same'][] = [
  // layer arguments, output_padding, kernel, strides, dilation, padding
  ['Conv2DTranspose(3, 3, strides=2, padding=same)', null, [3, 3], [2, 2], [1, 1], 'same'],
  ['Conv2DTranspose(3, 3, strides=2, output_padding=1)', [1, 1], [3, 3], [2, 2], [1, 1], 'valid'],
  ['Conv2DTranspose(3, [3, 2], strides=[2, 3], output_padding=[1, 2])', [1, 2], [3, 2], [2, 3], [1, 1], 'valid'],
  ['Conv2DTranspose(3, 3, strides=2, padding=same, output_padding=1)', [1, 1], [3, 3], [2, 2], [1, 1], 'same'],
  ['Conv2DTranspose(3, 4, strides=[2, 3], padding=same, output_padding=[0, 2])', [0, 2], [4, 4], [2, 3], [1, 1], 'same'],
  ['Conv2DTranspose(3, 3, dilation_rate=2)', null, [3, 3], [1, 1], [2, 2], 'valid'],
  ['Conv2DTranspose(3, [3, 2], dilation_rate=[2, 3], padding=same)', null, [3, 2], [1, 1], [2, 3], 'same'],
  ['Conv2DTranspose(3, 2, dilation_rate=[3, 1], padding=same, output_padding=0)', [0, 0], [2, 2], [1, 1], [3, 1], 'same'],
];

for (const [layer, outputPadding, k, s, d, padding] of TRANSPOSED_CASES) {
  test.serial(`${layer} equals a float64 scatter loop`, async (t) => {
    const graph = graphOf(modelWith([4, 5, 2], layer));
    const weights = randomizedWeights(graph);
    const x = randomInput(graph, 2);
    const y = await predict(graph, weights, x);
    const expected = transposedByHand(x.dataSync(), [2, 4, 5, 2], weights.get('conv2d_transpose/kernel')!.data, weights.get('conv2d_transpose/bias')!.data, k, s, d, padding, outputPadding, 3);
    t.deepEqual(y.shape, expected.shape);
    t.deepEqual(graph.nodes[1].shape, [null, ...expected.shape.slice(1)]);
    const ours = y.dataSync();
    const worst = expected.y.reduce((m, e, i) => Math.max(m, Math.abs(e - ours[i])), 0);
    // 1e-5: float32 sums of at most 18 products of order 1.
    t.true(worst < 1e-5, `max abs diff ${worst}`);
    tf.dispose([x, y]);
  });
}

test.serial('Conv2DTranspose with dilation and output_padding trains: the kernel and input gradients equal a float64 scatter', async (t) => {
  await initNodeBackend('cpu');
  for (const [layer, outputPadding, k, s, d, padding] of [TRANSPOSED_CASES[3], TRANSPOSED_CASES[6]]) {
    const graph = graphOf(modelWith([4, 5, 2], layer));
    const node = graph.nodes[1] as NodeOf<'Conv2DTranspose'>;
    const weights = randomizedWeights(graph);
    const x = randomInput(graph, 2);
    const kernel = tf.tensor(weights.get('conv2d_transpose/kernel')!.data, [...weights.get('conv2d_transpose/kernel')!.shape]);
    const bias = tf.tensor(weights.get('conv2d_transpose/bias')!.data, [3]);
    const upstream = tf.randomNormal([2, ...(node.shape.slice(1) as number[])], 0, 1, 'float32', 9);
    const context = { training: true, nextSeed: () => 0, stateUpdates: [] };
    const loss = (input: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(kernelOf('Conv2DTranspose')!(node, [input], { kernel: w, bias }, context), upstream));
    const [dx, dw] = tf.grads(loss)([x, kernel]).map((g) => g.dataSync());
    // The loss is linear in x and in the kernel: each gradient is the scatter's transpose, by hand.
    const u = upstream.dataSync();
    const xs = x.dataSync();
    const ws = kernel.dataSync();
    const zeros = new Float64Array(3);
    const basis = (length: number, at: number) => Float64Array.from({ length }, (_, i) => (i === at ? 1 : 0));
    const dot = (y: Float64Array) => y.reduce((sum, v, i) => sum + v * u[i], 0);
    let worst = 0;
    for (let i = 0; i < ws.length; i++) worst = Math.max(worst, Math.abs(dot(transposedByHand(xs, [2, 4, 5, 2], basis(ws.length, i), zeros, k, s, d, padding, outputPadding, 3).y) - dw[i]));
    for (let i = 0; i < xs.length; i += 7) worst = Math.max(worst, Math.abs(dot(transposedByHand(basis(xs.length, i), [2, 4, 5, 2], ws, zeros, k, s, d, padding, outputPadding, 3).y) - dx[i]));
    // 1e-4: float32 sums of up to ~100 products of order 1.
    t.true(worst < 1e-4, `${layer}: max abs diff ${worst}`);
    tf.dispose([x, kernel, bias, upstream]);
  }
  await initNodeBackend('wasm');
});

test.serial('Conv2D groups=2 equals a float64 hand computation (each group its own convolution)', async (t) => {
  const graph = graphOf(modelWith([5, 5, 4], 'Conv2D(6, 3, strides=2, padding=same, groups=2)'));
  const weights = randomizedWeights(graph);
  const x = randomInput(graph, 1);
  const ours = (await predict(graph, weights, x)).dataSync();
  const input = x.dataSync();
  const kernel = weights.get('conv2d/kernel')!.data; // [3, 3, 2, 6]
  const bias = weights.get('conv2d/bias')!.data;
  // same, stride 2 on 5: out 3, total padding max((3 − 1)·2 + 3 − 5, 0) = 2, 1 before.
  let worst = 0;
  for (let oy = 0; oy < 3; oy++) {
    for (let ox = 0; ox < 3; ox++) {
      for (let o = 0; o < 6; o++) {
        const group = Math.floor(o / 3);
        let sum = bias[o];
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy * 2 + ky - 1;
            const ix = ox * 2 + kx - 1;
            if (iy < 0 || iy >= 5 || ix < 0 || ix >= 5) continue;
            for (let i = 0; i < 2; i++) sum += input[(iy * 5 + ix) * 4 + group * 2 + i] * kernel[((ky * 3 + kx) * 2 + i) * 6 + o];
          }
        }
        worst = Math.max(worst, Math.abs(sum - ours[(oy * 3 + ox) * 6 + o]));
      }
    }
  }
  // 1e-5: float32 sums of 18 products against float64.
  t.true(worst <= 1e-5, `max abs diff ${worst}`);
  tf.dispose(x);
});

/** Keras 3's bilinear resize (tf.image.resize): source = (out + 0.5)/size − 0.5, clamped to the image. */
function bilinear64(input: ArrayLike<number>, [h, w, c]: readonly number[], [sh, sw]: readonly number[]): Float64Array {
  const out = new Float64Array(h * sh * w * sw * c);
  const source = (o: number, scale: number, n: number) => Math.min(Math.max((o + 0.5) / scale - 0.5, 0), n - 1);
  for (let oy = 0; oy < h * sh; oy++) {
    const y = source(oy, sh, h);
    const y0 = Math.floor(y);
    const y1 = Math.min(y0 + 1, h - 1);
    for (let ox = 0; ox < w * sw; ox++) {
      const xs = source(ox, sw, w);
      const x0 = Math.floor(xs);
      const x1 = Math.min(x0 + 1, w - 1);
      for (let k = 0; k < c; k++) {
        const at = (yy: number, xx: number) => input[(yy * w + xx) * c + k];
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (xs - x0);
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (xs - x0);
        out[(oy * w * sw + ox) * c + k] = top + (bottom - top) * (y - y0);
      }
    }
  }
  return out;
}

test.serial('UpSampling2D bilinear is Keras 3\'s half-pixel resize: [0, 1] → [0, 0.25, 0.75, 1]', async (t) => {
  const graph = graphOf(modelWith([1, 2, 1], 'UpSampling2D([1, 2], interpolation=bilinear)'));
  const y = await predict(graph, new Map(), tf.tensor4d([0, 1], [1, 1, 2, 1]));
  t.deepEqual([...y.dataSync()], [0, 0.25, 0.75, 1]);
  y.dispose();
});

test.serial('UpSampling2D bilinear equals a float64 hand computation', async (t) => {
  const graph = graphOf(modelWith([4, 5, 3], 'UpSampling2D([3, 2], interpolation=bilinear)'));
  const x = randomInput(graph, 1);
  const ours = (await predict(graph, new Map(), x)).dataSync();
  const expected = bilinear64(x.dataSync(), [4, 5, 3], [3, 2]);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - ours[i]));
  t.is(ours.length, 12 * 10 * 3);
  // 1e-6: float32 interpolation of two lerps against float64.
  t.true(worst <= 1e-6, `max abs diff ${worst}`);
  tf.dispose(x);
});
