// The loader's half for quantized weights: the manifest checks of a quantized source's
// codes and of the folded BatchNormalizations kept as codes (`weights.batchNorms`), and
// the decoding of every quantized tensor (quantize.ts has the formulas). Platform-neutral.
//
// Only a bundle with a quantized tensor needs any of it. A float bundle's model.js
// carries refusals in its place (runtime/bundle/write.ts `quantizationRefused`, as for
// quantize.ts), so a manifest claiming quantized weights is refused there with an
// NncError instead of decoded; manifest.ts calls these only for a manifest with a
// quantized tensor or a batchNorms list.

import { NncError } from '../../src/diagnostics.js';
import { isRecord } from '../../src/ir/json.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { type SafetensorsHeader, readSafetensorsTensor } from '../../src/formats/safetensors.js';
import type { BatchNormCodesEntry } from './batchNormCodes.js';
import { type QuantizedDtype, type TensorQuantization, decodeSourceCodes, dequantize, foldBatchNormVectors, isSourceCodes } from './quantize.js';

/** A tensor of the manifest's list, as manifest.ts's TensorManifest (not imported: manifest.ts imports this module). */
interface TensorManifest {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly quantization?: TensorQuantization;
}

/**
 * Step 1 for quantized weights (manifest.ts, the tensors' own parameters checked
 * already): `weights.batchNorms` (batchNormsChannels), and every source-codes kernel's
 * factors: a float vector in the list (or computed from a BN's codes), one value per
 * channel of its axis, and no one else's.
 */
export function checkQuantizedWeights(tensors: readonly TensorManifest[], batchNorms: unknown, what: string): void {
  const computed = batchNormsChannels(batchNorms, tensors, what);
  const factorNames = new Set<string>();
  for (const t of tensors) {
    const q = t.quantization;
    if (q === undefined || !isSourceCodes(q) || q.factors === undefined) continue;
    const channels = t.shape[q.axis!];
    const f = tensors.find((x) => x.name === q.factors) ?? computed.get(q.factors);
    if (f === undefined || (f.dtype !== 'F32' && f.dtype !== 'F16') || f.shape.length !== 1 || f.shape[0] !== channels || factorNames.has(f.name)) {
      throw new NncError(`${what}: tensor '${t.name}' (${t.dtype}) quantization factors ${JSON.stringify(q.factors)} name no F32 or F16 tensor of shape [${channels}] of its own in the manifest`);
    }
    factorNames.add(f.name);
  }
  for (const name of computed.keys()) if (!factorNames.has(name)) throw new NncError(`${what}: batchNorms computes factors '${name}' that no tensor's quantization names`);
}

/** Steps 3–5 for quantized weights: every tensor decoded (the weights file checked against the manifest already), the BNs' factors and biases computed. */
export function decodeQuantizedWeights(weights: { readonly tensors: readonly TensorManifest[]; readonly batchNorms?: readonly BatchNormCodesEntry[] }, bytes: Uint8Array, header: SafetensorsHeader, what: string): Map<string, HostTensor> {
  const tensors = new Map<string, HostTensor>();
  const factorNames = new Set(weights.tensors.flatMap((t) => (t.quantization && isSourceCodes(t.quantization) && t.quantization.factors !== undefined ? [t.quantization.factors] : [])));
  // Folded BNs kept as codes: their tensors are read (and not weights of the model), their factors and biases computed.
  const batchNorms = weights.batchNorms ?? [];
  const computedFactors = new Map<string, Float32Array>();
  const read = (t: TensorManifest): Float32Array => {
    const q = t.quantization;
    if (!q) return readSafetensorsTensor(bytes, header, t.name, what).data as Float32Array;
    const entry = header.entries.get(t.name)!;
    const data = bytes.subarray(header.dataOffset + entry.begin, header.dataOffset + entry.end);
    if (!isSourceCodes(q)) return dequantize(data, t.dtype as QuantizedDtype, entry.shape, q);
    // (Read as any float tensor: a non-finite factor is refused there, step 5.)
    const factors = q.factors === undefined ? null : (computedFactors.get(q.factors) ?? (readSafetensorsTensor(bytes, header, q.factors, what).data as Float32Array));
    return decodeSourceCodes(data, t.dtype as QuantizedDtype, entry.shape, q, factors);
  };
  const byName = new Map(weights.tensors.map((t) => [t.name, t]));
  const bnTensors = new Set<string>();
  for (const bn of batchNorms) {
    const vector = (name: string | null) => (name === null ? null : (bnTensors.add(name), read(byName.get(name)!)));
    const folded = foldBatchNormVectors({ gamma: vector(bn.gamma), beta: vector(bn.beta), movingMean: vector(bn.movingMean)!, movingVariance: vector(bn.movingVariance)!, epsilon: bn.epsilon, kernelBias: vector(bn.kernelBias ?? null) });
    if ('problem' in folded) throw new NncError(`${what}: the BatchNormalization computing '${bn.bias}': ${folded.problem}`);
    computedFactors.set(bn.factors, folded.factors);
    tensors.set(bn.bias, { shape: [folded.bias.length], data: folded.bias });
  }
  for (const t of weights.tensors) {
    if (factorNames.has(t.name) || bnTensors.has(t.name)) continue;
    tensors.set(t.name, t.quantization ? { shape: [...t.shape], data: read(t) } : readSafetensorsTensor(bytes, header, t.name, what));
  }
  return tensors;
}

