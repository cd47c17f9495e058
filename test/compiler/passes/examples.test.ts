// Every example model through the whole inference pipeline: the optimized graph
// computes the same function as the original (random BN statistics, random inputs),
// the IR verifier holds after every pass, each BatchNormalization ends where the
// issue says it must, and the fusion report's op and parameter counts are the ones
// computed by hand below.

import test from 'ava';
import { fusionReport, formatFusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { Graph } from '../../../src/ir/types.js';
import type { HostTensor } from '../../../src/ir/tensors.js';
import { EXAMPLES, exampleGraph, randomizedWeights } from '../../helpers/models.js';
import { countKind, equivalence, foldOf, identityBatchNorms, nodeNamed, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

const PRECEDING = 'fuse-batchnorm-into-preceding';
const FOLLOWING = 'fold-batchnorm-into-following';

interface Expected {
  /** BN layer → [pass that folds it, layer it is folded into]. */
  readonly folds: Readonly<Record<string, readonly [string, string]>>;
  readonly before: { ops: number; params: number };
  readonly after: { ops: number; params: number };
  /** Activation layers that must have been fused into the named layer. */
  readonly fused?: Readonly<Record<string, string>>;
}

const EXPECTED: Record<(typeof EXAMPLES)[number], Expected> = {
  // Flatten → BN → Dense(300, relu) → BN → Dense(100, relu) → BN → Dense(10, softmax).
  // Each BN follows a Flatten or a relu, so only the layer after can absorb it.
  // Before: Dense 784·300+300 = 235,500; 300·100+100 = 30,100; 100·10+10 = 1,010;
  //         BNs 4·(784 + 300 + 100) = 4,736 → 271,346 (Keras's figure); 7 ops.
  // After:  the three Dense layers, 266,610; Flatten + 3 Dense = 4 ops.
  geron: {
    folds: {
      batch_normalization: [FOLLOWING, 'dense'],
      batch_normalization_1: [FOLLOWING, 'dense_1'],
      batch_normalization_2: [FOLLOWING, 'dense_2'],
    },
    before: { ops: 7, params: 271_346 },
    after: { ops: 4, params: 266_610 },
  },
  // Flatten → BN → Dense(300, no bias) → BN → relu → Dense(100, no bias) → BN → relu → Dense(10).
  // Before: 784·300 + 300·100 + 1,010 + 4,736 = 270,946 (Keras's figure); 9 ops.
  // After:  the first BN into dense (following: it sits after Flatten), the other two
  //         into the Dense before them, which gain a bias: 235,500 + 30,100 + 1,010 =
  //         266,610; the relus fused: Flatten + 3 Dense = 4 ops.
  geron_bn_before_activation: {
    folds: {
      batch_normalization: [FOLLOWING, 'dense'],
      batch_normalization_1: [PRECEDING, 'dense'],
      batch_normalization_2: [PRECEDING, 'dense_1'],
    },
    fused: { activation: 'dense', activation_1: 'dense_1' },
    before: { ops: 9, params: 270_946 },
    after: { ops: 4, params: 266_610 },
  },
  // Dense(512, relu) → BN → Dropout → Dense(80, sigmoid).
  // Before: 4096·512+512 = 2,097,664; BN 4·512 = 2,048; 512·80+80 = 41,040 → 2,140,752; 4 ops.
  // After:  Dropout removed, BN into dense_1 (dense applies relu first): 2,138,704; 2 ops.
  tagger: {
    folds: { batch_normalization: [FOLLOWING, 'dense_1'] },
    before: { ops: 4, params: 2_140_752 },
    after: { ops: 2, params: 2_138_704 },
  },
  // ConvBN(32) then 3 × Residual(32), GAP, Dense(10). Convs have no bias.
  // Before: stem 3·3·3·32 = 864 + BN 128; per Residual 2·(3·3·32·32 = 9,216) + 2·128
  //         = 18,688, × 3 = 56,064; Dense 32·10+10 = 330 → 57,386.
  //         Ops: 3 (stem) + 3 × 7 (Conv, BN, ReLU, Conv, BN, Add, ReLU) + GAP + Dense = 26.
  // After:  each BN becomes its conv's 32 biases: 864+32 + 3·2·(9,216+32) + 330 = 56,714.
  //         Ops: stem Conv(relu) 1 + 3 × (Conv(relu), Conv, Add, ReLU) + 2 = 15: a ReLU
  //         after an Add has no linear layer to fuse into.
  tiny_resnet: {
    folds: Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`batch_normalization${i ? `_${i}` : ''}`, [PRECEDING, `conv2d${i ? `_${i}` : ''}`] as const])),
    fused: { re_lu: 'conv2d', re_lu_1: 'conv2d_1', re_lu_3: 'conv2d_3', re_lu_5: 'conv2d_5' },
    before: { ops: 26, params: 57_386 },
    after: { ops: 15, params: 56_714 },
  },
  // Stem Conv2D(16) + 4 Separable blocks (DepthwiseConv2D, BN, ReLU6, Conv2D 1×1, BN, ReLU6).
  // Before: stem 432 + 64; blocks (144+64 + 512+128) + (288+128 + 2,048+256)
  //         + (576+256 + 4,096+256) + (576+256 + 8,192+512); Dense 128·10+10 = 1,290 → 20,074.
  //         Ops: 3 + 4·6 + GAP + Dropout + Dense = 30.
  // After:  4 parameters per BN channel become 1 bias: 448 + 704 + 2,432 + 4,800 + 8,960
  //         + 1,290 = 18,634. Ops: Conv(relu6) + 4·2 + GAP + Dense = 11.
  mobilenet_block: {
    folds: {
      batch_normalization: [PRECEDING, 'conv2d'],
      batch_normalization_1: [PRECEDING, 'depthwise_conv2d'],
      batch_normalization_2: [PRECEDING, 'conv2d_1'],
      batch_normalization_3: [PRECEDING, 'depthwise_conv2d_1'],
      batch_normalization_4: [PRECEDING, 'conv2d_2'],
      batch_normalization_5: [PRECEDING, 'depthwise_conv2d_2'],
      batch_normalization_6: [PRECEDING, 'conv2d_3'],
      batch_normalization_7: [PRECEDING, 'depthwise_conv2d_3'],
      batch_normalization_8: [PRECEDING, 'conv2d_4'],
    },
    fused: Object.fromEntries(
      ['conv2d', 'depthwise_conv2d', 'conv2d_1', 'depthwise_conv2d_1', 'conv2d_2', 'depthwise_conv2d_2', 'conv2d_3', 'depthwise_conv2d_3', 'conv2d_4'].map((layer, i) => [`re_lu${i ? `_${i}` : ''}`, layer]),
    ),
    before: { ops: 30, params: 20_074 },
    after: { ops: 11, params: 18_634 },
  },
};

