// The source's precision in a weights file's metadata: `nnc import` of a quantized
// TensorFlow.js model records each weight's dtype and range (as the tfjs model.json
// states them), and `nnc build model.nn --weights` reads it back and keeps the source's
// codes exactly as building from the model.json does.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../../src/formats/safetensors.js';
import { SOURCE_DTYPES_KEY, readSourcePrecision, sourcePrecisionMetadata } from '../../../src/formats/sourcePrecision.js';
import { nnc, scratchDir } from '../../helpers/cli.js';

const dir = scratchDir('nnc-source-precision-');
const fixture = new URL('../../fixtures/tfjs/all-layers-uint8/', import.meta.url).pathname;

test.serial('nnc import records every weight\'s source dtype and range; nnc build from model.nn keeps the codes, byte for byte as from model.json', async (t) => {
  const out = join(dir, 'imported');
  const imported = await nnc('import', join(fixture, 'model.json'), '--out', out);
  t.is(imported.code, 0, imported.stderr);
  const { metadata } = readSafetensors(new Uint8Array(readFileSync(join(out, 'weights.safetensors'))), 'weights');
  const recorded = JSON.parse(metadata[SOURCE_DTYPES_KEY]);
  // The tfjs manifest's own numbers for every weight.
  const tfjs = JSON.parse(readFileSync(join(fixture, 'model.json'), 'utf8'));
  const expected = Object.fromEntries(tfjs.weightsManifest.flatMap((g: { weights: { name: string; quantization: { dtype: string; min: number; scale: number } }[] }) => g.weights.map((w) => [w.name, { dtype: w.quantization.dtype, min: w.quantization.min, scale: w.quantization.scale }])));
  t.deepEqual(recorded, expected);

  const fromNn = await nnc('build', join(out, 'model.nn'), '--weights', join(out, 'weights.safetensors'), '--out', join(dir, 'from-nn'));
  t.is(fromNn.code, 0, fromNn.stderr);
  const fromJson = await nnc('build', join(fixture, 'model.json'), '--out', join(dir, 'from-json'));
  t.is(fromJson.code, 0, fromJson.stderr);
  const report = (stdout: string) => stdout.slice(stdout.indexOf('weights dtype, by tensor:'), stdout.indexOf('wrote bundle'));
  t.true(report(fromNn.stdout).includes('  U8 source codes, a factor per channel (source uint8): 5 tensors: conv/kernel, dense_seq/kernel, depthwise/depthwise_kernel, hidden/kernel, logits/kernel\n'), fromNn.stdout);
  t.is(report(fromNn.stdout), report(fromJson.stdout));
  t.deepEqual(readFileSync(join(dir, 'from-nn', 'weights.safetensors')), readFileSync(join(dir, 'from-json', 'weights.safetensors')));
});

test('a float32 source records nothing; a weights file without the key has no source precision', (t) => {
  t.deepEqual(sourcePrecisionMetadata(new Map([['dense/kernel', 'float32']]), new Map()), {});
  t.is(readSourcePrecision({ format: 'pt' }, 'w.safetensors'), null);
});

for (const [name, value, message] of [
  ['not JSON', '{', "w.safetensors: metadata 'nnc_source_dtypes' is not valid JSON"],
  ['an array', '[]', "w.safetensors: metadata 'nnc_source_dtypes' is not a JSON object"],
  ['a uint8 weight without its range', '{"hidden/kernel":{"dtype":"uint8"}}', "w.safetensors: metadata 'nnc_source_dtypes' gives 'hidden/kernel' (uint8) no finite min and positive scale"],
  ['a zero scale', '{"hidden/kernel":{"dtype":"uint8","min":-1,"scale":0}}', "w.safetensors: metadata 'nnc_source_dtypes' gives 'hidden/kernel' (uint8) no finite min and positive scale"],
  ['an unknown dtype', '{"hidden/kernel":{"dtype":"int4"}}', "w.safetensors: metadata 'nnc_source_dtypes' gives 'hidden/kernel' dtype \"int4\", not float32, float16, uint8 or uint16"],
] as const) {
  test(`metadata refused: ${name}`, (t) => {
    const error = t.throws(() => readSourcePrecision({ [SOURCE_DTYPES_KEY]: value }, 'w.safetensors'));
    t.is(error!.name, 'NncError');
    t.is(error!.message, message);
  });
}

test.serial('nnc build refuses a weights file whose source metadata is malformed, naming the file', async (t) => {
  const path = join(dir, 'bad.safetensors');
  const out = join(dir, 'imported');
  const { tensors } = readSafetensors(new Uint8Array(readFileSync(join(out, 'weights.safetensors'))), 'weights');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path, writeSafetensors(tensors, { metadata: { [SOURCE_DTYPES_KEY]: '{"hidden/kernel":{"dtype":"uint8","min":null,"scale":1}}' } }));
  const run = await nnc('build', join(out, 'model.nn'), '--weights', path, '--out', join(dir, 'bad-out'));
  t.is(run.code, 1);
  t.true(run.stderr.includes(`${path}: metadata 'nnc_source_dtypes' gives 'hidden/kernel' (uint8) no finite min and positive scale`), run.stderr);
});
