// A quantized source's codes kept through BatchNormalization folding (sourceCodes.ts):
// the bundle's codes are the source shard's bytes, its ranges the source manifest's,
// and the decoded weights are the folded ones within float rounding. References: the
// tfjs shard and model.json as tfjs-layers wrote them (test/fixtures/tfjs, and the real
// NSFWJS MobileNetV2 of test/fixtures/tfjs-real), and tfjs-layers' loadLayersModel on them.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { importModel } from '../../../compiler/import/importModel.js';
import { FoldedKernel } from '../../../compiler/passes/foldedKernel.js';
import { optimizeModel } from '../../../src/driver/index.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { planDtypes, formatDtypePlan } from '../../../runtime/bundle/dtypePlan.js';
import { bundleFiles } from '../../../runtime/bundle/files.js';
import { loadBundle, readBundle } from '../../../runtime/bundle/node.js';
import { hashedText, openWeights, parseModelJson } from '../../../runtime/bundle/manifest.js';
import { createLoadedModel } from '../../../runtime/bundle/loadedModel.js';
import type { Quantization, SourceCodes } from '../../../runtime/bundle/quantize.js';
import { sourceCodes } from '../../../runtime/bundle/sourceCodes.js';
import { makeBundle, writeBundle } from '../../../runtime/bundle/write.js';
import { tfjsFixtureFiles, tfjsLayersModel } from '../../helpers/tfjsFixtures.js';
import { editedBundleError } from '../../helpers/bundles.js';

