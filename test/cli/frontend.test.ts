// `nnc check`, `nnc summary`, `nnc ir` and usage errors, run in-process.

import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nnFile, nnc } from '../helpers/cli.js';

const TWO_MODELS = 'model Small {\n  input x: [4]\n  Dense(2)\n}\nmodel Large {\n  input x: [4]\n  Dense(200)\n}\n';

test('check: a clean file exits 0 and reports its models with their parameter counts', async (t) => {
  const run = await nnc('check', 'examples/geron.nn', 'examples/tagger.nn');
  t.is(run.code, 0);
  t.is(run.stdout, 'examples/geron.nn: ok, model FashionMLP (271,346 params)\nexamples/tagger.nn: ok, model Tagger (2,140,752 params)\n');
  t.is(run.stderr, '');
});

test('check: every diagnostic of the file, then a count; exit 1', async (t) => {
  const path = nnFile('model M {\n  input x: [4]\n  Dence(3)\n  Dense(3, activation=rleu)\n}\n');
  const run = await nnc('check', path);
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.is(
    run.stderr,
    [
      `${path}:3:3: error: unknown layer or block 'Dence'; did you mean 'Dense'?`,
      '  |',
      '3 |   Dence(3)',
      '  |   ^^^^^',
      '',
      `${path}:4:23: error: unknown activation 'rleu'; did you mean 'relu'? (expected one of linear, relu, relu6, elu, selu, sigmoid, tanh, softmax, softplus, swish, gelu, leaky_relu, hard_sigmoid, hard_swish, softsign, exponential, mish)`,
      '  |',
      '4 |   Dense(3, activation=rleu)',
      '  |                       ^^^^',
      `${path}: 2 errors`,
      '',
    ].join('\n'),
  );
});

test('check: warnings are printed but the file is ok', async (t) => {
  const path = nnFile('model M {\n  input x: [4]\n  a = Dense(3)\n  x -> Dense(5)\n  output a\n}\n');
  const run = await nnc('check', path);
  t.is(run.code, 0);
  t.true(run.stderr.startsWith(`${path}:4:8: warning: layer 'dense_1' (Dense) does not reach any output of model 'M'; it is not part of the model`));
  t.is(run.stdout, `${path}: ok, model M (15 params)\n`); // 4 * 3 + 3
});

test('check: a file of blocks only is ok with no models', async (t) => {
  const run = await nnc('check', nnFile('block B {\n  ReLU\n}\n'));
  t.is(run.code, 0);
  t.true(run.stdout.endsWith(': ok, no models\n'));
});

test('check: an unreadable file is reported and the other files are still checked', async (t) => {
  const run = await nnc('check', 'examples/geron.nn', 'no/such/file.nn', 'examples/tagger.nn');
  t.is(run.code, 1);
  t.is(run.stdout, 'examples/geron.nn: ok, model FashionMLP (271,346 params)\nexamples/tagger.nn: ok, model Tagger (2,140,752 params)\n');
  t.is(run.stderr, "error: cannot read file 'no/such/file.nn': no such file or directory\n");
});

test('summary: the Keras table with thousands separators', async (t) => {
  const run = await nnc('summary', 'examples/tagger.nn');
  t.is(run.code, 0);
  const lines = run.stdout.split('\n');
  t.is(lines[0], 'Model: "Tagger"');
  // 4,096 * 512 + 512 = 2,097,664; BN 4 * 512 = 2,048; 512 * 80 + 80 = 41,040.
  t.regex(run.stdout, /\n dense \(Dense\) +\(None, 512\) +2,097,664\n/);
  t.regex(run.stdout, /\n batch_normalization \(BatchNormalization\) +\(None, 512\) +2,048\n/);
  t.regex(run.stdout, /\n dropout \(Dropout\) +\(None, 512\) +0\n/);
  t.regex(run.stdout, /\n dense_1 \(Dense\) +\(None, 80\) +41,040\n/);
  t.true(run.stdout.includes('\nTotal params: 2,140,752 (8.17 MB)\nTrainable params: 2,139,728 (8.16 MB)\nNon-trainable params: 1,024 (4.00 KB)\n'));
});

