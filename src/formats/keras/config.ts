// A Keras model's architecture as every saved format spells it, read into one form:
// layers with their class, config and the calls that feed them. Keras 2.2–2.15, Keras 3
// and TensorFlow.js layers differ only in spelling, which is resolved here:
//
// - a Sequential's config is a list of layers (Keras 2.2) or `{name, layers}`; its input
//   is an InputLayer (Keras 2.4+, Keras 3) or the first layer's `batch_input_shape`
//   (Keras 2, tfjs), named `<first layer>_input` as Keras 2 names it;
// - a Functional's (`Functional`, or `Model` in Keras 2.2–2.3 and tfjs) inbound nodes are
//   nested lists `[[["dense", 0, 0, {kwargs}]]]` (Keras 2, tfjs) or
//   `[{"args": [...], "kwargs": {}}]` with `__keras_tensor__` objects carrying
//   `keras_history: [layer, node, tensor]` (Keras 3); `input_layers` is one reference or a
//   list of them;
// - a model used as a layer of another (a nested model) is kept as a tree here and
//   flattened by config.ts.

import { NncError } from '../../diagnostics.js';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** One output tensor of one call of a layer: Keras's `(layer, node_index, tensor_index)`. */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

/** One application of a layer: the tensors passed in, and keyword arguments of the call. */
export interface LayerCall {
  readonly inputs: readonly TensorRef[];
  readonly kwargs: JsonObject;
}

export interface KerasLayer {
  readonly name: string;
  readonly className: string;
  /** `module` and `registered_name` (Keras 3) when the file gives them. */
  readonly module: string | null;
  readonly registeredName: string | null;
  readonly config: JsonObject;
  /** Each time the layer is applied; empty for an InputLayer. */
  readonly calls: readonly LayerCall[];
  /** Set when the layer is itself a model (Sequential or Functional). */
  readonly model: KerasModel | null;
}

export interface KerasModel {
  readonly name: string;
  /** `Sequential` or `Functional` (Keras 2's and tfjs's `Model` reads as Functional). */
  readonly className: 'Sequential' | 'Functional';
  readonly layers: readonly KerasLayer[];
  readonly inputs: readonly TensorRef[];
  readonly outputs: readonly TensorRef[];
  readonly trainable: boolean;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(where: string, message: string): never {
  throw new NncError(`${where}: ${message}`);
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

export function isModelClass(className: string): boolean {
  return MODEL_CLASSES.has(className);
}

/** Reads `{class_name, config}` of a model (the top level of config.json or of `model_config`). */
export function readKerasModel(json: unknown, where: string): KerasModel {
  if (!isObject(json) || typeof json.class_name !== 'string') fail(where, 'the model config has no class_name');
  const className = json.class_name;
  if (!isModelClass(className)) fail(where, `the top-level object is a ${className}, not a Sequential or Functional model (a subclassed model cannot be imported: its code is not in the file)`);
  return readModel(className, json.config ?? null, where, null);
}

function readModel(className: string, config: Json, where: string, fallbackName: string | null): KerasModel {
  if (className === 'Sequential') return readSequential(config, where, fallbackName);
  return readFunctional(config, where, fallbackName);
}

function modelName(config: Json, fallback: string | null, where: string): string {
  if (isObject(config) && typeof config.name === 'string') return config.name;
  if (fallback !== null) return fallback;
  return fail(where, 'the model has no name');
}

function readSequential(config: Json, where: string, fallbackName: string | null): KerasModel {
  // Keras 2.2 wrote a Sequential's config as the bare list of layers.
  const layerList = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layerList)) return fail(where, "the Sequential model's config has no 'layers' list");
  const name = Array.isArray(config) ? (fallbackName ?? 'sequential') : modelName(config, fallbackName, where);
  const raw = layerList.map((entry, i) => readLayerHeader(entry, `${where}, layer ${i + 1} of '${name}'`));
  const layers: KerasLayer[] = [];
  let previous: TensorRef | null = null;
  let inputRef: TensorRef | null = null;
  for (const [i, header] of raw.entries()) {
    if (header.className === 'InputLayer') {
      if (i !== 0) fail(where, `Sequential model '${name}' has an InputLayer '${header.name}' after its first layer`);
      layers.push({ ...header, calls: [] });
      previous = inputRef = { layer: header.name, node: 0, tensor: 0 };
      continue;
    }
    if (previous === null) {
      // No InputLayer: the first layer carries the input shape (Keras 2, tfjs), or the
      // model's build_input_shape (Keras 3) does.
      const shape = header.config.batch_input_shape ?? header.config.batch_shape ?? (isObject(config) ? (config.build_input_shape ?? null) : null);
      if (shape === null || shape === undefined) fail(where, `Sequential model '${name}' declares no input shape (its first layer '${header.name}' has no batch_input_shape): build the model before saving it`);
      const inputName = `${header.name}_input`;
      const dtype = header.config.dtype ?? 'float32';
      layers.push({ name: inputName, className: 'InputLayer', module: null, registeredName: null, config: { name: inputName, batch_input_shape: shape, dtype }, calls: [], model: null });
      previous = inputRef = { layer: inputName, node: 0, tensor: 0 };
    }
    const model = isModelClass(header.className) ? readModel(header.className, header.rawConfig, `${where}, nested model '${header.name}'`, header.name) : null;
    layers.push({ ...header, model, calls: [{ inputs: [previous], kwargs: {} }] });
    previous = { layer: header.name, node: 0, tensor: 0 };
  }
  if (inputRef === null || previous === null) return fail(where, `Sequential model '${name}' has no layers`);
  const trainable = isObject(config) ? config.trainable !== false : true;
  return { name, className: 'Sequential', layers, inputs: [inputRef], outputs: [previous], trainable };
}

