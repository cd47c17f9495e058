// The model zoo (examples/zoo/): each model's summary equals Keras's parameter counts;
// each predicts what tfjs-layers predicts with the same weights; the inference build
// folds its BatchNormalizations and computes what the unoptimized graph computes.
//
// Totals: the "Documentation for individual models" table of Keras's applications page
// (keras-team/keras, docs/templates/applications.md, Keras 2; MobileNetV2's row in the
// later version of that table, e.g. keras-team/keras-docs-ko sources/applications.md).
// The split: Keras's only non-trainable weights in these models are BatchNormalization's
// moving mean and variance, so non-trainable = 2 × (channels of every BN), counted by hand
// in each test from the architecture, and trainable = total − non-trainable.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { check } from '../../compiler/check.js';
import { normalizationToBatchNorm } from '../../compiler/passes/normalizationToBatchNorm.js';
import { formatFusionReport, fusionReport } from '../../compiler/passes/report.js';
import { summarize } from '../../compiler/summary.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { nodeWeights } from '../../src/ir/ops.js';
import type { Graph } from '../../src/ir/types.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import { compareHost } from '../../runtime/verify.js';
import { LAYERS_TOLERANCE, assertMatches, maxAbsDiff, randomInput, randomizedWeights } from '../helpers/models.js';
import { optimizeVerified } from '../helpers/optimizer.js';
import { buildTfjsLayersModel } from '../helpers/tfjsLayers.js';

function zooGraph(file: string, model: string): Graph {
  const path = `examples/zoo/${file}.nn`;
  const result = check(readFileSync(path, 'utf8'), path);
  const graph = result.models.get(model);
  if (!graph) throw new Error(`${path} has no error-free model ${model}`);
  return graph;
}

function totals(file: string, model: string): [number, number, number] {
  const s = summarize(zooGraph(file, model));
  return [s.totalParams, s.trainableParams, s.nonTrainableParams];
}

test('MobileNetV2 (alpha 1.0, 224): 3,538,984 / 3,504,872 / 34,112, 156 layers as in Keras', (t) => {
  // BN channels: Conv1 32; block 0 depthwise 32, project 16; blocks 1–16 expand and
  // depthwise 6·in each (in = 16, 24, 24, 32, 32, 32, 64 ×4, 96 ×3, 160 ×3: 12·1,184 =
  // 14,208), project out (24 ×2, 32 ×3, 64 ×4, 96 ×3, 160 ×3, 320: 1,488); Conv_1 1,280.
  // 32 + 48 + 14,208 + 1,488 + 1,280 = 17,056 channels, 2 · 17,056 = 34,112 moving statistics.
  t.deepEqual(totals('mobilenet_v2', 'MobileNetV2'), [3_538_984, 3_504_872, 34_112]);
  // TensorFlow's transfer-learning tutorial prints 154 layers for MobileNetV2 without its
  // top (the InputLayer included); the top adds GlobalAveragePooling2D and Dense.
  t.is(summarize(zooGraph('mobilenet_v2', 'MobileNetV2')).layers.length, 156);
});

test('MobileNetV2 at 96x96 has the same weights as at 224x224', (t) => {
  t.deepEqual(totals('mobilenet_v2', 'MobileNetV2Small'), [3_538_984, 3_504_872, 34_112]);
});

test('ResNet50 (224): 25,636,712 / 25,583,592 / 53,120, 177 layers as in Keras', (t) => {
  // BN channels: conv1 64; per stage, blocks × (f + f + 4f) plus the projection's 4f:
  // 64: 3·384 + 256 = 1,408; 128: 4·768 + 512 = 3,584; 256: 6·1,536 + 1,024 = 10,240;
  // 512: 3·3,072 + 2,048 = 11,264. 64 + 1,408 + 3,584 + 10,240 + 11,264 = 26,560 channels,
  // 2 · 26,560 = 53,120 moving statistics.
  t.deepEqual(totals('resnet50', 'ResNet50'), [25_636_712, 25_583_592, 53_120]);
  // 175 layers without the top (the InputLayer included), as Keras's ResNet50 has.
  t.is(summarize(zooGraph('resnet50', 'ResNet50')).layers.length, 177);
});

test('ResNet50 at 32x32 has the same weights as at 224x224', (t) => {
  t.deepEqual(totals('resnet50', 'ResNet50Small'), [25_636_712, 25_583_592, 53_120]);
});

