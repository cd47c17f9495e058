// The real Keras model in test/fixtures/keras/mnist-cnn (saved by Keras 3.10 as .keras and
// as legacy .h5) imports and predicts the independent float64 NumPy reference beside it.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { importModel } from '../../../compiler/import/importModel.js';
import { summarize } from '../../../compiler/summary.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { readNpyFloat32 } from '../../../src/formats/npy.js';
import { assertMatches } from '../../helpers/models.js';

const DIR = new URL('../../fixtures/keras/mnist-cnn/', import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

const input = readNpyFloat32(read('input.npy'), 'input.npy');
const reference = readNpyFloat32(read('output.npy'), 'output.npy');

for (const file of ['mnist_cnn.keras', 'mnist_cnn.h5']) {
  test(`${file} predicts the float64 NumPy reference within 1e-5`, async (t) => {
    const { graph, weights } = importModel(new Map([[file, read(file)]]));
    const backend = await initNodeBackend('cpu');
    const model = new Model(graph, weights, backend);
    const [ours] = await model.predictHost(input);
    // 1e-5: float32 against a float64 forward pass of 4 convolutions and 2 Dense layers
    // (SOURCE.md measured under 2e-6 on these outputs).
    assertMatches(t, tf.tensor(ours.data, [...ours.shape]), tf.tensor(reference.data, [...reference.shape]), 1e-5);
  });

  test(`${file}: summary counts equal Keras's (331,754 params, 896 of them moving statistics)`, (t) => {
    const { graph } = importModel(new Map([[file, read(file)]]));
    const summary = summarize(graph);
    t.is(summary.totalParams, 331_754);
    t.is(summary.trainableParams, 330_858);
    t.is(summary.nonTrainableParams, 896);
  });
}
