// Issue 20, class 5: a CLI that behaves in a pipeline and a terminal. EPIPE ends quietly;
// control and bidirectional characters from files are printed escaped; a UTF-8 BOM is
// skipped; `-` reads standard input; numeric flags are decimal; a flag missing its value
// is named; an internal error exits 70 with a short message and no stack.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTERNAL_ERROR_HINT, escapeControls, main } from '../../src/cli/main.js';
import { nnc, nnFile, scratchDir } from '../helpers/cli.js';

const dir = scratchDir('nnc-terminal-');
const BIN = ['--import', 'tsx', 'bin/nnc.js'];

test('output piped into head ends quietly: no EPIPE stack trace', (t) => {
  // 5,000 IR lines, far more than a pipe's 64 KiB buffer: nnc is still writing when head exits.
  const file = nnFile('model Long {\n  input x: [4]\n  repeat 5000 { Dense(4) }\n}\n');
  const result = spawnSync('sh', ['-c', `"${process.execPath}" bin/nnc.js ir "${file}" | head -1; echo "nnc exit $?" >&2`], { encoding: 'utf8' });
  t.is(result.stdout, 'model Long\n');
  // Before the fix: "Error: write EPIPE" with a stack, and exit 1.
  t.is(result.stderr, 'nnc exit 0\n');
});

test('names from files are printed with control and bidirectional characters escaped', async (t) => {
  const file = nnFile('model M {\n  input x: [4]\n  Dense(3, name="a\\u001b[31mred")\n}\n'.replace('\\u001b', '\u001b'));
  const summary = await nnc('summary', file);
  t.is(summary.code, 0);
  t.regex(summary.stdout, /^ a\\x1b\[31mred \(Dense\) +\(None, 3\) +15$/m);
  t.false(summary.stdout.includes('\u001b'));
  t.is(escapeControls('evil\u202eexe.nn\ttab\nline\u0007\u2066x\u2069'), 'evil\\u202eexe.nn\ttab\nline\\x07\\u2066x\\u2069');
  t.is(escapeControls('\r\x1b[K epoch 1'), '\r\x1b[K epoch 1', "nnc's own progress-bar sequence passes");
  t.is(escapeControls('a\rb\u0085c\u007f'), 'a\\x0db\\x85c\\x7f');
});

test('a UTF-8 byte-order mark is skipped, and columns count without it', async (t) => {
  const path = join(dir, 'bom.nn');
  writeFileSync(path, '\ufeffmodel M {\n  input x: [4]\n  Dens(3)\n}\n');
  const result = await nnc('check', path);
  t.is(result.code, 1);
  t.true(result.stderr.startsWith(`${path}:3:3: error: unknown layer or block 'Dens'; did you mean 'Dense'?`), result.stderr);
  writeFileSync(path, '\ufeffmodel M {\n  input x: [4]\n  Dense(3)\n}\n');
  t.is((await nnc('check', path)).stdout, `${path}: ok, model M (15 params)\n`);
});

test('- reads the source from standard input', (t) => {
  const ok = spawnSync(process.execPath, [...BIN, 'check', '-'], { input: 'model M {\n  input x: [4]\n  Dense(3)\n}\n', encoding: 'utf8' });
  t.is(ok.stdout, '<stdin>: ok, model M (15 params)\n');
  t.is(ok.status, 0);
  const bad = spawnSync(process.execPath, [...BIN, 'summary', '-'], { input: 'model M {\n  input x: [4]\n  Dense(0)\n}\n', encoding: 'utf8' });
  t.is(bad.status, 1);
  t.true(bad.stderr.startsWith('<stdin>:3:9: error: '), bad.stderr);
});

test('numeric flags accept decimal numbers only', async (t) => {
  const file = nnFile('model M {\n  input x: [4]\n  Dense(3)\n}\n');
  for (const value of ['0x10', '0b1', '1_000', ' 1', 'Infinity', '1e999']) {
    const result = await nnc('verify', file, '--atol', value);
    t.is(result.code, 2, value);
    t.is(result.stderr.split('\n')[0], `nnc verify: option --atol expects a number, found '${value}'`);
  }
  const train = await nnc('train', file, '--data', 'd.npz', '--lr', '0x10', '--out', 'w.safetensors');
  t.is(train.stderr.split('\n')[0], "nnc train: option --lr expects a number, found '0x10'");
  t.is((await nnc('verify', file, '--atol', '.5e-3', '--samples', '1', '--batch', '1')).code, 0);
});

test('a flag missing its value names the flag', async (t) => {
  const file = nnFile('model M {\n  input x: [4]\n  Dense(3)\n}\n');
  const last = await nnc('init', file, '--out');
  t.is(last.stderr.split('\n')[0], 'nnc init: option --out needs a value (W.safetensors)');
  const before = await nnc('init', file, '--out', '--seed', '1');
  t.is(before.code, 2);
  t.is(before.stderr.split('\n')[0], 'nnc init: option --out needs a value (W.safetensors), found option --seed');
});

test('an internal error exits 70 with a short message asking for a report, and a stack only with NNC_DEBUG=1', async (t) => {
  const file = nnFile('model M {\n  input x: [4]\n  Dense(3)\n}\n');
  let stderr = '';
  const failingIo = { stdout: () => { throw new TypeError('disk on fire'); }, stderr: (text: string) => void (stderr += text), isTTY: false };
  t.is(await main(['summary', file], failingIo), 70);
  t.is(stderr, `nnc summary: internal error: disk on fire\n${INTERNAL_ERROR_HINT}\n`);
  process.env.NNC_DEBUG = '1';
  stderr = '';
  try {
    t.is(await main(['summary', file], failingIo), 70);
  } finally {
    delete process.env.NNC_DEBUG;
  }
  t.regex(stderr, /\nTypeError: disk on fire\n {4}at /);
});
