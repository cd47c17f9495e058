// A real trained model as a page ships it (test/fixtures/tfjs-real/nsfwjs-mobilenet-v2,
// see its SOURCE.md): Keras MobileNetV2 at 224×224 with 52 BatchNormalizations and a
// Dense head, converted by tensorflowjs with uint8 weights, one range per tensor. nnc's
// import predicts what tfjs-layers' own loadLayersModel predicts from the same two
// files, `nnc summary` counts what tfjs-layers counts, and `nnc build` folds every
// BatchNormalization into a graph that still predicts what tfjs-layers does.
//
// Both run on tfjs-backend-wasm: one predict of batch 2 takes about 0.2 s there against
// 10–14 s on the cpu backend (measured on this 2-core machine).

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { importModel } from '../../../compiler/import/importModel.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { optimizeModel } from '../../../src/driver/index.js';
import { nnc, scratchDir } from '../../helpers/cli.js';
import { LAYERS_TOLERANCE, assertMatches } from '../../helpers/models.js';
import { tfjsLayersModel } from '../../helpers/tfjsFixtures.js';

const DIR = new URL('../../fixtures/tfjs-real/nsfwjs-mobilenet-v2/', import.meta.url);
const MODEL_JSON = new URL('model.json', DIR).pathname;
const files = new Map(readdirSync(DIR).map((f) => [f, new Uint8Array(readFileSync(new URL(f, DIR)))]));
const out = scratchDir('nnc-tfjs-real-');

/** The BatchNormalization layers model.json declares, read from the topology itself. */
const topologyBatchNorms = (): string[] => {
  const json = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  return (json.modelTopology.model_config.config.layers as { class_name: string; config: { name: string } }[]).filter((l) => l.class_name === 'BatchNormalization').map((l) => l.config.name);
};

let reference: Promise<tfl.LayersModel> | undefined;
const tfjsModel = async () => {
  await initNodeBackend('wasm');
  return (reference ??= tfjsLayersModel(files));
};

/** Two images of uniform noise in [0, 1), as the model's preprocessing gives pixels / 255. */
const input = () => tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 11);

test('imported, it predicts what tfjs-layers predicts from the same files (batch 2, 224×224)', async (t) => {
  const theirsModel = await tfjsModel();
  const backend = await initNodeBackend('wasm');
  const { graph, weights } = importModel(files, 'model.json');
  const x = input();
  const theirs = theirsModel.predict(x) as tf.Tensor;
  const ours = new Model(graph, weights, backend).predict(x) as tf.Tensor;
  // LAYERS_TOLERANCE (1e-5): the same float32 weights (tfjs's decodeWeights and nnc's
  // dequantization give the same floats) on the same wasm kernels; measured 6e-8 on
  // these softmax outputs.
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
  t.deepEqual(ours.shape, [2, 5]);
});

test('nnc summary counts 2,619,461 parameters, trainable and not as tfjs-layers does', async (t) => {
  const theirs = await tfjsModel();
  const count = (ws: tfl.LayerVariable[]) => ws.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  t.is(theirs.countParams(), 2_619_461);
  const result = await nnc('summary', MODEL_JSON);
  t.is(result.code, 0, result.stderr);
  const line = (label: string) => result.stdout.split('\n').find((l) => l.startsWith(`${label}:`));
  t.regex(line('Total params')!, /^Total params: 2,619,461 \(/);
  t.true(line('Trainable params')!.startsWith(`Trainable params: ${count(theirs.trainableWeights).toLocaleString('en-US')} (`), line('Trainable params'));
  t.true(line('Non-trainable params')!.startsWith(`Non-trainable params: ${count(theirs.nonTrainableWeights).toLocaleString('en-US')} (`), line('Non-trainable params'));
  // What tfjs-layers counts here: the moving means and variances of the 52 BNs.
  t.is(count(theirs.nonTrainableWeights), 340_096);
});

test('nnc build folds all 52 BatchNormalizations; the optimized graph predicts what tfjs-layers predicts', async (t) => {
  const theirsModel = await tfjsModel();
  const result = await nnc('build', MODEL_JSON, '--out', join(out, 'bundle'), '--no-verify');
  t.is(result.code, 0, result.stderr);
  const report = result.stdout + result.stderr;
  const folded = [...report.matchAll(/^ {4}(\S+) +folded into the weights of '(\S+)' before it/gm)].map((m) => m[1]);
  const batchNorms = topologyBatchNorms();
  t.is(batchNorms.length, 52);
  t.deepEqual([...folded].sort(), [...batchNorms].sort());
  t.regex(report, /before: 161 ops, 2,619,461 parameters\n {2}after: {2}72 ops, /);

  // The same pipeline in memory (nnc build's optimizer, float32 weights): no BN left, the same outputs.
  const backend = await initNodeBackend('wasm');
  const { graph, weights } = importModel(files, 'model.json');
  const optimized = optimizeModel({ graph, weights });
  t.is(optimized.graph.nodes.filter((n) => n.kind === 'BatchNormalization').length, 0);
  const x = input();
  // LAYERS_TOLERANCE (1e-5): the folded kernels W·s are rounded to float32 once more
  // than tfjs-layers' conv-then-BN; measured 6.6e-7 on these softmax outputs.
  assertMatches(t, new Model(optimized.graph, optimized.weights, backend).predict(x) as tf.Tensor, theirsModel.predict(x) as tf.Tensor, LAYERS_TOLERANCE, 'optimized');
});