test('DenseNet121 (224): 8,062,504 / 7,978,856 / 83,648, 429 layers as in Keras', (t) => {
  // BN channels: conv1 64; each dense layer's first BN sees its input width (block of n
  // layers from c channels: n·c + 32·n(n−1)/2): 6·64 + 480 = 864, 12·128 + 2,112 = 3,648,
  // 24·256 + 8,832 = 14,976, 16·512 + 3,840 = 12,032; each of the 58 second BNs 128
  // (7,424); transitions 256 + 512 + 1,024; the final BN 1,024. 41,824 channels,
  // 2 · 41,824 = 83,648 moving statistics.
  t.deepEqual(totals('densenet121', 'DenseNet121'), [8_062_504, 7_978_856, 83_648]);
  // 427 layers without the top (the InputLayer included), as Keras's DenseNet121 has.
  t.is(summarize(zooGraph('densenet121', 'DenseNet121')).layers.length, 429);
});

test('DenseNet121 at 32x32 has the same weights as at 224x224', (t) => {
  t.deepEqual(totals('densenet121', 'DenseNet121Small'), [8_062_504, 7_978_856, 83_648]);
});

test('InceptionV3 (299): 23,851,784 / 23,817,352 / 34,432, 313 layers as in Keras', (t) => {
  // One BN (scale=false: beta trainable, two moving statistics) per convolution, of its
  // filters: stem 32 + 32 + 64 + 80 + 192 = 400; mixed0–2 (64 + 48 + 64 + 64 + 96 + 96 +
  // pool 32 | 64 | 64) 1,456; mixed3 384 + 64 + 96 + 96 = 640; mixed4–7 (768 + 6·width,
  // width 128, 160, 160, 192) 6,912; mixed8 192 + 320 + 4·192 = 1,280; mixed9–10 2·3,264.
  // 17,216 channels, 2 · 17,216 = 34,432 moving statistics.
  t.deepEqual(totals('inception_v3', 'InceptionV3'), [23_851_784, 23_817_352, 34_432]);
  // 311 layers without the top (the InputLayer included), as Keras's InceptionV3 has.
  const layers = summarize(zooGraph('inception_v3', 'InceptionV3')).layers;
  t.is(layers.length, 313);
  // Keras leaves conv2d_bn's layers unnamed: the automatic names are Keras's own.
  // The last is the pooled branch of mixed10, Keras's 94th convolution.
  t.deepEqual(layers.slice(-6).map((l) => l.name), ['conv2d_93', 'batch_normalization_93', 'activation_93', 'mixed10', 'avg_pool', 'predictions']);
});

test('InceptionV3 at 75x75 has the same weights as at 299x299', (t) => {
  t.deepEqual(totals('inception_v3', 'InceptionV3Small'), [23_851_784, 23_817_352, 34_432]);
});

test('MobileNetV3Small (Keras 3, alpha 1.0, 224): 2,554,968 / 2,542,856 / 12,112', (t) => {
  // Keras's model.summary() of keras.applications.MobileNetV3Small() (include_top,
  // include_preprocessing), as printed in public notebooks: Total params: 2,554,968,
  // Trainable params: 2,542,856, Non-trainable params: 12,112 (Keras's applications table
  // has no MobileNetV3 row). The split by hand: BN channels conv 16; block 0 depthwise
  // and project 16 + 16; blocks 1–10 expand and depthwise (72, 88, 96, 240, 240, 120,
  // 144, 288, 576, 576: 2 · 2,440 = 4,880) and project (24, 24, 40, 40, 40, 48, 48, 96,
  // 96, 96: 552); conv_1 576. 16 + 32 + 4,880 + 552 + 576 = 6,056 channels,
  // 2 · 6,056 = 12,112 moving statistics.
  t.deepEqual(totals('mobilenet_v3_small', 'MobileNetV3Small'), [2_554_968, 2_542_856, 12_112]);
  t.deepEqual(totals('mobilenet_v3_small', 'MobileNetV3SmallLogits'), [2_554_968, 2_542_856, 12_112]);
  // The same printout gives len(model.weights) = 210 variables.
  const v3 = zooGraph('mobilenet_v3_small', 'MobileNetV3Small');
  t.is(v3.nodes.reduce((n, node) => n + nodeWeights(v3, node).length, 0), 210);
  // 34 BatchNormalizations: conv_bn, block 0's two, three in each of blocks 1–10, conv_1_bn.
  t.is(zooGraph('mobilenet_v3_small', 'MobileNetV3Small').nodes.filter((n) => n.kind === 'BatchNormalization').length, 34);
});

