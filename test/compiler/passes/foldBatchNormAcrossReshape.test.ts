// fold-batchnorm-across-reshape: a BN before Flatten/Reshape folds into the Dense after
// them when each Dense input row meets one BN channel, the optimized graph computes the
// original's function (runtime/verify.ts on random inputs, and against a float64 hand
// computation), and every refusal keeps its reason in the notes and the fusion report.

import test from 'ava';
import { channelOfPosition } from '../../../compiler/passes/foldBatchNormAcrossReshape.js';
import { formatFusionReport, fusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import * as tf from '@tensorflow/tfjs-core';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { countKind, foldOf, kinds, notesAbout, optimizeVerified, optimizeAndCompare } from '../../helpers/optimizer.js';

const ACROSS = 'fold-batchnorm-across-reshape';

test.before(async () => {
  await initNodeBackend('wasm');
});


test('c(p): the row-major index on the normalized axes', (t) => {
  // [None, 2, 3]: axis [1, 2] is every position; axis 2 is p mod 3; axis 1 is ⌊p / 3⌋.
  t.deepEqual([...channelOfPosition([null, 2, 3], [1, 2])], [0, 1, 2, 3, 4, 5]);
  t.deepEqual([...channelOfPosition([null, 2, 3], [2])], [0, 1, 2, 0, 1, 2]);
  t.deepEqual([...channelOfPosition([null, 2, 3], [1])], [0, 0, 0, 1, 1, 1]);
  // [None, 2, 2, 3], axes [1, 3]: c = i·3 + k for position (i, j, k).
  t.deepEqual([...channelOfPosition([null, 2, 2, 3], [1, 3])], [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5]);
});

test('BN(axis=[1, 2]) → Flatten → Dense: folded, the Flatten and the Dense remain', async (t) => {
  const graph = graphOf(`model M { input x: [4, 5]
    BatchNormalization(axis=[1, 2])
    Flatten
    Dense(3) }`);
  const result = await optimizeAndCompare(t, graph);
  t.deepEqual(kinds(result.graph), ['Input', 'Flatten', 'Dense']);
  const fold = foldOf(result, 'batch_normalization')!;
  t.deepEqual([fold.pass, fold.into], [ACROSS, 'dense']);
  const report = fusionReport(graph, result);
  t.deepEqual(report.batchNorms, [
    {
      layer: 'batch_normalization',
      outcome: 'folded',
      into: 'dense',
      detail: "folded across 'flatten' into the weights of 'dense' (W'[i] = s[c(i)]·W[i], b' = b + Wᵀ·t[c]: input i meets BN channel c(i))",
      reasons: ['not into the layer before: \'x\' is an Input, not a Dense or convolution'],
    },
  ]);
});

test('a CNN head: Conv(relu) → BN per channel → Flatten → Dense folds (c(i) = i mod C), equal to a float64 hand computation', async (t) => {
  const graph = graphOf(`model M { input x: [4, 4, 2]
    Conv2D(3, 2, activation=relu)
    BatchNormalization
    Flatten
    Dense(2) }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  t.is(countKind(result.graph, 'BatchNormalization') + countKind(result.graph, 'Affine'), 0);
  t.is(foldOf(result, 'batch_normalization')?.pass, ACROSS);
  // The folded Dense against BN then Dense by hand in float64, on the conv's output z.
  const z = tf.randomNormal([1, 3, 3, 3], 0, 1, 'float32', 5).dataSync();
  const w = (name: string) => (result.weights!.get(name) ?? weights.get(name))!.data;
  const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((v) => weights.get(`batch_normalization/${v}`)!.data);
  const [kernel, bias] = [weights.get('dense/kernel')!.data, weights.get('dense/bias')!.data];
  const [folded, foldedBias] = [w('dense/kernel'), w('dense/bias')];
  for (let j = 0; j < 2; j++) {
    let expected = bias[j];
    let ours = foldedBias[j];
    for (let i = 0; i < 27; i++) {
      const c = i % 3;
      expected += ((gamma[c] * (z[i] - mean[c])) / Math.sqrt(variance[c] + 0.001) + beta[c]) * kernel[i * 2 + j];
      ours += z[i] * folded[i * 2 + j];
    }
    // 1e-9: both sides float64 but for the float32 inputs; only summation order differs.
    t.true(Math.abs(ours - expected) < 1e-9, `output ${j}: ${ours} vs ${expected}`);
  }
});

test('BN over axis 1 → Reshape keeping rows → Dense: exact when every row sees one channel per input', async (t) => {
  // [6, 4] with BN on the last axis, reshaped to [3, 8]: input i of the Dense is position
  // r·8 + i, channel (r·8 + i) mod 4 = i mod 4 for every r.
  const exact = graphOf(`model M { input x: [6, 4]
    BatchNormalization
    Reshape([3, 8])
    Dense(2) }`);
  const folded = await optimizeAndCompare(t, exact);
  t.is(foldOf(folded, 'batch_normalization')?.pass, ACROSS);
  t.deepEqual(kinds(folded.graph), ['Input', 'Reshape', 'Dense']);
});

test('refused: a Reshape whose rows meet different channels, with the reason in the report', async (t) => {
  // [6, 4], BN on axis 1 (the 6 rows), reshaped to [4, 6]: Dense input 0 is position 0
  // (channel 0) in row 0 but position 6 (channel 1) in row 1.
  const graph = graphOf(`model M { input x: [6, 4]
    BatchNormalization(axis=1)
    Reshape([4, 6])
    Dense(2) }`);
  const result = await optimizeAndCompare(t, graph);
  const reason = "not across 'reshape' into 'dense': its input 0 meets BN channel 0 in row 0 but channel 1 in row 1, so no single factor per input fits";
  t.deepEqual(notesAbout(result, 'batch_normalization').filter((n) => n.pass === ACROSS).map((n) => [n.action, n.detail])[0], ['kept', reason]);
  const outcome = fusionReport(graph, result).batchNorms[0];
  t.is(outcome.outcome, 'converted');
  t.true(outcome.reasons.includes(reason));
  t.true(formatFusionReport(fusionReport(graph, result)).includes(reason));
});

test('refused: Flatten shared with another consumer, or ending at something other than a Dense', async (t) => {
  const shared = graphOf(`model M { input x: [3, 4]
    BatchNormalization(axis=[1, 2])
    f = Flatten
    a = f -> Dense(2)
    b = f -> Dense(2)
    (a, b) -> Add }`);
  const r1 = await optimizeAndCompare(t, shared);
  t.true(fusionReport(shared, r1).batchNorms[0].reasons.includes("not across 'flatten': 'flatten' feeds 2 consumers (dense, dense_1), so changing it would change the others"));
  const softmax = graphOf(`model M { input x: [3, 4]
    BatchNormalization(axis=[1, 2])
    Flatten
    Softmax }`);
  const r2 = await optimizeAndCompare(t, softmax);
  t.true(fusionReport(softmax, r2).batchNorms[0].reasons.includes("not across 'flatten': 'softmax' after it is a Softmax, not a Dense"));
});

test('Reshape → Flatten chains are followed', async (t) => {
  const graph = graphOf(`model M { input x: [2, 3, 4]
    BatchNormalization(axis=[1, 3])
    Reshape([6, 4])
    Flatten
    Dense(5) }`);
  const result = await optimizeAndCompare(t, graph);
  t.deepEqual(kinds(result.graph), ['Input', 'Reshape', 'Flatten', 'Dense']);
  t.is(foldOf(result, 'batch_normalization')?.detail, "folded across 'reshape' → 'flatten' into the weights of 'dense' (W'[i] = s[c(i)]·W[i], b' = b + Wᵀ·t[c]: input i meets BN channel c(i))");
});

test.serial('a folded model predicts what the original does on the cpu backend too (Model, not verify)', async (t) => {
  await initNodeBackend('cpu');
  const graph = graphOf(`model M { input x: [4, 5]
    BatchNormalization(axis=[1, 2])
    Flatten
    Dense(3) }`);
  const weights = randomizedWeights(graph, 4);
  const result = optimizeVerified({ graph, weights });
  const x = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 9);
  const a = new Model(graph, weights, 'cpu').predict(x) as tf.Tensor;
  const b = new Model(result.graph, result.weights!, 'cpu').predict(x) as tf.Tensor;
  // 1e-5: float32 rounding of one folded Dense.
  t.true(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-5);
  await initNodeBackend('wasm');
});