const scratch = mkdtempSync(join(tmpdir(), 'nnc-source-codes-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));
test.before(async () => {
  await initNodeBackend('cpu');
});

type TfjsEntry = { name: string; shape: number[]; dtype: string; quantization?: { dtype: string; min: number; scale: number } };

/** Each tfjs weight's bytes in the shards, and its manifest entry (uint8: one byte a value, float32 four). */
function sourceBytes(files: Map<string, Uint8Array>): Map<string, { bytes: Uint8Array; entry: TfjsEntry }> {
  const json = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  const out = new Map<string, { bytes: Uint8Array; entry: TfjsEntry }>();
  for (const group of json.weightsManifest as { paths: string[]; weights: TfjsEntry[] }[]) {
    const data = Buffer.concat(group.paths.map((p) => files.get(p)!));
    let offset = 0;
    for (const entry of group.weights) {
      const size = entry.shape.reduce((a, b) => a * b, 1) * (({ uint8: 1, uint16: 2, float16: 2 } as Record<string, number>)[entry.quantization?.dtype ?? ''] ?? 4);
      out.set(entry.name, { bytes: new Uint8Array(data.subarray(offset, offset + size)), entry });
      offset += size;
    }
  }
  return out;
}

function imported(files: Map<string, Uint8Array>) {
  const result = importModel(files, 'model.json');
  return { result, optimized: optimizeModel({ graph: result.graph, weights: result.weights }) };
}

const small = tfjsFixtureFiles('all-layers-uint8');
const KERNELS = ['conv/kernel', 'dense_seq/kernel', 'depthwise/depthwise_kernel', 'hidden/kernel', 'logits/kernel'];

test.serial('every kernel keeps the source shard\'s codes and range; a folded one gets one factor per output channel', async (t) => {
  const { result, optimized } = imported(small);
  const files = await bundleFiles(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: result.sourceQuantization });
  const source = sourceBytes(small);
  const { manifest } = parseModelJson(files.modelJson);
  const dataOffset = 8 + Number(new DataView(files.weights.buffer).getBigUint64(0, true));
  for (const name of KERNELS) {
    const entry = manifest.weights.tensors.find((x) => x.name === name)!;
    const q = entry.quantization as SourceCodes;
    const { bytes, entry: tfjs } = source.get(name)!;
    t.is(entry.dtype, 'U8', name);
    t.is(q.min, tfjs.quantization!.min, name);
    t.is(q.scale, tfjs.quantization!.scale, name);
    t.deepEqual(files.weights.subarray(dataOffset + entry.offsets[0], dataOffset + entry.offsets[1]), bytes, name);
  }
  // bn_dense (after hidden, center=false: β = 0) folded into hidden (W' = W·s, b' = β − (μ − b)·s): its three vectors and hidden's own bias are
  // the shard's codes too, and the loader computes hidden's 16 factors and its bias from them; the others kept their values
  // (conv's BN became an Affine).
  const hidden = manifest.weights.tensors.find((x) => x.name === 'hidden/kernel')!;
  t.deepEqual(hidden.quantization, { axis: 1, min: -0.4993206560611725, scale: 0.0039183336145737595, factors: 'hidden/kernel:factors' });
  t.deepEqual(manifest.weights.batchNorms, [
    { factors: 'hidden/kernel:factors', bias: 'hidden/bias', gamma: 'bn_dense/gamma', beta: null, movingMean: 'bn_dense/moving_mean', movingVariance: 'bn_dense/moving_variance', epsilon: 0.001, kernelBias: 'hidden/bias:before' },
  ]);
  t.false(manifest.weights.tensors.some((x) => x.name === 'hidden/kernel:factors' || x.name === 'hidden/bias'));
  for (const [name, tfjsName] of [['bn_dense/gamma', 'bn_dense/gamma'], ['bn_dense/moving_mean', 'bn_dense/moving_mean'], ['bn_dense/moving_variance', 'bn_dense/moving_variance'], ['hidden/bias:before', 'hidden/bias'], ['logits/bias', 'logits/bias']]) {
    const entry = manifest.weights.tensors.find((x) => x.name === name)!;
    const { bytes, entry: tfjs } = source.get(tfjsName)!;
    t.deepEqual(entry.quantization, { axis: null, min: tfjs.quantization!.min, scale: tfjs.quantization!.scale }, name);
    t.deepEqual(files.weights.subarray(dataOffset + entry.offsets[0], dataOffset + entry.offsets[1]), bytes, name);
  }
  t.deepEqual(manifest.weights.tensors.find((x) => x.name === 'logits/kernel')!.quantization, { axis: null, min: -0.4703546166419983, scale: 0.0037341369133369593 });
  const report = formatDtypePlan(files.plan);
  t.true(report.includes(`  U8 source codes, a factor per channel (source uint8): 5 tensors: ${KERNELS.join(', ')}`), report.join('\n'));
  t.true(report.includes('  U8 source codes (a vector: the source\'s codes; source uint8): 3 tensors: conv/bias, dense_seq/bias, logits/bias'), report.join('\n'));
  t.true(report.includes("  F32 (computed at load from the folded BatchNormalization's source codes): 1 tensor: hidden/bias"), report.join('\n'));
});

test.serial('a uint16 source keeps its two-byte codes (little-endian, as the shard holds them)', async (t) => {
  const files16 = tfjsFixtureFiles('all-layers-uint16');
  const { result, optimized } = imported(files16);
  const files = await bundleFiles(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: result.sourceQuantization });
  const source = sourceBytes(files16);
  const dataOffset = 8 + Number(new DataView(files.weights.buffer).getBigUint64(0, true));
  for (const name of KERNELS) {
    const entry = files.manifest.weights.tensors.find((x) => x.name === name)!;
    t.is(entry.dtype, 'U16', name);
    t.deepEqual(files.weights.subarray(dataOffset + entry.offsets[0], dataOffset + entry.offsets[1]), source.get(name)!.bytes, name);
  }
  t.true(formatDtypePlan(files.plan).includes(`  U16 source codes, a factor per channel (source uint16): 5 tensors: ${KERNELS.join(', ')}`));
});

