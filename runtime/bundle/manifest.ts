// The bundle format (model.json, version 1) and its validation. Browser-safe: used by
// the loader inside model.js and by the Node loader alike. Everything that arrives is
// treated as hostile and checked before use, in this order:
//
//   1. model.json: size, valid JSON, no `__proto__` / `constructor` / `prototype` keys,
//      format name and version, then the graph (every kind, attribute and invariant);
//   2. the weights file's size against the manifest's byteLength, before it is read;
//   3. the safetensors header against the manifest (names, shapes, dtypes, byte
//      ranges), before any tensor is decoded;
//   4. the content hash (SHA-256) over manifest and weights, where WebCrypto exists;
//   5. every value finite; every weight the graph needs present with its shape.
//
// {
//   "format": "nnc-bundle", "version": 1, "generator": "nnc 0.1.0", "model": "FashionMLP",
//   "graph": { ...src/ir/json.ts... },
//   "weights": { "file": "weights.safetensors", "dtype": "float32", "byteLength": 1066496,
//                "sha256": "<hex>", "tensors": [ { "name": "dense/kernel", "dtype": "F32",
//                "shape": [784, 300], "offsets": [0, 940800] }, ... ] },
//                (with --dtype uint8 or uint16, or a quantized source, kernels are "U8" or
//                "U16" with "quantization": { "axis": 1, "scale": [300 numbers],
//                "zeroPoint": [300 integers] }; "dtype" is the kernels', "mixed" if they differ;
//                a kernel that keeps a quantized source's codes has "quantization": { "axis": 3,
//                "min": -0.52, "scale": 0.0041, "factors": "conv/kernel:factors" }, its factors an
//                F32 tensor [channels] listed beside it; no "factors" (axis null) when none;
//                "batchNorms": [{ "factors": "conv/kernel:factors", "bias": "conv/bias", "gamma": "bn/gamma",
//                "beta": "bn/beta", "movingMean": "bn/moving_mean", "movingVariance": "bn/moving_variance",
//                "epsilon": 0.001, "kernelBias"?: "conv/bias:before" }] computes those factors and a bias at
//                load from a folded BN's source codes, batchNormCodes.ts)
//   "contentHash": "<hex: SHA-256 of the JSON of every field above but generator>"
// }

import { NncError } from '../../src/diagnostics.js';
import { type GraphJson, graphFromJson, isRecord } from '../../src/ir/json.js';
import type { Graph } from '../../src/ir/types.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { parseSafetensorsHeader, readSafetensorsTensor } from '../../src/formats/safetensors.js';
import { checkWeightMap } from '../../src/ir/weights.js';
import { type TensorQuantization, quantizationProblem } from './quantize.js';
import { checkQuantizedWeights, decodeQuantizedWeights } from './quantizedWeights.js';
import type { BatchNormCodesEntry } from './batchNormCodes.js';

export const BUNDLE_FORMAT = 'nnc-bundle';
export const BUNDLE_VERSION = 1;
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

/** `--dtype`: one precision for every tensor (quantized: every kernel). */
export type BundleDtype = 'float32' | 'float16' | 'uint8' | 'uint16';
/** The manifest's `weights.dtype`: the kernels' dtype, or `mixed` when they differ (a source that kept some float). */
export type ManifestDtype = BundleDtype | 'mixed';

export interface TensorManifest {
  readonly name: string;
  /** U8, U16: quantized codes, decoded with `quantization` (runtime/bundle/quantize.ts). */
  readonly dtype: 'F32' | 'F16' | 'U8' | 'U16';
  readonly shape: readonly number[];
  /** [begin, end) byte offsets in the safetensors data section. */
  readonly offsets: readonly [number, number];
  /**
   * U8 and U16 tensors only: `{ axis, scale: [...], zeroPoint: [...] }`, one scale and zero
   * point per channel of `axis` (null: per tensor); or a source's codes, `{ axis, min,
   * scale, factors? }` (quantize.ts `SourceCodes`).
   */
  readonly quantization?: TensorQuantization;
}

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: number;
  readonly generator: string;
  readonly model: string;
  readonly graph: GraphJson;
  readonly weights: {
    readonly file: string;
    readonly dtype: ManifestDtype;
    readonly byteLength: number;
    readonly sha256: string;
    readonly tensors: readonly TensorManifest[];
    /** Folded BatchNormalizations kept as their source's codes: each computes a kernel's factors and a bias at load (batchNormCodes.ts). */
    readonly batchNorms?: readonly BatchNormCodesEntry[];
  };
  /**
   * The model's output names as declared (the unoptimized graph's output layers), when
   * the optimizer replaced an output layer (a BatchNormalization folded into the Dense
   * before it, a Dropout removed): callers see the model's names, not the optimizer's.
   */
  readonly outputs?: readonly string[];
  readonly contentHash: string;
}

