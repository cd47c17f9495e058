// An IR layer → the Keras class and config that mean the same, for Keras 3 (`config.json`
// of a `.keras`) and for TensorFlow.js layers (`modelTopology` of a model.json, Keras 2's
// spelling). Derived from the layer's definition, not written per layer: the language
// uses Keras's argument names and values, so every attribute becomes the config key of
// the same name, converted by its type —
//
// - an activation `{name}` → its Keras name (`"relu"`);
// - an initializer, regularizer or constraint `{name, args}` → a Keras object
//   `{class_name, config}` (`GlorotUniform`, `L2`, `MaxNorm`), the class found by reading
//   the importer's tables (src/formats/keras/layers.ts) in reverse;
// - an `axis` (the IR counts axes with the batch axis, ascending) → Keras's spelling: `-1`
//   for the last axis, the index otherwise, a list only when there are several;
// - anything else (numbers, strings, pairs, padding) as it is.
//
// `CLASSES` holds what the definitions do not say: config keys Keras writes that the
// language does not have (`data_format`, `groups`, ...), with the value that means what
// nnc computes; whether Keras 3 builds the class at construction (then its config has no
// `build_config`); renames for tfjs-layers; and what a target cannot express. A kind
// without an entry is a refusal by layer name, never a guess; a new kind exports with
// one entry (`{}` when Keras needs nothing more).

import type { Json, JsonObject } from '../../src/formats/keras/config.js';
import { CONSTRAINTS, INITIALIZERS, REGULARIZERS } from '../../src/formats/keras/layers.js';
import type { AttrDef } from '../../src/ir/layers/define.js';
import { layerDef } from '../../src/ir/layers/index.js';
import { activation, constraint, initializer, regularizer } from '../../src/ir/layers/paramTypes.js';
import type { Activation, Callable, Graph, Node } from '../../src/ir/types.js';

export type ExportFormat = 'keras' | 'tfjs-layers';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['keras', 'tfjs-layers'];

/** One layer as the target writes it: its class, its config, and whether Keras 3 records a build_config. */
export interface ExportedLayer {
  readonly className: string;
  readonly config: JsonObject;
  readonly builtAtInit: boolean;
}

export interface ClassSpec {
  /** Config keys Keras writes that the language has no argument for, with the value meaning what nnc computes. */
  readonly extras?: JsonObject;
  /** Keys the language holds as one number that Keras writes as a one-element tuple (`kernel_size: [3]` of Conv1D). */
  readonly singles?: readonly string[];
  /** Keras 3 marks the layer built in its constructor (`_build_at_init`): no build_config. */
  readonly builtAtInit?: boolean;
  /** tfjs-layers: keys renamed (Keras 3 name → tfjs's), or false when tfjs-layers lacks the class. */
  readonly tfjs?: { readonly rename?: Readonly<Record<string, string>> } | false;
  /** Why the target cannot express this layer's config, or null. */
  refuse?(config: JsonObject, format: ExportFormat): string | null;
}

const CHANNELS_LAST: JsonObject = { data_format: 'channels_last' };
const CONV: ClassSpec = { extras: { data_format: 'channels_last', groups: 1, activity_regularizer: null } };
const POOLING: ClassSpec = { extras: CHANNELS_LAST, builtAtInit: true };

/** Keys only Keras 3 has, with the value tfjs-layers computes anyway: dropped for tfjs, refused when they hold anything else. */
const KERAS3_ONLY: Readonly<Record<string, Json>> = { groups: 1, synchronized: false, lora_rank: null, keepdims: false, rms_scaling: false };

/**
 * Per Keras class (= the IR kind): what the definition does not say. Keys Keras 3.10
 * writes, checked against a real file (test/fixtures/keras/mnist-cnn) for Conv2D,
 * BatchNormalization, MaxPooling2D, Dropout, Flatten and Dense.
 */