test.serial('decoded, the source codes are the folded kernels within float32 rounding, and the bundle predicts what tfjs-layers predicts', async (t) => {
  const { result, optimized } = imported(small);
  const plan = new Map(planDtypes(optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: result.sourceQuantization }));
  // Vectors float32 here, so that every difference left is the codes' and factors' (float16 vectors are measured below).
  for (const [key, choice] of plan) if (choice.dtype === 'F16' || (choice.source && choice.axis === null)) plan.set(key, { dtype: 'F32', reason: 'test: float32 vectors' });
  const files = await bundleFiles(optimized.graph, optimized.weights, { plan, sourceQuantization: result.sourceQuantization });
  const { manifest, graph } = parseModelJson(files.modelJson);
  const weights = await openWeights(manifest, graph, files.weights, 'weights');
  // hidden's bias, computed at load from bn_dense's codes and hidden's own: the folded one, bit for bit.
  t.is(manifest.weights.batchNorms!.length, 1);
  t.deepEqual(weights.get('hidden/bias')!.data, Float32Array.from(optimized.weights.get('hidden/bias')!.data));
  for (const name of KERNELS) {
    const folded = optimized.weights.get(name)!;
    const reference = folded.toFloat32 ? folded.toFloat32() : Float32Array.from(folded.data);
    const decoded = weights.get(name)!.data;
    const worst = reference.reduce((m, v, i) => Math.max(m, Math.abs(decoded[i] - v) / Math.max(Math.abs(v), 2 ** -20)), 0);
    t.true(worst <= 2 ** -22, `${name}: relative difference ${worst}`);
  }
  t.false(weights.has('hidden/kernel:factors'));
  const input = tf.randomUniform([4, 10, 10, 3], -1, 1, 'float32', 7);
  const theirs = (await tfjsLayersModel(small)).predict(input) as tf.Tensor;
  const model = createLoadedModel(graph, weights, 'cpu', manifest);
  const diff = tf.max(tf.abs(tf.sub(await model.predict(input), theirs))).dataSync()[0];
  t.log(`max abs diff ${diff}`);
  // Softmax outputs; float32 rounding of different summation orders.
  t.true(diff < 1e-6, `max abs diff ${diff}`);
  model.dispose();
});

test('a kernel whose values are not its source range\'s codes, or a fold along its inputs, is requantized, and the report says why', async (t) => {
  const kernel = { shape: [2, 2], data: new Float32Array([0, 0.5, 1, 0.25]) };
  const range = { dtype: 'uint8', min: 0, scale: 0.25 } as const;
  t.deepEqual(sourceCodes(kernel, 1, { ...range, scale: 0.3 }), { problem: 'its source values are not uint8 codes of its range (element 1: 0.5)' });
  // A factor per input row (stride 2, the units): not an output channel's.
  const alongInputs = FoldedKernel.scale(kernel, { values: new Float64Array([2, 3]), stride: 2 });
  t.deepEqual(sourceCodes(alongInputs, 1, range), { problem: 'a fold scaled it along another axis than its output channels' });
  // A folded kernel whose values are not its source times its factors: the decoded check refuses it.
  const inconsistent = Object.assign(FoldedKernel.scale(kernel, { values: new Float64Array([2, 3]), stride: 1 }), { toFloat32: () => new Float32Array([0, 1.5, 2, 0.76]) });
  t.deepEqual(sourceCodes(inconsistent, 1, range), { problem: 'decoded, the source codes differ from the folded kernel at element 3 (0.75 for 0.7599999904632568), more than float rounding' });
  const ok = sourceCodes(FoldedKernel.scale(kernel, { values: new Float64Array([2, 3]), stride: 1 }), 1, range);
  t.deepEqual(ok, { bytes: new Uint8Array([0, 2, 4, 1]), quantization: { axis: 1, min: 0, scale: 0.25 }, factors: new Float32Array([2, 3]) });

  const { result, optimized } = imported(small);
  const wrong = new Map(result.sourceQuantization);
  wrong.set('hidden/kernel', { ...wrong.get('hidden/kernel')!, scale: 0.005 });
  const files = await bundleFiles(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: wrong });
  const first = result.weights.get('hidden/kernel')!.data[0];
  t.deepEqual(files.plan.get('hidden/kernel'), { dtype: 'U8', axis: 1, reason: `source uint8; requantized: its source values are not uint8 codes of its range (element 0: ${first})` });
  t.is((files.manifest.weights.tensors.find((x) => x.name === 'hidden/kernel')!.quantization as Quantization).scale.length, 16);
});

