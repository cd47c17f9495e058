// `importModel(files)`: a Keras `.keras` or `.h5` file, or a TensorFlow.js layers
// `model.json` with its shards, → the IR graph, its weights keyed `<layer>/<variable>`, and
// notes on what was converted or dropped. It reads bytes handed to it and nothing else, so
// the same call serves the CLI (which reads the files) and a page (which has them from a
// file input or fetch). Every problem is one NncError listing every diagnostic at once.
//
// It sits in the compiler, not in src/formats, because the graph is built by the
// language's own argument checks (buildGraph.ts); the readers it composes are formats.

import { NncError, Source, error } from '../../src/diagnostics.js';
import { type KerasModel, isObject, readKerasModel } from '../../src/formats/keras/config.js';
import { ImportErrors, type ImportedLayer, readKeras3Weights, readLegacyWeights, stringList } from '../../src/formats/keras/weights.js';
import { firstNonFinite } from '../../src/formats/bytes.js';
import { type Hdf5File, looksLikeHdf5, openHdf5 } from '../../src/formats/hdf5.js';
import { assignTfjsWeights, readTfjsModelJson, readTfjsWeights, tfjsSourceQuantization, tfjsStoredDtypes } from '../../src/formats/tfjs/model.js';
import { looksLikeZip, readZip } from '../../src/formats/zip.js';
import type { HostTensor, SourceDtype, SourceQuantization } from '../../src/ir/tensors.js';
import type { Graph } from '../../src/ir/types.js';
import { check, pickModel } from '../check.js';
import { printGraph } from '../print/printGraph.js';
import { buildGraph } from './buildGraph.js';

/** The files of a model: the main file's name and a way to read it and the files beside it. */
export interface ModelFiles {
  /** The file to import (`model.keras`, `model.h5`, `model.json`), as a name `read` knows. */
  readonly main: string;
  /** A file's bytes by name — shards by their path relative to model.json — or undefined when absent. */
  read(name: string): Uint8Array | undefined;
}

export type ImportFormat = 'keras' | 'h5' | 'tfjs';

export interface ImportResult {
  /** The graph `source` compiles to (locations point into it). */
  readonly graph: Graph;
  /** The model as `.nn` text, printed by the language's printer: what `nnc import` writes as model.nn. */
  readonly source: string;
  readonly weights: Map<string, HostTensor>;
  /** What was converted, renamed or dropped, one sentence each. */
  readonly notes: readonly string[];
  readonly format: ImportFormat;
  /** Each IR layer with its Keras origin. */
  readonly layers: readonly ImportedLayer[];
  /**
   * Each weight's dtype as the source stored it, keyed as `weights` (TensorFlow.js: its
   * quantization's `uint8`, `uint16`, `float16`, else `float32`); absent for Keras files,
   * whose weights nnc reads as float32. `nnc build` keeps it by default (runtime/bundle/dtypePlan.ts).
   */
  readonly sourceDtypes?: ReadonlyMap<string, SourceDtype>;
  /**
   * The range of each weight the source stored as uint8 or uint16 (TensorFlow.js), keyed
   * as `weights`: its values are `q · scale + min`, and a bundle keeps the codes q
   * (runtime/bundle/sourceCodes.ts). `nnc import` records it with `sourceDtypes` in the
   * weights file's metadata (src/formats/sourcePrecision.ts).
   */
  readonly sourceQuantization?: ReadonlyMap<string, SourceQuantization>;
}

/** A model as read, before it goes through its `.nn` text. */
type Imported = Omit<ImportResult, 'source'>;

/** Files from a map of names to bytes; `main` defaults to the only .keras, .h5 or .json name. */
export function filesFromMap(files: ReadonlyMap<string, Uint8Array>, main?: string): ModelFiles {
  const candidates = [...files.keys()].filter((n) => /\.(keras|h5|hdf5|json)$/i.test(n));
  const chosen = main ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (chosen === undefined) throw new NncError(`choose the model file among ${candidates.length === 0 ? 'the files (none is a .keras, .h5 or .json)' : candidates.map((c) => `'${c}'`).join(', ')}`);
  const dir = chosen.includes('/') ? chosen.slice(0, chosen.lastIndexOf('/') + 1) : '';
  return { main: chosen, read: (name) => files.get(name === chosen ? name : dir + name) ?? files.get(name) };
}

