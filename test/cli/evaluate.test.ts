// `nnc evaluate`: a model with its weights and the bundle built from them score the same
// on the Fashion-MNIST test set (the bundle is optimized: BNs folded).

import test from 'ava';
import { join } from 'node:path';
import { writeWeightsFile } from '../../src/cli/files.js';
import { exampleGraph, randomizedWeights } from '../helpers/models.js';
import { scratchDir, nnc } from '../helpers/cli.js';

const dir = scratchDir('nnc-evaluate-');

test.serial('a bundle scores what its unoptimized model scores on the test set', async (t) => {
  const weights = join(dir, 'w.safetensors');
  // Random BN statistics, so that folding them changes the weights substantially.
  writeWeightsFile(weights, randomizedWeights(exampleGraph('geron'), 7));
  t.is((await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', join(dir, 'bundle'))).code, 0);
  const model = await nnc('evaluate', 'examples/geron.nn', '--weights', weights, '--data', 'fashion-mnist');
  const bundle = await nnc('evaluate', join(dir, 'bundle'), '--data', 'fashion-mnist');
  t.is(model.code, 0, model.stderr);
  t.is(bundle.code, 0, bundle.stderr);
  const accuracy = (text: string) => Number(/test accuracy (\d\.\d{4})/.exec(text)![1]);
  t.regex(model.stdout, /\(10,000 examples, 7 ops, wasm\)/);
  t.regex(bundle.stdout, /\(10,000 examples, 4 ops, wasm\)/);
  t.true(Math.abs(accuracy(model.stdout) - accuracy(bundle.stdout)) <= 0.001, `${model.stdout} vs ${bundle.stdout}`);
});

test.serial('a model file that carries its weights is named by its path, and scores what the .nn with its weights scores', async (t) => {
  const weights = join(dir, 'w2.safetensors');
  writeWeightsFile(weights, randomizedWeights(exampleGraph('geron'), 8));
  const exported = join(dir, 'geron-tfjs');
  t.is((await nnc('export', 'examples/geron.nn', '--weights', weights, '--format', 'tfjs-layers', '--out', exported)).code, 0);
  const source = await nnc('evaluate', 'examples/geron.nn', '--weights', weights, '--data', 'fashion-mnist');
  const file = await nnc('evaluate', join(exported, 'model.json'), '--data', 'fashion-mnist');
  t.is(file.code, 0, file.stderr);
  t.true(file.stdout.startsWith(`FashionMLP from ${join(exported, 'model.json')}: test accuracy `), file.stdout);
  t.false(file.stdout.includes('undefined'));
  const accuracy = (text: string) => /test accuracy (\d\.\d{4})/.exec(text)![1];
  t.is(accuracy(file.stdout), accuracy(source.stdout));
});

test.serial('evaluate refuses what it cannot do, clearly', async (t) => {
  const noData = await nnc('evaluate', 'examples/geron.nn', '--weights', 'w.safetensors');
  t.is(noData.code, 2);
  t.regex(noData.stderr, /--data fashion-mnist\|D\.npz is required/);
  const noWeights = await nnc('evaluate', 'examples/geron.nn', '--data', 'fashion-mnist');
  t.is(noWeights.code, 2);
  t.regex(noWeights.stderr, /--weights W\.safetensors is required for a \.nn file/);
  const badSplit = await nnc('evaluate', 'examples/geron.nn', '--data', 'fashion-mnist', '--split', 'dev');
  t.is(badSplit.code, 2);
  t.regex(badSplit.stderr, /option --split must be one of test, validation, train, found 'dev'/);
});