const good = join(scratch, 'small');
const editHidden = (change: (q: Record<string, unknown>) => void) => (dir: string) => {
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  change(json.weights.tensors.find((x: { name: string }) => x.name === 'hidden/kernel').quantization);
  writeFileSync(path, JSON.stringify(json));
};

const refused: [string, (dir: string) => void, string][] = [
  ['a null min', editHidden((q) => (q.min = null)), "tensor 'hidden/kernel' (U8) quantization min null is not a finite number"],
  ['a zero scale', editHidden((q) => (q.scale = 0)), "tensor 'hidden/kernel' (U8) quantization scale 0 is not a positive finite number"],
  ['a negative scale', editHidden((q) => (q.scale = -1)), "tensor 'hidden/kernel' (U8) quantization scale -1 is not a positive finite number"],
  ['factors naming no tensor', editHidden((q) => (q.factors = 'nope')), 'tensor \'hidden/kernel\' (U8) quantization factors "nope" name no F32 or F16 tensor of shape [16] of its own in the manifest'],
  ['factors naming a tensor of the wrong length', editHidden((q) => (q.factors = 'logits/bias')), 'tensor \'hidden/kernel\' (U8) quantization factors "logits/bias" name no F32 or F16 tensor of shape [16] of its own in the manifest'],
  ['factors that are not a name', editHidden((q) => (q.factors = 3)), "tensor 'hidden/kernel' (U8) quantization factors 3 is not a tensor name"],
  ['factors without an axis', editHidden((q) => (q.axis = null)), 'tensor \'hidden/kernel\' (U8) quantization factors need an axis, found null'],
  ['an axis without factors', editHidden((q) => delete q.factors), "tensor 'hidden/kernel' (U8) quantization axis 1 has no factors"],
];

const editBatchNorm = (change: (e: Record<string, unknown>, json: { weights: Record<string, unknown> }) => void) => (dir: string) => {
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  change(json.weights.batchNorms[0], json);
  writeFileSync(path, JSON.stringify(json));
};
const computing = "the BatchNormalization computing 'hidden/bias'";
refused.push(
  ['a zero epsilon', editBatchNorm((e) => (e.epsilon = 0)), `${computing}: epsilon 0 is not a positive finite number`],
  ['a null epsilon', editBatchNorm((e) => (e.epsilon = null)), `${computing}: epsilon null is not a positive finite number`],
  ['a gamma naming no tensor', editBatchNorm((e) => (e.gamma = 'nope')), `${computing}: its gamma "nope" names no vector of the manifest of its own of shape [16]`],
  ['a mean of the wrong length', editBatchNorm((e) => (e.movingMean = 'logits/bias')), `${computing}: its movingMean "logits/bias" names no vector of the manifest of its own of shape [16]`],
  ['a mean that is the gamma', editBatchNorm((e) => (e.movingMean = e.gamma)), `${computing}: its movingMean "bn_dense/gamma" names no vector of the manifest of its own of shape [16]`],
  ['a kernel bias naming no tensor', editBatchNorm((e) => (e.kernelBias = 'hidden/bias')), `${computing}: its kernelBias "hidden/bias" names no vector of the manifest of its own of shape [16]`],
  ['a computed bias that is a stored tensor', editBatchNorm((e) => (e.bias = 'logits/bias')), "the BatchNormalization computing 'logits/bias': it computes 'logits/bias', a name already taken"],
  ['a malformed entry', editBatchNorm((e) => (e.factors = 3)), 'weights batchNorms entry 0 is malformed (factors, bias, movingMean, movingVariance: names; gamma, beta: names or null; kernelBias: a name if any)'],
  ['batchNorms that are not a list', editBatchNorm((_, json) => (json.weights.batchNorms = {})), 'weights batchNorms is not a list'],
  ['computed factors no kernel names', editBatchNorm((e) => (e.factors = 'other')), 'tensor \'hidden/kernel\' (U8) quantization factors "hidden/kernel:factors" name no F32 or F16 tensor of shape [16] of its own in the manifest'],
);

