// `nnc export` on the command line: what it writes (and that a Keras export imports back
// with `nnc import`), its exit codes and exact messages on bad input, and that an error
// writes nothing.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPORT_LOSSES, EXPORT_OPTIMIZERS } from '../../src/cli/commands/export.js';
import { LOSSES } from '../../runtime/train/losses.js';
import { OPTIMIZERS } from '../../runtime/train/optimizers.js';
import { leftoverSiblings } from '../../runtime/atomicWrite.js';
import { nnFile, nnc, scratchDir } from '../helpers/cli.js';

const dir = scratchDir('nnc-export-');
const MNIST = 'test/fixtures/keras/mnist-cnn/mnist_cnn.keras';
const firstLine = (text: string) => text.split('\n')[0];

test('the optimizer and loss names are nnc train\'s', (t) => {
  t.deepEqual([...EXPORT_OPTIMIZERS], [...OPTIMIZERS]);
  t.deepEqual([...EXPORT_LOSSES], [...LOSSES]);
});

test('a Keras file exports to .keras and imports back with nnc import', async (t) => {
  const out = join(dir, 'mnist.keras');
  const run = await nnc('export', MNIST, '--format', 'keras', '--out', out, '--compile', '--optimizer', 'adam', '--lr', '0.0005', '--loss', 'categorical_crossentropy');
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `wrote ${out}: Keras 3 Sequential 'sequential_1', 17 layers, 331,754 weight values, compiled (adam lr 0.0005, categorical_crossentropy)\n`);
  t.deepEqual(leftoverSiblings(out), []);
  const back = await nnc('import', out, '--out', join(dir, 'mnist-back'));
  t.is(back.code, 0, back.stderr);
  t.true(back.stdout.includes('training configuration dropped (compile_config'), back.stdout);
  t.true(back.stdout.includes('Total params: 331,754'));
});

test('a .nn file with --weights exports to a tfjs-layers folder, written again in place', async (t) => {
  const weights = join(dir, 'geron.safetensors');
  t.is((await nnc('init', 'examples/geron.nn', '--out', weights)).code, 0);
  const out = join(dir, 'geron-tfjs');
  for (const dtype of ['float32', 'float16']) {
    const run = await nnc('export', 'examples/geron.nn', '--weights', weights, '--format', 'tfjs-layers', '--out', out, '--dtype', dtype);
    t.is(run.code, 0, run.stderr);
    t.deepEqual(readdirSync(out).sort(), ['group1-shard1of1.bin', 'model.json']);
  }
  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  t.is(json.format, 'layers-model');
  t.is(json.weightsManifest[0].weights[0].quantization.dtype, 'float16');
  t.deepEqual(leftoverSiblings(out), []);
});

test('an unknown format is a usage error (exit 2)', async (t) => {
  const run = await nnc('export', 'examples/geron.nn', '--format', 'onnx', '--out', join(dir, 'x'));
  t.is(run.code, 2);
  t.is(firstLine(run.stderr), "nnc export: option --format must be one of keras, tfjs-layers, found 'onnx'");
});

test('a missing --out or --format is a usage error (exit 2)', async (t) => {
  t.is(firstLine((await nnc('export', MNIST, '--format', 'keras')).stderr), 'nnc export: --out M.keras is required');
  t.is(firstLine((await nnc('export', MNIST, '--format', 'tfjs-layers')).stderr), 'nnc export: --out DIR is required');
  const run = await nnc('export', MNIST, '--out', join(dir, 'a.keras'));
  t.is(run.code, 2);
  t.is(firstLine(run.stderr), 'nnc export: --format is required: keras or tfjs-layers');
});

