// Issue 20, classes 2 and 3 on the command line: a NaN in an .npy is refused with the file
// and the index; training that diverges stops and leaves the last good weights file
// untouched; verify refuses negative tolerances; multi-input batch sizes must agree;
// a bundle's outputs keep the model's names and --output writes every output.

import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../src/formats/npy.js';
import { readNpz, writeNpz } from '../../src/formats/npz.js';
import { nnc, scratchDir } from '../helpers/cli.js';

const dir = scratchDir('nnc-numbers-');
const path = (name: string) => join(dir, name);

const TWO_OUTPUTS = 'model Two {\n  input x: [4]\n  h = Dense(8, activation=relu)\n  a = h -> Dense(3) -> BatchNormalization\n  b = h -> Dense(2, activation=softmax) -> Dropout(0.5)\n  output a, b\n}\n';
const TWO_INPUTS = 'model Pair {\n  input a: [3]\n  input b: [3]\n  (a, b) -> Add\n}\n';
const TINY = 'model T {\n  input x: [4]\n  Dense(8, activation=relu)\n  BatchNormalization\n  Dense(3, activation=softmax)\n}\n';

writeFileSync(path('two.nn'), TWO_OUTPUTS);
writeFileSync(path('pair.nn'), TWO_INPUTS);
writeFileSync(path('tiny.nn'), TINY);
const x = new Float32Array(8).map((_, i) => i / 4 - 1);
writeFileSync(path('x.npy'), writeNpy({ shape: [2, 4], data: x }));

test.serial('a NaN in an .npy input is refused with the file and the first bad index', async (t) => {
  t.is((await nnc('init', path('two.nn'), '--out', path('two.safetensors'))).code, 0);
  const bad = x.slice();
  bad[6] = Number.NaN;
  writeFileSync(path('nan.npy'), writeNpy({ shape: [2, 4], data: bad }));
  const run = await nnc('run', path('two.nn'), '--weights', path('two.safetensors'), '--input', path('nan.npy'));
  t.is(run.code, 1);
  t.is(run.stderr, `error: ${path('nan.npy')} holds NaN at index 6 (element [1, 2]); inputs must be finite numbers\n`);
  const verify = await nnc('verify', path('two.nn'), '--weights', path('two.safetensors'), '--input', path('nan.npy'));
  t.is(verify.code, 1);
  t.regex(verify.stderr, /holds NaN at index 6 \(element \[1, 2\]\); inputs must be finite numbers\n$/);
});

test.serial('verify refuses negative tolerances', async (t) => {
  const atol = await nnc('verify', path('two.nn'), '--atol', '-1e-5');
  t.is(atol.code, 2);
  t.is(atol.stderr.split('\n')[0], 'nnc verify: option --atol must be a non-negative number, found -0.00001');
  const rtol = await nnc('verify', path('two.nn'), '--rtol=-1');
  t.is(rtol.stderr.split('\n')[0], 'nnc verify: option --rtol must be a non-negative number, found -1');
});

test.serial('--input files of different batch sizes get a clear message', async (t) => {
  t.is((await nnc('init', path('pair.nn'), '--out', path('pair.safetensors'))).code, 0);
  writeFileSync(path('a.npy'), writeNpy({ shape: [2, 3], data: new Float32Array(6) }));
  writeFileSync(path('b.npy'), writeNpy({ shape: [1, 3], data: new Float32Array(3) }));
  const run = await nnc('run', path('pair.nn'), '--weights', path('pair.safetensors'), '--input', `${path('a.npy')},${path('b.npy')}`);
  t.is(run.code, 1);
  t.is(run.stderr, `error: the --input files have different batch sizes: ${path('a.npy')} holds 2 examples for 'a', ${path('b.npy')} holds 1 for 'b'; every input needs one row per example\n`);
});

test.serial("training that diverges (--lr 1e30) stops with a clear message and leaves the last good weights file untouched", async (t) => {
  const n = 64;
  const xs = new Float32Array(n * 4).map((_, i) => Math.sin(i));
  const ys = new Float64Array(n).map((_, i) => i % 3);
  writeFileSync(path('d.npz'), writeNpz({ x_train: { shape: [n, 4], data: xs }, y_train: { shape: [n], data: ys, dtype: 'int64' } }));
  const good = await nnc('train', path('tiny.nn'), '--data', path('d.npz'), '--lr', '0.01', '--out', path('w.safetensors'));
  t.is(good.code, 0, good.stderr);
  const before = readFileSync(path('w.safetensors'));
  const diverged = await nnc('train', path('tiny.nn'), '--data', path('d.npz'), '--lr', '1e30', '--epochs', '3', '--out', path('w.safetensors'));
  t.is(diverged.code, 1);
  t.is(diverged.stderr.trimEnd().split('\n').at(-1), `error: nnc train ${path('tiny.nn')}: training diverged: weight 'dense/kernel' holds NaN at index 0 after epoch 1; ${path('w.safetensors')} not written (lower --lr, now 1e+30)`);
  t.is(diverged.stdout, '', 'no epoch reported with ruined weights');
  t.deepEqual(readFileSync(path('w.safetensors')), before);
});

