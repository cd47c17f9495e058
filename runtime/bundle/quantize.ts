// Affine weight quantization for bundles (`--dtype uint8`, `uint16`, or a quantized source:
// dtypePlan.ts). Platform-neutral.
//
//   q = clamp(round(x / scale) + zeroPoint, 0, 2^bits − 1)      x ≈ scale · (q − zeroPoint)
//   (bits = 8 for U8, 16 for U16)
//   scale = (max − min) / (2^bits − 1) rounded up to 4 significant digits (short in the
//           manifest's JSON), with the range [min, max] widened to hold 0,
//   zeroPoint = round(−min / scale), so that 0 is exactly representable.
//
// Per output channel (one scale and zero point per index of `axis`, the kernel's last
// axis: Dense [in, units], Conv2D [kh, kw, in, filters]; DepthwiseConv2D's channel axis
// 2) or per tensor (`axis: null`, one of each, as tfjs-converter does). Folding
// BatchNormalization rescales each output channel by its own factor, so per-channel
// keeps every channel's resolution (docs/web-builds.md has the measured errors). Only
// kernels (rank ≥ 2) are quantized; biases and other vectors stay float (a few hundred
// values: little to gain, and a bias error shifts every output of its channel; dtypePlan.ts).
//
// A kernel whose source was quantized per tensor keeps the source's codes instead
// (sourceCodes.ts writes them): x = factor[c] · (q · scale + min), one range per tensor
// and one factor per output channel, the product of the BatchNormalization folds
// (`factors` names a float vector in the weights file; none when nothing was folded).

import type { HostTensor } from '../../src/ir/tensors.js';
import { hostFloat32 } from '../../src/ir/tensors.js';

export type QuantizedDtype = 'U8' | 'U16';
export type Granularity = 'per-channel' | 'per-tensor';

/** A tensor's quantization parameters, as the manifest stores them. */
export interface Quantization {
  /** The axis with one scale and zero point per index, or null for one per tensor. */
  readonly axis: number | null;
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}

/** A tensor stored as its source's codes: the source's range, and the per-channel factors folding multiplied it by. */
export interface SourceCodes {
  /** The axis `factors` runs along (the output channels), or null without factors. */
  readonly axis: number | null;
  readonly min: number;
  readonly scale: number;
  /** The name of the float vector (F32 or F16, one value per index of `axis`) in the weights file, if any. */
  readonly factors?: string;
}

/** A quantized tensor's parameters: its own codes (`Quantization`) or its source's (`SourceCodes`, with `min`). */
export type TensorQuantization = Quantization | SourceCodes;

export function isSourceCodes(q: TensorQuantization): q is SourceCodes {
  return 'min' in q;
}

const LEVELS: Readonly<Record<QuantizedDtype, number>> = { U8: 255, U16: 65535 };

/** The axis a weight is quantized along per channel, or null when it stays float (a vector). */
export function channelAxis(key: string, shape: readonly number[]): number | null {
  if (shape.length < 2) return null;
  return key.endsWith('/depthwise_kernel') && shape.length === 4 ? 2 : shape.length - 1;
}

/** `(index, channel)` for every element: the channel of a flat index along `axis` of `shape`. */
function channelOf(shape: readonly number[], axis: number | null): (index: number) => number {
  if (axis === null) return () => 0;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = shape[axis];
  return (index) => Math.floor(index / inner) % size;
}

/** Codes (little-endian bytes) and parameters for one tensor. */
export function quantize(tensor: HostTensor, axis: number | null, dtype: QuantizedDtype): { bytes: Uint8Array; quantization: Quantization } {
  const data = hostFloat32(tensor);
  const channels = axis === null ? 1 : tensor.shape[axis];
  const channel = channelOf(tensor.shape, axis);
  const min = new Float64Array(channels);
  const max = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = channel(i);
    if (data[i] < min[c]) min[c] = data[i];
    if (data[i] > max[c]) max[c] = data[i];
  }
  const levels = LEVELS[dtype];
  const scale: number[] = [];
  const zeroPoint: number[] = [];
  for (let c = 0; c < channels; c++) {
    // An all-zero channel: any positive scale represents it exactly. A range so small that
    // its step underflows float32 gets the smallest normal step (its values are below it).
    const s = max[c] > min[c] ? roundUpSignificant(Math.max((max[c] - min[c]) / levels, 2 ** -126)) : 1;
    scale.push(s);
    zeroPoint.push(Math.min(levels, Math.max(0, Math.round(-min[c] / s))));
  }
  const codes = dtype === 'U8' ? new Uint8Array(data.length) : new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = channel(i);
    codes[i] = Math.min(levels, Math.max(0, Math.round(data[i] / scale[c]) + zeroPoint[c]));
  }
  const bytes = dtype === 'U8' ? (codes as Uint8Array) : littleEndianBytes(codes as Uint16Array);
  return { bytes, quantization: { axis, scale, zeroPoint } };
}

/**
 * The smallest number of SCALE_DIGITS significant digits at or above `x`: the manifest
 * stores scales as JSON, where 0.007844 costs a third of 0.007843137718737125's bytes
 * (MobileNetV2's 18,056 channels: 59 KB of parameters gzipped instead of 179 KB), and a
 * step at most 0.1% longer still covers the channel's range.
 */
function roundUpSignificant(x: number): number {
  const rounded = Number(x.toPrecision(SCALE_DIGITS));
  if (rounded >= x) return rounded;
  const unit = 10 ** (Math.floor(Math.log10(rounded)) - SCALE_DIGITS + 1);
  return Number((rounded + unit).toPrecision(SCALE_DIGITS));
}

const SCALE_DIGITS = 4;

function littleEndianBytes(codes: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(codes.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < codes.length; i++) view.setUint16(2 * i, codes[i], true);
  return bytes;
}

