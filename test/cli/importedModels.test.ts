// Every command that takes a .nn file with --weights also takes a Keras or TensorFlow.js
// model directly, imported in memory (no nnc import step).

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpyFloat32 } from '../../src/formats/npy.js';
import { assertMatches } from '../helpers/models.js';
import { nnc, scratchDir } from '../helpers/cli.js';

const MNIST = 'test/fixtures/keras/mnist-cnn';
const scratch = scratchDir('nnc-imported-');
const npy = (path: string) => readNpyFloat32(new Uint8Array(readFileSync(path)), path);
const asTensor = (t: { shape: readonly number[]; data: Float32Array | Float64Array }) => tf.tensor(Float32Array.from(t.data), [...t.shape]);

test('nnc summary model.h5 gives the Keras counts', async (t) => {
  const run = await nnc('summary', 'test/fixtures/keras/legacy-keras2.h5');
  t.is(run.code, 0, run.stderr);
  t.true(run.stdout.includes('Total params: 291 (1.14 KB)\nTrainable params: 283 (1.11 KB)\nNon-trainable params: 8 (32 B)'));
});

test('nnc run model.keras --input x.npy predicts the float64 reference', async (t) => {
  const out = join(scratch, 'y.npy');
  const run = await nnc('run', `${MNIST}/mnist_cnn.keras`, '--input', `${MNIST}/input.npy`, '--output', out, '--backend', 'cpu');
  t.is(run.code, 0, run.stderr);
  // 1e-5: float32 against the float64 NumPy forward pass.
  assertMatches(t, asTensor(npy(out)), asTensor(npy(`${MNIST}/output.npy`)), 1e-5);
});

test('nnc verify model.json checks the optimized graph against the imported one', async (t) => {
  const run = await nnc('verify', 'test/fixtures/tfjs/all-layers/model.json', '--backend', 'cpu');
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /^verify tfjs_all_layers on cpu: 24 ops before, 20 after optimization\n/);
});

test('nnc build model.keras --out DIR builds a bundle without an import step', async (t) => {
  const run = await nnc('build', 'test/fixtures/keras/nested.keras', '--out', join(scratch, 'bundle'), '--backend', 'cpu');
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /base_bn +folded into the weights of 'base\.dense' after it|base_bn +became a per-channel multiply-add/);
});

test('an imported model carries its own weights: --weights is refused, and so is --model', async (t) => {
  const weights = await nnc('build', `${MNIST}/mnist_cnn.h5`, '--weights', 'w.safetensors', '--out', join(scratch, 'never'));
  t.is(weights.code, 2);
  t.true(weights.stderr.startsWith(`nnc build: '${MNIST}/mnist_cnn.h5' carries its own weights: drop --weights\n`));
  const model = await nnc('summary', `${MNIST}/mnist_cnn.h5`, '--model', 'other');
  t.is(model.code, 2);
  t.true(model.stderr.startsWith(`nnc summary: --model is for .nn files; '${MNIST}/mnist_cnn.h5' holds one model\n`));
});
