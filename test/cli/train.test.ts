// `nnc train` end to end on a tiny .npz: plain progress lines, the history JSON, the
// weights file, a frozen BatchNormalization left untouched, the TTY bar, and bad input.

import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpz } from '../../src/formats/npz.js';
import { readSafetensors } from '../../src/formats/safetensors.js';
import { Random } from '../../runtime/random.js';
import { writeWeightsFile } from '../../src/cli/files.js';
import { main } from '../../src/cli/main.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { graphOf } from '../helpers/models.js';
import { scratchDir } from '../helpers/cli.js';

const dir = scratchDir('nnc-train-');
const path = (name: string) => join(dir, name);

const MODEL = `model Tiny {
  input x: [2, 2]
  Flatten
  Dense(8, activation=relu)
  BatchNormalization
  Dropout(0.2)
  Dense(3, activation=softmax)
}`;
const FROZEN = MODEL.replace('BatchNormalization', 'BatchNormalization(trainable=false)');

/** Three blobs in 4-D (shaped [2, 2]): 90 train, 30 test; labels as int64 like NumPy's default. */
function writeData(): void {
  const random = new Random(1);
  const count = 120;
  const x = new Float32Array(count * 4);
  const y = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    y[n] = n % 3;
    for (let j = 0; j < 4; j++) x[n * 4 + j] = random.normal() + (j === n % 3 ? 2 : 0);
  }
  writeFileSync(
    path('tiny.npz'),
    writeNpz({
      x_train: { shape: [90, 2, 2], data: x.subarray(0, 360) },
      y_train: { shape: [90], data: y.subarray(0, 90), dtype: 'int64' },
      x_test: { shape: [30, 2, 2], data: x.subarray(360) },
      y_test: { shape: [30], data: y.subarray(90), dtype: 'int64' },
    }),
  );
  writeFileSync(path('no_x_train.npz'), writeNpz({ x: { shape: [2, 2, 2], data: new Float32Array(8) }, y_train: { shape: [2], data: Int32Array.from([0, 1]) } }));
  writeFileSync(path('wrong_shape.npz'), writeNpz({ x_train: { shape: [2, 5], data: new Float32Array(10) }, y_train: { shape: [2], data: Int32Array.from([0, 1]) } }));
  writeFileSync(path('bad_labels.npz'), writeNpz({ x_train: { shape: [3, 2, 2], data: new Float32Array(12) }, y_train: { shape: [3], data: Int32Array.from([0, 2, 7]) } }));
  writeFileSync(path('tiny.nn'), MODEL);
  writeFileSync(path('frozen.nn'), FROZEN);
}
writeData();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function nnc(args: string[], isTTY = false): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY });
  return { code, stdout, stderr };
}

const BASE = ['--data', path('tiny.npz'), '--epochs', '3', '--batch-size', '16', '--optimizer', 'adam', '--lr', '0.01', '--seed', '1'];

test.serial('trains: one plain line per epoch and a test line on stdout, the history JSON, the weights with metadata', async (t) => {
  const run = await nnc(['train', path('tiny.nn'), ...BASE, '--out', path('w.safetensors'), '--history', path('h.json')]);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.is(lines.length, 4, run.stdout);
  for (const [i, line] of lines.slice(0, 3).entries()) {
    t.regex(line, new RegExp(`^epoch ${i + 1}/3  loss \\d\\.\\d{4}  accuracy \\d\\.\\d{4}  \\d+\\.\\ds  \\d+ samples/s$`));
  }
  t.regex(lines[3], /^test {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}\(30 examples\)$/);
  t.false(run.stdout.includes('\r'));
  t.regex(run.stderr, /loss sparse_categorical_crossentropy \(default: the targets are class indices and the output has 3 units \(softmax\)\); optimizer adam lr 0\.01; batch 16; 3 epochs; seed 1/);
  t.regex(run.stderr, /note: no validation data/);

  const history = JSON.parse(readFileSync(path('h.json'), 'utf8'));
  t.is(history.model, 'Tiny');
  t.deepEqual(history.examples, { train: 90, validation: 0, test: 30 });
  t.deepEqual(history.optimizer, { name: 'adam', learning_rate: 0.01, momentum: 0 });
  t.is(history.batch_size, 16);
  t.is(history.history.length, 3);
  t.deepEqual(Object.keys(history.history[0]), ['epoch', 'loss', 'accuracy', 'seconds', 'samples_per_second']);
  t.is(history.history[2].epoch, 3);
  t.true(history.history[2].loss < history.history[0].loss);
  t.is(history.test.count, 30);
  // The printed figures are the history's, rounded.
  t.true(lines[2].includes(`loss ${history.history[2].loss.toFixed(4)}`));
  t.true(lines[3].includes(`accuracy ${history.test.accuracy.toFixed(4)}`));

  const bytes = readFileSync(path('w.safetensors'));
  const weights = readSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'w.safetensors');
  t.is(weights.tensors.size, 8);
  t.is(weights.metadata.model, 'Tiny');
  t.is(weights.metadata.optimizer, 'adam');
  t.is(weights.metadata.epochs, '3');
  t.is(weights.metadata.test_accuracy, String(history.test.accuracy));
});