export const CLASSES: Readonly<Record<string, ClassSpec>> = {
  Dense: {},
  Conv2D: CONV,
  DepthwiseConv2D: { extras: { data_format: 'channels_last', activity_regularizer: null } },
  BatchNormalization: {
    refuse(config, format) {
      if (Array.isArray(config.axis)) return `it normalizes over several axes (axis=${JSON.stringify(config.axis)}); Keras 3 and tfjs-layers take one axis`;
      // tfjs-layers 4.22 broadcasts the statistics wrongly in inference for any other axis
      // (test/compiler/export/tfjsLayers.test.ts measures it against a hand computation).
      if (format === 'tfjs-layers' && config.axis !== -1) return `tfjs-layers normalizes only the last axis correctly (axis=${JSON.stringify(config.axis)} here)`;
      return null;
    },
  },
  Activation: { builtAtInit: true },
  ReLU: {
    builtAtInit: true,
    refuse: (config, format) => (format === 'tfjs-layers' && (config.negative_slope !== 0 || config.threshold !== 0) ? 'tfjs-layers has no negative_slope or threshold on ReLU' : null),
  },
  ELU: {
    builtAtInit: true,
    // tfjs-layers: "Non-default alpha value (...) is not supported by the ELU layer yet".
    refuse: (config, format) => (format === 'tfjs-layers' && config.alpha !== 1 ? `tfjs-layers' ELU takes only alpha=1 (here ${JSON.stringify(config.alpha)})` : null),
  },
  LeakyReLU: { builtAtInit: true, tfjs: { rename: { negative_slope: 'alpha' } } },
  Softmax: {
    builtAtInit: true,
    // tfjs-core's softmax: "Softmax along a non-last dimension is not yet supported".
    refuse: (config, format) => (format === 'tfjs-layers' && config.axis !== -1 ? `tfjs-layers computes Softmax on the last axis only (axis=${JSON.stringify(config.axis)} here)` : null),
  },
  Dropout: { extras: { noise_shape: null }, builtAtInit: true },
  Flatten: { extras: CHANNELS_LAST },
  Reshape: { builtAtInit: true },
  Rescaling: { builtAtInit: true },
  ZeroPadding2D: { extras: CHANNELS_LAST, builtAtInit: true },
  MaxPooling2D: POOLING,
  AveragePooling2D: POOLING,
  GlobalAveragePooling2D: { extras: { data_format: 'channels_last', keepdims: false }, builtAtInit: true },
  Add: {},
  Concatenate: {},
  // Kinds being added on other branches (issue 17): unused until the kind exists. Each was
  // checked on a scratch merge of its branch (layers-conv, -1d, -act, -norm) with this one:
  // the .keras export imports back bit for bit, and tfjs-layers predicts what nnc predicts
  // where it has the layer (1e-6).
  SeparableConv2D: { extras: { data_format: 'channels_last', activity_regularizer: null } },
  Conv2DTranspose: {
    extras: { data_format: 'channels_last', activity_regularizer: null },
    // tfjs-layers' Conv2DTranspose has no outputPadding and no dilated transposed convolution.
    refuse: (config, format) => {
      if (format !== 'tfjs-layers') return null;
      if (config.output_padding !== null) return `tfjs-layers' Conv2DTranspose has no output_padding (here ${JSON.stringify(config.output_padding)})`;
      const dilation = config.dilation_rate as number[];
      return dilation[0] !== 1 || dilation[1] !== 1 ? `tfjs-layers' Conv2DTranspose has no dilation_rate (here ${JSON.stringify(dilation)})` : null;
    },
  },
  Conv1D: { extras: { data_format: 'channels_last', activity_regularizer: null }, singles: ['kernel_size', 'strides', 'dilation_rate'] },
  MaxPooling1D: { extras: CHANNELS_LAST, builtAtInit: true, singles: ['pool_size', 'strides'] },
  AveragePooling1D: { extras: CHANNELS_LAST, builtAtInit: true, singles: ['pool_size', 'strides'] },
  GlobalAveragePooling1D: { extras: { data_format: 'channels_last', keepdims: false }, builtAtInit: true },
  GlobalMaxPooling1D: { extras: { data_format: 'channels_last', keepdims: false }, builtAtInit: true },
  GlobalMaxPooling2D: { extras: { data_format: 'channels_last', keepdims: false }, builtAtInit: true },
  Multiply: {},
  Subtract: { tfjs: false },
  Average: {},
  Maximum: {},
  Minimum: {},
  PReLU: {},
  Identity: { tfjs: false },
  Normalization: { tfjs: false },
  ZeroPadding1D: { extras: CHANNELS_LAST, builtAtInit: true, tfjs: false },
  Cropping2D: { extras: CHANNELS_LAST, builtAtInit: true },
  Permute: { builtAtInit: true },
  LayerNormalization: {},
  UpSampling2D: {
    extras: CHANNELS_LAST,
    // tfjs-layers' bilinear resize has no half-pixel centers, Keras 3's has (docs/layers.md).
    refuse: (config, format) => (format === 'tfjs-layers' && config.interpolation !== 'nearest' ? `tfjs-layers' ${String(config.interpolation)} UpSampling2D is not Keras 3's (no half-pixel centers)` : null),
  },
};

