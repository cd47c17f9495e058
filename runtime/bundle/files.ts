// A bundle's data files as text and bytes: model.json (graph + weights manifest +
// content hash) and weights.safetensors. Platform-neutral (no `node:` imports, no
// esbuild; SHA-256 through WebCrypto), so a page can build them as well as the CLI;
// model.js and writing to disk are write.ts's, in Node. Same inputs give the same bytes.

import { NncError } from '../../src/diagnostics.js';
import { graphToJson } from '../../src/ir/json.js';
import type { Graph } from '../../src/ir/types.js';
import { type HostTensor, type WeightMap, hostFloat32 } from '../../src/ir/tensors.js';
import { float32ToFloat16Bits } from '../../src/formats/float16.js';
import { type EncodedTensor, encodeSafetensors } from '../../src/formats/safetensors.js';
import { checkWeightMap } from '../../src/ir/weights.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleDtype, type BundleManifest, type TensorManifest, hashedText } from './manifest.js';
import { type Granularity, type TensorQuantization, channelAxis, isSourceCodes, quantize } from './quantize.js';
import { type FactorDtype, sourceCodes } from './sourceCodes.js';
import { type BatchNormCodesEntry, batchNormCodes, batchNormOrigin, scaledOnlyBy } from './batchNormCodes.js';
import { type SourceDtype, type TensorDtypeChoice, planDtypes, summaryDtype } from './dtypePlan.js';
import type { SourceQuantization } from '../../src/ir/tensors.js';

export const WEIGHTS_FILE = 'weights.safetensors';

export interface BundleDataFiles {
  readonly manifest: BundleManifest;
  /** model.json's text. */
  readonly modelJson: string;
  /** weights.safetensors' bytes. */
  readonly weights: Uint8Array;
  /** The dtype of every weight as written: the plan, with the kernels whose source codes could not be kept requantized and the reason why. */
  readonly plan: ReadonlyMap<string, TensorDtypeChoice>;
}

export interface BundleOptions {
  /** Weights precision, `--dtype` (default: each tensor's source precision, float32 without a source; dtypePlan.ts). */
  readonly dtype?: BundleDtype;
  /** Quantized kernels: one scale and zero point per output channel (default) or per tensor. */
  readonly quantization?: Granularity;
  /** Each weight's dtype in the imported source (the default keeps it). */
  readonly sourceDtypes?: ReadonlyMap<string, SourceDtype>;
  /** The range of each weight the source stored quantized: its codes are kept (sourceCodes.ts). */
  readonly sourceQuantization?: ReadonlyMap<string, SourceQuantization>;
  /** How source-code tensors store their per-channel factors: float32 (default; docs/bundles.md measures float16). */
  readonly factorDtype?: FactorDtype;
  /** The dtype of every tensor, chosen beforehand (`planDtypes`); overrides the four fields above. */
  readonly plan?: ReadonlyMap<string, TensorDtypeChoice>;
  /** The model's output names as declared (the unoptimized graph's), recorded when the optimized graph's differ. */
  readonly outputNames?: readonly string[];
  /** What made the bundle, recorded in the manifest outside its content hash (`nnc <version>` from the CLI). */
  readonly generator?: string;
}

