// A folded BatchNormalization kept as its source's codes: the loader computes the
// kernel's factors and the layer's bias from them. Platform-neutral.
//
//   stored:   γ, β, μ, σ² as the source's codes (uint8/uint16, one range per tensor), ε
//   at load:  s_c = γ_c / √(σ²_c + ε)          factors[c] = fround(s_c)
//             t_c = β_c − (μ_c − b_c)·s_c      bias[c]    = fround(0·s_c + t_c)
//             (float64, in this order: fold-bias-into-batchnorm's μ' = μ − b, then
//             fuse-batchnorm-into-preceding's own operations, compiler/passes/batchNormAlgebra.ts;
//             γ = 1 without scale, β = 0 without center, b = 0 when the layer had no bias,
//             its bias then 0·s + t) — the same bits as the folds'.
//
// The source stored a BN's four vectors as codes that gzip to about a third of a float32
// factor and a float16 bias (docs/web-builds.md); this keeps them, and the bias is exact
// (float32, not float16). Only for a BN folded into the layer before it, whose kernel
// keeps its source codes with this BN's factor as its only one
// (compiler/passes/foldedBias.ts records where a folded bias came from); the writer
// computes factors and bias as the loader will and uses the form only if they are the
// folded ones, bit for bit. Otherwise the bias is a float vector and the factors one
// (today's form), and the build report says why.

import { type BatchNormOrigin, type HostTensor, type SourceQuantization, hostFloat32 } from '../../src/ir/tensors.js';
import { type QuantizedDtype, type SourceCodes, foldBatchNormVectors } from './quantize.js';
import { sourceCodes } from './sourceCodes.js';

/** The manifest's `weights.batchNorms[i]`: a bias and factors computed from a BN's tensors (names of tensors in the list). */
export interface BatchNormCodesEntry {
  /** The computed factors' name: a source-codes kernel's `quantization.factors`. */
  readonly factors: string;
  /** The computed bias's name: a weight of the model. */
  readonly bias: string;
  /** null: γ = 1 (scale=false) / β = 0 (center=false). */
  readonly gamma: string | null;
  readonly beta: string | null;
  readonly movingMean: string;
  readonly movingVariance: string;
  readonly epsilon: number;
  /** The layer's own bias b, folded into the mean first (fold-bias-into-batchnorm: μ' = μ − b); absent: none. */
  readonly kernelBias?: string;
}

export const batchNormOrigin = (t: HostTensor): BatchNormOrigin | null => ('batchNorm' in t ? (t as HostTensor & { batchNorm: BatchNormOrigin }).batchNorm : null);

/** Whether `kernel` was scaled by exactly one fold, this one. */
export function scaledOnlyBy(kernel: HostTensor, origin: BatchNormOrigin): boolean {
  const factors = (kernel as { factors?: readonly { values: unknown }[] }).factors;
  return Array.isArray(factors) && factors.length === 1 && factors[0].values === origin.scale;
}

/** One of the BN's tensors as the source's codes. */
export interface CodedVector {
  readonly name: string;
  readonly dtype: QuantizedDtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
  readonly quantization: SourceCodes;
}

const VARIABLES = [
  ['gamma', 'gamma'],
  ['beta', 'beta'],
  ['movingMean', 'moving_mean'],
  ['movingVariance', 'moving_variance'],
] as const;

/**
 * The BN's tensors as source codes and the manifest entry that computes `biasKey` and
 * `factorsName` from them, or why not (for the build report). `factors`: the kernel's
 * factors as the writer would store them (sourceCodes.ts); the computed ones must equal them.
 */
export function batchNormCodes(
  bias: HostTensor,
  biasKey: string,
  factorsName: string,
  factors: Float32Array,
  sourceQuantization: ReadonlyMap<string, SourceQuantization> | undefined,
): { entry: BatchNormCodesEntry; vectors: CodedVector[] } | { problem: string } {
  const origin = batchNormOrigin(bias)!;
  if (!origin.after) return { problem: `'${origin.layer}' came before the layer, whose bias b + Wᵀ·t needs its kernel` };
  if (origin.kernelBias !== null) return { problem: `the layer had a bias of its own before '${origin.layer}' folded` };
  const vectors: CodedVector[] = [];
  const decoded: Record<string, Float32Array | null> = {};
  // A mean the layer's bias was folded into (fold-bias-into-batchnorm): its own codes and the bias's.
  const minusBias = (origin.movingMean as { minusBias?: { mean: HostTensor; bias: HostTensor } }).minusBias;
  const fields = [...VARIABLES, ...(minusBias ? [['kernelBias', 'bias'] as const] : [])];
  for (const [field, variable] of fields) {
    const tensor = field === 'kernelBias' ? minusBias!.bias : field === 'movingMean' && minusBias ? minusBias.mean : origin[field];
    if (tensor === null) {
      decoded[field] = null;
      continue;
    }
    const name = field === 'kernelBias' ? biasKey : `${origin.layer}/${variable}`;
    const range = sourceQuantization?.get(name);
    if (range === undefined) return { problem: `'${name}' was not quantized in the source` };
    const kept = sourceCodes(tensor, null, range);
    if ('problem' in kept) return { problem: `'${name}': ${kept.problem}` };
    // The layer's bias is stored beside the computed one: `<bias>:before`.
    vectors.push({ name: field === 'kernelBias' ? `${biasKey}:before` : name, dtype: range.dtype === 'uint8' ? 'U8' : 'U16', shape: tensor.shape, bytes: kept.bytes, quantization: kept.quantization });
    decoded[field] = hostFloat32(tensor);
  }
  const entry: BatchNormCodesEntry = {
    factors: factorsName,
    bias: biasKey,
    gamma: origin.gamma ? `${origin.layer}/gamma` : null,
    beta: origin.beta ? `${origin.layer}/beta` : null,
    movingMean: `${origin.layer}/moving_mean`,
    movingVariance: `${origin.layer}/moving_variance`,
    epsilon: origin.epsilon,
    ...(minusBias ? { kernelBias: `${biasKey}:before` } : {}),
  };
  // The safety net: what the loader will compute is the folded factors and bias, bit for bit.
  const computed = foldBatchNormVectors({ gamma: decoded.gamma, beta: decoded.beta, movingMean: decoded.movingMean!, movingVariance: decoded.movingVariance!, epsilon: origin.epsilon, kernelBias: decoded.kernelBias });
  if ('problem' in computed) return { problem: `'${origin.layer}': ${computed.problem}` };
  const folded = hostFloat32(bias);
  const differs = (a: Float32Array, b: Float32Array) => a.length !== b.length || a.some((x, i) => !Object.is(x, b[i]));
  if (differs(computed.factors, factors) || differs(computed.bias, folded)) return { problem: `computed from '${origin.layer}''s codes, the factors or bias are not the folded ones` };
  return { entry, vectors };
}