test('summary: Connected to for a branching graph', async (t) => {
  const run = await nnc('summary', 'examples/tiny_resnet.nn');
  t.is(run.code, 0);
  t.regex(run.stdout, /Layer \(type\) +Output Shape +Param # +Connected to\n/);
  t.regex(run.stdout, /\n image \(InputLayer\) +\(None, 32, 32, 3\) +0\n/);
  t.regex(run.stdout, /\n add_2 \(Add\) +\(None, 32, 32, 32\) +0 +re_lu_4\[0\]\[0\], batch_normalization_6\[0\]\[0\]\n/);
  t.true(run.stdout.includes('Total params: 57,386'));
});

test('summary --json: the same figures, with per-layer rows', async (t) => {
  const run = await nnc('summary', 'examples/geron.nn', '--json');
  t.is(run.code, 0);
  const json = JSON.parse(run.stdout) as { model: string; totalParams: number; trainableParams: number; nonTrainableParams: number; layers: { name: string; type: string; outputShape: (number | null)[]; params: number; trainableParams: number; nonTrainableParams: number }[] };
  t.is(json.model, 'FashionMLP');
  t.deepEqual([json.totalParams, json.trainableParams, json.nonTrainableParams], [271_346, 268_978, 2_368]);
  t.deepEqual(
    json.layers.map((l) => [l.name, l.type, l.outputShape, l.params, l.trainableParams, l.nonTrainableParams]),
    [
      ['flatten', 'Flatten', [null, 784], 0, 0, 0],
      ['batch_normalization', 'BatchNormalization', [null, 784], 3136, 1568, 1568],
      ['dense', 'Dense', [null, 300], 235_500, 235_500, 0],
      ['batch_normalization_1', 'BatchNormalization', [null, 300], 1200, 600, 600],
      ['dense_1', 'Dense', [null, 100], 30_100, 30_100, 0],
      ['batch_normalization_2', 'BatchNormalization', [null, 100], 400, 200, 200],
      ['dense_2', 'Dense', [null, 10], 1010, 1010, 0],
    ],
  );
  t.is(
    json.layers.reduce((sum, l) => sum + l.params, 0),
    json.totalParams,
  );
});

test('summary --model chooses among several models; without it the error lists them', async (t) => {
  const path = nnFile(TWO_MODELS);
  const chosen = await nnc('summary', path, '--model', 'Large');
  t.is(chosen.code, 0);
  t.true(chosen.stdout.includes('Total params: 1,000 ')); // 4 * 200 + 200
  const inline = await nnc('summary', path, '--model=Small');
  t.true(inline.stdout.includes('Total params: 10 ')); // 4 * 2 + 2
  const none = await nnc('summary', path);
  t.is(none.code, 1);
  t.is(none.stderr, `error: ${path} defines 2 models (Small, Large); choose one with --model NAME\n`);
  const wrong = await nnc('summary', path, '--model', 'Smal');
  t.is(wrong.code, 1);
  t.is(wrong.stderr, `error: ${path} has no model 'Smal'; did you mean 'Small'? (models: Small, Large)\n`);
});

test('summary of a file with errors prints them all and exits 1', async (t) => {
  const path = nnFile('model M {\n  input x: [4]\n  Dense(0)\n  Dropout(2)\n}\n');
  const run = await nnc('summary', path);
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.true(run.stderr.includes(`${path}:3:9: error: argument 'units' of Dense expects a positive integer, found 0`));
  t.true(run.stderr.includes(`${path}:4:11: error: argument 'rate' of Dropout expects a number in [0, 1), found 2`));
});

test('summary of a file with only blocks', async (t) => {
  const path = nnFile('block B {\n  ReLU\n}\n');
  const run = await nnc('summary', path);
  t.is(run.code, 1);
  t.is(run.stderr, `error: ${path} defines no model (only blocks); add 'model NAME { ... }'\n`);
});

test('ir: the graph as text, one line per node', async (t) => {
  const run = await nnc('ir', 'examples/tagger.nn');
  t.is(run.code, 0);
  const lines = run.stdout.split('\n');
  t.is(lines[0], 'model Tagger');
  t.is(lines[1], '  input features: [None, 4096]  # examples/tagger.nn:4:9');
  t.true(lines[2].startsWith('  dense = Dense(features, units=512, activation=relu, '));
  t.true(lines[2].includes('-> [None, 512]  {kernel [4096, 512], bias [512]}  # examples/tagger.nn:5:3'));
  t.true(lines[4].startsWith('  dropout = Dropout(batch_normalization, rate=0.5) -> [None, 512]'));
  t.is(lines[6], '  output dense_1');
  t.is(lines.length, 8);
});

test('usage errors exit 2 with a clear message and the usage, never a stack trace', async (t) => {
  const unknownFlag = await nnc('summary', 'examples/geron.nn', '--jsn');
  t.is(unknownFlag.code, 2);
  t.true(unknownFlag.stderr.startsWith("nnc summary: unknown option '--jsn'; did you mean '--json'?\n\nusage: nnc summary FILE [options]\n"));
  const single = await nnc('summary', 'examples/geron.nn', '-json');
  t.is(single.code, 2);
  t.true(single.stderr.startsWith("nnc summary: unknown option '-json': options are written --name; did you mean '--json'?\n"));
  const missing = await nnc('summary');
  t.is(missing.code, 2);
  t.true(missing.stderr.startsWith('nnc summary: missing FILE (a .nn file)\n'));
  const missingCheck = await nnc('check');
  t.is(missingCheck.code, 2);
  t.true(missingCheck.stderr.startsWith('nnc check: missing FILE (a .nn file (several may be given))\n'));
  const extra = await nnc('ir', 'examples/geron.nn', 'examples/tagger.nn');
  t.is(extra.code, 2);
  t.true(extra.stderr.startsWith("nnc ir: unexpected argument 'examples/tagger.nn': 'nnc ir' takes FILE\n"));
  const noValue = await nnc('summary', 'examples/geron.nn', '--model');
  t.is(noValue.code, 2);
  t.true(noValue.stderr.startsWith('nnc summary: option --model needs a value (NAME)\n'));
  const switchValue = await nnc('summary', 'examples/geron.nn', '--json=yes');
  t.is(switchValue.code, 2);
  t.true(switchValue.stderr.startsWith('nnc summary: option --json is a switch: write --json or --no-json\n'));
  for (const run of [unknownFlag, single, missing, missingCheck, extra, noValue, switchValue]) {
    t.is(run.stdout, '');
    t.false(run.stderr.includes('    at '), 'no stack trace');
  }
});

test('unknown command: a suggestion and the command list, exit 2', async (t) => {
  const run = await nnc('sumary', 'examples/geron.nn');
  t.is(run.code, 2);
  t.true(run.stderr.startsWith("nnc: unknown command 'sumary'; did you mean 'summary'?\n\nusage: nnc <command> [arguments] [options]\n"));
  t.true(run.stderr.includes('\n  check '));
});

test('no command prints the overview to stderr with exit 2; help and --version exit 0', async (t) => {
  const none = await nnc();
  t.is(none.code, 2);
  t.true(none.stderr.startsWith('usage: nnc <command>'));
  const help = await nnc('--help');
  t.is(help.code, 0);
  t.true(help.stdout.startsWith('usage: nnc <command>'));
  const commandHelp = await nnc('summary', '--help');
  t.is(commandHelp.code, 0);
  t.true(commandHelp.stdout.startsWith('usage: nnc summary FILE [options]\n'));
  t.true(commandHelp.stdout.includes('  --json '));
  const version = await nnc('--version');
  t.is(version.code, 0);
  t.regex(version.stdout, /^nnc \d+\.\d+\.\d+\n$/);
  // One version source: package.json's, for -v too.
  const { version: packageVersion } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) t.is((await nnc(flag)).stdout, `nnc ${packageVersion}\n`);
});

test('unreadable inputs: a missing file, a directory; exit 1 with the reason', async (t) => {
  const missing = await nnc('summary', 'no/such/model.nn');
  t.is(missing.code, 1);
  t.is(missing.stderr, "error: cannot read file 'no/such/model.nn': no such file or directory\n");
  const dir = mkdtempSync(join(tmpdir(), 'nnc-dir-'));
  const directory = await nnc('ir', dir);
  t.is(directory.code, 1);
  t.is(directory.stderr, `error: cannot read file '${dir}': it is a directory\n`);
});

test('a file of random bytes ends in diagnostics, not a crash', async (t) => {
  const path = nnFile('\u0000\u00ff model {{{ ]] "\n\t\u2028 -> -> ((');
  const run = await nnc('check', path);
  t.is(run.code, 1);
  t.false(run.stderr.includes('internal error'));
  t.regex(run.stderr, /: \d+ errors?\n$/);
});