/** The exact text the content hash is computed over: every field but `generator` and the hash. */
export function hashedText(manifest: Omit<BundleManifest, 'contentHash' | 'generator'>): string {
  const hashed = { format: manifest.format, version: manifest.version, model: manifest.model, graph: manifest.graph, weights: manifest.weights };
  // `outputs` joined the format later: a manifest without it hashes as before.
  return JSON.stringify(manifest.outputs === undefined ? hashed : { ...hashed, outputs: manifest.outputs });
}

/** The names callers see for the outputs: the declared ones when the manifest has them, else the output layers'. */
export function outputNames(manifest: BundleManifest, graph: Graph): string[] {
  return manifest.outputs ? [...manifest.outputs] : graph.outputs.map((id) => graph.nodes[id].name);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Rejects keys that could pollute prototypes if the data were ever merged into objects. */
function checkKeys(value: unknown, what: string): void {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    for (const key of Object.keys(v)) {
      const childPath = Array.isArray(v) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) throw new NncError(`${what}: key '${key}' at ${childPath} is not allowed`);
      stack.push({ value: (v as Record<string, unknown>)[key], path: childPath });
    }
  }
}


/** Parses and validates model.json (steps 1 of the header): returns the manifest and its graph. */
export function parseModelJson(text: string, what = 'model.json'): { manifest: BundleManifest; graph: Graph } {
  if (text.length > MAX_MODEL_JSON_BYTES) throw new NncError(`${what} is ${text.length} bytes, more than the ${MAX_MODEL_JSON_BYTES} a bundle manifest may have`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NncError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  checkKeys(json, what);
  if (!isRecord(json)) throw new NncError(`${what} is not a JSON object`);
  if (json.format !== BUNDLE_FORMAT) throw new NncError(`${what} is not an nnc bundle manifest (format ${JSON.stringify(json.format)}, expected "${BUNDLE_FORMAT}")`);
  if (json.version !== BUNDLE_VERSION) {
    const newer = typeof json.version === 'number' && json.version > BUNDLE_VERSION;
    throw new NncError(`${what} has bundle format version ${JSON.stringify(json.version)}; this loader reads version ${BUNDLE_VERSION}${newer ? ' (rebuild the bundle with this nnc, or upgrade the loader)' : ''}`);
  }
  if (typeof json.model !== 'string' || typeof json.contentHash !== 'string' || typeof json.generator !== 'string') throw new NncError(`${what} lacks 'model', 'generator' or 'contentHash'`);
  const weights = json.weights;
  if (!isRecord(weights)) throw new NncError(`${what} has no 'weights' manifest`);
  if (typeof weights.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(weights.file)) throw new NncError(`${what}: weights file name ${JSON.stringify(weights.file)} must be a plain file name`);
  if (!['float32', 'float16', 'uint8', 'uint16', 'mixed'].includes(weights.dtype as string)) throw new NncError(`${what}: weights dtype ${JSON.stringify(weights.dtype)} is not float32, float16, uint8, uint16 or mixed`);
  if (typeof weights.byteLength !== 'number' || !Number.isSafeInteger(weights.byteLength) || weights.byteLength < 8) throw new NncError(`${what}: weights byteLength ${JSON.stringify(weights.byteLength)} is not a size`);
  if (typeof weights.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(weights.sha256)) throw new NncError(`${what}: weights sha256 is not a SHA-256 hex digest`);
  if (!Array.isArray(weights.tensors)) throw new NncError(`${what}: weights manifest has no 'tensors' list`);
  for (const [i, t] of weights.tensors.entries()) {
    const ok = isRecord(t) && typeof t.name === 'string' && (t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'U8' || t.dtype === 'U16') && Array.isArray(t.shape) && t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) && Array.isArray(t.offsets) && t.offsets.length === 2 && t.offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0);
    if (!ok) throw new NncError(`${what}: weights manifest entry ${i} is malformed`);
    if (t.dtype === 'U8' || t.dtype === 'U16') {
      const problem = quantizationProblem(t.quantization, t.dtype, t.shape as number[]);
      if (problem !== null) throw new NncError(`${what}: tensor '${t.name}' (${t.dtype}) ${problem}`);
    } else if (t.quantization !== undefined) {
      throw new NncError(`${what}: tensor '${t.name}' is ${t.dtype} but has quantization parameters`);
    }
  }
  // A quantized source's codes and folded BatchNormalizations (quantizedWeights.ts; refused by a float bundle's model.js).
  const tensors = weights.tensors as TensorManifest[];
  const batchNorms = weights.batchNorms;
  if (tensors.some((t) => t.quantization !== undefined) || (batchNorms !== undefined && !(Array.isArray(batchNorms) && batchNorms.length === 0))) checkQuantizedWeights(tensors, batchNorms, what);
  let graph: Graph;
  try {
    graph = graphFromJson(json.graph);
  } catch (e) {
    throw new NncError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (graph.name !== json.model) throw new NncError(`${what}: model '${json.model}' does not match its graph '${graph.name}'`);
  if (json.outputs !== undefined) {
    const names = json.outputs;
    const ok = Array.isArray(names) && names.length === graph.outputs.length && names.every((n) => typeof n === 'string' && n !== '') && new Set(names).size === names.length;
    if (!ok) throw new NncError(`${what}: 'outputs' must list ${graph.outputs.length} distinct output name${graph.outputs.length === 1 ? '' : 's'}, one per graph output, found ${JSON.stringify(names).slice(0, 200)}`);
  }
  return { manifest: json as unknown as BundleManifest, graph };
}

