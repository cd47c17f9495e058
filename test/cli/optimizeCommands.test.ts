// The optimizer's commands, run in process through `main(argv, io)`: `nnc verify`
// (exit codes, the errors it prints, tolerances, pass selection, given inputs),
// `nnc ir --after PASS` and `nnc summary --optimize`.

import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/formats/safetensors.js';
import { main } from '../../src/cli/main.js';
import { EXAMPLES, exampleGraph, randomizedWeights } from '../helpers/models.js';
import { scratchDir, nnc } from '../helpers/cli.js';

const dir = scratchDir('nnc-optimize-cli-');

/** Weights with random BN statistics (and biases), written as safetensors. */
function randomStatisticsFile(name: string): string {
  const path = join(dir, `${name}-random.safetensors`);
  writeFileSync(path, writeSafetensors(randomizedWeights(exampleGraph(name), 4)));
  return path;
}

/** `max abs error A, max rel error R` of each comparison line. */
function errors(stdout: string): { abs: number; rel: number }[] {
  return [...stdout.matchAll(/max abs error (\S+), max rel error (\S+) over/g)].map((m) => ({ abs: Number(m[1]), rel: Number(m[2]) }));
}

// ---------------------------------------------------------------------------
// nnc verify

for (const name of EXAMPLES) {
  test(`verify ${name}: initial weights from nnc init, exit 0`, async (t) => {
    const weights = join(dir, `${name}-init.safetensors`);
    const init = await nnc('init', `examples/${name}.nn`, '--out', weights, '--seed', '3');
    t.is(init.code, 0, init.stderr);
    const run = await nnc('verify', `examples/${name}.nn`, '--weights', weights, '--samples', '2', '--batch', '4');
    t.is(run.code, 0, run.stdout + run.stderr);
    t.regex(run.stdout, /2 random batches of 4: max abs error \S+, max rel error \S+ over \d+ values; tolerance 1e-5 \+ 1e-5·\|y\|: OK/);
    t.regex(run.stdout, /equivalent within tolerance\n$/);
    t.is(run.stderr, '');
  });

  test(`verify ${name}: random BN statistics, exit 0, errors within 1e-5`, async (t) => {
    const run = await nnc('verify', `examples/${name}.nn`, '--weights', randomStatisticsFile(name), '--samples', '2', '--batch', '4');
    t.is(run.code, 0, run.stdout + run.stderr);
    const [random] = errors(run.stdout);
    t.true(random.abs > 0 && random.abs <= 1e-5, `max abs error ${random.abs}`);
    t.true(random.rel <= 1e-4, `max rel error ${random.rel}`);
  });
}

test('verify without --weights says the statistics are trivial', async (t) => {
  const run = await nnc('verify', 'examples/tagger.nn', '--samples', '1', '--batch', '2');
  t.is(run.code, 0);
  t.regex(run.stderr, /no --weights given: verifying with initial weights \(seed 0\)/);
  t.regex(run.stdout, /verify Tagger on wasm: 4 ops before, 2 after optimization/);
});

test('verify exits 1 when the tolerance is violated (--atol 0 --rtol 0 and a non-zero error)', async (t) => {
  const run = await nnc('verify', 'examples/geron.nn', '--weights', randomStatisticsFile('geron'), '--samples', '1', '--batch', '4', '--atol', '0', '--rtol', '0');
  t.is(run.code, 1);
  t.regex(run.stdout, /tolerance 0e\+0 \+ 0e\+0·\|y\|: FAILED \(\d+ of 40 elements outside\)/);
  t.regex(run.stdout, /NOT equivalent: the optimized graph computes a different function/);
  t.true(errors(run.stdout)[0].abs > 0);
});

test('verify --input compares on the given input too', async (t) => {
  const run = await nnc('verify', 'examples/geron.nn', '--weights', randomStatisticsFile('geron'), '--input', 'examples/fashion-mnist-4.npy', '--samples', '1');
  t.is(run.code, 0, run.stdout + run.stderr);
  t.regex(run.stdout, /given input: max abs error \S+, max rel error \S+ over 40 values; .*: OK/);
  t.is(errors(run.stdout).length, 2);
});

test('verify --passes a,b,-c selects passes; the verdict holds for any selection', async (t) => {
  const weights = randomStatisticsFile('geron_bn_before_activation');
  const only = await nnc('verify', 'examples/geron_bn_before_activation.nn', '--weights', weights, '--passes', 'fuse-batchnorm-into-preceding', '--samples', '1');
  t.is(only.code, 0, only.stdout);
  // Only the two BNs after a Dense fold: 9 ops → 7.
  t.regex(only.stdout, /9 ops before, 7 after optimization/);
  const without = await nnc('verify', 'examples/geron_bn_before_activation.nn', '--weights', weights, '--passes', '-fuse-activations,-batchnorm-to-affine', '--samples', '1');
  t.is(without.code, 0);
  // All three BNs fold, the two relus stay: Flatten, 3 Dense, 2 Activation.
  t.regex(without.stdout, /9 ops before, 6 after optimization/);
});

for (const [selection, message] of [
  ['fuse-activation', /unknown pass 'fuse-activation'; did you mean 'fuse-activations'\?/],
  ['remove-identities,-bogus', /unknown pass 'bogus'/],
  ['-', /empty pass name in the selection '-'/],
] as const) {
  test(`verify --passes ${selection}: exit 1 with the error`, async (t) => {
    const run = await nnc('verify', 'examples/geron.nn', '--passes', selection);
    t.is(run.code, 1);
    t.regex(run.stderr, message);
    t.regex(run.stderr, /passes: normalization-to-batchnorm, fold-bias-into-batchnorm, remove-identities, fuse-batchnorm-into-preceding, split-batchnorm-across-concatenate, fold-batchnorm-into-following, fold-batchnorm-across-reshape, fold-rescaling, move-batchnorm-scale-through-relu, batchnorm-to-affine, fuse-activations/);
    t.is(run.stdout, '');
  });
}

