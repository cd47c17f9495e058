// The folds' guards: each case where folding would change the result is refused with
// a reason (in the pass notes and in the fusion report), the neighbour keeps its
// weights, and the optimized graph still computes the original function. And the
// cases right next to a guard that must fold: BN as the first layer, before a
// valid-padded convolution, BN → BN chains.

import test, { type ExecutionContext } from 'ava';
import { foldBatchNormIntoFollowing } from '../../../compiler/passes/foldBatchNormIntoFollowing.js';
import type { OptimizeResult } from '../../../compiler/passes/pipeline.js';
import { fusionReport, formatFusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { compareHost, DEFAULT_TOLERANCE } from '../../../runtime/verify.js';
import type { Graph } from '../../../src/ir/types.js';
import type { HostTensor, WeightMap } from '../../../src/ir/tensors.js';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { countKind, foldOf, kinds, nodeNamed, notesAbout, optimizeAndCompare } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

const PRECEDING = 'fuse-batchnorm-into-preceding';
const FOLLOWING = 'fold-batchnorm-into-following';


/** `bn` was refused by `pass` for `reason`, ended as an Affine, and the report says why. */
function assertKept(t: ExecutionContext, graph: Graph, result: OptimizeResult, bn: string, pass: string, reason: RegExp) {
  const notes = notesAbout(result, bn).filter((n) => n.pass === pass && n.action === 'kept');
  t.true(
    notes.some((n) => reason.test(n.detail)),
    `${pass} on ${bn}: ${JSON.stringify(notes.map((n) => n.detail))}`,
  );
  t.is(nodeNamed(result.graph, bn).kind, 'Affine');
  const report = fusionReport(graph, result);
  const outcome = report.batchNorms.find((b) => b.layer === bn)!;
  t.is(outcome.outcome, 'converted');
  t.true(outcome.reasons.some((r) => reason.test(r)));
  t.regex(formatFusionReport(report), reason);
}

/** The layer's weights in the optimized model are the original's, bit for bit. */
function assertWeightsUntouched(t: ExecutionContext, before: WeightMap, after: WeightMap, layer: string) {
  const keys = [...before.keys()].filter((k) => k.startsWith(`${layer}/`));
  t.true(keys.length > 0);
  for (const key of keys) t.deepEqual(Array.from(after.get(key)!.data), Array.from(before.get(key)!.data), key);
}

// ---------------------------------------------------------------------------
// A tensor with more than one consumer

test('shared tensor: a Dense feeding two BNs folds into neither', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    d = Dense(8)
    a = d -> BatchNormalization
    b = d -> BatchNormalization
    (a, b) -> Add }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  for (const bn of ['batch_normalization', 'batch_normalization_1']) {
    assertKept(t, graph, result, bn, PRECEDING, /'dense' feeds 2 consumers \(batch_normalization, batch_normalization_1\)/);
    assertKept(t, graph, result, bn, FOLLOWING, /'add' is an Add, not a Dense or convolution/);
  }
  // Nor does its bias move into either BN's mean.
  t.true(nodeNamed(result.graph, 'dense').kind === 'Dense' && (nodeNamed(result.graph, 'dense').attrs as { use_bias: boolean }).use_bias);
  assertWeightsUntouched(t, weights, result.weights!, 'dense');
});

test('shared tensor: a Dense feeding a BN and an Add keeps its weights', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    d = Dense(8)
    b = d -> BatchNormalization
    (d, b) -> Add }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  assertKept(t, graph, result, 'batch_normalization', PRECEDING, /'dense' feeds 2 consumers/);
  assertWeightsUntouched(t, weights, result.weights!, 'dense');
});

test('shared tensor: a BN feeding two Dense layers folds into neither', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    b = BatchNormalization
    y = b -> Dense(4)
    z = b -> Dense(4)
    (y, z) -> Add }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  assertKept(t, graph, result, 'batch_normalization', FOLLOWING, /'batch_normalization' feeds 2 consumers \(dense, dense_1\)/);
  assertKept(t, graph, result, 'batch_normalization', PRECEDING, /'x' is an Input, not a Dense or convolution/);
  assertWeightsUntouched(t, weights, result.weights!, 'dense');
  assertWeightsUntouched(t, weights, result.weights!, 'dense_1');
});

