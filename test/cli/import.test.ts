// `nnc import`: the real mnist-cnn Keras model to model.nn + weights.safetensors, then a
// bundle with every foldable BatchNormalization folded, predicting the independent float64
// reference; and on any error, nothing written.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../../src/api.js';
import { readNpyFloat32 } from '../../src/formats/npy.js';
import { readSafetensors } from '../../src/formats/safetensors.js';
import { readBundle } from '../../runtime/bundle/node.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import { assertMatches } from '../helpers/models.js';
import { nnc, scratchDir } from '../helpers/cli.js';

const MNIST = 'test/fixtures/keras/mnist-cnn';
const scratch = scratchDir('nnc-import-');
const input = readNpyFloat32(new Uint8Array(readFileSync(`${MNIST}/input.npy`)), 'input.npy');
const reference = readNpyFloat32(new Uint8Array(readFileSync(`${MNIST}/output.npy`)), 'output.npy');
const asTensor = (t: { shape: readonly number[]; data: Float32Array | Float64Array }) => tf.tensor(Float32Array.from(t.data), [...t.shape]);

test('imports mnist_cnn.keras: model.nn printed by the language, weights keyed <layer>/<variable>, the summary and what was dropped', async (t) => {
  const out = join(scratch, 'mnist');
  const run = await nnc('import', `${MNIST}/mnist_cnn.keras`, '--out', out);
  t.is(run.code, 0, run.stderr);
  t.deepEqual(readdirSync(out).sort(), ['model.nn', 'weights.safetensors']);
  const text = readFileSync(join(out, 'model.nn'), 'utf8');
  t.true(text.startsWith('# Imported by nnc import from mnist_cnn.keras: saved by Keras 3.10.0 (.keras archive).\n# Weights: weights.safetensors, keyed <layer>/<variable>.\nmodel sequential_1 {\n  input input_layer_1: [28, 28, 1]\n  Conv2D(32, 3, activation=relu, name="conv2d_4")\n'));
  t.true(run.stdout.startsWith('Imported test/fixtures/keras/mnist-cnn/mnist_cnn.keras: saved by Keras 3.10.0 (.keras archive)\n  converted 17 Keras layers into model sequential_1 (32 weights, 331,754 values)\n  training configuration dropped'));
  t.true(run.stdout.includes('Total params: 331,754 (1.27 MB)\nTrainable params: 330,858 (1.26 MB)\nNon-trainable params: 896 (3.50 KB)'));

  // The written files, compiled as any .nn with its weights, predict the float64 reference.
  const { tensors } = readSafetensors(new Uint8Array(readFileSync(join(out, 'weights.safetensors'))), 'weights.safetensors');
  t.deepEqual(tensors.get('batch_normalization_9/moving_variance')?.shape, [256]);
  const model = await compile(text, { weights: tensors, backend: 'cpu' });
  const [ours] = await model.predictHost(input);
  // 1e-5: float32 against the float64 NumPy forward pass (SOURCE.md: under 2e-6 apart).
  assertMatches(t, asTensor(ours), asTensor(reference), 1e-5);
});

test('the imported model builds into a bundle that folds the BatchNormalizations and predicts the same', async (t) => {
  const out = join(scratch, 'for-build');
  t.is((await nnc('import', `${MNIST}/mnist_cnn.h5`, '--out', out)).code, 0);
  const bundle = join(scratch, 'bundle');
  const build = await nnc('build', join(out, 'model.nn'), '--weights', join(out, 'weights.safetensors'), '--out', bundle, '--backend', 'cpu');
  t.is(build.code, 0, build.stderr);
  // Two BNs follow a Conv2D + MaxPooling2D (no linear layer after them): they become Affine; the others fold.
  t.regex(build.stdout, /batch_normalization_5 +folded into the weights of 'conv2d_5' after it/);
  t.regex(build.stdout, /batch_normalization_9 +folded into the weights of 'dense_3' after it/);
  t.regex(build.stdout, /after: {2}11 ops/);
  const { graph, weights } = await readBundle(bundle);
  t.is(graph.nodes.filter((n) => n.kind === 'BatchNormalization').length, 0);
  const [ours] = await new Model(graph, weights, await initNodeBackend('cpu')).predictHost(input);
  // 1e-5: the folds run in float64 and store float32; the reference is float64.
  assertMatches(t, asTensor(ours), asTensor(reference), 1e-5);
});

test('imports a TensorFlow.js model.json with its shards beside it', async (t) => {
  const out = join(scratch, 'tfjs');
  const run = await nnc('import', 'test/fixtures/tfjs/all-layers-uint16/model.json', '--out', out);
  t.is(run.code, 0, run.stderr);
  t.true(run.stdout.startsWith('Imported test/fixtures/tfjs/all-layers-uint16/model.json: TensorFlow.js layers model\n  converted 24 Keras layers into model tfjs_all_layers'));
});

test('on an error nothing is written: no DIR, no staging folder left beside it', async (t) => {
  const parent = join(scratch, 'failing');
  mkdirSync(parent);
  const run = await nnc('import', 'test/fixtures/keras/hostile-hdf5-size.h5', '--out', join(parent, 'out'));
  t.is(run.code, 1);
  t.is(run.stderr, "error: HDF5 dataset '/model_weights/dense/dense/kernel:0' in 'hostile-hdf5-size.h5' declares 200000000 values (800000000 bytes), more than the 9096-byte file can hold\n");
  t.deepEqual(readdirSync(parent), []);
});

test('a missing source is one clear error', async (t) => {
  const run = await nnc('import', join(scratch, 'nope.keras'), '--out', join(scratch, 'never'));
  t.is(run.code, 1);
  t.is(run.stderr, `error: cannot read model file '${join(scratch, 'nope.keras')}': no such file or directory\n`);
  t.false(existsSync(join(scratch, 'never')));
});

test('--out must be new or empty, and is required', async (t) => {
  const full = join(scratch, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'keep.txt'), 'x');
  const run = await nnc('import', `${MNIST}/mnist_cnn.keras`, '--out', full);
  t.is(run.code, 2);
  t.true(run.stderr.startsWith(`nnc import: --out ${full} exists and is not an empty folder; choose a new one\n`));
  t.is((await nnc('import', `${MNIST}/mnist_cnn.keras`)).code, 2);
});