export function importModel(input: ModelFiles | ReadonlyMap<string, Uint8Array>, main?: string): ImportResult {
  // Duck-typed rather than `instanceof Map`: a Map made in another realm (a frame, a vm context) is still a map.
  const files = typeof (input as ModelFiles).read === 'function' ? (input as ModelFiles) : filesFromMap(input as ReadonlyMap<string, Uint8Array>, main);
  const bytes = files.read(files.main);
  if (bytes === undefined) throw new NncError(`model file '${files.main}' is missing`);
  try {
    const imported = looksLikeZip(bytes) ? importKeras3(bytes, files.main) : looksLikeHdf5(bytes) ? importLegacyH5(bytes, files.main) : importTfjs(bytes, files);
    return throughText(imported, files.main);
  } catch (e) {
    if (e instanceof ImportErrors) throw new NncError(e.errors.map((m) => error(m)));
    throw e;
  }
}

/**
 * Prints the imported graph as `.nn` and compiles the text back: the result is the graph
 * the written model.nn gives (the same layers, names, attributes and shapes, which is
 * checked here), so importing a model and compiling its model.nn can never differ.
 */
function throughText(imported: Imported, fileName: string): ImportResult {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const broken: string[] = [];
  for (const [key, tensor] of imported.weights) {
    const at = firstNonFinite(tensor.data);
    if (at >= 0) broken.push(`weight '${key}' of '${base}' holds ${tensor.data[at]} at index ${at}; weights must be finite`);
  }
  if (broken.length > 0) throw new NncError(broken.map((m) => error(m)));
  const comment = [`Imported by nnc import from ${base}: ${imported.notes[0] ?? imported.format}.`, 'Weights: weights.safetensors, keyed <layer>/<variable>.'].join('\n');
  const source = printGraph(imported.graph, { comment });
  const checked = check(new Source(source, 'model.nn'));
  if (checked.diagnostics.some((d) => d.severity === 'error')) throw new NncError([error(`internal error: the printed model.nn of '${base}' does not check; please report it`), ...checked.diagnostics]);
  const graph = pickModel(checked, undefined, 'model');
  const difference = firstDifference(shapeOf(graph), shapeOf(imported.graph), 'graph');
  if (difference !== null) throw new NncError(`internal error: the printed model.nn of '${base}' compiles to another graph (${difference}); please report it`);
  return { ...imported, graph, source };
}

/** What must survive printing: every node's kind, layer name (inputs aside: the printer may rename them), inputs, attributes, shape and trainability. */
function shapeOf(graph: Graph): unknown {
  return {
    inputs: graph.inputs,
    outputs: graph.outputs,
    nodes: graph.nodes.map((n) => ({ kind: n.kind, name: n.kind === 'Input' ? '' : n.name, inputs: n.inputs, attrs: n.attrs, shape: n.shape, trainable: n.trainable })),
  };
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new NncError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decodeText(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NncError(`${what} is not UTF-8 text`);
  }
}

function convert(model: KerasModel): { graph: Graph; layers: readonly ImportedLayer[]; notes: string[] } {
  const { graph, layers, notes } = buildGraph(model);
  return { graph, layers, notes: [...notes] };
}