test('shared tensor: a BN read twice by one Add is not folded', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    Dense(8, activation=tanh)
    b = BatchNormalization
    (b, b) -> Add -> Dense(3) }`);
  const result = await optimizeAndCompare(t, graph);
  assertKept(t, graph, result, 'batch_normalization', FOLLOWING, /feeds 2 consumers \(add, add\)/);
});

// ---------------------------------------------------------------------------
// A BN over an axis that is not the channel axis

test('BN(axis=1) on [None, 10, 20] after a Dense: not folded into it (but across the Flatten into the Dense after)', async (t) => {
  const graph = graphOf(`model M { input x: [10, 20]
    Dense(20)
    BatchNormalization(axis=1)
    Flatten
    Dense(4) }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  const notes = notesAbout(result, 'batch_normalization');
  t.true(notes.some((n) => n.pass === PRECEDING && n.action === 'kept' && /normalizes axis \[1\], not 'dense''s channel axis 2/.test(n.detail)));
  t.true(notes.some((n) => n.pass === 'fold-bias-into-batchnorm' && /bias of 'dense' kept: the BN normalizes axis \[1\]/.test(n.detail)));
  // Flattened, input i of 'dense_1' meets BN channel ⌊i / 20⌋: fold-batchnorm-across-reshape folds it.
  t.deepEqual([foldOf(result, 'batch_normalization')?.pass, foldOf(result, 'batch_normalization')?.into], ['fold-batchnorm-across-reshape', 'dense_1']);
  assertWeightsUntouched(t, weights, result.weights!, 'dense');
});