/** Entries of kinds added at run time (`registerLayer`): one each, as for the built-in ones. */
const registered = new Map<string, ClassSpec>();

/** Gives a kind added with `registerLayer` its export entry (`{}` when Keras needs nothing the definition lacks). */
export function registerExportClass(kind: string, spec: ClassSpec): void {
  if (Object.hasOwn(CLASSES, kind) || registered.has(kind)) throw new Error(`layer '${kind}' already has an export entry`);
  registered.set(kind, spec);
}

function classSpec(kind: string): ClassSpec | undefined {
  return Object.hasOwn(CLASSES, kind) ? CLASSES[kind] : registered.get(kind);
}

/** The kinds `nnc export` writes (for documentation and tests). */
export function exportableKinds(): string[] {
  return [...Object.keys(CLASSES).filter((kind) => layerDef(kind) !== undefined), ...registered.keys()];
}

/** Keras 3's float32 dtype policy, as every layer of a float32 model carries it. */
export const FLOAT32_POLICY: JsonObject = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

const reverse = (table: Record<string, string>): Map<string, string> => {
  const out = new Map<string, string>();
  // The first class a name is read from is Keras's own (L1L2 before the alias L1L2Regularizer).
  for (const [className, name] of Object.entries(table)) if (!out.has(name)) out.set(name, className);
  return out;
};
const INITIALIZER_CLASSES = reverse(INITIALIZERS);
const REGULARIZER_CLASSES = reverse(REGULARIZERS);
const CONSTRAINT_CLASSES = reverse(CONSTRAINTS);

/** tfjs-layers' activation names (its `activations.ts`); Keras 3 takes every name the language has. */
const TFJS_ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'softplus', 'softsign', 'swish', 'gelu', 'mish']);
/** Keras's own parameter of an activation used by name (leaky_relu's slope 0.2, elu's alpha 1). */
const NAMED_ACTIVATION_ALPHA: Readonly<Record<string, number>> = { leaky_relu: 0.2, elu: 1 };

class Problems {
  readonly list: string[] = [];
  constructor(readonly layer: string) {}
  add(why: string): null {
    this.list.push(why);
    return null;
  }
}

function activationJson(value: Activation, format: ExportFormat, problems: Problems): Json {
  const expected = NAMED_ACTIVATION_ALPHA[value.name];
  if (value.alpha !== undefined && value.alpha !== expected) return problems.add(`its activation ${value.name} has alpha ${value.alpha}, which an activation name cannot carry`);
  if (format === 'tfjs-layers' && !TFJS_ACTIVATIONS.has(value.name)) return problems.add(`tfjs-layers has no activation '${value.name}'`);
  return value.name;
}

