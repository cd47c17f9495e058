// Keras files written by test/fixtures/keras/make_fixtures.py following Keras's own layouts
// (a Keras 3 Functional with two inputs and two outputs, a Keras 3 model with a frozen
// nested model, Keras 2.x legacy .h5 files), each against the float64 NumPy forward pass
// the script computed, and against the parameter counts it worked out by hand.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { importModel } from '../../../compiler/import/importModel.js';
import { summarize } from '../../../compiler/summary.js';
import { optimizeModel } from '../../../src/driver/index.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { readNpyFloat32 } from '../../../src/formats/npy.js';
import type { HostTensor } from '../../../src/ir/tensors.js';
import { assertMatches } from '../../helpers/models.js';

const DIR = new URL('../../fixtures/keras/', import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
const PARAMS = JSON.parse(new TextDecoder().decode(read('params.json'))) as Record<string, { total: number; trainable: number; non_trainable: number }>;

function arrays(stem: string, kind: 'input' | 'output'): HostTensor[] {
  const out: HostTensor[] = [];
  for (let i = 0; existsSync(new URL(`${stem}.${kind}${i}.npy`, DIR)); i++) out.push(readNpyFloat32(read(`${stem}.${kind}${i}.npy`), `${stem}.${kind}${i}.npy`));
  return out;
}

for (const file of Object.keys(PARAMS)) {
  const stem = file.replace(/\.(keras|h5)$/, '');

  test(`${file} predicts the float64 NumPy reference within 1e-5`, async (t) => {
    const { graph, weights } = importModel(new Map([[file, read(file)]]));
    const model = new Model(graph, weights, await initNodeBackend('cpu'));
    const inputs = arrays(stem, 'input');
    const expected = arrays(stem, 'output');
    const outputs = await model.predictHost(inputs.length === 1 ? inputs[0] : inputs);
    t.is(outputs.length, expected.length);
    // 1e-5: float32 arithmetic against float64 over at most four layers with weights.
    outputs.forEach((ours, i) => assertMatches(t, tf.tensor(ours.data, [...ours.shape]), tf.tensor(expected[i].data, [...expected[i].shape]), 1e-5, `output ${i}`));
  });

  test(`${file}: optimized for inference (every BatchNormalization folded or made an Affine), it still predicts the reference`, async (t) => {
    const imported = importModel(new Map([[file, read(file)]]));
    const optimized = optimizeModel({ graph: imported.graph, weights: imported.weights });
    t.is(optimized.graph.nodes.filter((n) => n.kind === 'BatchNormalization').length, 0);
    const model = new Model(optimized.graph, optimized.weights, await initNodeBackend('cpu'));
    const inputs = arrays(stem, 'input');
    const expected = arrays(stem, 'output');
    const outputs = await model.predictHost(inputs.length === 1 ? inputs[0] : inputs);
    // 1e-5: folds in float64, stored float32, against the float64 reference.
    outputs.forEach((ours, i) => assertMatches(t, tf.tensor(ours.data, [...ours.shape]), tf.tensor(expected[i].data, [...expected[i].shape]), 1e-5, `output ${i}`));
  });

  test(`${file}: summary counts equal the source's`, (t) => {
    const summary = summarize(importModel(new Map([[file, read(file)]])).graph);
    t.deepEqual([summary.totalParams, summary.trainableParams, summary.nonTrainableParams], [PARAMS[file].total, PARAMS[file].trainable, PARAMS[file].non_trainable]);
  });
}

test('Keras 3 weight groups are found by class and order, not by layer name', (t) => {
  const { weights } = importModel(new Map([['functional-two-io.keras', read('functional-two-io.keras')]]));
  // The Dense named 'dense_2' is the config's first Dense: its kernel [6, 5] is stored as layers/dense.
  t.deepEqual(weights.get('dense_2/kernel')?.shape, [6, 5]);
  t.deepEqual(weights.get('dense/kernel')?.shape, [8, 4]);
  t.deepEqual(weights.get('dense_1/kernel')?.shape, [5, 2]);
});

test('a nested model is flattened: its layers keep their names, a clashing one becomes <model>.<layer>', (t) => {
  const { graph, notes } = importModel(new Map([['nested.keras', read('nested.keras')]]));
  t.deepEqual(
    graph.nodes.map((n) => `${n.name}:${n.kind}${n.trainable ? '' : ' (frozen)'}`),
    ['image:Input', 'base_conv:Conv2D (frozen)', 'base_bn:BatchNormalization (frozen)', 'pool:MaxPooling2D (frozen)', 'gap:GlobalAveragePooling2D (frozen)', 'base.dense:Dense (frozen)', 'dropout:Dropout', 'dense:Dense'],
  );
  t.true(notes.includes("layer 'dense' of nested model 'base' is named 'base.dense' (another layer is named 'dense')"));
});

test('a Keras 2 legacy .h5 keeps what the language has: L1L2 regularizer, max_norm constraint, VarianceScaling "normal" as truncated normal', (t) => {
  const { graph, notes } = importModel(new Map([['legacy-keras2.h5', read('legacy-keras2.h5')]]));
  const conv = graph.nodes.find((n) => n.name === 'conv2d')!;
  const dense = graph.nodes.find((n) => n.name === 'dense')!;
  t.deepEqual((conv.attrs as { kernel_initializer: unknown }).kernel_initializer, { name: 'variance_scaling', args: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: null } });
  t.deepEqual((conv.attrs as { kernel_regularizer: unknown }).kernel_regularizer, { name: 'l1_l2', args: { l1: 0, l2: 0.01 } });
  t.deepEqual((dense.attrs as { kernel_constraint: unknown }).kernel_constraint, { name: 'max_norm', args: { max_value: 2, axis: 0 } });
  t.deepEqual(notes, [
    'saved by Keras 2.15.0 (legacy HDF5)',
    'training configuration dropped (training_config: optimizer, loss and metrics are not part of a .nn model)',
    'optimizer state dropped (optimizer_weights)',
  ]);
});
