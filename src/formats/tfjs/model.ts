// TensorFlow.js layers models: `model.json` (the Keras config as `modelTopology`, and a
// `weightsManifest` of groups, each a list of shard files and the weights they hold back to
// back) and the shards beside it.
//
// Weights decode as tfjs-core's `io.decodeWeights` does: float32 as is; with a
// `quantization` entry, float16 values widened, and uint8/uint16 values dequantized
// affinely, `value = q · scale + min` (computed in float64 and rounded to float32 once,
// as tfjs's `values[i] = v * scale + min` into a Float32Array does). Every size is checked
// against the shards before anything is decoded: a missing shard, a shard shorter or
// longer than the manifest's weights, or a weight of an unknown dtype is refused by name.

import { NncError, error } from '../../diagnostics.js';
import type { HostTensor, SourceDtype, SourceQuantization } from '../../ir/tensors.js';
import { float16BitsToFloat32 } from '../float16.js';
import { unsafeEntryName } from '../zip.js';
import { type Json, isObject } from '../keras/config.js';

export interface TfjsModelJson {
  /** `{class_name, config}` of the Keras model. */
  readonly topology: Json;
  readonly manifest: readonly WeightGroup[];
  readonly notes: readonly string[];
}

interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number };
}

interface WeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly WeightEntry[];
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1 };

function fail(message: string): never {
  throw new NncError(message);
}

