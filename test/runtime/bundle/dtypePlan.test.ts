// The dtype of each bundle tensor: --dtype for all, else the source's precision tensor by
// tensor. The sources are TensorFlow.js models written by tfjs-layers with tfjs's
// quantization manifest (test/fixtures/tfjs, generate.ts); tfjs-layers' own
// loadLayersModel on the same files is the reference for the predictions.

import test from 'ava';
import type { Quantization } from '../../../runtime/bundle/quantize.js';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importModel } from '../../../compiler/import/importModel.js';
import { optimizeModel } from '../../../src/driver/index.js';
import { formatDtypePlan, planDtypes } from '../../../runtime/bundle/dtypePlan.js';
import { loadBundle, readBundle } from '../../../runtime/bundle/node.js';
import { makeBundle, writeBundle } from '../../../runtime/bundle/write.js';
import { hostFloat32 } from '../../../src/ir/tensors.js';
import { nnc } from '../../helpers/cli.js';
import { tfjsFixtureFiles, tfjsLayersModel } from '../../helpers/tfjsFixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'nnc-dtype-plan-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));



function imported(dir: string) {
  const files = tfjsFixtureFiles(dir);
  const result = importModel(files, 'model.json');
  const optimized = optimizeModel({ graph: result.graph, weights: result.weights });
  return { files, result, optimized };
}

const KERNELS = 'conv/kernel, dense_seq/kernel, depthwise/depthwise_kernel, hidden/kernel, logits/kernel';

test('the importer records the dtype tfjs stored each weight in', (t) => {
  const { result } = imported('all-layers-uint8');
  t.is(result.sourceDtypes!.size, 16);
  t.deepEqual(new Set(result.sourceDtypes!.values()), new Set(['uint8']));
  t.is(result.sourceDtypes!.get('conv/kernel'), 'uint8');
  t.true(result.notes.includes('weights stored as uint8 (tfjs quantization), dequantized to float32; nnc build keeps that precision unless --dtype says otherwise'));
  t.deepEqual(new Set(imported('all-layers-uint16').result.sourceDtypes!.values()), new Set(['uint16']));
  t.deepEqual(new Set(imported('all-layers').result.sourceDtypes!.values()), new Set(['float32']));
});

test('a uint8 source builds uint8 by default: folded kernels per channel, vectors float16, each with its reason', (t) => {
  const { result, optimized } = imported('all-layers-uint8');
  const plan = planDtypes(optimized.weights, { sourceDtypes: result.sourceDtypes });
  t.deepEqual(formatDtypePlan(plan), [
    "  F16 (a vector: float16, finer than uint8; made by the optimizer, its layer's source uint8): 2 tensors: bn/offset, bn/scale",
    '  F16 (a vector: float16, finer than uint8; source uint8): 4 tensors: conv/bias, dense_seq/bias, hidden/bias, logits/bias',
    `  U8 per channel (source uint8): 5 tensors: ${KERNELS}`,
  ]);
  t.deepEqual(plan.get('conv/kernel'), { dtype: 'U8', axis: 3, reason: 'source uint8' });
  t.deepEqual(plan.get('depthwise/depthwise_kernel'), { dtype: 'U8', axis: 2, reason: 'source uint8' });
});

test('uint16 and float16 sources keep theirs; --dtype overrides the source; no source is float32', (t) => {
  const u16 = imported('all-layers-uint16');
  t.is(formatDtypePlan(planDtypes(u16.optimized.weights, { sourceDtypes: u16.result.sourceDtypes }))[2], `  U16 per channel (source uint16): 5 tensors: ${KERNELS}`);
  const f16 = imported('all-layers-float16');
  t.deepEqual(formatDtypePlan(planDtypes(f16.optimized.weights, { sourceDtypes: f16.result.sourceDtypes })), [
    "  F16 (made by the optimizer, its layer's source float16): 2 tensors: bn/offset, bn/scale",
    `  F16 (source float16): 9 tensors: conv/bias, ${KERNELS.replace('dense_seq/kernel', 'dense_seq/bias, dense_seq/kernel').replace('hidden/kernel', 'hidden/bias, hidden/kernel').replace('logits/kernel', 'logits/bias, logits/kernel')}`,
  ]);
  const u8 = imported('all-layers-uint8');
  t.deepEqual(formatDtypePlan(planDtypes(u8.optimized.weights, { sourceDtypes: u8.result.sourceDtypes, dtype: 'float32' })), [
    '  F32 (--dtype float32): 11 tensors: bn/offset, bn/scale, conv/bias, conv/kernel, dense_seq/bias, dense_seq/kernel, depthwise/depthwise_kernel, hidden/bias, hidden/kernel, logits/bias, logits/kernel',
  ]);
  t.deepEqual(planDtypes(u8.optimized.weights, { sourceDtypes: u8.result.sourceDtypes, dtype: 'uint16', quantization: 'per-tensor' }).get('hidden/kernel'), { dtype: 'U16', axis: null, reason: '--dtype uint16' });
  t.deepEqual(planDtypes(u8.optimized.weights).get('hidden/kernel'), { dtype: 'F32', reason: 'default float32' });
});