/** SHA-256 as lowercase hex, through WebCrypto (browsers, Node ≥ 20). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new NncError('cannot hash the bundle: WebCrypto (crypto.subtle) is not available here');
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** model.json and weights.safetensors for an (optimized) graph and its weights. */
export async function bundleFiles(graph: Graph, weights: WeightMap, options: BundleOptions = {}): Promise<BundleDataFiles> {
  checkWeightMap(graph, weights, 'the weights');
  // Each tensor's dtype (dtypePlan.ts): quantized codes, float16 bits or float32.
  const plan = options.plan ?? planDtypes(weights, options);
  const dtype = summaryDtype(plan, weights);
  // Float tensors are written by the encoder in one dtype: float16 when every tensor is, else float32 with the float16 ones encoded here.
  const allFloat16 = [...plan.values()].every((c) => c.dtype === 'F16');
  const stored = new Map<string, HostTensor | EncodedTensor>(weights);
  const quantized = new Map<string, TensorQuantization>();
  const written = new Map(plan);
  // Biases a BatchNormalization fold computed (compiler/passes/foldedBias.ts), by their kernel: the BN's codes may stand for both (batchNormCodes.ts).
  const foldedBiases = new Map<string, string>();
  // Why a folded bias is not computed from its BN's codes, added to its report line at the end.
  const biasNotes = new Map<string, string>();
  const scaledOnce = new Map<unknown, string>();
  const keepsSource = [...plan.values()].some((c) => c.source !== undefined);
  for (const [key, tensor] of weights) {
    const factors = (tensor as { factors?: readonly { values: unknown }[] }).factors;
    if (Array.isArray(factors) && factors.length === 1) scaledOnce.set(factors[0].values, key);
  }
  for (const [key, tensor] of weights) {
    const origin = batchNormOrigin(tensor);
    if (origin === null) continue;
    const kernel = scaledOnce.get(origin.scale);
    if (kernel !== undefined && kernel.startsWith(key.slice(0, -'bias'.length)) && scaledOnlyBy(weights.get(kernel)!, origin)) foldedBiases.set(kernel, key);
    else if (keepsSource) biasNotes.set(key, `not computed from '${origin.layer}''s codes: other folds scaled its kernel too`);
  }
  const batchNorms: BatchNormCodesEntry[] = [];
  const computedBiases = new Set<string>();
  for (const [key, tensor] of weights) {
    let choice = plan.get(key);
    if (choice === undefined) throw new NncError(`makeBundle: no dtype chosen for weight '${key}'`);
    let kept = choice.source && (choice.dtype === 'U8' || choice.dtype === 'U16') ? sourceCodes(tensor, choice.axis ?? null, choice.source, options.factorDtype) : null;
    if (kept !== null && 'problem' in kept && channelAxis(key, tensor.shape) === null) {
      // A vector whose values a fold changed: float, as dtypePlan.ts stores vectors (float16 from uint8, float32 from uint16).
      const float = choice.dtype === 'U8' ? 'float16, finer than uint8' : 'float32';
      choice = { dtype: choice.dtype === 'U8' ? 'F16' : 'F32', reason: `${choice.reason.replace("the source's codes", float)}; not the source's codes: ${kept.problem}` };
      written.set(key, choice);
      kept = null;
    }
    if (kept !== null && !('problem' in kept)) {
      stored.set(key, { dtype: choice.dtype as EncodedTensor['dtype'], shape: tensor.shape, bytes: kept.bytes });
      const biasKey = foldedBiases.get(key);
      const fromCodes = biasKey !== undefined && kept.factors !== null ? batchNormCodes(weights.get(biasKey)!, biasKey, `${key}:factors`, kept.factors, options.sourceQuantization) : null;
      if (fromCodes !== null && !('problem' in fromCodes)) {
        // The factors and the bias are computed at load from the BN's codes, stored beside the kernel's.
        for (const v of fromCodes.vectors) {
          if (weights.has(v.name)) throw new NncError(`makeBundle: weight '${v.name}' collides with a folded BatchNormalization's`);
          stored.set(v.name, { dtype: v.dtype, shape: v.shape, bytes: v.bytes });
          quantized.set(v.name, v.quantization);
        }
        batchNorms.push(fromCodes.entry);
        computedBiases.add(biasKey!);
        quantized.set(key, { ...kept.quantization, factors: fromCodes.entry.factors });
      } else if (kept.factors === null) quantized.set(key, kept.quantization);
      else {
        if (fromCodes !== null) biasNotes.set(biasKey!, `not computed from the BN's codes: ${fromCodes.problem}`);
        // The factors travel as a float vector beside the codes: `<key>:factors` (no weight key holds a colon).
        const name = `${key}:factors`;
        if (weights.has(name)) throw new NncError(`makeBundle: weight '${name}' collides with the factors of '${key}'`);
        stored.set(name, options.factorDtype === 'F16' ? { dtype: 'F16', shape: [kept.factors.length], bytes: float16Bytes(kept.factors) } : { shape: [kept.factors.length], data: kept.factors });
        quantized.set(key, { ...kept.quantization, factors: name });
      }
    } else if (choice.dtype === 'U8' || choice.dtype === 'U16') {
      if (kept !== null) written.set(key, { dtype: choice.dtype, axis: choice.axis, reason: `${choice.reason}; requantized: ${kept.problem}` });
      const biasKey = foldedBiases.get(key);
      if (kept !== null && biasKey !== undefined) biasNotes.set(biasKey, `not computed from the BN's codes: its kernel was requantized`);
      const { bytes, quantization } = quantize(tensor, choice.axis ?? null, choice.dtype);
      stored.set(key, { dtype: choice.dtype, shape: tensor.shape, bytes });
      quantized.set(key, quantization);
    } else if (choice.dtype === 'F16' && !allFloat16) {
      stored.set(key, { dtype: 'F16', shape: tensor.shape, bytes: float16Bytes(hostFloat32(tensor)) });
    }
  }
  for (const [key, note] of biasNotes) written.set(key, { ...written.get(key)!, reason: `${written.get(key)!.reason}; ${note}` });
  for (const key of computedBiases) {
    stored.delete(key);
    written.set(key, { dtype: 'F32', reason: "computed at load from the folded BatchNormalization's source codes" });
  }
  // The writer orders the tensors by name, so the same weights give the same bytes, and
  // says where it put each: the manifest is made from that layout, not from a parse of the file.
  // Source codes are ordered by variable, then by name (every kernel, then every gamma, every beta, ...): tensors of one
  // kind side by side gzip better (on the real MobileNetV2, 11 KB less than by name: docs/web-builds.md).
  const keepsCodes = [...quantized.values()].some(isSourceCodes);
  const variable = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  const byVariable = (a: string, b: string) => compareStrings(variable(a), variable(b)) || compareStrings(a, b);
  const { bytes, header } = encodeSafetensors(stored, { dtype: allFloat16 ? 'F16' : 'F32', metadata: { format: BUNDLE_FORMAT, model: graph.name }, ...(keepsCodes ? { order: byVariable } : {}) });
  const tensors: TensorManifest[] = [...header.entries].map(([name, e]) => {
    const entry = { name, dtype: e.dtype as TensorManifest['dtype'], shape: [...e.shape], offsets: [e.begin, e.end] as [number, number] };
    const quantization = quantized.get(name);
    return quantization ? { ...entry, quantization } : entry;
  });
  const body = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    model: graph.name,
    graph: graphToJson(graph),
    weights: { file: WEIGHTS_FILE, dtype, byteLength: bytes.length, sha256: await sha256Hex(bytes), tensors, ...(batchNorms.length > 0 ? { batchNorms } : {}) },
  } as const;
  const ownNames = graph.outputs.map((id) => graph.nodes[id].name);
  const declared = options.outputNames;
  if (declared !== undefined && declared.length !== ownNames.length) throw new NncError(`makeBundle: ${declared.length} output names for ${ownNames.length} outputs`);
  const renamed = declared !== undefined && declared.some((name, i) => name !== ownNames[i]);
  const withOutputs = renamed ? { ...body, outputs: [...declared] } : body;
  const manifest: BundleManifest = { ...withOutputs, generator: options.generator ?? 'nnc', contentHash: await sha256Hex(hashedText(withOutputs)) };
  return { manifest, modelJson: readableJson(manifest) + '\n', weights: bytes, plan: written };
}

/** Little-endian float16 bits of float32 values (a float16 tensor among float32 ones). */
function float16Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(2 * i, float32ToFloat16Bits(values[i]), true);
  return bytes;
}

/** JSON with one level of indentation per nesting, but values that fit in 100 characters on one line. */
export function readableJson(value: unknown, indent = ''): string {
  const compact = JSON.stringify(value);
  if (compact.length <= 100 || typeof value !== 'object' || value === null) return compact;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + readableJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${readableJson(v, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/** JavaScript's string order (UTF-16 code units; the same as code points for the ASCII names weights have). */
const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
