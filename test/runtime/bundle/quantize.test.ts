// uint8 bundles: affine quantization per output channel (or per tensor), dequantized at
// load, its parameters in the manifest and refused when they cannot be right.

import test from 'ava';
import type { Quantization } from '../../../runtime/bundle/quantize.js';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optimize } from '../../../compiler/passes/pipeline.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { loadBundle, readBundle } from '../../../runtime/bundle/node.js';
import { editedBundleError } from '../../helpers/bundles.js';
import { channelAxis, dequantize, quantize } from '../../../runtime/bundle/quantize.js';
import { makeBundle, writeBundle } from '../../../runtime/bundle/write.js';
import { exampleGraph, hostMaxAbsDiff, randomizedWeights } from '../../helpers/models.js';

const scratch = mkdtempSync(join(tmpdir(), 'nnc-quantize-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

const graph = exampleGraph('geron');
const optimized = optimize({ graph, weights: randomizedWeights(graph) });
const good = join(scratch, 'uint8');
const float = join(scratch, 'float32');

test.before(async () => {
  await initNodeBackend('wasm');
  writeBundle(good, await makeBundle(optimized.graph, optimized.weights!, { dtype: 'uint8' }));
  writeBundle(float, await makeBundle(optimized.graph, optimized.weights!));
});

test('codes and parameters of a small kernel, by hand', (t) => {
  // Scales are rounded up to 4 significant digits: 2/255 = 0.0078431… → s = 0.007844.
  // Channel 0 holds −1 and 1: zero point round(1 / s) = round(127.486) = 127;
  // −1 → round(−127.486) + 127 = 0, 1 → 127 + 127 = 254.
  // Channel 1 holds 0.5 and 2, widened to [0, 2]: zero point 0; 0.5 → round(63.743) = 64, 2 → round(254.972) = 255.
  const s = 0.007844;
  const { bytes, quantization } = quantize({ shape: [2, 2], data: new Float32Array([-1, 0.5, 1, 2]) }, 1, 'U8');
  t.deepEqual(quantization, { axis: 1, scale: [s, s], zeroPoint: [127, 0] });
  t.deepEqual([...bytes], [0, 64, 254, 255]);
  const back = dequantize(bytes, 'U8', [2, 2], quantization);
  t.deepEqual([...back], [Math.fround(s * -127), Math.fround(s * 64), Math.fround(s * 127), Math.fround(s * 255)]);
  // Per tensor: one range [−1, 2] for all four values: 3/255 = 0.0117647… → 0.01177, zero point round(84.96) = 85.
  const perTensor = quantize({ shape: [2, 2], data: new Float32Array([-1, 0.5, 1, 2]) }, null, 'U8').quantization;
  t.deepEqual(perTensor, { axis: null, scale: [0.01177], zeroPoint: [85] });
  t.is(channelAxis('dense/kernel', [784, 300]), 1);
  t.is(channelAxis('conv2d/kernel', [3, 3, 8, 16]), 3);
  t.is(channelAxis('depthwise_conv2d/depthwise_kernel', [3, 3, 8, 1]), 2);
  t.is(channelAxis('dense/bias', [300]), null);
});

test('uint16 codes and parameters of a small kernel, by hand', (t) => {
  // Channel 0 holds −1 and 3: s0 = 4/65535 = 6.10360…e-5 rounded up to 6.104e-5; zero point round(1/s0) =
  // round(16382.70) = 16383; −1 → round(−16382.70) + 16383 = 0; 3 → round(49148.10) + 16383 = 65531.
  // Channel 1 holds 0.5 and 2, widened to [0, 2]: s1 = 2/65535 → 3.052e-5, zero point 0;
  // 0.5 → round(16382.70) = 16383; 2 → round(65530.80) = 65531. Codes little-endian, two bytes each.
  const { bytes, quantization } = quantize({ shape: [2, 2], data: new Float32Array([-1, 0.5, 3, 2]) }, 1, 'U16');
  t.deepEqual(quantization, { axis: 1, scale: [6.104e-5, 3.052e-5], zeroPoint: [16383, 0] });
  t.deepEqual([...bytes], [0, 0, 0xff, 0x3f, 0xfb, 0xff, 0xfb, 0xff]);
  // Back: fround(s · (q − z)), computed with numpy's float32.
  t.deepEqual([...dequantize(bytes, 'U16', [2, 2], quantization)], [-1.0000183582305908, 0.5000091791152954, 2.9999938011169434, 2.0000061988830566]);
  // A Conv2D kernel [kh, kw, in, filters] = [1, 2, 1, 2]: the channel is the flat index mod 2.
  const conv = quantize({ shape: [1, 2, 1, 2], data: new Float32Array([-1, 0.5, 3, 2]) }, 3, 'U16');
  t.deepEqual(conv.quantization.zeroPoint, [16383, 0]);
});

test('every value comes back within half a step of its channel, and zero exactly (property)', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 30, maxLength: 30 }),
      fc.boolean(),
      (rows, cols, pool, perTensor) => {
        const data = Float32Array.from({ length: rows * cols }, (_, i) => (i % 7 === 3 ? 0 : pool[i % pool.length]));
        const { bytes, quantization } = quantize({ shape: [rows, cols], data }, perTensor ? null : 1, 'U8');
        const back = dequantize(bytes, 'U8', [rows, cols], quantization);
        for (let i = 0; i < data.length; i++) {
          const scale = quantization.scale[perTensor ? 0 : i % cols];
          if (!(scale > 0)) return false;
          // Half a step, plus float32 rounding of the product (relative 2^-24 of a value ≤ 255 steps).
          if (Math.abs(back[i] - data[i]) > scale / 2 + scale * 255 * 2 ** -23) return false;
          if (data[i] === 0 && back[i] !== 0) return false;
        }
        return true;
      },
    ),
  );
  t.pass();
});