test('BN(axis=1) on [None, 10, 20] before a Dense: not folded into it', async (t) => {
  const graph = graphOf(`model M { input x: [10, 20]
    BatchNormalization(axis=1)
    Dense(8) }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  assertKept(t, graph, result, 'batch_normalization', FOLLOWING, /normalizes axis \[1\], but 'dense' contracts axis 2/);
  assertWeightsUntouched(t, weights, result.weights!, 'dense');
});

test('BN(axis=[1, 2]) between two Dense layers: neither absorbs it', async (t) => {
  const graph = graphOf(`model M { input x: [5, 6]
    Dense(6)
    BatchNormalization(axis=[1, 2])
    Dense(3) }`);
  const result = await optimizeAndCompare(t, graph);
  assertKept(t, graph, result, 'batch_normalization', PRECEDING, /normalizes axis \[1, 2\]/);
  assertKept(t, graph, result, 'batch_normalization', FOLLOWING, /normalizes axis \[1, 2\]/);
});

// ---------------------------------------------------------------------------
// A value that is also a model output

test('a Dense that is a model output keeps its weights; the BN after it becomes an Affine', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    d = Dense(8)
    b = d -> BatchNormalization
    output d, b }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  assertKept(t, graph, result, 'batch_normalization', PRECEDING, /'dense' is a model output, so its value must stay as it is/);
  assertKept(t, graph, result, 'batch_normalization', FOLLOWING, /'batch_normalization' is a model output/);
  assertWeightsUntouched(t, weights, result.weights!, 'dense');
  t.deepEqual(result.graph.outputs.map((id) => result.graph.nodes[id].name), ['dense', 'batch_normalization']);
});

test('a BN that is a model output is not folded into the Dense after it', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    Dense(8, activation=relu)
    b = BatchNormalization
    y = b -> Dense(3)
    output b, y }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  assertKept(t, graph, result, 'batch_normalization', FOLLOWING, /'batch_normalization' is a model output/);
  assertKept(t, graph, result, 'batch_normalization', PRECEDING, /it applies relu before the BN/);
  assertWeightsUntouched(t, weights, result.weights!, 'dense_1');
});

// ---------------------------------------------------------------------------
// Folds next to the guards

test('BN as the first layer folds into the Dense after it', async (t) => {
  const graph = graphOf(`model M { input x: [12]
    BatchNormalization
    Dense(8, activation=relu) }`);
  const result = await optimizeAndCompare(t, graph);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
  t.deepEqual([foldOf(result, 'batch_normalization')?.pass, foldOf(result, 'batch_normalization')?.into], [FOLLOWING, 'dense']);
  t.is(fusionReport(graph, result).batchNorms[0].outcome, 'folded');
});

test('BN before a padding=same Conv2D is not folded into it: it becomes an Affine', async (t) => {
  const graph = graphOf(`model M { input x: [6, 6, 3]
    BatchNormalization
    Conv2D(4, 3, padding=same) }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  assertKept(t, graph, result, 'batch_normalization', FOLLOWING, /padding=same.*border outputs/);
  t.deepEqual(kinds(result.graph), ['Input', 'Affine', 'Conv2D']);
  assertWeightsUntouched(t, weights, result.weights!, 'conv2d');
});

test('why the same-padding guard exists: the fold is exact inside, wrong on the border', async (t) => {
  // Fold the BN into a valid-padded twin, then run those weights with padding=same.
  const same = graphOf(`model M { input x: [6, 6, 3]\n BatchNormalization\n Conv2D(4, 3, padding=same) }`);
  const valid = graphOf(`model M { input x: [6, 6, 3]\n BatchNormalization\n Conv2D(4, 3) }`);
  const weights = randomizedWeights(same, 2);
  const folded = foldBatchNormIntoFollowing.run({ graph: valid, weights }, 'inference');
  t.deepEqual(kinds(folded.graph), ['Input', 'Conv2D']);
  const wrong = graphOf(`model M { input x: [6, 6, 3]\n Conv2D(4, 3, padding=same) }`);
  const x: HostTensor = { shape: [2, 6, 6, 3], data: Float32Array.from({ length: 2 * 108 }, (_, i) => Math.sin(i * 0.7) * 2) };
  const [original] = await new Model(same, weights, 'wasm').predictHost(x);
  const [candidate] = await new Model(wrong, folded.weights!, 'wasm').predictHost(x);
  const pick = (y: HostTensor, border: boolean): HostTensor => {
    const data: number[] = [];
    for (let n = 0; n < 2; n++)
      for (let h = 0; h < 6; h++)
        for (let w = 0; w < 6; w++) {
          if ((h === 0 || h === 5 || w === 0 || w === 5) !== border) continue;
          for (let c = 0; c < 4; c++) data.push(y.data[((n * 6 + h) * 6 + w) * 4 + c]);
        }
    return { shape: [data.length], data: Float32Array.from(data) };
  };
  t.true(compareHost([pick(original, false)], [pick(candidate, false)], DEFAULT_TOLERANCE).within, 'interior: exact');
  t.false(compareHost([pick(original, true)], [pick(candidate, true)], DEFAULT_TOLERANCE).within, 'border: the padded zeros were not normalized');
});

for (const [layer, source] of [
  ['Conv2D', 'Conv2D(4, 3)'],
  ['Conv2D with strides 2', 'Conv2D(4, 3, strides=2)'],
  ['DepthwiseConv2D', 'DepthwiseConv2D(3)'],
  ['DepthwiseConv2D depth_multiplier=2', 'DepthwiseConv2D(3, depth_multiplier=2, use_bias=false)'],
] as const) {
  test(`BN before a padding=valid ${layer} folds into it`, async (t) => {
    const graph = graphOf(`model M { input x: [7, 7, 3]\n BatchNormalization\n ${source} }`);
    const result = await optimizeAndCompare(t, graph);
    t.is(countKind(result.graph, 'Affine') + countKind(result.graph, 'BatchNormalization'), 0);
    t.is(foldOf(result, 'batch_normalization')?.pass, FOLLOWING);
  });
}

test('BN → BN → Dense: the fixpoint folds both into the Dense', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    BatchNormalization
    BatchNormalization
    Dense(4) }`);
  const result = await optimizeAndCompare(t, graph);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
  t.is(foldOf(result, 'batch_normalization')?.into, 'dense');
  t.is(foldOf(result, 'batch_normalization_1')?.into, 'dense');
  // The first round could not fold batch_normalization: its consumer was a BN.
  t.true(notesAbout(result, 'batch_normalization').some((n) => n.action === 'kept' && /'batch_normalization_1' is a BatchNormalization/.test(n.detail)));
});

test('a chain of 20 BNs before a Dense: every one folds, one per round', async (t) => {
  // One BN folds per round (only the last one touches the Dense), so the fixpoint must
  // run as many rounds as it takes, not a fixed number.
  const graph = graphOf(`model M { input x: [6]\n repeat 20 { BatchNormalization }\n Dense(4) }`);
  const result = await optimizeAndCompare(t, graph);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
  t.is(fusionReport(graph, result).batchNorms.filter((b) => b.outcome === 'folded' && b.into === 'dense').length, 20);
});

test('Dense → BN → BN: the fixpoint folds both into the Dense', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    Dense(4)
    BatchNormalization
    BatchNormalization }`);
  const result = await optimizeAndCompare(t, graph);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
  t.is(foldOf(result, 'batch_normalization')?.pass, PRECEDING);
  t.is(foldOf(result, 'batch_normalization_1')?.pass, PRECEDING);
});

test('BN → Dropout → Dense (the tagger): folded once Dropout is removed', async (t) => {
  const graph = graphOf(`model M { input x: [6]
    Dense(8, activation=relu)
    BatchNormalization
    Dropout(0.5)
    Dense(3) }`);
  const result = await optimizeAndCompare(t, graph);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'Dense']);
  t.true(notesAbout(result, 'dropout').some((n) => n.pass === 'remove-identities' && n.action === 'removed'));
  t.is(foldOf(result, 'batch_normalization')?.into, 'dense_1');
});
