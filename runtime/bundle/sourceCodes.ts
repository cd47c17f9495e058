// A quantized source's codes, kept through BatchNormalization folding. Platform-neutral.
//
//   source (tfjs, per tensor):   W[i]  = fround(q[i] · scale + min)
//   folded (per output channel): W'[i] = fround(W[i] · g[c(i)]),   g = f₁ · f₂ · … (the folds' factors)
//   stored:                      q (the SAME codes), min, scale, and g as float32:
//                                W'[i] ≈ g[c] · fround(q[i] · scale + min)    (float rounding only)
//
// Requantizing W' per channel (quantize.ts) would spread every channel over all 256
// levels and lose the source's codes, which gzip well (a few values dominate); these are
// the source's bytes as they were, plus one factor per channel. The folds' factors come
// from the folded kernel itself (compiler/passes/foldedKernel.ts keeps the kernel it
// started from and each fold's factors); a kernel nothing was folded into has none.
// Checked before use: every source value is `q · scale + min` for an integer code q in
// range, every factor runs along the output channels, and the decoded kernel equals the
// folded one within float32 rounding; otherwise the caller requantizes and says why.

import { type HostTensor, type SourceQuantization, hostFloat32 } from '../../src/ir/tensors.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/formats/float16.js';
import { type QuantizedDtype, type SourceCodes, decodeSourceCodes } from './quantize.js';

/** How the per-channel factors are stored (docs/bundles.md measured both: float32 is exact to rounding, float16 is not). */
export type FactorDtype = 'F32' | 'F16';

export interface SourceCodesEncoding {
  readonly bytes: Uint8Array;
  /** Without `factors` (the writer names the factor tensor). */
  readonly quantization: SourceCodes;
  /** One per output channel, as stored (float16 values widened), or null when every factor is 1. */
  readonly factors: Float32Array | null;
}

/** The folds' provenance, as compiler/passes/foldedKernel.ts's FoldedKernel carries it. */
interface Folded {
  readonly source: Float32Array | Float64Array;
  readonly factors: readonly { readonly values: Float64Array | number; readonly stride: number }[];
}

const isFolded = (t: HostTensor): t is HostTensor & Folded => 'source' in t && 'factors' in t && Array.isArray((t as unknown as Folded).factors);

const LEVELS: Readonly<Record<QuantizedDtype, number>> = { U8: 255, U16: 65535 };

/**
 * The source's codes for `tensor` (the optimized weight) and its output-channel factors
 * along `axis`, or why they cannot stand for it (a reason for the build report).
 */
export function sourceCodes(tensor: HostTensor, axis: number | null, source: SourceQuantization, factorDtype: FactorDtype = 'F32'): SourceCodesEncoding | { problem: string } {
  const dtype: QuantizedDtype = source.dtype === 'uint8' ? 'U8' : 'U16';
  const { shape } = tensor;
  const values = isFolded(tensor) ? tensor.source : tensor.data;
  const levels = LEVELS[dtype];
  const codes = dtype === 'U8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.round((values[i] - source.min) / source.scale);
    if (!(q >= 0 && q <= levels) || Math.fround(q * source.scale + source.min) !== Math.fround(values[i])) return { problem: `its source values are not ${source.dtype} codes of its range (element ${i}: ${values[i]})` };
    codes[i] = q;
  }
  // The product of the folds' factors, per output channel.
  const channels = axis === null ? 1 : shape[axis];
  const inner = axis === null ? 1 : shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const g = new Float64Array(channels).fill(1);
  for (const { values: f, stride } of isFolded(tensor) ? tensor.factors : []) {
    if (typeof f === 'number') for (let c = 0; c < channels; c++) g[c] *= f;
    else if (axis !== null && f.length === channels && stride === inner) for (let c = 0; c < channels; c++) g[c] *= f[c];
    else return { problem: 'a fold scaled it along another axis than its output channels' };
  }
  const factors = g.every((v) => v === 1) ? null : storedFactors(g, factorDtype);
  const bytes = dtype === 'U8' ? (codes as Uint8Array) : littleEndian(codes as Uint16Array);
  const quantization: SourceCodes = { axis: factors === null ? null : axis, min: source.min, scale: source.scale };
  // The safety net: decoded, the codes give the folded kernel within float32 rounding.
  const decoded = decodeSourceCodes(bytes, dtype, shape, quantization, factors);
  const folded = hostFloat32(tensor);
  const tolerance = factorDtype === 'F32' ? 2 ** -21 : 2 ** -10;
  for (let i = 0; i < folded.length; i++) {
    if (Math.abs(decoded[i] - folded[i]) > Math.abs(folded[i]) * tolerance + 2 ** -126) return { problem: `decoded, the source codes differ from the folded kernel at element ${i} (${decoded[i]} for ${folded[i]}), more than float rounding` };
  }
  return { bytes, quantization, factors };
}

/** The factors as the loader will read them: float32, or float16 widened back. */
function storedFactors(g: Float64Array, dtype: FactorDtype): Float32Array {
  return dtype === 'F32' ? Float32Array.from(g) : Float32Array.from(g, (v) => float16BitsToFloat32(float32ToFloat16Bits(v)));
}

function littleEndian(codes: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(codes.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < codes.length; i++) view.setUint16(2 * i, codes[i], true);
  return bytes;
}
