// The zoo's 1-D CNN for time series (examples/zoo/timeseries_cnn.nn), Keras's
// "Timeseries classification from scratch" (keras-io,
// examples/timeseries/timeseries_classification_from_scratch.py, `make_model`):
// its parameter counts by hand, its predictions against tfjs-layers with the same
// weights, and its inference build, which folds every BatchNormalization.
//
// The example prints no summary (it draws the model with plot_model), so the counts are
// worked out from its layers: Conv1D(64, 3, same) on 1 channel 3·1·64 + 64 = 256, on 64
// channels 3·64·64 + 64 = 12,352 (twice); three BatchNormalization(64) with 64 γ and 64 β
// trainable and 64 + 64 moving statistics each; Dense(2) 64·2 + 2 = 130.
//   total 256 + 2·12,352 + 130 + 3·256 = 25,858; non-trainable 3·128 = 384; trainable 25,474.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { check } from '../../compiler/check.js';
import { fusionReport } from '../../compiler/passes/report.js';
import { summarize } from '../../compiler/summary.js';
import type { Graph } from '../../src/ir/types.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import { compareHost } from '../../runtime/verify.js';
import { LAYERS_TOLERANCE, assertMatches, randomInput, randomizedWeights } from '../helpers/models.js';
import { optimizeVerified } from '../helpers/optimizer.js';
import { buildTfjsLayersModel } from '../helpers/tfjsLayers.js';

const PATH = 'examples/zoo/timeseries_cnn.nn';

function zooGraph(model: string): Graph {
  const result = check(readFileSync(PATH, 'utf8'), PATH);
  const graph = result.models.get(model);
  if (!graph) throw new Error(`${PATH} has no error-free model ${model}`);
  return graph;
}

test('TimeSeriesCNN: 25,858 / 25,474 / 384 parameters, the example\'s 11 layers and automatic names', (t) => {
  const summary = summarize(zooGraph('TimeSeriesCNN'));
  t.deepEqual([summary.totalParams, summary.trainableParams, summary.nonTrainableParams], [25_858, 25_474, 384]);
  t.deepEqual(
    summary.layers.map((l) => l.name),
    ['conv1d', 'batch_normalization', 're_lu', 'conv1d_1', 'batch_normalization_1', 're_lu_1', 'conv1d_2', 'batch_normalization_2', 're_lu_2', 'global_average_pooling1d', 'dense'],
  );
  t.deepEqual(zooGraph('TimeSeriesCNN').nodes.at(-1)!.shape, [null, 2]);
  t.deepEqual(summarize(zooGraph('TimeSeriesCNNLogits')).totalParams, 25_858);
});

for (const model of ['TimeSeriesCNN', 'TimeSeriesCNNLogits']) {
  test.serial(`${model}: inference equals tfjs-layers; the inference build folds the 3 BNs into the convolutions and computes the same`, async (t) => {
    t.is(await initNodeBackend('wasm'), 'wasm');
    const graph = zooGraph(model);
    const weights = randomizedWeights(graph);
    const x = randomInput(graph, 4);

    const ours = new Model(graph, weights, 'wasm');
    const y = ours.predict(x) as tf.Tensor;
    const reference = buildTfjsLayersModel(graph, weights);
    const theirs = reference.predict(x) as tf.Tensor;
    assertMatches(t, y, theirs, LAYERS_TOLERANCE, `${model} output`);
    const original = [{ shape: y.shape, data: y.dataSync() as Float32Array }];
    tf.dispose([y, theirs]);
    ours.dispose();
    reference.dispose();

    const result = optimizeVerified({ graph, weights });
    const report = fusionReport(graph, result);
    t.deepEqual(
      report.batchNorms.map((b) => [b.layer, b.outcome, b.into]),
      [
        ['batch_normalization', 'folded', 'conv1d'],
        ['batch_normalization_1', 'folded', 'conv1d_1'],
        ['batch_normalization_2', 'folded', 'conv1d_2'],
      ],
    );
    // Conv1D(relu) ×3, GlobalAveragePooling1D, Dense: 11 ops → 5; each BN's 256 parameters
    // become nothing (its conv keeps its 64 biases): 25,858 − 3·256 = 25,090.
    t.deepEqual([report.before, report.after], [{ ops: 11, params: 25_858 }, { ops: 5, params: 25_090 }]);
    t.deepEqual(result.graph.nodes.map((n) => n.kind), ['Input', 'Conv1D', 'Conv1D', 'Conv1D', 'GlobalAveragePooling1D', 'Dense']);

    const optimized = new Model(result.graph, result.weights!, 'wasm');
    const candidate = await optimized.predictHost([{ shape: x.shape, data: x.dataSync() as Float32Array }]);
    optimized.dispose();
    x.dispose();
    // nnc build's tolerance, 1e-4 + 1e-4·|y|.
    const comparison = compareHost(original, candidate, { atol: 1e-4, rtol: 1e-4 });
    t.log(`${model}: optimized vs original max abs error ${comparison.maxAbsError.toExponential(2)}`);
    t.true(comparison.within, `max abs error ${comparison.maxAbsError}`);
    t.is(comparison.elements, 8);
  });
}