/** Keras 3 (and tf.keras 2.13+) `.keras`: a zip of config.json, metadata.json, model.weights.h5. */
function importKeras3(bytes: Uint8Array, name: string): Imported {
  const entries = readZip(bytes, name);
  const configBytes = entries.get('config.json');
  if (configBytes === undefined) throw new NncError(`'${name}' is a zip archive without config.json: not a Keras .keras file`);
  const config = parseJson(decodeText(configBytes, `config.json in '${name}'`), `config.json in '${name}'`);
  const weightBytes = entries.get('model.weights.h5');
  if (weightBytes === undefined) {
    const other = entries.has('model.weights.npz') ? ' (it holds model.weights.npz; nnc reads the default HDF5 weights)' : '';
    throw new NncError(`'${name}' has no model.weights.h5${other}`);
  }
  const model = readKerasModel(config, `config.json in '${name}'`);
  const { graph, layers, notes } = convert(model);
  const metadata = entries.get('metadata.json');
  if (metadata !== undefined) {
    const meta = parseJson(decodeText(metadata, `metadata.json in '${name}'`), `metadata.json in '${name}'`);
    if (isObject(meta) && typeof meta.keras_version === 'string') notes.unshift(`saved by Keras ${meta.keras_version} (.keras archive)`);
  }
  if (isObject(config) && config.compile_config != null) notes.push('training configuration dropped (compile_config: optimizer, loss and metrics are not part of a .nn model)');
  const file = openHdf5(weightBytes, `${name}/model.weights.h5`);
  const weights = readKeras3Weights(file, layers);
  if (file.root.has('optimizer')) notes.push('optimizer state dropped (model.weights.h5 optimizer/)');
  return { graph, weights, notes, format: 'keras', layers };
}

/** A legacy full-model `.h5`: the config in the `model_config` attribute, weights in `model_weights`. */
function importLegacyH5(bytes: Uint8Array, name: string): Imported {
  const file: Hdf5File = openHdf5(bytes, name);
  const configText = attrText(file.root.attr('model_config'));
  if (configText === null) throw new NncError(`'${name}' holds no model_config attribute: it has weights only (model.save_weights); nnc needs the whole model (model.save("model.h5"))`);
  const model = readKerasModel(parseJson(configText, `model_config of '${name}'`), `model_config of '${name}'`);
  const { graph, layers, notes } = convert(model);
  const version = attrText(file.root.attr('keras_version'));
  notes.unshift(`saved by Keras ${version ?? '(version not recorded)'} (legacy HDF5)`);
  if (file.root.attr('training_config') !== undefined) notes.push('training configuration dropped (training_config: optimizer, loss and metrics are not part of a .nn model)');
  const weights = readLegacyWeights(file, layers);
  if (file.root.has('optimizer_weights')) notes.push('optimizer state dropped (optimizer_weights)');
  return { graph, weights, notes, format: 'h5', layers };
}

function attrText(value: unknown): string | null {
  const list = stringList(value);
  return list !== null && list.length === 1 ? list[0] : null;
}

/** A TensorFlow.js layers model.json, its shards read through `files`. */
function importTfjs(bytes: Uint8Array, files: ModelFiles): Imported {
  const name = files.main;
  if (bytes.length > 0 && bytes[0] !== 0x7b /* { */ && bytes[0] !== 0x20 && bytes[0] !== 0x0a) {
    throw new NncError(`'${name}' is neither a Keras file (.keras zip or .h5) nor a TensorFlow.js model.json`);
  }
  const json = readTfjsModelJson(decodeText(bytes, `'${name}'`), name);
  const model = readKerasModel(json.topology, `modelTopology of '${name}'`);
  const { graph, layers, notes } = convert(model);
  notes.unshift('TensorFlow.js layers model');
  notes.push(...json.notes);
  const byName = readTfjsWeights(json, (path) => files.read(path), name);
  const { weights, unused, dtypes, tfjsNames } = assignTfjsWeights(byName, layers, name, tfjsStoredDtypes(json));
  const ranges = tfjsSourceQuantization(json);
  const sourceQuantization = new Map([...tfjsNames].flatMap(([key, tfjsName]) => (ranges.has(tfjsName) ? [[key, ranges.get(tfjsName)!] as const] : [])));
  if (unused.length > 0) notes.push(`weights no layer declares dropped: ${unused.join(', ')}`);
  const quantized = new Set([...dtypes.values()].filter((d) => d !== 'float32'));
  if (quantized.size > 0) notes.push(`weights stored as ${[...quantized].sort().join(' and ')} (tfjs quantization), dequantized to float32; nnc build keeps that precision unless --dtype says otherwise`);
  return { graph, weights, notes, format: 'tfjs', layers, sourceDtypes: dtypes, sourceQuantization };
}