test('EfficientNetB0 (Keras 3, 224): 5,330,571 / 5,288,548 / 42,023', (t) => {
  // Total: Keras's applications table (keras-team/keras-io, templates/api/applications/
  // index.md). The split by hand: BN channels stem 32; block 1a depthwise and project
  // 32 + 16; the 15 other blocks expand and depthwise 2 · 6 · in each (in = 16, 24, 24,
  // 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192: 17,856) and project out
  // (1,792); top_conv 1,280: 21,008 channels, 2 · 21,008 = 42,016 moving statistics; and
  // Normalization's mean and variance (3 each) and count (1): 42,023.
  t.deepEqual(totals('efficientnet_b0', 'EfficientNetB0'), [5_330_571, 5_288_548, 42_023]);
  t.deepEqual(totals('efficientnet_b0', 'EfficientNetB0Small'), [5_330_571, 5_288_548, 42_023]);
  // Keras's len(model.weights) for EfficientNetB0 is 314 (the same public printouts as
  // MobileNetV3Small's), Normalization's three included.
  const b0 = zooGraph('efficientnet_b0', 'EfficientNetB0');
  t.is(b0.nodes.reduce((n, node) => n + nodeWeights(b0, node).length, 0), 314);
  // 49 BatchNormalizations: stem, block 1a's two, three in each of the 15 others, top.
  t.is(zooGraph('efficientnet_b0', 'EfficientNetB0').nodes.filter((n) => n.kind === 'BatchNormalization').length, 49);
});

test('Xception (299): 22,910,480 / 22,855,952 / 54,528, 134 layers', (t) => {
  // One BN per convolution (default momentum and epsilon; gamma and beta trainable, two
  // moving statistics), of its filters: block 1 32 + 64 = 96; block 2 projection 128 +
  // two separable 128 = 384; block 3 3·256 = 768; block 4 3·728 = 2,184; blocks 5–12
  // 8·3·728 = 17,472; block 13 projection 1,024 + 728 + 1,024 = 2,776; block 14 1,536 +
  // 2,048 = 3,584. 27,264 channels, 2 · 27,264 = 54,528 moving statistics.
  t.deepEqual(totals('xception', 'Xception'), [22_910_480, 22_855_952, 54_528]);
  // One nnc layer per Keras layer of keras/src/applications/xception.py, counted by hand:
  // the input; block 1 six; block 2 nine (projection conv + BN, two separable + BN, a ReLU
  // between, pool, add); blocks 3, 4, 13 ten (a ReLU more); blocks 5–12 ten (three
  // ReLU-separable-BN, add); block 14 six; the top two. 1 + 6 + 9 + 30 + 80 + 6 + 2 = 134.
  t.is(summarize(zooGraph('xception', 'Xception')).layers.length, 134);
});

test('Xception at 71x71 has the same weights as at 299x299', (t) => {
  t.deepEqual(totals('xception', 'XceptionSmall'), [22_910_480, 22_855_952, 54_528]);
});

test("the U-Net of Keras's segmentation example (160): 2,058,979 / 2,055,203 / 3,776, 72 layers", (t) => {
  // Counted by hand from keras-io examples/vision/oxford_pets_image_segmentation.py
  // (the total is the summary the example prints). Entry conv 3·3·3·32 + 32 = 896, BN 128.
  // Down block (in → f): two separable (9·in + in·f + f, 9·f + f·f + f), two BNs 8f, the
  // residual 1x1 in·f + f: 9,760 (32 → 64), 35,904 (64 → 128), 137,344 (128 → 256). Up
  // block: two transposed 3x3 (9·in·f + f, 9·f·f + f), two BNs 8f, the residual 1x1
  // in·f + f: 1,248,000 (256 → 256), 476,544 (256 → 128), 119,488 (128 → 64), 30,048
  // (64 → 32). The softmax conv 9·32·3 + 3 = 867. Total 2,058,979.
  // Non-trainable: BN channels 32 + 2·(64 + 128 + 256) + 2·(256 + 128 + 64 + 32) = 1,888,
  // 2 · 1,888 = 3,776 moving statistics.
  t.deepEqual(totals('unet', 'UNet'), [2_058_979, 2_055_203, 3_776]);
  // The input, the entry 3, three down blocks of 9, four up blocks of 10, the classifier.
  t.is(summarize(zooGraph('unet', 'UNet')).layers.length, 72);
  t.deepEqual(totals('unet', 'UNetSmall'), [2_058_979, 2_055_203, 3_776]);
});