test('other usage errors name the flag', async (t) => {
  const cases: [string[], string][] = [
    [['--format', 'keras', '--out', join(dir, 'a.h5')], `nnc export: --out ${join(dir, 'a.h5')}: a Keras 3 file must end in .keras (keras.saving.load_model refuses other names)`],
    [['--format', 'keras', '--out', join(dir, 'a.keras'), '--dtype', 'float16'], 'nnc export: --dtype float16 is for --format tfjs-layers; a .keras file holds float32 weights'],
    [['--format', 'keras', '--out', join(dir, 'a.keras'), '--compile'], 'nnc export: --compile needs --loss NAME (sparse_categorical_crossentropy, categorical_crossentropy, binary_crossentropy, mean_squared_error)'],
    [['--format', 'tfjs-layers', '--out', join(dir, 't'), '--compile', '--loss', 'mean_squared_error'], 'nnc export: --compile is for --format keras (a tfjs-layers model.json carries no training configuration here)'],
    [['--format', 'keras', '--out', join(dir, 'a.keras'), '--loss', 'mean_squared_error'], 'nnc export: --loss and --lr go with --compile'],
    [['--format', 'keras', '--out', join(dir, 'a.keras'), '--compile', '--loss', 'mean_squared_error', '--optimizer', 'adam', '--momentum', '0.9'], 'nnc export: option --momentum applies to sgd and rmsprop, not adam'],
  ];
  for (const [flags, message] of cases) {
    const run = await nnc('export', MNIST, ...flags);
    t.is(run.code, 2, flags.join(' '));
    t.is(firstLine(run.stderr), message);
  }
  t.false(existsSync(join(dir, 'a.keras')));
});

test('a .nn file without --weights is a usage error', async (t) => {
  const run = await nnc('export', 'examples/geron.nn', '--format', 'keras', '--out', join(dir, 'g.keras'));
  t.is(run.code, 2);
  t.is(firstLine(run.stderr), 'nnc export: --weights W.safetensors is required for a .nn file (make initial weights with nnc init, or train with nnc train)');
});

test('a layer the format cannot express: exit 1, every such layer named, nothing written', async (t) => {
  const source = nnFile('model M {\n  input x: [4, 4, 3]\n  BatchNormalization(axis=[1, 2], name=bn_hw)\n  BatchNormalization(axis=1, name=bn_rows)\n  Softmax(axis=2, name=soft)\n}\n');
  const weights = join(dir, 'bad.safetensors');
  t.is((await nnc('init', source, '--out', weights)).code, 0);
  const keras = await nnc('export', source, '--weights', weights, '--format', 'keras', '--out', join(dir, 'bad.keras'));
  t.is(keras.code, 1);
  t.is(keras.stderr, "error: layer 'bn_hw' (BatchNormalization): it normalizes over several axes (axis=[1,2]); Keras 3 and tfjs-layers take one axis\n");
  t.false(existsSync(join(dir, 'bad.keras')));
  const tfjs = await nnc('export', source, '--weights', weights, '--format', 'tfjs-layers', '--out', join(dir, 'bad-tfjs'));
  t.is(tfjs.code, 1);
  t.is(
    tfjs.stderr,
    [
      "error: layer 'bn_hw' (BatchNormalization): it normalizes over several axes (axis=[1,2]); Keras 3 and tfjs-layers take one axis",
      "error: layer 'bn_rows' (BatchNormalization): tfjs-layers normalizes only the last axis correctly (axis=1 here)",
      "error: layer 'soft' (Softmax): tfjs-layers computes Softmax on the last axis only (axis=2 here)",
    ].join('\n\n') + '\n',
  );
  t.false(existsSync(join(dir, 'bad-tfjs')));
  t.deepEqual(leftoverSiblings(join(dir, 'bad-tfjs')), []);
});

test('a tfjs-layers folder holding other files is refused, and left as it was', async (t) => {
  const out = join(dir, 'busy');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const run = await nnc('export', MNIST, '--format', 'tfjs-layers', '--out', out);
  t.is(run.code, 1);
  t.is(run.stderr, `error: --out ${out} holds other files than a TensorFlow.js model (notes.txt); choose a new folder\n`);
  t.deepEqual(readdirSync(out), ['notes.txt']);
});

test('scripts/keras_train.py compiles (python3 -m py_compile)', (t) => {
  let python = true;
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    python = false;
  }
  if (!python) {
    t.log('python3 is not installed: scripts/keras_train.py was not compiled (CI has python3)');
    t.pass();
    return;
  }
  const target = join(dir, 'keras_train.pyc');
  execFileSync('python3', ['-c', `import py_compile, sys; py_compile.compile('scripts/keras_train.py', cfile=sys.argv[1], doraise=True)`, target]);
  t.true(existsSync(target));
});