function objectJson(kind: string, module: string, classes: Map<string, string>, value: Callable, format: ExportFormat, problems: Problems): Json {
  const className = classes.get(value.name);
  if (className === undefined) return problems.add(`Keras has no ${kind} '${value.name}'`);
  const config: JsonObject = { ...value.args };
  if (format === 'tfjs-layers') {
    if (kind === 'regularizer') return { class_name: 'L1L2', config: { l1: (value.args.l1 as number | undefined) ?? 0, l2: (value.args.l2 as number | undefined) ?? 0 } };
    if (kind === 'initializer' && value.args.distribution === 'untruncated_normal') return problems.add("tfjs-layers' VarianceScaling has no untruncated_normal distribution");
    return { class_name: className, config };
  }
  return { module, class_name: className, config, registered_name: null };
}

/** Keras's spelling of resolved axes (counted with the batch axis) for an input of `rank` dimensions. */
function axisJson(value: number | readonly number[], rank: number): Json {
  const one = (a: number) => (a === rank - 1 ? -1 : a);
  if (typeof value === 'number') return one(value);
  return value.length === 1 ? one(value[0]) : value.map(one);
}

function attrJson(def: AttrDef<unknown>, key: string, value: unknown, rank: number, format: ExportFormat, problems: Problems): Json {
  if (def.type === activation) return activationJson(value as Activation, format, problems);
  if (value === null) return null;
  if (def.type === initializer) return objectJson('initializer', 'keras.initializers', INITIALIZER_CLASSES, value as Callable, format, problems);
  if (def.type === regularizer) return objectJson('regularizer', 'keras.regularizers', REGULARIZER_CLASSES, value as Callable, format, problems);
  if (def.type === constraint) return objectJson('constraint', 'keras.constraints', CONSTRAINT_CLASSES, value as Callable, format, problems);
  if (key === 'axis') return axisJson(value as number | number[], rank);
  return structuredClone(value) as Json;
}

/** The Keras class and config of a layer node, or the reasons the target cannot express it. */
export function exportLayer(graph: Graph, node: Node, format: ExportFormat): ExportedLayer | { readonly errors: readonly string[] } {
  const where = `layer '${node.name}' (${node.kind})`;
  const target = format === 'keras' ? 'Keras' : 'tfjs-layers';
  const spec = classSpec(node.kind);
  const def = layerDef(node.kind);
  if (spec === undefined || def === undefined || !def.callable) return { errors: [`${where}: nnc cannot export a ${node.kind} to ${target} yet`] };
  if (format === 'tfjs-layers' && spec.tfjs === false) return { errors: [`${where}: tfjs-layers has no ${node.kind} layer`] };
  const problems = new Problems(node.name);
  const rank = node.inputs.length > 0 ? graph.nodes[node.inputs[0]].shape.length : node.shape.length;
  const attrs: Record<string, Json> = {};
  for (const [key, attrDef] of Object.entries(def.attrs as Record<string, AttrDef<unknown>>)) {
    attrs[key] = attrJson(attrDef, key, (node.attrs as Record<string, unknown>)[key], rank, format, problems);
  }
  for (const key of spec.singles ?? []) if (typeof attrs[key] === 'number') attrs[key] = [attrs[key]];
  const why = spec.refuse?.(attrs, format) ?? null;
  if (why !== null) problems.add(why);
  let config: Record<string, Json> = { name: node.name, trainable: node.trainable, dtype: format === 'keras' ? FLOAT32_POLICY : 'float32', ...spec.extras, ...attrs };
  if (format === 'tfjs-layers') {
    for (const [key, harmless] of Object.entries(KERAS3_ONLY)) {
      if (!Object.hasOwn(config, key)) continue;
      if (config[key] !== harmless) problems.add(`tfjs-layers has no ${key} (here ${JSON.stringify(config[key])})`);
      delete config[key];
    }
    const rename = spec.tfjs ? (spec.tfjs.rename ?? {}) : {};
    config = Object.fromEntries(Object.entries(config).map(([k, v]) => [rename[k] ?? k, v]));
  }
  if (problems.list.length > 0) return { errors: problems.list.map((p) => `${where}: ${p}`) };
  return { className: node.kind, config, builtAtInit: spec.builtAtInit === true };
}