/** Parses model.json: the topology and a checked weights manifest. */
export function readTfjsModelJson(text: string, name: string): TfjsModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`'${name}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(json) || !isObject(json.modelTopology)) return fail(`'${name}' is not a TensorFlow.js layers model (no modelTopology)`);
  if (json.format !== undefined && json.format !== 'layers-model') return fail(`'${name}' is a TensorFlow.js ${String(json.format)}, not a layers model; nnc imports layers models`);
  const notes: string[] = [];
  // tfjs-layers writes the model itself; tfjs-converter wraps it as {model_config, training_config}.
  const topology = json.modelTopology.model_config ?? json.modelTopology;
  if (json.modelTopology.training_config != null || json.trainingConfig != null) notes.push('training configuration dropped (optimizer, loss and metrics are not part of a .nn model)');
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) return fail(`'${name}': weightsManifest is not a list`);
  const groups = manifest.map((group, g): WeightGroup => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) return fail(`'${name}': weightsManifest group ${g + 1} has no paths and weights lists`);
    const paths = group.paths.map((p) => {
      if (typeof p !== 'string') return fail(`'${name}': weightsManifest group ${g + 1} has a path that is not a string`);
      const why = unsafeEntryName(p);
      if (why !== null) return fail(`'${name}': shard path ${JSON.stringify(p)} has ${why}; shards must sit beside model.json`);
      return p;
    });
    const weights = group.weights.map((w) => readEntry(w, name));
    return { paths, weights };
  });
  return { topology, manifest: groups, notes };
}

function readEntry(w: Json, file: string): WeightEntry {
  if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') return fail(`'${file}': a weightsManifest entry lacks name, shape or dtype`);
  const shape = w.shape.map((d) => (Number.isSafeInteger(d) && (d as number) >= 0 ? (d as number) : fail(`'${file}': weight '${w.name}' has the shape ${JSON.stringify(w.shape)}`)));
  if (w.dtype !== 'float32') fail(`'${file}': weight '${w.name}' is ${w.dtype}; nnc weights are float32 (quantized storage is given by a quantization entry)`);
  if (w.quantization === undefined || w.quantization === null) return { name: w.name, shape, dtype: w.dtype };
  const q = w.quantization;
  if (!isObject(q) || typeof q.dtype !== 'string' || !['uint8', 'uint16', 'float16'].includes(q.dtype)) return fail(`'${file}': weight '${w.name}' has the quantization ${JSON.stringify(q)}; tfjs supports uint8, uint16 and float16`);
  if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number' || !Number.isFinite(q.scale) || !Number.isFinite(q.min))) {
    return fail(`'${file}': weight '${w.name}' is ${q.dtype}-quantized without a finite scale and min`);
  }
  return { name: w.name, shape, dtype: w.dtype, quantization: { dtype: q.dtype, scale: q.scale as number | undefined, min: q.min as number | undefined } };
}

/** Decodes every weight of the manifest from its shards; `shard(path)` returns a shard's bytes or undefined when it is missing. */
export function readTfjsWeights(model: TfjsModelJson, shard: (path: string) => Uint8Array | undefined, name: string): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const group of model.manifest) {
    const parts: Uint8Array[] = [];
    for (const path of group.paths) {
      const bytes = shard(path);
      if (bytes === undefined) fail(`shard '${path}' listed in '${name}' is missing`);
      parts.push(bytes);
    }
    let expected = 0;
    for (const w of group.weights) expected += w.shape.reduce((a, b) => a * b, 1) * BYTES[w.quantization?.dtype ?? w.dtype];
    const actual = parts.reduce((sum, p) => sum + p.byteLength, 0);
    const shards = group.paths.map((p) => `'${p}'`).join(', ');
    if (actual < expected) fail(`shards ${shards} hold ${actual} bytes, but '${name}' describes ${expected}: a shard is truncated`);
    if (actual > expected) fail(`shards ${shards} hold ${actual} bytes, but '${name}' describes ${expected}: the shards do not match the manifest`);
    const buffer = concat(parts, actual);
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const size = count * BYTES[w.quantization?.dtype ?? w.dtype];
      if (out.has(w.name)) fail(`'${name}' lists the weight '${w.name}' twice`);
      out.set(w.name, { shape: w.shape, data: decode(w, buffer, offset, count) });
      offset += size;
    }
  }
  return out;
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

function decode(w: WeightEntry, buffer: Uint8Array, offset: number, count: number): Float32Array {
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset);
  const out = new Float32Array(count);
  const q = w.quantization;
  // tfjs writes shards little-endian (it views them as typed arrays on little-endian hosts).
  if (q === undefined) for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  else if (q.dtype === 'float16') for (let i = 0; i < count; i++) out[i] = float16BitsToFloat32(view.getUint16(2 * i, true));
  else if (q.dtype === 'uint8') for (let i = 0; i < count; i++) out[i] = view.getUint8(i) * q.scale! + q.min!;
  else for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, true) * q.scale! + q.min!;
  return out;
}

/** Each manifest weight's stored dtype: its quantization's (`uint8`, `uint16`, `float16`), else `float32`. */
export function tfjsStoredDtypes(model: TfjsModelJson): Map<string, SourceDtype> {
  const out = new Map<string, SourceDtype>();
  for (const group of model.manifest) for (const w of group.weights) out.set(w.name, (w.quantization?.dtype ?? 'float32') as SourceDtype);
  return out;
}

/** Each uint8 or uint16 manifest weight's range (`min`, `scale`), keyed by its tfjs name. */
export function tfjsSourceQuantization(model: TfjsModelJson): Map<string, SourceQuantization> {
  const out = new Map<string, SourceQuantization>();
  for (const group of model.manifest) {
    for (const w of group.weights) {
      const q = w.quantization;
      if ((q?.dtype === 'uint8' || q?.dtype === 'uint16') && q.min !== undefined && q.scale !== undefined) out.set(w.name, { dtype: q.dtype, min: q.min, scale: q.scale });
    }
  }
  return out;
}

/** What assigning tfjs weights to layers needs: the layer's IR and tfjs names, and its declared weights. */
export interface TfjsLayerWeights {
  readonly name: string;
  readonly kerasName: string;
  readonly className: string;
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

/**
 * tfjs names a layer's weights `<layer>/<variable>` (`dense_Dense1/kernel`); each IR weight
 * takes the tfjs weight of its Keras layer and variable. Returns the IR map and the names
 * of manifest weights no layer declares (optimizer state saved along, for instance), and
 * `stored` (each tfjs weight's stored dtype) re-keyed the IR's way, and each IR weight's tfjs name (`tfjsNames`).
 */
export function assignTfjsWeights(
  byName: ReadonlyMap<string, HostTensor>,
  layers: readonly TfjsLayerWeights[],
  name: string,
  stored: ReadonlyMap<string, SourceDtype> = new Map(),
): { weights: Map<string, HostTensor>; unused: string[]; dtypes: Map<string, SourceDtype>; tfjsNames: Map<string, string> } {
  const weights = new Map<string, HostTensor>();
  const tfjsNames = new Map<string, string>();
  const dtypes = new Map<string, SourceDtype>();
  const used = new Set<string>();
  const errors: string[] = [];
  for (const layer of layers) {
    for (const decl of layer.weights) {
      const key = `${layer.kerasName}/${decl.name}`;
      const tensor = byName.get(key);
      if (tensor === undefined) {
        errors.push(`layer '${layer.kerasName}' (${layer.className}): '${name}' has no weight '${key}'`);
        continue;
      }
      if (tensor.shape.length !== decl.shape.length || tensor.shape.some((d, i) => d !== decl.shape[i])) {
        errors.push(`layer '${layer.kerasName}' (${layer.className}): weight '${key}' is [${tensor.shape.join(', ')}], the layer needs [${decl.shape.join(', ')}]`);
        continue;
      }
      used.add(key);
      weights.set(`${layer.name}/${decl.name}`, { shape: decl.shape, data: tensor.data });
      tfjsNames.set(`${layer.name}/${decl.name}`, key);
      const dtype = stored.get(key);
      if (dtype !== undefined) dtypes.set(`${layer.name}/${decl.name}`, dtype);
    }
  }
  if (errors.length > 0) throw new NncError(errors.map((m) => error(m)));
  return { weights, unused: [...byName.keys()].filter((k) => !used.has(k)), dtypes, tfjsNames };
}