/** float32 values from codes: scale · (q − zeroPoint), per channel. */
export function dequantize(bytes: Uint8Array, dtype: QuantizedDtype, shape: readonly number[], q: Quantization): Float32Array {
  const count = bytes.length / (dtype === 'U8' ? 1 : 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channel = channelOf(shape, q.axis);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const c = channel(i);
    const code = dtype === 'U8' ? bytes[i] : view.getUint16(2 * i, true);
    out[i] = q.scale[c] * (code - q.zeroPoint[c]);
  }
  return out;
}

/**
 * float32 values from a source's codes: factor[c] · fround(q · scale + min), the source's
 * value as tfjs decodes it (in float64, rounded to float32 once) times its channel's factor.
 */
export function decodeSourceCodes(bytes: Uint8Array, dtype: QuantizedDtype, shape: readonly number[], q: SourceCodes, factors: Float32Array | null): Float32Array {
  const count = bytes.length / (dtype === 'U8' ? 1 : 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channel = channelOf(shape, factors === null ? null : q.axis);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const code = dtype === 'U8' ? bytes[i] : view.getUint16(2 * i, true);
    const value = Math.fround(code * q.scale + q.min);
    out[i] = factors === null ? value : factors[channel(i)] * value;
  }
  return out;
}

/** A JSON value as the message shows it (a number as JavaScript prints it: `Infinity`, not JSON's null). */
const describe = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v));

/**
 * What is wrong with a manifest's quantization parameters for a tensor of `shape`
 * (null when nothing): the axis, one scale and zero point per channel, every scale a
 * positive finite number, every zero point an integer code.
 */
export function quantizationProblem(value: unknown, dtype: QuantizedDtype, shape: readonly number[]): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'has no quantization parameters';
  const { axis, scale, zeroPoint } = value as Record<string, unknown>;
  if (axis !== null && !(Number.isSafeInteger(axis) && (axis as number) >= 0 && (axis as number) < shape.length)) return `quantization axis ${JSON.stringify(axis)} is not null or an axis of its shape [${shape.join(', ')}]`;
  if ('min' in value) return sourceCodesProblem(value as Record<string, unknown>);
  const channels = axis === null ? 1 : shape[axis as number];
  if (!Array.isArray(scale) || scale.length !== channels) return `needs ${channels} quantization scale${channels === 1 ? '' : 's'}, found ${Array.isArray(scale) ? scale.length : JSON.stringify(scale)}`;
  if (!Array.isArray(zeroPoint) || zeroPoint.length !== channels) return `needs ${channels} zero point${channels === 1 ? '' : 's'}, found ${Array.isArray(zeroPoint) ? zeroPoint.length : JSON.stringify(zeroPoint)}`;
  const badScale = scale.findIndex((s) => typeof s !== 'number' || !Number.isFinite(s) || s <= 0);
  if (badScale >= 0) return `quantization scale ${describe(scale[badScale])} at channel ${badScale} is not a positive finite number`;
  const badZero = zeroPoint.findIndex((z) => !Number.isSafeInteger(z) || (z as number) < 0 || (z as number) > LEVELS[dtype]);
  if (badZero >= 0) return `zero point ${describe(zeroPoint[badZero])} at channel ${badZero} is not an integer in [0, ${LEVELS[dtype]}]`;
  return null;
}

/**
 * What is wrong with a source-codes tensor's parameters (its axis checked already): `min`
 * finite, `scale` positive and finite, `factors` absent (then `axis` null) or the name of
 * a tensor (manifest.ts checks that tensor: float, one value per channel of `axis`).
 */
function sourceCodesProblem(q: Record<string, unknown>): string | null {
  if (typeof q.min !== 'number' || !Number.isFinite(q.min)) return `quantization min ${describe(q.min)} is not a finite number`;
  if (typeof q.scale !== 'number' || !Number.isFinite(q.scale) || q.scale <= 0) return `quantization scale ${describe(q.scale)} is not a positive finite number`;
  if (q.factors === undefined) return q.axis === null ? null : `quantization axis ${q.axis} has no factors`;
  if (typeof q.factors !== 'string' || q.factors === '') return `quantization factors ${describe(q.factors)} is not a tensor name`;
  if (q.axis === null) return 'quantization factors need an axis, found null';
  return null;
}

/** The BN's vectors, decoded. */
export interface BatchNormVectors {
  readonly gamma: Float32Array | null;
  readonly beta: Float32Array | null;
  readonly movingMean: Float32Array;
  readonly movingVariance: Float32Array;
  readonly epsilon: number;
  readonly kernelBias?: Float32Array | null;
}

/** factors and bias from the BN's vectors (batchNormCodes.ts's header has the formula; here because only quantized bundles compute it at load), or what is wrong with them. */
export function foldBatchNormVectors(v: BatchNormVectors): { factors: Float32Array; bias: Float32Array } | { problem: string } {
  const channels = v.movingVariance.length;
  const factors = new Float32Array(channels);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const spread = v.movingVariance[c] + v.epsilon;
    if (!(spread > 0)) return { problem: `moving variance + epsilon is ${spread} at channel ${c}, not positive` };
    const s = (v.gamma ? v.gamma[c] : 1) / Math.sqrt(spread);
    const mean = v.kernelBias ? v.movingMean[c] - v.kernelBias[c] : v.movingMean[c];
    const t = (v.beta ? v.beta[c] : 0) - mean * s;
    const b = 0 * s + t;
    if (!Number.isFinite(s) || !Number.isFinite(b)) return { problem: `the factor (${s}) or bias (${b}) at channel ${c} is not finite` };
    factors[c] = s;
    bias[c] = b;
  }
  return { factors, bias };
}