/**
 * Checks `weights.batchNorms` (absent, or a list of BatchNormCodesEntry): every named
 * tensor in the list, 1-D and of one length, used by no other entry; ε a positive finite
 * number (as Keras's); the computed names new. Returns each computed factors' name with
 * the shape a kernel's factors check reads (as if an F32 tensor).
 */
function batchNormsChannels(value: unknown, tensors: readonly TensorManifest[], what: string): Map<string, { name: string; dtype: 'F32'; shape: number[] }> {
  const out = new Map<string, { name: string; dtype: 'F32'; shape: number[] }>();
  if (value === undefined) return out;
  if (!Array.isArray(value)) throw new NncError(`${what}: weights batchNorms is not a list`);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  for (const [i, e] of value.entries()) {
    const ok = isRecord(e) && typeof e.factors === 'string' && typeof e.bias === 'string' && typeof e.movingMean === 'string' && typeof e.movingVariance === 'string' && (e.gamma === null || typeof e.gamma === 'string') && (e.beta === null || typeof e.beta === 'string') && (e.kernelBias === undefined || typeof e.kernelBias === 'string');
    if (!ok) throw new NncError(`${what}: weights batchNorms entry ${i} is malformed (factors, bias, movingMean, movingVariance: names; gamma, beta: names or null; kernelBias: a name if any)`);
    const entry = e as unknown as BatchNormCodesEntry;
    const about = `${what}: the BatchNormalization computing '${entry.bias}'`;
    if (typeof entry.epsilon !== 'number' || !Number.isFinite(entry.epsilon) || entry.epsilon <= 0) throw new NncError(`${about}: epsilon ${typeof entry.epsilon === 'number' ? String(entry.epsilon) : JSON.stringify(entry.epsilon)} is not a positive finite number`);
    for (const name of [entry.factors, entry.bias]) {
      if (byName.has(name) || used.has(name)) throw new NncError(`${about}: it computes '${name}', a name already taken`);
      used.add(name);
    }
    const channels = byName.get(entry.movingVariance)?.shape;
    for (const [field, name] of [['gamma', entry.gamma], ['beta', entry.beta], ['movingMean', entry.movingMean], ['movingVariance', entry.movingVariance], ['kernelBias', entry.kernelBias ?? null]] as const) {
      if (name === null) continue;
      const t = byName.get(name);
      if (t === undefined || t.shape.length !== 1 || channels === undefined || channels.length !== 1 || t.shape[0] !== channels[0] || used.has(name)) {
        throw new NncError(`${about}: its ${field} ${JSON.stringify(name)} names no vector of the manifest of its own${channels?.length === 1 ? ` of shape [${channels[0]}]` : ''}`);
      }
      used.add(name);
    }
    out.set(entry.factors, { name: entry.factors, dtype: 'F32', shape: [channels![0]] });
  }
  return out;
}