function weightsFor(graph: Graph): Map<string, HostTensor> {
  return randomizedWeights(graph, 5);
}

for (const name of EXAMPLES) {
  const expected = EXPECTED[name];

  test(`${name}: optimized ≡ original within 1e-5 relative, verifier after each pass`, async (t) => {
    const graph = exampleGraph(name);
    const weights = weightsFor(graph);
    const passesRun: string[] = [];
    const result = optimizeVerified({ graph, weights }, { afterEach: (step) => passesRun.push(step.pass) });
    t.true(passesRun.length >= 7, 'every pass ran and was verified');
    // 1e-5 + 1e-5·|y|: float32 rounding of weights folded in float64, over at most three folded layers.
    const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! });
    t.true(comparison.within, `max abs ${comparison.maxAbsError}, max rel ${comparison.maxRelError}`);
    t.true(comparison.elements > 0);
    // The comparison can fail: the same model with identity BNs is told apart.
    const blind = await equivalence({ graph, weights }, { graph, weights: identityBatchNorms(graph, weights) });
    t.false(blind.within, 'random BN statistics change the outputs beyond the tolerance');
  });

  test(`${name}: each BatchNormalization folded where expected, none left`, (t) => {
    const graph = exampleGraph(name);
    const result = optimizeVerified({ graph, weights: weightsFor(graph) });
    t.is(countKind(result.graph, 'BatchNormalization'), 0);
    t.is(countKind(result.graph, 'Affine'), 0);
    t.is(countKind(result.graph, 'Dropout'), 0);
    const bns = graph.nodes.filter((n) => n.kind === 'BatchNormalization').map((n) => n.name);
    t.deepEqual(bns.sort(), Object.keys(expected.folds).sort());
    for (const [bn, [pass, into]] of Object.entries(expected.folds)) {
      const fold = foldOf(result, bn);
      t.is(fold?.pass, pass, `${bn}: pass`);
      t.is(fold?.into, into, `${bn}: folded into`);
      t.true(nodeNamed(result.graph, into).kind !== 'BatchNormalization');
    }
    for (const [activation, into] of Object.entries(expected.fused ?? {})) {
      const fold = foldOf(result, activation);
      t.is(fold?.pass, 'fuse-activations', activation);
      t.is(fold?.into, into, activation);
      t.false(result.graph.nodes.some((n) => n.name === activation), `${activation} is gone`);
      const layer = nodeNamed(result.graph, into);
      t.true('activation' in layer.attrs && layer.attrs.activation.name !== 'linear', `${into} carries the activation`);
    }
  });

  test(`${name}: fusion report lists every BN and the op and parameter counts`, (t) => {
    const graph = exampleGraph(name);
    const result = optimizeVerified({ graph, weights: weightsFor(graph) });
    const report = fusionReport(graph, result);
    t.is(report.mode, 'inference');
    t.deepEqual(report.before, expected.before);
    t.deepEqual(report.after, expected.after);
    t.deepEqual(
      report.batchNorms.map((b) => [b.layer, b.outcome, b.into]),
      Object.entries(expected.folds).map(([bn, [, into]]) => [bn, 'folded', into]),
    );
    const text = formatFusionReport(report);
    const fmt = (n: number) => n.toLocaleString('en-US');
    t.true(text.includes(`before: ${fmt(expected.before.ops)} ops, ${fmt(expected.before.params)} parameters`), text);
    t.true(text.includes(`after:  ${fmt(expected.after.ops)} ops, ${fmt(expected.after.params)} parameters`), text);
    for (const [bn, [, into]] of Object.entries(expected.folds)) t.regex(text, new RegExp(`${bn} +folded into the weights of '${into}'`));
    // A structural run (no weights, as `nnc summary --optimize`) reaches the same graph.
    const structural = optimizeVerified({ graph, weights: null });
    t.deepEqual(structural.graph.nodes.map((n) => [n.kind, n.name, n.attrs, n.inputs]), result.graph.nodes.map((n) => [n.kind, n.name, n.attrs, n.inputs]));
  });
}