for (const [dir, dtype, tolerance] of [
  // Requantizing a folded kernel moves each weight by at most half a step of its channel (~2e-3 on weights in
  // [-0.5, 0.5)); through 5 layers to softmax outputs that measured 7.8e-4 (float16 vectors included): 5e-3 is six times that.
  ['all-layers-uint8', 'uint8', 5e-3],
  // 256 times finer steps: measured 2.3e-6.
  ['all-layers-uint16', 'uint16', 5e-5],
] as const) {
  test.serial(`${dir}: the bundle is ${dtype}, a quarter (half) of float32's kernel bytes, and predicts what tfjs-layers predicts from the source`, async (t) => {
    const { files, result, optimized } = imported(dir);
    const out = join(scratch, dir);
    writeBundle(out, await makeBundle(optimized.graph, optimized.weights, { sourceDtypes: result.sourceDtypes }));
    const { manifest, weights } = await readBundle(out);
    t.is(manifest.weights.dtype, dtype);
    const kernel = manifest.weights.tensors.find((x) => x.name === 'hidden/kernel')!;
    t.is(kernel.dtype, dtype === 'uint8' ? 'U8' : 'U16');
    t.is(kernel.offsets[1] - kernel.offsets[0], kernel.shape.reduce((a, b) => a * b, 1) * (dtype === 'uint8' ? 1 : 2));
    t.is((kernel.quantization as Quantization).scale.length, 16);
    // Every decoded value within half a step of its channel of the folded float kernel.
    const original = hostFloat32(optimized.weights.get('hidden/kernel')!);
    const decoded = weights.get('hidden/kernel')!.data;
    for (let i = 0; i < original.length; i++) {
      const step = (kernel.quantization as Quantization).scale[i % 16];
      if (Math.abs(decoded[i] - original[i]) > step / 2 + step * 2 ** -8) return t.fail(`hidden/kernel[${i}]: ${decoded[i]} against ${original[i]} (step ${step})`);
    }
    const model = await loadBundle(out, { backend: 'cpu' });
    const input = tf.randomUniform([4, 10, 10, 3], -1, 1, 'float32', 7);
    const theirs = (await tfjsLayersModel(files)).predict(input) as tf.Tensor;
    const ours = await model.predict(input);
    const diff = tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0];
    t.log(`max abs diff ${diff}`);
    t.true(diff > 0 && diff < tolerance, `max abs diff ${diff}`);
    model.dispose();
  });
}

test.serial('nnc build of a quantized TensorFlow.js model keeps its uint8 codes and says why, tensor by tensor; --dtype float32 overrides', async (t) => {
  const model = new URL('../../fixtures/tfjs/all-layers-uint8/model.json', import.meta.url).pathname;
  const kept = await nnc('build', model, '--out', join(scratch, 'cli-u8'));
  t.is(kept.code, 0, kept.stderr);
  t.true(kept.stdout.includes(`weights dtype, by tensor:\n  F16 (a vector: float16, finer than uint8; made by the optimizer, its layer's source uint8): 2 tensors: bn/offset, bn/scale\n  U8 source codes (a vector: the source's codes; source uint8): 3 tensors: conv/bias, dense_seq/bias, logits/bias\n  U8 source codes, a factor per channel (source uint8): 5 tensors: ${KERNELS}\n  F32 (computed at load from the folded BatchNormalization's source codes): 1 tensor: hidden/bias\n`), kept.stdout);
  t.regex(kept.stdout, /\(uint8 weights\)/);
  // --dtype uint8 on a uint8 source: the kernels keep the source's codes (requantizing them could only lose).
  const same = await nnc('build', model, '--out', join(scratch, 'cli-u8-asked'), '--dtype', 'uint8');
  t.is(same.code, 0, same.stderr);
  t.true(same.stdout.includes(`  U8 source codes, a factor per channel (--dtype uint8, the source's own): 5 tensors: ${KERNELS}\n`), same.stdout);
  const float = await nnc('build', model, '--out', join(scratch, 'cli-f32'), '--dtype', 'float32');
  t.is(float.code, 0, float.stderr);
  t.regex(float.stdout, /F32 \(--dtype float32\): 11 tensors/);
  t.is(JSON.parse(readFileSync(join(scratch, 'cli-f32', 'model.json'), 'utf8')).weights.dtype, 'float32');
});

test.serial('a source of mixed dtypes: each kernel its own, the manifest says mixed, and the loader decodes each', async (t) => {
  const { exampleGraph, randomizedWeights } = await import('../../helpers/models.js');
  const graph = exampleGraph('geron');
  const optimized = optimizeModel({ graph, weights: randomizedWeights(graph) });
  const sourceDtypes = new Map([['dense/kernel', 'uint8'], ['dense_1/kernel', 'float16'], ['dense_2/kernel', 'float32'], ['dense/bias', 'float32'], ['dense_1/bias', 'float16'], ['dense_2/bias', 'float32']] as const);
  const out = join(scratch, 'mixed');
  writeBundle(out, await makeBundle(optimized.graph, optimized.weights, { sourceDtypes }));
  const { manifest, weights } = await readBundle(out);
  t.is(manifest.weights.dtype, 'mixed');
  t.deepEqual(Object.fromEntries(manifest.weights.tensors.map((x) => [x.name, x.dtype])), { 'dense/bias': 'F32', 'dense/kernel': 'U8', 'dense_1/bias': 'F16', 'dense_1/kernel': 'F16', 'dense_2/bias': 'F32', 'dense_2/kernel': 'F32' });
  t.is(manifest.weights.tensors.find((x) => x.name === 'dense_1/kernel')!.offsets[1] - manifest.weights.tensors.find((x) => x.name === 'dense_1/kernel')!.offsets[0], 300 * 100 * 2);
  // float16 keeps 11 significant bits: each value within 2^-11 of itself (relative), and float32 ones exact.
  const f16 = hostFloat32(optimized.weights.get('dense_1/kernel')!);
  const back = weights.get('dense_1/kernel')!.data;
  t.true(f16.every((v, i) => Math.abs(back[i] - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25) && f16.some((v, i) => back[i] !== v));
  t.deepEqual([...weights.get('dense_2/kernel')!.data], [...hostFloat32(optimized.weights.get('dense_2/kernel')!)]);
});