// Execution. These models hold 3.5 to 25.6 million weights, and on wasm every model
// instance costs seconds (upload, XNNPACK packing each kernel on its first call), so each
// runs once, at batch 1, on its small input (the same layers and weights as the full-size
// model, whose summary is checked above), with logits out.

/**
 * Optimized against unoptimized: 1e-4 + 1e-4·|y|, `nnc build`'s own check. The folds
 * round each of up to 94 kernels to float32 once more, along paths of up to 50
 * convolutions, on logits of magnitude ~5 (measured: at most ~1e-5, see docs/zoo.md).
 */
const OPTIMIZED_TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

interface ZooCase {
  readonly file: string;
  readonly full: string;
  readonly small: string;
  /** BatchNormalizations folded into a convolution and left as an Affine. */
  readonly folded: number;
  readonly converted: number;
  /** Output values per batch element: 1,000 logits, or a segmentation map. */
  readonly elements?: number;
  /** Against tfjs-layers, when not LAYERS_TOLERANCE (the reason beside the case). */
  readonly referenceTolerance?: number;
}

const CASES: readonly ZooCase[] = [
  { file: 'mobilenet_v2', full: 'MobileNetV2', small: 'MobileNetV2Small', folded: 52, converted: 0 },
  { file: 'resnet50', full: 'ResNet50', small: 'ResNet50Small', folded: 53, converted: 0 },
  { file: 'densenet121', full: 'DenseNet121', small: 'DenseNet121Small', folded: 59, converted: 62 },
  { file: 'inception_v3', full: 'InceptionV3', small: 'InceptionV3Small', folded: 94, converted: 0 },
  // Every BN follows a Conv2D or a SeparableConv2D (folded into its pointwise kernel).
  { file: 'xception', full: 'Xception', small: 'XceptionSmall', folded: 40, converted: 0 },
  // BNs after a Conv2D, a SeparableConv2D (its pointwise kernel) or a Conv2DTranspose.
  // 2e-5: float32 rounding on logits up to ~9.4 (a float32 step of 9.5e-7 there) after
  // 3x3 transposed convolutions summing 2,304 products each; the two also order the
  // separable convolutions' bias differently (nnc inside the fused pointwise kernel,
  // tfjs-layers after it). Measured 1.0e-5.
  { file: 'unet', full: 'UNet', small: 'UNetSmall', folded: 15, converted: 0, elements: 32 * 32 * 3, referenceTolerance: 2e-5 },
];

function outcomes(graph: Graph, weights: Map<string, HostTensor> | null) {
  const result = optimizeVerified({ graph, weights });
  const report = fusionReport(graph, result);
  const count = (outcome: string) => report.batchNorms.filter((b) => b.outcome === outcome).length;
  return { result, report, folded: count('folded'), converted: count('converted'), kept: count('kept') };
}

for (const zoo of CASES) {
  test.serial(`${zoo.small}: inference equals tfjs-layers; the inference build folds ${zoo.folded} BNs and computes the same`, async (t) => {
    t.is(await initNodeBackend('wasm'), 'wasm');
    const graph = zooGraph(zoo.file, zoo.small);
    const weights = randomizedWeights(graph);
    const x = randomInput(graph, 1);

    const model = new Model(graph, weights, 'wasm');
    const ours = model.predict(x) as tf.Tensor;
    const original: HostTensor[] = [{ shape: ours.shape, data: ours.dataSync() as Float32Array }];
    model.dispose();
    const reference = buildTfjsLayersModel(graph, weights);
    const theirs = reference.predict(x) as tf.Tensor;
    assertMatches(t, ours, theirs, zoo.referenceTolerance ?? LAYERS_TOLERANCE, `${zoo.small} logits`);
    const logits = ours.dataSync();
    t.log(`${zoo.small}: logits in [${Math.min(...logits).toFixed(2)}, ${Math.max(...logits).toFixed(2)}], max abs diff to tfjs-layers ${maxAbsDiff(ours, theirs)}`);
    tf.dispose([ours, theirs]);
    reference.dispose();

    const { result, report, folded, converted, kept } = outcomes(graph, weights);
    t.deepEqual([folded, converted, kept], [zoo.folded, zoo.converted, 0]);
    t.is(report.batchNorms.length, zoo.folded + zoo.converted);
    t.false(result.graph.nodes.some((n) => n.kind === 'BatchNormalization'));
    t.is(result.graph.nodes.filter((n) => n.kind === 'Affine').length, zoo.converted);

    // runtime/verify.ts's comparison (compareModels without building the original a
    // second time: its output above is the original's).
    const optimized = new Model(result.graph, result.weights!, 'wasm');
    const candidate = await optimized.predictHost([{ shape: x.shape, data: x.dataSync() as Float32Array }]);
    optimized.dispose();
    x.dispose();
    const comparison = compareHost(original, candidate, OPTIMIZED_TOLERANCE);
    t.log(`${zoo.small}: optimized vs original max abs error ${comparison.maxAbsError.toExponential(2)}, max rel ${comparison.maxRelError.toExponential(2)}`);
    t.true(comparison.within, `max abs error ${comparison.maxAbsError}, ${comparison.failures} of ${comparison.elements} outside`);
    t.is(comparison.elements, zoo.elements ?? 1000);

    // The full-size model has the same layers and weights: its build folds the same.
    const full = outcomes(zooGraph(zoo.file, zoo.full), weights);
    t.deepEqual([full.folded, full.converted, full.kept], [zoo.folded, zoo.converted, 0]);
  });
}