test.serial('the same seed trains the same weights', async (t) => {
  await nnc(['train', path('tiny.nn'), ...BASE, '--out', path('a.safetensors')]);
  await nnc(['train', path('tiny.nn'), ...BASE, '--out', path('b.safetensors')]);
  t.deepEqual(readFileSync(path('a.safetensors')), readFileSync(path('b.safetensors')));
});

test.serial('validation lines and val_ fields with --validation-split; --check-optimized compares the optimized graph', async (t) => {
  const run = await nnc(['train', path('tiny.nn'), ...BASE, '--validation-split', '0.2', '--check-optimized', '--out', path('v.safetensors'), '--history', path('v.json')]);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.is(lines.length, 5);
  t.regex(lines[0], /^epoch 1\/3 {2}loss \S+ {2}accuracy \S+ {2}val_loss \S+ {2}val_accuracy \S+ {2}\S+s {2}\d+ samples\/s$/);
  t.regex(lines[4], /^test \(optimized graph, 5 → \d ops\) {2}loss \S+ {2}accuracy \S+ {2}\(30 examples\) {2}Δaccuracy 0\.00 points$/);
  const history = JSON.parse(readFileSync(path('v.json'), 'utf8'));
  t.deepEqual(history.examples, { train: 72, validation: 18, test: 30 });
  t.deepEqual(Object.keys(history.history[0]), ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds', 'samples_per_second']);
  t.is(history.test_optimized.accuracy, history.test.accuracy);
});

test.serial('a BatchNormalization with trainable=false is left untouched by nnc train', async (t) => {
  const graph = graphOf(FROZEN);
  const initial = initializeWeights(graph, 3);
  const random = new Random(9);
  for (const name of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
    initial.set(`batch_normalization/${name}`, { shape: [8], data: Float32Array.from({ length: 8 }, () => 0.5 + random.uniform()) });
  }
  writeWeightsFile(path('frozen_init.safetensors'), initial);
  const run = await nnc(['train', path('frozen.nn'), ...BASE, '--initial-weights', path('frozen_init.safetensors'), '--out', path('frozen.safetensors')]);
  t.is(run.code, 0, run.stderr);
  const bytes = readFileSync(path('frozen.safetensors'));
  const trained = readSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'frozen.safetensors').tensors;
  for (const name of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
    const key = `batch_normalization/${name}`;
    t.deepEqual([...trained.get(key)!.data], [...initial.get(key)!.data], key);
  }
  t.notDeepEqual([...trained.get('dense/kernel')!.data], [...initial.get('dense/kernel')!.data]);
});

test.serial('on a TTY the bar is redrawn on stderr and erased; stdout keeps the plain lines', async (t) => {
  const run = await nnc(['train', path('tiny.nn'), ...BASE, '--out', path('tty.safetensors')], true);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /\r\x1b\[Kepoch 1\/3 {2}6\/6 \[=+\] {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}\d+ samples\/s/);
  t.true(run.stderr.includes('\r\x1b[K'));
  t.is(run.stdout.trimEnd().split('\n').length, 4);
});

const usage = [
  { name: 'unknown optimizer', args: ['--optimizer', 'adamw'], code: 2, message: "nnc train: option --optimizer must be one of sgd, adam, nadam, rmsprop, found 'adamw'; did you mean 'adam'?" },
  { name: '--epochs 0', args: ['--epochs', '0'], code: 2, message: "nnc train: option --epochs expects a positive integer, found '0'" },
  { name: 'a negative learning rate', args: ['--lr', '-1'], code: 2, message: 'nnc train: option --lr must be a positive number, found -1' },
  { name: '--data neither fashion-mnist nor .npz', data: 'mnist', code: 2, message: "nnc train: --data expects fashion-mnist or a .npz file, found 'mnist'" },
  { name: 'a missing data file', data: 'missing.npz', code: 1, message: `error: cannot read data file '${path('missing.npz')}': no such file or directory` },
  { name: 'an npz without x_train', data: 'no_x_train.npz', code: 1, message: `error: ${path('no_x_train.npz')} has no x_train (it holds: x, y_train); nnc train needs x_train and y_train, and optionally x_val, y_val, x_test, y_test` },
  { name: 'x of the wrong shape', data: 'wrong_shape.npz', code: 1, message: `error: ${path('wrong_shape.npz')}: x_train has shape [2, 5], but the model's input expects [None, 2, 2]` },
  { name: 'labels out of range', data: 'bad_labels.npz', code: 1, message: `error: ${path('bad_labels.npz')}: y_train holds label 7 at index 2, out of range: the model's output has 3 classes, so labels are 0..2` },
  { name: 'an --out that is a directory', args: ['--out', dir], code: 1, message: `error: cannot write weights file '${dir}': it is a directory` },
  { name: '--validation-split with fashion-mnist', data: 'fashion-mnist', args: ['--validation-split', '0.1'], code: 2, message: 'nnc train: fashion-mnist has its own validation set (5,000 examples); leave out --validation-split' },
];

for (const c of usage) {
  test.serial(`bad input: ${c.name}`, async (t) => {
    const data = c.data === undefined ? path('tiny.npz') : c.data.endsWith('.npz') ? path(c.data) : c.data;
    const run = await nnc(['train', path('tiny.nn'), '--data', data, '--out', path('never.safetensors'), ...(c.args ?? [])]);
    t.is(run.code, c.code);
    t.is(run.stderr.split('\n')[0], c.message);
    t.is(run.stdout, '');
  });
}