test.serial('a uint8 bundle: kernels a quarter of their float32 bytes, biases float32, and it predicts what float32 predicts within its steps', async (t) => {
  const { manifest, weights } = await readBundle(good);
  t.is(manifest.weights.dtype, 'uint8');
  const kernel = manifest.weights.tensors.find((x) => x.name === 'dense/kernel')!;
  t.is(kernel.dtype, 'U8');
  t.is(kernel.offsets[1] - kernel.offsets[0], 784 * 300);
  t.is((kernel.quantization as Quantization).axis, 1);
  t.is((kernel.quantization as Quantization).scale.length, 300);
  t.is(manifest.weights.tensors.find((x) => x.name === 'dense/bias')!.dtype, 'F32');
  const original = optimized.weights!.get('dense/kernel')!;
  const decoded = weights.get('dense/kernel')!.data;
  const reference = Float32Array.from(original.toFloat32 ? original.toFloat32() : original.data);
  for (let i = 0; i < reference.length; i++) {
    const scale = (kernel.quantization as Quantization).scale[i % 300];
    if (Math.abs(decoded[i] - reference[i]) > scale / 2 + scale * 255 * 2 ** -23) return t.fail(`dense/kernel[${i}]: ${decoded[i]} against ${reference[i]} (step ${scale})`);
  }
  const x = Float32Array.from({ length: 4 * 784 }, (_, i) => Math.cos(i) * 0.5 + 0.5);
  const [m8, m32] = [await loadBundle(good), await loadBundle(float)];
  const y8 = await m8.predict(x);
  const y32 = await m32.predict(x);
  // Softmax outputs; 0.05: half a step on each of 784 + 300 + 100 weights feeding an output, on random weights.
  const diff = hostMaxAbsDiff(y8, y32);
  t.true(diff > 0 && diff < 0.05, `max abs diff ${diff}`);
  m8.dispose();
  m32.dispose();
});

test.serial('per tensor: one scale and zero point per kernel', async (t) => {
  const files = await makeBundle(optimized.graph, optimized.weights!, { dtype: 'uint8', quantization: 'per-tensor' });
  const kernel = files.manifest.weights.tensors.find((x) => x.name === 'dense/kernel')!;
  t.is((kernel.quantization as Quantization).axis, null);
  t.is((kernel.quantization as Quantization).scale.length, 1);
  t.is((kernel.quantization as Quantization).zeroPoint.length, 1);
});

const editKernel = (change: (q: Record<string, any>, entry: Record<string, any>) => void, name = 'dense/kernel') => (dir: string) => {
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const entry = json.weights.tensors.find((x: { name: string }) => x.name === name);
  change(entry.quantization, entry);
  writeFileSync(path, JSON.stringify(json));
};