test('DenseNet121: a BN that normalizes a concatenation before BN → relu → Conv becomes a per-channel add, and says why', (t) => {
  const graph = zooGraph('densenet121', 'DenseNet121');
  // randomizedWeights: every γ in [0.5, 1.5), so every s > 0 and each factor can move through its ReLU.
  const report = fusionReport(graph, optimizeVerified({ graph, weights: randomizedWeights(graph) }));
  const bn = (name: string) => report.batchNorms.find((b) => b.layer === name)!;
  // The first BN of the second dense layer: its input is the first concatenation.
  t.deepEqual(bn('batch_normalization_3'), {
    layer: 'batch_normalization_3',
    outcome: 'converted',
    left: 'add',
    into: 'batch_normalization_3', // the Affine keeps the BN's name
    detail:
      "became a per-channel add (Affine: x + t/s): its factor s moved through 'activation_3' into the weights of 'conv2d_3' (relu(x·s + t) = s·relu(x + t/s), every s > 0; W' = diag(s)·W). The add t/s stays: it acts before the ReLU clips at x = −t/s, so no weight after it can hold it; and 'concatenate' is also read by 'concatenate_1', which needs it without this BN's s and t",
    reasons: [
      "not into the layer before: 'concatenate' is a Concatenate, not a Dense or convolution",
      "not split across 'concatenate': 'concatenate' feeds 2 consumers (batch_normalization_3, concatenate_1), so changing it would change the others",
      "not into the layer after: 'activation_3' is an Activation, not a Dense or convolution",
    ],
  });
  // The final BN: through the ReLU and the global pooling into the classifier.
  t.regex(bn('batch_normalization_120').detail, /moved through 'activation_120' into the weights of 'dense' \(through 'global_average_pooling2d'\)/);
  // The second BN of a dense layer follows its 1x1 convolution and is folded into it.
  t.is(bn('batch_normalization_4').outcome, 'folded');
  t.is(bn('batch_normalization_4').into, 'conv2d_3');
  t.deepEqual(
    [report.batchNorms.filter((b) => b.outcome === 'folded').length, report.batchNorms.filter((b) => b.left === 'add').length, report.batchNorms.filter((b) => b.left === 'multiply-add').length],
    [59, 62, 0],
  );
  t.regex(formatFusionReport(report), /^ {2}121 BatchNormalizations: 59 folded, 62 reduced to a per-channel add \(its factor moved through a ReLU\):$/m);
});

