// `nnc build`: optimized by default with a fusion report, --no-optimize, --passes,
// --dtype float16, sizes printed, and usage errors.

import test from 'ava';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWeightsFile } from '../../src/cli/files.js';
import { exampleGraph, randomizedWeights } from '../helpers/models.js';
import { scratchDir, nnc } from '../helpers/cli.js';

const dir = scratchDir('nnc-build-');
const weights = join(dir, 'w.safetensors');
writeWeightsFile(weights, randomizedWeights(exampleGraph('geron')));

const kinds = (bundle: string) => JSON.parse(readFileSync(join(bundle, 'model.json'), 'utf8')).graph.nodes.map((n: { kind: string }) => n.kind);

test.serial('by default the bundle is optimized: the report, the check, the files and their sizes', async (t) => {
  const out = join(dir, 'opt');
  const result = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', out);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /Fusion report: model FashionMLP \(inference build\)/);
  t.is((result.stdout.match(/folded into the weights of 'dense(_\d)?' after it/g) ?? []).length, 3);
  t.regex(result.stdout, /before: 7 ops, 271,346 parameters\n {2}after: {2}4 ops, 266,610 parameters/);
  t.regex(result.stdout, /verify \(2 random batches of 8\): .*: OK/);
  for (const file of ['model.json', 'weights.safetensors', 'model.js']) {
    const size = statSync(join(out, file)).size;
    t.regex(result.stdout, new RegExp(`${file}\\s+${(size / 1024).toFixed(1).replace('.', '\\.')} KiB`));
  }
  t.deepEqual(kinds(out), ['Input', 'Flatten', 'Dense', 'Dense', 'Dense']);
});

test.serial('--no-optimize bundles the graph as written and says so', async (t) => {
  const out = join(dir, 'plain');
  const result = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', out, '--no-optimize');
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /optimizer off \(--no-optimize\); bundled as written: 7 ops, 271,346 parameters, 3 BatchNormalization layers kept/);
  t.deepEqual(kinds(out), ['Input', 'Flatten', 'BatchNormalization', 'Dense', 'BatchNormalization', 'Dense', 'BatchNormalization', 'Dense']);
});

test.serial('--passes leaves out a pass; --dtype float16 halves the weights', async (t) => {
  const out = join(dir, 'half');
  const result = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', out, '--passes', '-fold-batchnorm-into-following', '--dtype', 'float16');
  t.is(result.code, 0, result.stderr);
  // Without the fold into the following layer, the three BNs become per-channel multiply-adds.
  t.deepEqual(kinds(out), ['Input', 'Flatten', 'Affine', 'Dense', 'Affine', 'Dense', 'Affine', 'Dense']);
  t.regex(result.stdout, /\(float16 weights\)/);
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  t.true(manifest.weights.tensors.every((w: { dtype: string }) => w.dtype === 'F16'));
});

test.serial('--dtype uint8 quantizes the kernels per channel (or --quantization per-tensor), a quarter of their bytes; nnc run reads it back', async (t) => {
  const out = join(dir, 'uint8');
  const result = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', out, '--dtype', 'uint8');
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /\(uint8 weights\)/);
  t.true(result.stdout.includes('  U8 per channel (--dtype uint8): 3 tensors: dense/kernel, dense_1/kernel, dense_2/kernel\n'), result.stdout);
  t.true(result.stdout.includes('  F32 (a vector: stays float32): 3 tensors: dense/bias, dense_1/bias, dense_2/bias\n'), result.stdout);
  for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) t.regex(result.stdout, new RegExp(file.replace(/\./g, '\\.')));
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  const kernel = manifest.weights.tensors.find((w: { name: string }) => w.name === 'dense/kernel');
  t.is(kernel.dtype, 'U8');
  t.is(kernel.offsets[1] - kernel.offsets[0], 784 * 300);
  t.is(kernel.quantization.scale.length, 300);
  t.is(manifest.weights.tensors.find((w: { name: string }) => w.name === 'dense/bias').dtype, 'F32');
  const perTensor = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', join(dir, 'uint8t'), '--dtype', 'uint8', '--quantization', 'per-tensor', '--no-verify');
  t.is(perTensor.code, 0, perTensor.stderr);
  t.is(JSON.parse(readFileSync(join(dir, 'uint8t', 'model.json'), 'utf8')).weights.tensors.find((w: { name: string }) => w.name === 'dense/kernel').quantization.scale.length, 1);
  const run = await nnc('run', out, '--input', 'examples/fashion-mnist-4.npy');
  t.is(run.code, 0, run.stderr);
});

test.serial('missing --weights or --out are usage errors; weights of another model are refused', async (t) => {
  const noWeights = await nnc('build', 'examples/geron.nn', '--out', join(dir, 'x'));
  t.is(noWeights.code, 2);
  t.regex(noWeights.stderr, /--weights W\.safetensors is required/);
  const noOut = await nnc('build', 'examples/geron.nn', '--weights', weights);
  t.is(noOut.code, 2);
  t.regex(noOut.stderr, /--out DIR is required/);
  const other = await nnc('build', 'examples/tagger.nn', '--weights', weights, '--out', join(dir, 'y'));
  t.is(other.code, 1);
  t.regex(other.stderr, /does not fit model 'Tagger'/);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  const onFile = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', file);
  t.is(onFile.code, 2);
  t.true(onFile.stderr.startsWith(`nnc build: --out ${file} is a file; a bundle is a directory (model.json, weights.safetensors, model.js)\n`), onFile.stderr);
  t.is(onFile.stdout, '', 'refused before any work');
  t.is(readFileSync(file, 'utf8'), 'not a directory');
});

test.serial('verify refuses random inputs that would not fit in memory, before allocating them', async (t) => {
  const huge = await nnc('verify', 'examples/geron.nn', '--weights', weights, '--batch', '100000000');
  t.is(huge.code, 2);
  t.true(
    huge.stderr.startsWith(
      'nnc verify: --samples 4 × --batch 100000000 random examples of 784 values each are 313,600,000,000 values, more than the 268,435,456 (1 GiB of float32) nnc verify generates; use a smaller --samples or --batch\n',
    ),
    huge.stderr,
  );
  t.notRegex(huge.stderr, /internal error/);
});