test('verify with weights of another model: exit 1, no comparison', async (t) => {
  const run = await nnc('verify', 'examples/tagger.nn', '--weights', randomStatisticsFile('geron'));
  t.is(run.code, 1);
  t.is(errors(run.stdout).length, 0);
});

// ---------------------------------------------------------------------------
// nnc ir --after PASS

test('ir --after remove-identities: the Dropout is gone, the BN still there', async (t) => {
  const run = await nnc('ir', 'examples/tagger.nn', '--after', 'remove-identities');
  t.is(run.code, 0);
  t.notRegex(run.stdout, /Dropout/);
  t.regex(run.stdout, /batch_normalization = BatchNormalization\(dense,/);
  t.regex(run.stdout, /dense_1 = Dense\(batch_normalization,/);
});

test('ir --after fold-batchnorm-into-following: the BN is in the Dense after it', async (t) => {
  const run = await nnc('ir', 'examples/tagger.nn', '--after', 'fold-batchnorm-into-following');
  t.is(run.code, 0);
  t.notRegex(run.stdout, /BatchNormalization/);
  t.regex(run.stdout, /dense_1 = Dense\(dense, units=80, activation=sigmoid, use_bias=true/);
});

test('ir --after fuse-activations: Géron BN-before-activation ends as three Dense layers', async (t) => {
  const run = await nnc('ir', 'examples/geron_bn_before_activation.nn', '--after', 'fuse-activations');
  t.is(run.code, 0);
  t.notRegex(run.stdout, /BatchNormalization|Activation\(/);
  t.is(run.stdout.match(/= Dense\(/g)?.length, 3);
  t.is(run.stdout.match(/activation=relu, use_bias=true/g)?.length, 2);
});

test('ir --after batchnorm-to-affine: a BN no neighbour takes is printed as an Affine', async (t) => {
  const path = join(dir, 'affine.nn');
  writeFileSync(path, 'model M {\n  input x: [6, 6, 3]\n  BatchNormalization\n  Conv2D(4, 3, padding=same)\n}\n');
  const run = await nnc('ir', path, '--after', 'batchnorm-to-affine');
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /batch_normalization = Affine\(x, axis=\[3\], scale=true\)/);
});

test('ir --training --after: training builds run fold-bias-into-batchnorm only', async (t) => {
  const path = join(dir, 'bias.nn');
  writeFileSync(path, 'model M {\n  input x: [6]\n  Dense(8)\n  BatchNormalization\n}\n');
  const ok = await nnc('ir', path, '--training', '--after', 'fold-bias-into-batchnorm');
  t.is(ok.code, 0);
  t.regex(ok.stdout, /dense = Dense\(x, units=8, activation=linear, use_bias=false/);
  t.regex(ok.stdout, /BatchNormalization/);
  const refused = await nnc('ir', path, '--training', '--after', 'fuse-batchnorm-into-preceding');
  t.is(refused.code, 1);
  t.regex(refused.stderr, /pass 'fuse-batchnorm-into-preceding' does not run in a training build/);
});

test('ir --after an unknown pass: exit 1, with a suggestion', async (t) => {
  const run = await nnc('ir', 'examples/tagger.nn', '--after', 'remove-identity');
  t.is(run.code, 1);
  t.regex(run.stderr, /unknown pass 'remove-identity'; did you mean 'remove-identities'\?/);
});

// ---------------------------------------------------------------------------
// nnc summary --optimize

// Parameter counts after optimization, computed by hand in test/compiler/passes/examples.test.ts.
const OPTIMIZED_PARAMS: Record<(typeof EXAMPLES)[number], [before: string, after: string]> = {
  geron: ['271,346', '266,610'],
  geron_bn_before_activation: ['270,946', '266,610'],
  tagger: ['2,140,752', '2,138,704'],
  tiny_resnet: ['57,386', '56,714'],
  mobilenet_block: ['20,074', '18,634'],
};

for (const name of EXAMPLES) {
  test(`summary --optimize ${name}: ${OPTIMIZED_PARAMS[name][0]} → ${OPTIMIZED_PARAMS[name][1]} parameters`, async (t) => {
    const [before, after] = OPTIMIZED_PARAMS[name];
    const plain = await nnc('summary', `examples/${name}.nn`);
    t.regex(plain.stdout, new RegExp(`Total params: ${before} `));
    const optimized = await nnc('summary', `examples/${name}.nn`, '--optimize');
    t.is(optimized.code, 0);
    t.regex(optimized.stdout, new RegExp(`Total params: ${after} `));
    // Moving statistics are gone: nothing non-trainable is left.
    t.regex(optimized.stdout, /Non-trainable params: 0 /);
    t.notRegex(optimized.stdout, /BatchNormalization/);
  });
}

test('summary --optimize --json and --passes', async (t) => {
  const json = await nnc('summary', 'examples/geron.nn', '--optimize', '--json');
  t.is(JSON.parse(json.stdout).totalParams, 266_610);
  // Without the fold after, Géron's BNs become Affines: 2 of the 4 parameters per channel
  // remain, 271,346 − 2·(784 + 300 + 100) = 268,978.
  const affine = await nnc('summary', 'examples/geron.nn', '--optimize', '--passes', '-fold-batchnorm-into-following');
  t.regex(affine.stdout, /Total params: 268,978 /);
  t.regex(affine.stdout, /\(Affine\)/);
  const bad = await nnc('summary', 'examples/geron.nn', '--optimize', '--passes', 'nope');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /unknown pass 'nope'/);
});
