// The training build: only fold-bias-into-batchnorm runs, every BatchNormalization
// stays a BatchNormalization, and the folded graph trains the same: in training mode
// its outputs match the original's, and its moving means stay exactly the folded bias
// below the original's, as fold-bias-into-batchnorm's header says:
//   μ' = μ − b, and each update μ ← μ·m + mean_batch·(1 − m) sees batch means that
//   differ by b too, so μ_original − μ_folded = b after every step.

import test from 'ava';
import { PASSES } from '../../../compiler/passes/pipeline.js';
import { fusionReport, formatFusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { compareHost, DEFAULT_TOLERANCE, randomInputs } from '../../../runtime/verify.js';
import type { Graph } from '../../../src/ir/types.js';
import type { WeightMap } from '../../../src/ir/tensors.js';
import { exampleGraph, graphOf, randomizedWeights } from '../../helpers/models.js';
import { countKind, graphSnapshot, nodeNamed, notesAbout, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

const SOURCES = {
  dense: `model M { input x: [6]\n Dense(8)\n BatchNormalization(momentum=0.9)\n Dense(3) }`,
  conv: `model M { input x: [5, 5, 2]\n Conv2D(4, 3, padding=same)\n BatchNormalization(momentum=0.9)\n GlobalAveragePooling2D\n Dense(3) }`,
  depthwise: `model M { input x: [5, 5, 2]\n DepthwiseConv2D(3, depth_multiplier=2)\n BatchNormalization(momentum=0.9)\n Flatten\n Dense(3) }`,
};
const LAYER = { dense: 'dense', conv: 'conv2d', depthwise: 'depthwise_conv2d' };

test('a training build runs fold-bias-into-batchnorm only', (t) => {
  t.deepEqual(
    PASSES.filter((p) => p.modes.includes('training')).map((p) => p.name),
    ['fold-bias-into-batchnorm'],
  );
  const graph = graphOf(SOURCES.dense);
  const result = optimizeVerified({ graph, weights: randomizedWeights(graph, 3) }, { mode: 'training' });
  t.deepEqual(
    result.steps.map((s) => s.pass),
    ['fold-bias-into-batchnorm'],
  );
  t.is(result.mode, 'training');
});

for (const form of ['dense', 'conv', 'depthwise'] as const) {
  test(`training build (${form}): bias folded, BN kept, same outputs in training, moving means differ by the bias`, async (t) => {
    const graph = graphOf(SOURCES[form]);
    const layer = LAYER[form];
    const weights = randomizedWeights(graph, 3);
    const result = optimizeVerified({ graph, weights }, { mode: 'training' });
    const optimizedWeights = result.weights!;

    // Structure: the BN is kept, the layer lost its bias (and its parameters).
    t.is(countKind(result.graph, 'BatchNormalization'), 1);
    t.false((nodeNamed(result.graph, layer).attrs as { use_bias: boolean }).use_bias);
    t.false(optimizedWeights.has(`${layer}/bias`));
    const report = fusionReport(graph, result);
    const bias = weights.get(`${layer}/bias`)!.data;
    t.is(report.before.params - report.after.params, bias.length);
    t.deepEqual(
      report.batchNorms.map((b) => [b.layer, b.outcome]),
      [['batch_normalization', 'kept']],
    );
    t.regex(formatFusionReport(report), /training build[\s\S]*batch_normalization +kept: a training build normalizes with batch statistics/);
    t.true(notesAbout(result, layer).some((n) => n.action === 'folded' && n.into === 'batch_normalization'));

    // μ' = μ − b, computed in float64 from the stored float32 values.
    const mean = weights.get('batch_normalization/moving_mean')!.data;
    t.deepEqual(
      Array.from(optimizedWeights.get('batch_normalization/moving_mean')!.data),
      Array.from(mean, (m, i) => m - bias[i]),
    );

    // Training: both models see the same batches and update their moving statistics.
    const original = new Model(graph, weights, 'wasm', { trainable: true });
    const folded = new Model(result.graph, optimizedWeights, 'wasm', { trainable: true });
    try {
      for (const inputs of randomInputs(graph, 3, 16, 21)) {
        const a = await original.predictHost(inputs, { training: true });
        const b = await folded.predictHost(inputs, { training: true });
        // 1e-5 + 1e-5·|y|: float32 rounding of the batch mean of x·W + b versus x·W.
        t.true(compareHost(a, b, DEFAULT_TOLERANCE).within);
        const meanA = (await original.getWeights()).get('batch_normalization/moving_mean')!.data;
        const meanB = (await folded.getWeights()).get('batch_normalization/moving_mean')!.data;
        // 1e-6: float32 rounding of moving means of size ~1 over three updates.
        for (let c = 0; c < bias.length; c++) t.true(Math.abs(meanA[c] - meanB[c] - bias[c]) <= 1e-6, `channel ${c}: ${meanA[c] - meanB[c]} vs bias ${bias[c]}`);
        // Not trivially: the moving mean moved.
        t.notDeepEqual(Array.from(meanA), Array.from(mean));
      }
      // And in inference after training, still the same function.
      const [inputs] = randomInputs(graph, 1, 16, 22);
      t.true(compareHost(await original.predictHost(inputs), await folded.predictHost(inputs), DEFAULT_TOLERANCE).within);
    } finally {
      original.dispose();
      folded.dispose();
    }
  });
}

function assertUnchanged(t: import('ava').ExecutionContext, graph: Graph, weights: WeightMap) {
  const result = optimizeVerified({ graph, weights }, { mode: 'training' });
  t.is(result.graph, graph, 'the graph is returned as is');
  t.is(graphSnapshot(result.graph), graphSnapshot(graph));
  for (const [key, tensor] of weights) t.deepEqual(Array.from(result.weights!.get(key)!.data), Array.from(tensor.data), key);
  return result;
}

test('training build: a BN with trainable=false runs in inference mode, so the bias stays', (t) => {
  const graph = graphOf(`model M { input x: [6]\n Dense(8)\n BatchNormalization(trainable=false)\n Dense(3) }`);
  const result = assertUnchanged(t, graph, randomizedWeights(graph, 3));
  t.true(notesAbout(result, 'batch_normalization').some((n) => n.action === 'kept' && /trainable=false, so it runs in inference mode while training/.test(n.detail)));
  // In an inference build the BN runs on its moving statistics, which absorb the bias exactly.
  const inference = optimizeVerified({ graph, weights: randomizedWeights(graph, 3) });
  t.true(notesAbout(inference, 'dense').some((n) => n.pass === 'fold-bias-into-batchnorm' && n.action === 'folded'));
});

test('training build: a bias before a non-linear activation stays', (t) => {
  const graph = graphOf(`model M { input x: [6]\n Dense(8, activation=relu)\n BatchNormalization\n Dense(3) }`);
  const result = assertUnchanged(t, graph, randomizedWeights(graph, 3));
  t.true(notesAbout(result, 'batch_normalization').some((n) => /bias of 'dense' kept: 'dense' applies relu after adding it/.test(n.detail)));
});

test('training build of Géron: nothing to fold, every BN kept with its reason', (t) => {
  const graph = exampleGraph('geron');
  const result = assertUnchanged(t, graph, randomizedWeights(graph, 3));
  const report = fusionReport(graph, result);
  t.is(report.mode, 'training');
  t.deepEqual(
    report.batchNorms.map((b) => b.outcome),
    ['kept', 'kept', 'kept'],
  );
  t.deepEqual(report.before, report.after);
});

test('training build keeps BNs that an inference build folds', (t) => {
  const graph = exampleGraph('geron_bn_before_activation');
  const training = optimizeVerified({ graph, weights: null }, { mode: 'training' });
  t.is(countKind(training.graph, 'BatchNormalization'), 3);
  const inference = optimizeVerified({ graph, weights: null });
  t.is(countKind(inference.graph, 'BatchNormalization'), 0);
});

