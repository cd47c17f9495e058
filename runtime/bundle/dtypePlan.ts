// Which dtype each weight of a bundle is stored in, and why. Platform-neutral.
//
//   --dtype float32 | float16          every tensor so;
//   --dtype uint8 | uint16             every kernel (rank ≥ 2) quantized, affine, per output
//                                      channel by default (quantize.ts); vectors float32 (below);
//   no --dtype                         the source's precision, tensor by tensor: a kernel the
//                                      source stored as uint8 or uint16 (a TensorFlow.js model
//                                      with a quantization manifest) keeps the source's codes
//                                      and range, with one factor per output channel for the
//                                      folds (sourceCodes.ts: no new quantization error); where
//                                      they cannot stand for it (the writer checks, files.ts), or
//                                      without the source's range, it is requantized to the same
//                                      width per channel (folding BatchNormalization rescaled its
//                                      channels by different factors); a float16 one is float16;
//                                      anything else float32.
//
// Vectors (biases, scales) are not quantized: a few hundred values, and a bias error
// shifts every output of its channel. Under --dtype they stay float32; from a uint8
// source they are float16, whose steps (2^-11 of the value) are finer than the source's
// (1/255 of the range), and from a uint16 source float32.

import type { SourceDtype, SourceQuantization } from '../../src/ir/tensors.js';
import { type Granularity, type QuantizedDtype, channelAxis } from './quantize.js';

/** How a tensor is stored in weights.safetensors. */
export type TensorDtype = 'F32' | 'F16' | QuantizedDtype;

export type { SourceDtype };

/** `--dtype`: one precision for the whole bundle. */
export type RequestedDtype = 'float32' | 'float16' | 'uint8' | 'uint16';

export interface TensorDtypeChoice {
  readonly dtype: TensorDtype;
  /** Quantized tensors: the axis with one scale and zero point per index (null: one per tensor). */
  readonly axis?: number | null;
  /** Kept as the source's codes with this range (sourceCodes.ts); absent: requantized. */
  readonly source?: SourceQuantization;
  /** Why, for the build report: `--dtype uint8`, `source uint8`, `a vector: stays float32`, ... */
  readonly reason: string;
}

export interface DtypePlanOptions {
  /** `--dtype`; when absent, each tensor keeps its source's precision (float32 without a source). */
  readonly dtype?: RequestedDtype;
  /** Quantized kernels: per output channel (default) or per tensor. */
  readonly quantization?: Granularity;
  /** Each weight's dtype in the imported source, keyed as the weights are (`<layer>/<variable>`). */
  readonly sourceDtypes?: ReadonlyMap<string, SourceDtype>;
  /** The range of each weight the source stored quantized (its codes are kept), keyed as the weights are. */
  readonly sourceQuantization?: ReadonlyMap<string, SourceQuantization>;
}

const QUANTIZED: Readonly<Record<string, QuantizedDtype>> = { uint8: 'U8', uint16: 'U16' };