test.serial("a bundle's outputs keep the model's names, and --output writes every output", async (t) => {
  t.is((await nnc('build', path('two.nn'), '--weights', path('two.safetensors'), '--out', path('bundle'))).code, 0);
  const manifest = JSON.parse(readFileSync(path('bundle/model.json'), 'utf8'));
  // The optimizer folded the BN into 'dense_1' and removed the Dropout after 'dense_2'.
  t.deepEqual(manifest.graph.outputs.map((id: number) => manifest.graph.nodes[id].name), ['dense_1', 'dense_2']);
  t.deepEqual(manifest.outputs, ['batch_normalization', 'dropout']);

  const fromModel = await nnc('run', path('two.nn'), '--weights', path('two.safetensors'), '--input', path('x.npy'), '--output', path('m.npz'));
  t.is(fromModel.stdout, `wrote ${path('m.npz')}: output batch_normalization, shape [2, 3]; output dropout, shape [2, 2]\n`);
  const fromBundle = await nnc('run', path('bundle'), '--input', path('x.npy'), '--output', `${path('a.npy')},${path('b.npy')}`);
  t.is(fromBundle.stdout, `wrote ${path('a.npy')}: output batch_normalization, shape [2, 3]\nwrote ${path('b.npy')}: output dropout, shape [2, 2]\n`);
  const printed = await nnc('run', path('bundle'), '--input', path('x.npy'));
  t.deepEqual(printed.stdout.split('\n').filter((l) => l.includes('shape')), ['batch_normalization: shape [2, 3]', 'dropout: shape [2, 2]']);

  // The optimized bundle computes what the model computes, output by output (the npz by name).
  const model = readNpz(new Uint8Array(readFileSync(path('m.npz'))), 'm.npz');
  for (const [name, file] of [['batch_normalization', 'a.npy'], ['dropout', 'b.npy']] as const) {
    const ours = readNpy(new Uint8Array(readFileSync(path(file))), file).data;
    const reference = model.get(name)!.data;
    // Names, not numerics, are checked here (each file holds the output it is named after); 1e-5: float32 rounding of the fold.
    t.true(ours.every((v, i) => Math.abs(v - reference[i]) <= 1e-5), name);
  }

  const one = await nnc('run', path('bundle'), '--input', path('x.npy'), '--output', path('y.npy'));
  t.is(one.code, 2);
  t.is(one.stderr.split('\n')[0], 'nnc run: the model has 2 outputs (batch_normalization, dropout): give --output 2 .npy files, comma-separated, or one .npz, not 1');
});

test.serial("evaluate's data messages name nnc evaluate and the file, and it needs only its split's arrays", async (t) => {
  const weights = path('w.safetensors');
  const missing = await nnc('evaluate', path('tiny.nn'), '--weights', weights, '--data', path('d.npz'));
  t.is(missing.code, 1);
  t.is(missing.stderr, `error: ${path('d.npz')} has no x_test and y_test (it holds: x_train, y_train); nnc evaluate of this split needs x_test and y_test\n`);
  const xs = new Float32Array(12).map((_, i) => Math.cos(i));
  writeFileSync(path('test-only.npz'), writeNpz({ x_test: { shape: [3, 4], data: xs }, y_test: { shape: [3], data: new Float64Array([0, 1, 2]), dtype: 'int64' } }));
  const ok = await nnc('evaluate', path('tiny.nn'), '--weights', weights, '--data', path('test-only.npz'));
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /: test accuracy \d\.\d{4}, sparse_categorical_crossentropy \d+\.\d{4} \(3 examples/);
  const pair = await nnc('evaluate', path('pair.nn'), '--weights', path('pair.safetensors'), '--data', path('test-only.npz'));
  t.is(pair.code, 1);
  t.is(pair.stderr, "error: nnc evaluate needs a model with one input and one output; 'Pair' has 2 input(s) and 1 output(s)\n");
});