const refused: [string, (dir: string) => void, string][] = [
  ['a zero scale', editKernel((q) => (q.scale[7] = 0)), "tensor 'dense/kernel' (U8) quantization scale 0 at channel 7 is not a positive finite number"],
  ['a negative scale', editKernel((q) => (q.scale[0] = -0.01)), "tensor 'dense/kernel' (U8) quantization scale -0.01 at channel 0 is not a positive finite number"],
  ['an infinite scale', (dir) => {
    const path = join(dir, 'model.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/("scale": \[\s*)[0-9.e-]+/, '$11e999'));
  }, "tensor 'dense/kernel' (U8) quantization scale Infinity at channel 0 is not a positive finite number"],
  ['a NaN scale (null in JSON)', editKernel((q) => (q.scale[2] = null)), "tensor 'dense/kernel' (U8) quantization scale null at channel 2 is not a positive finite number"],
  ['a scale missing', editKernel((q) => q.scale.pop()), "tensor 'dense/kernel' (U8) needs 300 quantization scales, found 299"],
  ['a zero point out of range', editKernel((q) => (q.zeroPoint[3] = 256)), "tensor 'dense/kernel' (U8) zero point 256 at channel 3 is not an integer in [0, 255]"],
  ['a fractional zero point', editKernel((q) => (q.zeroPoint[3] = 1.5)), "tensor 'dense/kernel' (U8) zero point 1.5 at channel 3 is not an integer in [0, 255]"],
  ['an axis beyond the shape', editKernel((q) => (q.axis = 2)), "tensor 'dense/kernel' (U8) quantization axis 2 is not null or an axis of its shape [784, 300]"],
  ['no parameters', editKernel((_q, entry) => delete entry.quantization), "tensor 'dense/kernel' (U8) has no quantization parameters"],
  ['parameters on a float tensor', (dir) => {
    const path = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.weights.tensors.find((x: { name: string }) => x.name === 'dense/bias').quantization = { axis: null, scale: [1], zeroPoint: [0] };
    writeFileSync(path, JSON.stringify(json));
  }, "tensor 'dense/bias' is F32 but has quantization parameters"],
];

// uint16: the same checks with its own range; dense_1/kernel is [300, 100].
const refused16: [string, (dir: string) => void, string][] = [
  ['a zero scale', editKernel((q) => (q.scale[99] = 0), 'dense_1/kernel'), "tensor 'dense_1/kernel' (U16) quantization scale 0 at channel 99 is not a positive finite number"],
  ['a NaN scale (null in JSON)', editKernel((q) => (q.scale[0] = null), 'dense_1/kernel'), "tensor 'dense_1/kernel' (U16) quantization scale null at channel 0 is not a positive finite number"],
  ['a string scale', editKernel((q) => (q.scale[1] = '0.5'), 'dense_1/kernel'), 'tensor \'dense_1/kernel\' (U16) quantization scale "0.5" at channel 1 is not a positive finite number'],
  ['a zero point too many', editKernel((q) => q.zeroPoint.push(0), 'dense_1/kernel'), "tensor 'dense_1/kernel' (U16) needs 100 zero points, found 101"],
  ['one scale for a per-channel axis', editKernel((q) => (q.scale = [1]), 'dense_1/kernel'), "tensor 'dense_1/kernel' (U16) needs 100 quantization scales, found 1"],
  ['a zero point beyond 65535', editKernel((q) => (q.zeroPoint[5] = 65536), 'dense_1/kernel'), "tensor 'dense_1/kernel' (U16) zero point 65536 at channel 5 is not an integer in [0, 65535]"],
];

const good16 = join(scratch, 'uint16');
test.serial('a uint16 bundle: kernels half their float32 bytes, decoded within half a step per channel', async (t) => {
  writeBundle(good16, await makeBundle(optimized.graph, optimized.weights!, { dtype: 'uint16' }));
  const { manifest, weights } = await readBundle(good16);
  t.is(manifest.weights.dtype, 'uint16');
  const kernel = manifest.weights.tensors.find((x) => x.name === 'dense_1/kernel')!;
  t.is(kernel.dtype, 'U16');
  t.is(kernel.offsets[1] - kernel.offsets[0], 300 * 100 * 2);
  t.is((kernel.quantization as Quantization).scale.length, 100);
  const original = optimized.weights!.get('dense_1/kernel')!;
  const reference = Float32Array.from(original.toFloat32 ? original.toFloat32() : original.data);
  const decoded = weights.get('dense_1/kernel')!.data;
  for (let i = 0; i < reference.length; i++) {
    const scale = (kernel.quantization as Quantization).scale[i % 100];
    if (Math.abs(decoded[i] - reference[i]) > scale / 2 + scale * 65535 * 2 ** -23) return t.fail(`dense_1/kernel[${i}]: ${decoded[i]} against ${reference[i]} (step ${scale})`);
  }
  t.pass();
});

for (const [name, edit, message, source] of [...refused.map((r) => [...r, good] as const), ...refused16.map(([n, e, m]) => [`${n} (uint16)`, e, m, good16] as const)]) {
  test.serial(`the loader refuses ${name}`, async (t) => {
    const dir = join(scratch, name.replace(/\W+/g, '-'));
    t.is(await editedBundleError(t, source, dir, edit), `${join(dir, 'model.json')}: ${message}`);
  });
}