/** Step 2: call with the weights file's size before reading it. */
export function checkWeightsSize(manifest: BundleManifest, size: number, what: string): void {
  if (size !== manifest.weights.byteLength) {
    throw new NncError(`${what} is ${size} bytes, but the manifest says ${manifest.weights.byteLength}${size < manifest.weights.byteLength ? ' (truncated?)' : ''}`);
  }
}

/** SHA-256 hex where WebCrypto exists (browsers on https or localhost, Node), else null. */
async function sha256IfAvailable(bytes: Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Steps 3–5: the weights against the manifest and the graph. Returns the decoded weights. */
export async function openWeights(manifest: BundleManifest, graph: Graph, bytes: Uint8Array, what: string): Promise<Map<string, HostTensor>> {
  checkWeightsSize(manifest, bytes.length, what);
  const header = parseSafetensorsHeader(bytes, what, { integers: true });
  const listed = manifest.weights.tensors;
  const problems: string[] = [];
  if (header.entries.size !== listed.length) problems.push(`the file holds ${header.entries.size} tensors, the manifest lists ${listed.length}`);
  for (const t of listed) {
    const entry = header.entries.get(t.name);
    if (!entry) {
      problems.push(`tensor '${t.name}' is in the manifest but not in the file`);
      continue;
    }
    if (entry.dtype !== t.dtype) problems.push(`tensor '${t.name}' is ${entry.dtype} in the file, ${t.dtype} in the manifest`);
    if (entry.shape.join(',') !== t.shape.join(',')) problems.push(`tensor '${t.name}' has shape [${entry.shape.join(', ')}] in the file, [${t.shape.join(', ')}] in the manifest`);
    if (entry.begin !== t.offsets[0] || entry.end !== t.offsets[1]) problems.push(`tensor '${t.name}' occupies bytes ${entry.begin}..${entry.end} in the file, ${t.offsets[0]}..${t.offsets[1]} in the manifest`);
  }
  if (problems.length > 0) throw new NncError(`${what} does not match its manifest: ${problems.join('; ')}`);

  const digest = await sha256IfAvailable(bytes);
  if (digest !== null) {
    if (digest !== manifest.weights.sha256) throw new NncError(`${what} is corrupted: its SHA-256 is ${digest}, the manifest says ${manifest.weights.sha256}`);
    const contentHash = await sha256IfAvailable(new TextEncoder().encode(hashedText(manifest)));
    if (contentHash !== manifest.contentHash) throw new NncError(`the bundle's content hash does not match: the manifest was edited after the build`);
  }
  const quantized = listed.some((t) => t.quantization !== undefined) || (manifest.weights.batchNorms ?? []).length > 0;
  const tensors = quantized ? decodeQuantizedWeights(manifest.weights, bytes, header, what) : new Map(listed.map((t) => [t.name, readSafetensorsTensor(bytes, header, t.name, what)]));
  checkWeightMap(graph, tensors, what);
  return tensors;
}