for (const [name, edit, message] of refused) {
  test.serial(`the loader refuses ${name}`, async (t) => {
    if (readdirSync(scratch).every((f) => f !== 'small')) {
      const { result, optimized } = imported(small);
      writeBundle(good, await makeBundle(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: result.sourceQuantization }));
    }
    const dir = join(scratch, name.replace(/\W+/g, '-'));
    t.is(await editedBundleError(t, good, dir, edit), `${join(dir, 'model.json')}: ${message}`);
  });
}

test.serial('the loader refuses a moving variance + epsilon that is not positive (the manifest re-hashed, as an editor could)', async (t) => {
  const dir = join(scratch, 'negative-variance');
  cpSync(good, dir, { recursive: true });
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const variance = json.weights.tensors.find((x: { name: string }) => x.name === 'bn_dense/moving_variance');
  variance.quantization.min = -10;
  json.contentHash = createHash('sha256').update(hashedText(json)).digest('hex');
  writeFileSync(path, JSON.stringify(json));
  // Channel 0's variance as the loader decodes it, from the shard's code: fround(q · scale − 10).
  const q = sourceBytes(small).get('bn_dense/moving_variance')!.bytes[0];
  const spread = Math.fround(q * variance.quantization.scale - 10) + 0.001;
  const error = await t.throwsAsync(readBundle(dir));
  t.is(error!.name, 'NncError');
  t.is(error!.message, `${join(dir, 'weights.safetensors')}: the BatchNormalization computing 'hidden/bias': moving variance + epsilon is ${spread} at channel 0, not positive`);
});

let mobile: Promise<{ files: Map<string, Uint8Array>; imported: ReturnType<typeof imported> }> | undefined;
const mobilenet = () =>
  (mobile ??= (async () => {
    const dir = new URL('../../fixtures/tfjs-real/nsfwjs-mobilenet-v2/', import.meta.url);
    const files = new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(new URL(f, dir)))]));
    return { files, imported: imported(files) };
  })());

test.serial('the real MobileNetV2 (NSFWJS, uint8 per tensor): every tensor is the shard\'s bytes, the 52 folded BNs\' factors and biases are computed at load, the weights gzip smaller than the shard, and the bundle predicts what tfjs-layers predicts', async (t) => {
  const { files, imported: { result, optimized } } = await mobilenet();
  const source = sourceBytes(files);
  const built = await bundleFiles(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: result.sourceQuantization });
  const { manifest, graph } = parseModelJson(built.modelJson);
  const dataOffset = 8 + Number(new DataView(built.weights.buffer).getBigUint64(0, true));
  // The bundle stores exactly the source's 266 tensors (55 kernels, 52 × 4 BN vectors, 3 dense biases), each the shard's bytes and range.
  t.is(source.size, 266);
  t.is(manifest.weights.tensors.length, 266);
  for (const [name, { bytes, entry: tfjs }] of source) {
    const entry = manifest.weights.tensors.find((x) => x.name === name)!;
    t.is(entry?.dtype, 'U8', name);
    const q = entry.quantization as SourceCodes;
    t.deepEqual([q.min, q.scale], [tfjs.quantization!.min, tfjs.quantization!.scale], name);
    t.deepEqual(built.weights.subarray(dataOffset + entry.offsets[0], dataOffset + entry.offsets[1]), bytes, name);
  }
  const batchNorms = manifest.weights.batchNorms!;
  t.is(batchNorms.length, 52);
  t.deepEqual(batchNorms.find((e) => e.bias === 'Conv1/bias'), { factors: 'Conv1/kernel:factors', bias: 'Conv1/bias', gamma: 'bn_Conv1/gamma', beta: 'bn_Conv1/beta', movingMean: 'bn_Conv1/moving_mean', movingVariance: 'bn_Conv1/moving_variance', epsilon: 0.001 });
  // The download: gzip -9 (Node's zlib) of the weights file against the source's shard.
  const ours = gzipSync(built.weights, { level: 9 }).length;
  const theirsGz = gzipSync(files.get('group1-shard1of1')!, { level: 9 }).length;
  t.log(`weights gzip -9: bundle ${ours} B, source shard ${theirsGz} B`);
  t.true(ours <= theirsGz, `bundle ${ours} > shard ${theirsGz}`);
  // Outputs (5 softmax classes) on 2 images against tfjs-layers' loadLayersModel of the source.
  const input = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 11);
  const theirs = (await tfjsLayersModel(files)).predict(input) as tf.Tensor;
  const model = createLoadedModel(graph, await openWeights(manifest, graph, built.weights, 'weights'), 'cpu', manifest);
  const diff = tf.max(tf.abs(tf.sub(await model.predict(input), theirs))).dataSync()[0];
  model.dispose();
  t.log(`max abs diff to tfjs-layers: ${diff}`);
  // Measured 9.5e-7 (4 images): float32 rounding of the folded products only.
  t.true(diff < 5e-6, `max abs diff ${diff}`);
});