function readFunctional(config: Json, where: string, fallbackName: string | null): KerasModel {
  if (!isObject(config) || !Array.isArray(config.layers)) return fail(where, "the Functional model's config has no 'layers' list");
  const name = modelName(config, fallbackName, where);
  const layers: KerasLayer[] = [];
  for (const [i, entry] of config.layers.entries()) {
    const header = readLayerHeader(entry, `${where}, layer ${i + 1} of '${name}'`);
    const layerWhere = `${where}, layer '${header.name}'`;
    const inbound = isObject(entry) ? entry.inbound_nodes : undefined;
    const calls = inbound === undefined || inbound === null ? [] : readInboundNodes(inbound, layerWhere);
    const model = isModelClass(header.className) ? readModel(header.className, header.rawConfig, `${where}, nested model '${header.name}'`, header.name) : null;
    layers.push({ ...header, calls, model });
  }
  const inputs = readRefList(config.input_layers, `${where}, input_layers of '${name}'`);
  const outputs = readRefList(config.output_layers, `${where}, output_layers of '${name}'`);
  return { name, className: 'Functional', layers, inputs, outputs, trainable: config.trainable !== false };
}

interface LayerHeader {
  readonly name: string;
  readonly className: string;
  readonly module: string | null;
  readonly registeredName: string | null;
  readonly config: JsonObject;
  readonly rawConfig: Json;
  readonly model: null;
}

function readLayerHeader(entry: Json, where: string): LayerHeader {
  if (!isObject(entry) || typeof entry.class_name !== 'string') return fail(where, 'a layer has no class_name');
  const rawConfig = entry.config ?? {};
  const config = isObject(rawConfig) ? rawConfig : {};
  // Keras 2.2's nested Sequential had a bare list as config; its name sits beside it.
  const name = typeof config.name === 'string' ? config.name : typeof entry.name === 'string' ? entry.name : null;
  if (name === null) return fail(where, `a ${entry.class_name} layer has no name`);
  return {
    name,
    className: entry.class_name,
    module: typeof entry.module === 'string' ? entry.module : null,
    registeredName: typeof entry.registered_name === 'string' ? entry.registered_name : null,
    config,
    rawConfig,
    model: null,
  };
}

/** `["dense", 0, 0]` (possibly with a 4th kwargs element) or a Keras 3 `__keras_tensor__`. */
function readRef(value: Json, where: string): TensorRef {
  if (isObject(value) && value.class_name === '__keras_tensor__' && isObject(value.config)) return readRef(value.config.keras_history ?? null, where);
  if (Array.isArray(value) && typeof value[0] === 'string' && Number.isInteger(value[1] ?? 0) && Number.isInteger(value[2] ?? 0)) {
    return { layer: value[0], node: (value[1] ?? 0) as number, tensor: (value[2] ?? 0) as number };
  }
  return fail(where, `expected a tensor reference [layer, node_index, tensor_index], found ${JSON.stringify(value).slice(0, 80)}`);
}

function readRefList(value: Json | undefined, where: string): TensorRef[] {
  if (value === undefined || value === null) return fail(where, 'missing');
  // One reference (Keras 3 with a single input or output) or a list of them.
  if (Array.isArray(value) && typeof value[0] === 'string') return [readRef(value, where)];
  if (isObject(value)) {
    if (value.class_name === '__keras_tensor__') return [readRef(value, where)];
    return fail(where, 'inputs or outputs given as a dict are not supported; save the model with a list of inputs and outputs');
  }
  if (!Array.isArray(value)) return fail(where, 'expected a list of tensor references');
  return value.map((v) => readRef(v, where));
}

function readInboundNodes(value: Json, where: string): LayerCall[] {
  if (!Array.isArray(value)) return fail(where, 'inbound_nodes is not a list');
  return value.map((node) => {
    // Keras 3: {"args": [...], "kwargs": {...}}; the tensors may sit in a list (merge layers).
    if (isObject(node)) {
      const args = Array.isArray(node.args) ? node.args : [];
      const inputs: TensorRef[] = [];
      const collect = (v: Json): void => {
        if (isObject(v) && v.class_name === '__keras_tensor__') inputs.push(readRef(v, where));
        else if (Array.isArray(v)) v.forEach(collect);
        else fail(where, `a call argument is not a tensor (${JSON.stringify(v).slice(0, 60)}); nnc layers take tensors only`);
      };
      args.forEach(collect);
      return { inputs, kwargs: isObject(node.kwargs) ? node.kwargs : {} };
    }
    // Keras 2 and tfjs: [[layer, node, tensor, kwargs], ...].
    if (!Array.isArray(node)) return fail(where, 'an inbound node is neither a list nor an {args, kwargs} object');
    let kwargs: JsonObject = {};
    const inputs = node.map((ref) => {
      if (Array.isArray(ref) && isObject(ref[3] ?? null)) kwargs = { ...kwargs, ...(ref[3] as JsonObject) };
      return readRef(ref, where);
    });
    return { inputs, kwargs };
  });
}