// MobileNetV3Small has no tfjs-layers reference: tfjs-layers 4.22 has no hard_swish, its
// hardSigmoid is Keras 2's (0.2·x + 0.5, not Keras 3's x/6 + 0.5) and its global poolings
// have no keepdims. Its new layers and activations are checked one by one against float64
// hand computations (test/runtime/activations.test.ts, mergeActivationLayers.test.ts);
// here the inference build must fold all 34 BNs and compute what the graph as written does.
test.serial('MobileNetV3Small: the inference build folds all 34 BNs and computes the same logits', async (t) => {
  t.is(await initNodeBackend('wasm'), 'wasm');
  const graph = zooGraph('mobilenet_v3_small', 'MobileNetV3SmallLogits');
  const weights = randomizedWeights(graph);
  const x = randomInput(graph, 1);
  const model = new Model(graph, weights, 'wasm');
  const ours = model.predict(x) as tf.Tensor;
  const original: HostTensor[] = [{ shape: ours.shape, data: ours.dataSync() as Float32Array }];
  const logits = ours.dataSync();
  t.true(Math.max(...logits) - Math.min(...logits) > 0.1, 'the logits spread');
  ours.dispose();
  model.dispose();

  const { result, folded, converted, kept } = outcomes(graph, weights);
  t.deepEqual([folded, converted, kept], [34, 0, 0]);
  t.false(result.graph.nodes.some((n) => n.kind === 'BatchNormalization' || n.kind === 'Affine'));
  const optimized = new Model(result.graph, result.weights!, 'wasm');
  const candidate = await optimized.predictHost([{ shape: x.shape, data: x.dataSync() as Float32Array }]);
  optimized.dispose();
  x.dispose();
  const comparison = compareHost(original, candidate, OPTIMIZED_TOLERANCE);
  t.log(`MobileNetV3Small: logits in [${Math.min(...logits).toFixed(2)}, ${Math.max(...logits).toFixed(2)}], optimized vs original max abs error ${comparison.maxAbsError.toExponential(2)}`);
  t.true(comparison.within, `max abs error ${comparison.maxAbsError}, ${comparison.failures} of ${comparison.elements} outside`);
  t.is(comparison.elements, 1000);
  const full = outcomes(zooGraph('mobilenet_v3_small', 'MobileNetV3Small'), weights);
  t.deepEqual([full.folded, full.converted, full.kept], [34, 0, 0]);
});

// EfficientNetB0 against tfjs-layers, which has every layer but Keras 3's Normalization:
// the reference is built from the graph with the Normalization replaced by the equal
// BatchNormalization (normalization-to-batchnorm, checked against the Normalization
// kernel in test/compiler/passes/normalizationToBatchNorm.test.ts), everything else as
// written.
test.serial('EfficientNetB0Small: inference equals tfjs-layers; the inference build folds all 49 BNs and computes the same', async (t) => {
  t.is(await initNodeBackend('wasm'), 'wasm');
  const graph = zooGraph('efficientnet_b0', 'EfficientNetB0Small');
  const weights = randomizedWeights(graph);
  // Normalization statistics away from the identity, as the BNs'.
  weights.set('normalization/mean', { shape: [3], data: Float32Array.from([0.485, 0.456, 0.406]) });
  weights.set('normalization/variance', { shape: [3], data: Float32Array.from([0.052, 0.05, 0.051]) });
  const x = tf.mul(randomInput(graph, 1), 255);

  const model = new Model(graph, weights, 'wasm');
  const ours = model.predict(x) as tf.Tensor;
  const original: HostTensor[] = [{ shape: ours.shape, data: ours.dataSync() as Float32Array }];
  model.dispose();
  const asBatchNorm = normalizationToBatchNorm.run({ graph, weights }, 'inference');
  const reference = buildTfjsLayersModel(asBatchNorm.graph, asBatchNorm.weights as Map<string, HostTensor>);
  const theirs = reference.predict(x) as tf.Tensor;
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE, 'EfficientNetB0Small logits');
  const logits = ours.dataSync();
  t.log(`EfficientNetB0Small: logits in [${Math.min(...logits).toFixed(2)}, ${Math.max(...logits).toFixed(2)}], max abs diff to tfjs-layers ${maxAbsDiff(ours, theirs)}`);
  tf.dispose([ours, theirs]);
  reference.dispose();

  const { result, folded, converted, kept } = outcomes(graph, weights);
  t.log(`EfficientNetB0Small: ${folded} BNs folded, ${converted} converted, ${kept} kept; optimized kinds: ${[...new Set(result.graph.nodes.map((n) => n.kind))].join(', ')}`);
  t.deepEqual([folded, converted, kept], [49, 0, 0]);
  t.false(result.graph.nodes.some((n) => n.kind === 'BatchNormalization' || n.kind === 'Normalization'));
  const optimized = new Model(result.graph, result.weights!, 'wasm');
  const candidate = await optimized.predictHost([{ shape: x.shape, data: x.dataSync() as Float32Array }]);
  optimized.dispose();
  x.dispose();
  const comparison = compareHost(original, candidate, OPTIMIZED_TOLERANCE);
  t.log(`EfficientNetB0Small: optimized vs original max abs error ${comparison.maxAbsError.toExponential(2)}`);
  t.true(comparison.within, `max abs error ${comparison.maxAbsError}, ${comparison.failures} of ${comparison.elements} outside`);
  const full = outcomes(zooGraph('efficientnet_b0', 'EfficientNetB0'), null as never);
  t.deepEqual([full.folded, full.converted, full.kept], [49, 0, 0]);
});