test.serial('a folded BN the source did not quantize keeps today\'s float factors and bias, and the report says why', async (t) => {
  const { imported: { result, optimized } } = await mobilenet();
  const ranges = new Map(result.sourceQuantization);
  ranges.delete('bn_Conv1/moving_variance');
  const built = await bundleFiles(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: ranges });
  t.is(built.manifest.weights.batchNorms!.length, 51);
  t.false(built.manifest.weights.batchNorms!.some((e) => e.bias === 'Conv1/bias'));
  t.deepEqual(built.manifest.weights.tensors.find((x) => x.name === 'Conv1/kernel:factors')?.shape, [32]);
  t.is(built.manifest.weights.tensors.find((x) => x.name === 'Conv1/bias')?.dtype, 'F16');
  t.false(built.manifest.weights.tensors.some((x) => x.name.startsWith('bn_Conv1/')));
  t.is(built.plan.get('Conv1/bias')!.reason.split('; ').at(-1), "not computed from the BN's codes: 'bn_Conv1/moving_variance' was not quantized in the source");
  // A second fold into the same kernel (here a scalar factor after the BN's): the kernel's factors are no longer the BN's alone.
  const twice = new Map(optimized.weights);
  twice.set('Conv1/kernel', FoldedKernel.scale(optimized.weights.get('Conv1/kernel')!, { values: 2, stride: 1 }));
  const again = await bundleFiles(optimized.graph, twice, { sourceDtypes: result.sourceDtypes, sourceQuantization: result.sourceQuantization });
  t.is(again.manifest.weights.batchNorms!.length, 51);
  t.is(again.plan.get('Conv1/bias')!.reason.split('; ').at(-1), "not computed from 'bn_Conv1''s codes: other folds scaled its kernel too");
  t.deepEqual(again.manifest.weights.tensors.find((x) => x.name === 'Conv1/kernel:factors')?.shape, [32]);
});

test.serial('loadBundle reads a source-codes bundle written to disk', async (t) => {
  const { result, optimized } = imported(small);
  const dir = join(scratch, 'disk');
  writeBundle(dir, await makeBundle(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes, sourceQuantization: result.sourceQuantization }));
  const model = await loadBundle(dir, { backend: 'cpu' });
  const input = tf.randomUniform([2, 10, 10, 3], -1, 1, 'float32', 3);
  const theirs = (await tfjsLayersModel(small)).predict(input) as tf.Tensor;
  const diff = tf.max(tf.abs(tf.sub(await model.predict(input), theirs))).dataSync()[0];
  t.log(`max abs diff ${diff}`);
  // The Affine's two vectors (the optimizer made them from conv's BN) are float16, the default for a uint8 source; the other vectors are codes or computed.
  t.true(diff > 0 && diff < 1e-3, `max abs diff ${diff}`);
  model.dispose();
});