/** The dtype of every weight, keyed as `weights` is. */
export function planDtypes(weights: ReadonlyMap<string, { readonly shape: readonly number[] }>, options: DtypePlanOptions = {}): Map<string, TensorDtypeChoice> {
  const plan = new Map<string, TensorDtypeChoice>();
  const perTensor = options.quantization === 'per-tensor';
  for (const [key, { shape }] of weights) {
    const axis = channelAxis(key, shape);
    const requested = options.dtype;
    if (requested !== undefined) {
      const quantized = QUANTIZED[requested];
      const range = options.sourceQuantization?.get(key);
      // The dtype the source already stored this kernel in: its codes are kept (exact), not requantized.
      if (quantized !== undefined && axis !== null && !perTensor && range !== undefined && range.dtype === requested) plan.set(key, { dtype: quantized, axis, source: range, reason: `--dtype ${requested}, the source's own` });
      else if (quantized === undefined) plan.set(key, { dtype: requested === 'float16' ? 'F16' : 'F32', reason: `--dtype ${requested}` });
      else if (axis === null) plan.set(key, { dtype: 'F32', reason: 'a vector: stays float32' });
      else plan.set(key, { dtype: quantized, axis: perTensor ? null : axis, reason: `--dtype ${requested}` });
      continue;
    }
    const own = options.sourceDtypes?.get(key);
    // A weight the optimizer made (a BatchNormalization turned Affine: `bn/scale`) takes its layer's source dtype.
    const source = own ?? layerDtype(options.sourceDtypes, key);
    const origin = own === undefined ? `made by the optimizer, its layer's source ${source}` : `source ${source}`;
    if (source === undefined) plan.set(key, { dtype: 'F32', reason: options.sourceDtypes ? 'made by the optimizer: float32' : 'default float32' });
    else if (source === 'float16') plan.set(key, { dtype: 'F16', reason: origin });
    else if (source === 'float32') plan.set(key, { dtype: 'F32', reason: origin });
    else if (axis === null && own !== undefined && options.sourceQuantization?.get(key)?.dtype === source) {
      // The source's own codes (exact, and smaller than float16); files.ts falls back to float if a fold changed the values.
      plan.set(key, { dtype: QUANTIZED[source], axis: null, source: options.sourceQuantization.get(key)!, reason: `a vector: the source's codes; ${origin}` });
    } else if (axis === null && source === 'uint8') plan.set(key, { dtype: 'F16', reason: `a vector: float16, finer than uint8; ${origin}` });
    else if (axis === null) plan.set(key, { dtype: 'F32', reason: `a vector: float32; ${origin}` });
    else {
      const range = own === undefined ? undefined : options.sourceQuantization?.get(key);
      if (range !== undefined && range.dtype === source) plan.set(key, { dtype: QUANTIZED[source], axis, source: range, reason: origin });
      else plan.set(key, { dtype: QUANTIZED[source], axis: perTensor ? null : axis, reason: origin });
    }
  }
  return plan;
}

/** The one dtype the source stored every weight of `key`'s layer in, if they agree. */
function layerDtype(sourceDtypes: ReadonlyMap<string, SourceDtype> | undefined, key: string): SourceDtype | undefined {
  if (sourceDtypes === undefined) return undefined;
  const layer = key.slice(0, key.lastIndexOf('/') + 1);
  const dtypes = new Set([...sourceDtypes].filter(([k]) => k.startsWith(layer) && !k.slice(layer.length).includes('/')).map(([, d]) => d));
  return dtypes.size === 1 ? [...dtypes][0] : undefined;
}

/** The manifest's `weights.dtype`: the kernels' dtype when they share one (the whole map's without kernels), else `mixed`. */
export function summaryDtype(plan: ReadonlyMap<string, TensorDtypeChoice>, weights: ReadonlyMap<string, { readonly shape: readonly number[] }>): 'float32' | 'float16' | 'uint8' | 'uint16' | 'mixed' {
  const kernels = [...plan].filter(([key]) => weights.get(key)!.shape.length >= 2);
  const dtypes = new Set((kernels.length > 0 ? kernels : [...plan]).map(([, c]) => c.dtype));
  if (dtypes.size > 1) return 'mixed';
  const only = [...dtypes][0] ?? 'F32';
  return ({ F32: 'float32', F16: 'float16', U8: 'uint8', U16: 'uint16' } as const)[only];
}

/**
 * The build report's lines: tensors grouped by dtype and reason,
 * `  U8 per channel (source uint8): 3 tensors: dense/kernel, dense_1/kernel, dense_2/kernel`.
 */
export function formatDtypePlan(plan: ReadonlyMap<string, TensorDtypeChoice>): string[] {
  const groups = new Map<string, string[]>();
  for (const [key, choice] of [...plan].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const how = choice.source ? (choice.axis === null ? ' source codes' : ' source codes, a factor per channel') : choice.dtype === 'U8' || choice.dtype === 'U16' ? ` per ${choice.axis === null ? 'tensor' : 'channel'}` : '';
    const label = `${choice.dtype}${how} (${choice.reason})`;
    groups.set(label, [...(groups.get(label) ?? []), key]);
  }
  return [...groups].map(([label, keys]) => `  ${label}: ${keys.length} tensor${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`);
}
