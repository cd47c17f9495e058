// move-batchnorm-scale-through-relu: BN → relu → Dense/Conv, where no fold is exact,
// becomes x + t/s → relu → the layer with W' = diag(s)·W (relu(x·s + t) = s·relu(x + t/s)
// for s > 0). Checked against the unfolded graph on tfjs (optimizeAndCompare: the BN
// kernel, random inputs), the new weights and a whole output against float64 hand
// computations; a channel with s ≤ 0 is refused with its reason.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { optimize } from '../../../compiler/passes/pipeline.js';
import { formatFusionReport, fusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import type { HostTensor } from '../../../src/ir/tensors.js';
import type { Graph } from '../../../src/ir/types.js';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { kinds, nodeNamed, notesAbout, optimizeAndCompare, optimizeVerified } from '../../helpers/optimizer.js';

const MOVE = 'move-batchnorm-scale-through-relu';

/** The `scale` attribute of the Affine the BN became: false when only x + t/s is left. */
const affineScale = (graph: Graph) => (nodeNamed(graph, 'batch_normalization').attrs as { readonly scale: boolean }).scale;

test.before(async () => {
  await initNodeBackend('wasm');
});

/** s and t of the BN named `name` in float64, from the stored float32 statistics. */
function affineOf(weights: ReadonlyMap<string, HostTensor>, name: string, epsilon = 0.001) {
  const v = (variable: string) => weights.get(`${name}/${variable}`)!.data;
  const s = Array.from(v('gamma'), (g, c) => g / Math.sqrt(v('moving_variance')[c] + epsilon));
  const t = s.map((sc, c) => v('beta')[c] - v('moving_mean')[c] * sc);
  return { s, t };
}

// DenseNet's dense layer in small: the BN normalizes a concatenation that the next
// concatenation also reads, so neither neighbour can absorb it; a padding=same 3x3
// convolution after the ReLU (fold-batchnorm-into-following refuses it: its padded zeros).
const DENSE_LAYER = `model M { input x: [6, 6, 4]
  a = x -> Conv2D(4, 1)
  c = (x, a) -> Concatenate
  y = c -> BatchNormalization -> Activation(relu) -> Conv2D(3, 3, padding=same, use_bias=false)
  (c, y) -> Concatenate }`;

test('DenseNet dense layer: s moves into the 3x3 same-padded kernel, x + t/s is left; weights by hand in float64', async (t) => {
  const graph = graphOf(DENSE_LAYER);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  t.deepEqual(kinds(result.graph), ['Input', 'Conv2D', 'Concatenate', 'Affine', 'Activation', 'Conv2D', 'Concatenate']);
  t.deepEqual(nodeNamed(result.graph, 'batch_normalization').attrs, { axis: [3], scale: false });
  t.false(result.weights!.has('batch_normalization/scale'));
  const note = notesAbout(result, 'batch_normalization').find((n) => n.pass === MOVE)!;
  t.is(note.action, 'converted');
  t.is(
    note.detail,
    "became a per-channel add (Affine: x + t/s): its factor s moved through 'activation' into the weights of 'conv2d_1' (relu(x·s + t) = s·relu(x + t/s), every s > 0; W' = diag(s)·W). The add t/s stays: it acts before the ReLU clips at x = −t/s, so no weight after it can hold it; and 'concatenate' is also read by 'concatenate_1', which needs it without this BN's s and t",
  );
  const { s, t: shift } = affineOf(weights, 'batch_normalization');
  const offset = result.weights!.get('batch_normalization/offset')!.data;
  const kernel = weights.get('conv2d_1/kernel')!.data;
  const moved = result.weights!.get('conv2d_1/kernel')!.data;
  let worst = 0;
  for (let c = 0; c < 8; c++) worst = Math.max(worst, Math.abs(offset[c] - shift[c] / s[c]) / Math.abs(shift[c] / s[c]));
  // Kernel [3, 3, 8, 3]: input channel c at ⌊i / 3⌋ mod 8.
  for (let i = 0; i < kernel.length; i++) worst = Math.max(worst, Math.abs(moved[i] - kernel[i] * s[Math.floor(i / 3) % 8]) / Math.abs(kernel[i] * s[Math.floor(i / 3) % 8]));
  // 1e-6 relative: the offset is stored as float32 (a relative step of 6e-8); the kernel is float64 until read.
  t.true(worst < 1e-6, `max rel error ${worst}`);
  t.regex(formatFusionReport(fusionReport(graph, result)), / {2}1 BatchNormalization: 0 folded, 1 reduced to a per-channel add \(its factor moved through a ReLU\):\n/);
});

// BN → relu → Dense(2) on 3 features, where x·s + t changes sign in each channel for
// some input: the output computed in float64 from the original weights.
test('BN → relu → Dense: the optimized model equals a float64 hand computation of the original', async (t) => {
  const graph = graphOf('model M { input x: [3]\n x -> BatchNormalization -> Activation(relu) -> Dense(2) }');
  const weights = randomizedWeights(graph, 5);
  const result = optimizeVerified({ graph, weights });
  t.deepEqual(kinds(result.graph), ['Input', 'Affine', 'Activation', 'Dense']);
  const { s, t: shift } = affineOf(weights, 'batch_normalization');
  const w = weights.get('dense/kernel')!.data;
  const b = weights.get('dense/bias')!.data;
  const inputs = [
    [0.3, -1.2, 2.0],
    [-2.0, 0.5, -0.1],
    [1.5, 1.5, -1.5],
    [-0.4, -2.5, 0.9],
  ];
  // Inputs whose BN output is negative in some channel (so the ReLU clips there) and positive in others.
  const normalized = inputs.map((row) => row.map((x, c) => x * s[c] + shift[c]));
  t.true(normalized.flat().some((v) => v < 0) && normalized.flat().some((v) => v > 0), JSON.stringify(normalized));
  const expected = normalized.map((row) => [0, 1].map((o) => b[o] + row.reduce((sum, v, c) => sum + Math.max(v, 0) * w[c * 2 + o], 0)));
  const model = new Model(result.graph, result.weights!, 'wasm');
  const y = model.predict(tf.tensor2d(inputs)) as tf.Tensor;
  const got = y.arraySync() as number[][];
  model.dispose();
  y.dispose();
  let worst = 0;
  for (let r = 0; r < 4; r++) for (let o = 0; o < 2; o++) worst = Math.max(worst, Math.abs(got[r][o] - expected[r][o]));
  // 1e-6: float32 products of values of order 1 (a step of 1.2e-7), three terms per output.
  t.true(worst < 1e-6, `max abs error ${worst}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
  t.true(Math.max(...expected.flat().map(Math.abs)) > 0.1, 'the outputs are not all near 0');
});

test('a channel with γ < 0 (s < 0) or γ = 0 is refused, with its reason; the BN stays a multiply-add and is exact', async (t) => {
  for (const gamma1 of [-0.8, 0]) {
    const graph = graphOf(DENSE_LAYER);
    const weights = randomizedWeights(graph, 2);
    const gamma = Float32Array.from(weights.get('batch_normalization/gamma')!.data);
    gamma[1] = gamma1;
    weights.set('batch_normalization/gamma', { shape: [8], data: gamma });
    const result = await optimizeAndCompare(t, graph, weights);
    t.deepEqual(nodeNamed(result.graph, 'batch_normalization').attrs, { axis: [3], scale: true });
    const s1 = gamma1 / Math.sqrt(weights.get('batch_normalization/moving_variance')!.data[1] + 0.001);
    const outcome = fusionReport(graph, result).batchNorms[0];
    t.is(outcome.detail, 'became a per-channel multiply-add (Affine: x·s + t)');
    t.true(
      outcome.reasons.includes(`its factor not moved through 'activation': channel 1 has s = γ/√(σ² + ε) = ${s1.toPrecision(3)} ≤ 0, and relu(x·s + t) = s·relu(x + t/s) needs s > 0`),
      JSON.stringify(outcome.reasons),
    );
  }
});

test('through GlobalAveragePooling2D into the Dense after it (DenseNet\'s head), and through MaxPooling2D into a DepthwiseConv2D', async (t) => {
  const head = graphOf('model M { input x: [4, 4, 5]\n x -> BatchNormalization -> ReLU -> GlobalAveragePooling2D -> Dense(3) }');
  const result = await optimizeAndCompare(t, head);
  t.deepEqual(kinds(result.graph), ['Input', 'Affine', 'ReLU', 'GlobalAveragePooling2D', 'Dense']);
  t.regex(notesAbout(result, 'batch_normalization').find((n) => n.pass === MOVE)!.detail, /moved through 're_lu' into the weights of 'dense' \(through 'global_average_pooling2d'\)/);
  const pooled = graphOf('model M { input x: [6, 6, 3]\n x -> BatchNormalization -> Activation(relu) -> MaxPooling2D(2) -> DepthwiseConv2D(3, depth_multiplier=2, padding=same) }');
  const second = await optimizeAndCompare(t, pooled);
  t.is(affineScale(second.graph), false);
});

test('a ReLU read by two convolutions: both take the factor; read also by a Concatenate: refused, with the reason', async (t) => {
  const two = graphOf(`model M { input x: [5, 5, 3]
    r = x -> BatchNormalization -> Activation(relu)
    a = r -> Conv2D(2, 1) -> Flatten
    b = r -> Conv2D(2, 3, strides=2, padding=same) -> Flatten
    (a, b) -> Concatenate }`);
  const result = await optimizeAndCompare(t, two);
  t.regex(notesAbout(result, 'batch_normalization').find((n) => n.pass === MOVE)!.detail, /into the weights of 'conv2d', 'conv2d_1' \(relu/);
  const shared = graphOf(`model M { input x: [5, 5, 3]
    r = x -> BatchNormalization -> Activation(relu)
    c = r -> Conv2D(2, 1)
    (r, c) -> Concatenate }`);
  const refused = await optimizeAndCompare(t, shared);
  t.true(
    fusionReport(shared, refused).batchNorms[0].reasons.includes("its factor not moved through 'activation': 'concatenate' is a Concatenate, not a Dense or convolution whose kernel could take the factor"),
  );
  t.is(affineScale(refused.graph), true);
});

test('not through relu6, and not without weights unless the BN has scale=false (then s > 0 from the graph)', (t) => {
  const relu6 = graphOf('model M { input x: [4]\n x -> BatchNormalization -> Activation(relu6) -> Dense(2) }');
  const six = optimize({ graph: relu6, weights: null });
  t.true(fusionReport(relu6, six).batchNorms[0].reasons.includes("its factor not moved through 'activation': it computes relu6, and only relu (positively homogeneous, relu(s·z) = s·relu(z) for s > 0) lets a factor through"));
  const plain = graphOf('model M { input x: [4]\n x -> BatchNormalization -> Activation(relu) -> Dense(2) }');
  t.true(fusionReport(plain, optimize({ graph: plain, weights: null })).batchNorms[0].reasons.includes("its factor not moved through 'activation': that needs every s = γ/√(σ² + ε) > 0, and this run has no weights"));
  const unscaled = graphOf('model M { input x: [4]\n x -> BatchNormalization(scale=false) -> Activation(relu) -> Dense(2) }');
  t.is(affineScale(optimize({ graph: unscaled, weights: null }).graph), false);
});

test('the pass off (--passes -move-batchnorm-scale-through-relu): the BN is a multiply-add again', (t) => {
  const graph = graphOf(DENSE_LAYER);
  const result = optimize({ graph, weights: randomizedWeights(graph, 2) }, { passes: [`-${MOVE}`] });
  t.is(affineScale(result.graph), true);
});
