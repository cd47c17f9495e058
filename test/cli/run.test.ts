// `nnc init` then `nnc run`: the predictions equal tfjs-layers' on the same weights and input.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { readNpy, writeNpy } from '../../src/formats/npy.js';
import { readWeightsFile } from '../../src/cli/files.js';
import { exampleGraph, hostMaxAbsDiff } from '../helpers/models.js';
import { buildTfjsLayersModel } from '../helpers/tfjsLayers.js';
import { scratchDir, nnc } from '../helpers/cli.js';

const dir = scratchDir('nnc-run-');

test.serial("nnc init + nnc run on Géron's model print tfjs-layers' predictions for real Fashion-MNIST images", async (t) => {
  const weights = join(dir, 'w.safetensors');
  const init = await nnc('init', 'examples/geron.nn', '--seed', '1', '--out', weights);
  t.is(init.code, 0);
  t.regex(init.stdout, /18 tensors, 271,346 parameters of model FashionMLP \(seed 1\)/);

  const output = join(dir, 'y.npy');
  const run = await nnc('run', 'examples/geron.nn', '--weights', weights, '--input', 'examples/fashion-mnist-4.npy', '--output', output);
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, 'backend: wasm\n');
  const ours = readNpy(new Uint8Array(readFileSync(output)), output);
  t.deepEqual(ours.shape, [4, 10]);

  await initNodeBackend('wasm');
  const reference = buildTfjsLayersModel(exampleGraph('geron'), readWeightsFile(weights));
  const x = readNpy(new Uint8Array(readFileSync('examples/fashion-mnist-4.npy')), 'x');
  const input = tf.tensor(x.data as Float32Array, x.shape);
  const theirs = (reference.predict(input) as tf.Tensor).dataSync();
  // 1e-5: float32 rounding; the same tfjs kernels in a different order of ops.
  t.true(hostMaxAbsDiff(ours.data as Float32Array, theirs) < 1e-5);

  // Printed, the rows show the same probabilities (6 significant digits) and their argmax.
  const printed = await nnc('run', 'examples/geron.nn', '--weights', weights, '--input', 'examples/fashion-mnist-4.npy');
  const firstRow = [...theirs.slice(0, 10)];
  t.true(printed.stdout.startsWith('dense_2: shape [4, 10]\n  [0] ' + firstRow.map((v) => v.toPrecision(6)).join(' ')));
  t.regex(printed.stdout, new RegExp(`argmax ${firstRow.indexOf(Math.max(...firstRow))}\\n`));
  tf.dispose(input);
  reference.dispose();
});

test.serial('bad tensors on the command line get one clear message each', async (t) => {
  const weights = join(dir, 'w2.safetensors');
  await nnc('init', 'examples/tagger.nn', '--out', weights);
  const cases: [string, Uint8Array, RegExp][] = [
    ['int64.npy', writeNpy({ shape: [1, 4096], data: new Float64Array(4096), dtype: 'float64' }), /holds float64 \('<f8'\); nnc needs float32/],
    ['no-batch.npy', writeNpy({ shape: [4096], data: new Float32Array(4096) }), /has shape \[4096\], but input 'features' expects \[None, 4096\] \(add a batch dimension/],
    ['wrong.npy', writeNpy({ shape: [2, 100], data: new Float32Array(200) }), /has shape \[2, 100\], but input 'features' expects \[None, 4096\]/],
    ['truncated.npy', writeNpy({ shape: [1, 4096], data: new Float32Array(4096) }).subarray(0, 500), /truncated/],
  ];
  for (const [name, bytes, message] of cases) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const result = await nnc('run', 'examples/tagger.nn', '--weights', weights, '--input', path);
    t.is(result.code, 1, name);
    t.regex(result.stderr, message, name);
    t.notRegex(result.stderr, /\n\s+at /, `${name}: no stack trace`);
  }
  const missing = await nnc('run', 'examples/tagger.nn', '--weights', join(dir, 'nope.safetensors'), '--input', 'x.npy');
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot read weights file '.*nope\.safetensors': no such file or directory/);
  const mismatched = await nnc('run', 'examples/geron.nn', '--weights', weights, '--input', 'examples/fashion-mnist-4.npy');
  t.is(mismatched.code, 1);
  t.regex(mismatched.stderr, /does not fit model 'FashionMLP' \(\d+ problems\)/);
  t.regex(mismatched.stderr, /weight 'batch_normalization\/gamma' has shape \[512\], expected \[784\]/);
  t.regex(mismatched.stderr, /missing weight 'dense_2\/kernel' \(expected shape \[100, 10\]\)/);
});

test.serial('run refuses a wrong combination of target and flags with a usage error (exit 2) naming the fix', async (t) => {
  const weights = join(dir, 'w3.safetensors');
  const bundle = join(dir, 'bundle');
  await nnc('init', 'examples/geron.nn', '--out', weights);
  t.is((await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', bundle)).code, 0);
  const input = 'examples/fashion-mnist-4.npy';
  const cases: [string[], string][] = [
    [['examples/geron.nn', '--input', input], '--weights W.safetensors is required for a .nn file (make initial weights with nnc init, or train with nnc train)'],
    [[bundle, '--weights', weights, '--input', input], 'a bundle carries its own weights: drop --weights'],
    [[bundle, '--input', input, '--training'], 'a bundle is an inference build: --training does not apply'],
    [[bundle], '--input x.npy is required'],
  ];
  for (const [args, message] of cases) {
    const result = await nnc('run', ...args);
    t.is(result.code, 2, args.join(' '));
    t.true(result.stderr.includes(message), `${args.join(' ')}: ${result.stderr}`);
  }
  const ran = await nnc('run', bundle, '--input', input);
  t.is(ran.code, 0, ran.stderr);
  t.regex(ran.stdout, /^dense_2: shape \[4, 10\]/);
});
