// TensorFlow.js layers models written by tfjs-layers itself (test/fixtures/tfjs, see its
// README) import and predict what tfjs-layers' own loadLayersModel predicts from the same
// files — float32, float16 and uint8/uint16-quantized shards alike, since tfjs decodes
// them with its own decodeWeights.

import test, { type ExecutionContext } from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { importModel } from '../../../compiler/import/importModel.js';
import { summarize } from '../../../compiler/summary.js';
import { optimizeModel } from '../../../src/driver/index.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches } from '../../helpers/models.js';
import { tfjsFixtureFiles, tfjsLayersModel } from '../../helpers/tfjsFixtures.js';




async function compare(t: import('ava').ExecutionContext, dir: string, inputShape: number[]): Promise<void> {
  const files = tfjsFixtureFiles(dir);
  const { graph, weights } = importModel(files, 'model.json');
  const backend = await initNodeBackend('cpu');
  const reference = await tfjsLayersModel(files);
  const input = tf.randomUniform([4, ...inputShape], -1, 1, 'float32', 7);
  const ours = new Model(graph, weights, backend).predict(input) as tf.Tensor;
  const theirs = reference.predict(input) as tf.Tensor;
  // LAYERS_TOLERANCE (1e-5): the same float32 weights on the same tfjs kernels, in another order.
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
  // Optimized for inference (BatchNormalizations folded or made Affine), the same again.
  const optimized = optimizeModel({ graph, weights });
  t.is(optimized.graph.nodes.filter((n) => n.kind === 'BatchNormalization').length, 0);
  assertMatches(t, new Model(optimized.graph, optimized.weights, backend).predict(input) as tf.Tensor, theirs, LAYERS_TOLERANCE, 'optimized');
}

for (const dir of ['all-layers', 'all-layers-float16', 'all-layers-uint8', 'all-layers-uint16']) {
  test(`${dir}: predicts what tfjs-layers predicts from the same files`, (t) => compare(t, dir, [10, 10, 3]));
}

/** The imported model's summary counts equal tfjs-layers' own for the same files, trainable and not. */
async function assertCountsMatchTfjs(t: ExecutionContext, dir: string): Promise<ReturnType<typeof summarize>> {
  const files = tfjsFixtureFiles(dir);
  const summary = summarize(importModel(files, 'model.json').graph);
  const reference = await tfjsLayersModel(files);
  const count = (ws: tfl.LayerVariable[]) => ws.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  t.is(summary.totalParams, reference.countParams());
  t.is(summary.trainableParams, count(reference.trainableWeights));
  t.is(summary.nonTrainableParams, count(reference.nonTrainableWeights));
  return summary;
}

test('sequential: predicts what tfjs-layers predicts, and counts the non-trainable layer as tfjs does', async (t) => {
  await compare(t, 'sequential', [6]);
  const summary = await assertCountsMatchTfjs(t, 'sequential');
  t.is(summary.nonTrainableParams, 32); // bn_a (trainable=false): gamma, beta, moving_mean, moving_variance of 8
});

test('all-layers: summary counts equal tfjs-layers countParams, trainable and not', async (t) => {
  await assertCountsMatchTfjs(t, 'all-layers');
});

test('a model name that is no identifier is written as one, with a note', (t) => {
  const files = tfjsFixtureFiles('sequential');
  const json = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  json.modelTopology.config.name = 'mobilenetv2_1.00_224';
  files.set('model.json', new TextEncoder().encode(JSON.stringify(json)));
  const { graph, notes, source } = importModel(files, 'model.json');
  t.is(graph.name, 'mobilenetv2_1_00_224');
  t.true(source.includes('\nmodel mobilenetv2_1_00_224 {\n'));
  t.true(notes.includes("model name 'mobilenetv2_1.00_224' is written 'mobilenetv2_1_00_224' (a .nn model name is an identifier)"));
});
