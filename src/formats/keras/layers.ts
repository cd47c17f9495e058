// Keras layer configs → the language's layer arguments. One entry per Keras class the
// language has: which config keys it reads and how each becomes the `.nn` argument of
// the same name (Keras 3 spelling). Every key of a config is accounted for: read here,
// known to change nothing at inference (a dtype of float32, `data_format` channels_last,
// `groups` 1, ...), or refused — an option nnc would silently ignore is an error, never a
// quiet difference. The arguments are then checked by the language's own layer table
// (compiler/import/buildGraph.ts), so an imported layer is exactly the layer the same
// `.nn` text gives.

import type { OpKind } from '../../ir/types.js';
import { isObject, type Json, type JsonObject } from './config.js';

/** The language's layer kinds (the IR's kinds but Input and the optimizer's Affine). */
export type LayerKind = Exclude<OpKind, 'Input' | 'Affine'>;

/** A `.nn` argument value: what the language's argument checker takes. */
export type Arg = number | string | boolean | null | readonly Arg[] | CallArg;
/** A symbol with arguments: `l2(l2=0.01)`, `variance_scaling(scale=2, ...)`. */
export interface CallArg {
  readonly call: string;
  readonly args: Readonly<Record<string, Arg>>;
}

export interface LayerTranslation {
  readonly kind: LayerKind;
  readonly args: Readonly<Record<string, Arg>>;
  /** What was dropped on the way (training-only options). */
  readonly notes: readonly string[];
}

/** Reads one layer's config, remembering which keys were used. */
class ConfigReader {
  readonly #config: JsonObject;
  readonly #used = new Set<string>();
  readonly layer: string;
  readonly className: string;
  readonly errors: string[] = [];
  readonly notes: string[] = [];
  readonly args: Record<string, Arg> = {};

  /** Written by Keras 3 (its layers carry a `module`): activations have Keras 3's definitions. */
  readonly keras3: boolean;

  constructor(layer: string, className: string, config: JsonObject, keras3: boolean) {
    this.keras3 = keras3;
    this.layer = layer;
    this.className = className;
    this.#config = config;
  }

  get(key: string): Json | undefined {
    this.#used.add(key);
    return Object.hasOwn(this.#config, key) ? this.#config[key] : undefined;
  }

  /** Copies a plain value (number, string, bool, list) as the argument of the same name (or `as`). */
  plain(key: string, as = key): void {
    const value = this.get(key);
    if (value !== undefined) this.args[as] = value as Arg;
  }

  /** A key that must hold one of `allowed` (or be absent): anything else changes results. */
  only(key: string, allowed: readonly Json[], why: string): void {
    const value = this.get(key);
    if (value === undefined || allowed.some((a) => a === value)) return;
    this.errors.push(`layer '${this.layer}' (${this.className}) has ${key}=${JSON.stringify(value)}; ${why}`);
  }

  /** A training-only key: dropped with a note when set. */
  dropped(key: string, why: string): void {
    const value = this.get(key);
    if (value === undefined || value === null || value === false) return;
    this.notes.push(`layer '${this.layer}': ${key} ${describe(value)} dropped (${why})`);
  }

  activation(key = 'activation'): void {
    const value = this.get(key);
    if (value === undefined) return;
    const name = activationName(value);
    if (name === 'hard_sigmoid' && !this.keras3) {
      this.errors.push(`layer '${this.layer}' (${this.className}) uses Keras 2's hard_sigmoid (clip(0.2 · x + 0.5, 0, 1)), which nnc cannot express: nnc's hard_sigmoid is Keras 3's (clip(x / 6 + 0.5, 0, 1))`);
    } else if (name === null) this.errors.push(`layer '${this.layer}' (${this.className}) uses the activation ${typeof value === 'string' ? `'${value}'` : describe(value)}, which nnc cannot express yet`);
    else this.args[key] = name;
  }

  initializer(key: string): void {
    const value = this.get(key);
    if (value === undefined) return;
    const result = initializerArg(value);
    if (typeof result === 'string') this.notes.push(`layer '${this.layer}': ${key} ${describe(value)} dropped (${result}); the language's default is used should the model be retrained`);
    else this.args[key] = result;
  }

  regularizer(key: string): void {
    const value = this.get(key);
    if (value === undefined || value === null) return;
    const result = regularizerArg(value);
    if (typeof result === 'string') this.notes.push(`layer '${this.layer}': ${key} ${describe(value)} dropped (${result})`);
    else this.args[key] = result;
  }

  constraint(key: string): void {
    const value = this.get(key);
    if (value === undefined || value === null) return;
    const result = constraintArg(value);
    if (typeof result === 'string') this.notes.push(`layer '${this.layer}': ${key} ${describe(value)} dropped (${result})`);
    else this.args[key] = result;
  }

  /** Keys nobody read: refused unless they hold nothing (null, false, an empty list). */
  leftovers(): void {
    for (const [key, value] of Object.entries(this.#config)) {
      if (this.#used.has(key) || HARMLESS_KEYS.has(key)) continue;
      if (value === null || value === false || (Array.isArray(value) && value.length === 0)) continue;
      this.errors.push(`layer '${this.layer}' (${this.className}) has the option ${key}=${describe(value)}, which nnc cannot express; it would be ignored and change the results`);
    }
  }
}

/** Keys that never change what a layer computes at inference, checked elsewhere, or only name the layer. */
const HARMLESS_KEYS = new Set(['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'input_dim', 'input_dtype', 'autocast', 'build_config', 'shared_object_id', 'fused']);

function describe(value: Json): string {
  if (isObject(value) && typeof value.class_name === 'string') return value.class_name;
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'softplus', 'swish', 'silu', 'gelu', 'leaky_relu', 'hard_sigmoid', 'hard_swish', 'hard_silu', 'softsign', 'exponential', 'mish']);

/** A Keras activation (a name, or Keras 2's `{class_name: "function", config: name}`) as the language's name. */
function activationName(value: Json): string | null {
  if (value === null) return 'linear';
  if (isObject(value) && typeof value.config === 'string' && value.registered_name == null) return activationName(value.config);
  if (typeof value !== 'string') return null;
  return ACTIVATIONS.has(value) ? value : null;
}

/** Keras class names of initializers → the language's names (read in reverse by compiler/export/kerasLayers.ts). */
export const INITIALIZERS: Record<string, string> = {
  Zeros: 'zeros',
  Ones: 'ones',
  Constant: 'constant',
  GlorotUniform: 'glorot_uniform',
  GlorotNormal: 'glorot_normal',
  HeNormal: 'he_normal',
  HeUniform: 'he_uniform',
  LecunNormal: 'lecun_normal',
  LecunUniform: 'lecun_uniform',
  RandomNormal: 'random_normal',
  RandomUniform: 'random_uniform',
  TruncatedNormal: 'truncated_normal',
  VarianceScaling: 'variance_scaling',
};

/** The arguments each initializer reads, in Keras's names. */
const INITIALIZER_ARGS: Record<string, readonly string[]> = {
  constant: ['value'],
  random_normal: ['mean', 'stddev', 'seed'],
  random_uniform: ['minval', 'maxval', 'seed'],
  truncated_normal: ['mean', 'stddev', 'seed'],
  variance_scaling: ['scale', 'mode', 'distribution', 'seed'],
};

function snakeName(value: Json, table: Record<string, string>): { name: string; config: JsonObject } | string {
  if (typeof value === 'string') {
    const known = Object.values(table).includes(value) ? value : table[value];
    return known ?? `nnc has no '${value}'`;
  }
  if (!isObject(value) || typeof value.class_name !== 'string') return 'not a Keras object';
  if (typeof value.registered_name === 'string' && value.registered_name.includes('>')) return `custom ${value.registered_name}`;
  const name = table[value.class_name];
  if (name === undefined) return `nnc has no ${value.class_name}`;
  return { name, config: isObject(value.config) ? value.config : {} };
}

export function initializerArg(value: Json): CallArg | string {
  const found = snakeName(value, INITIALIZERS);
  if (typeof found === 'string') return found;
  const { name, config } = found;
  const args: Record<string, Arg> = {};
  const keys = INITIALIZER_ARGS[name] ?? ['seed'];
  for (const key of keys) {
    const v = config[key];
    if (v === undefined) continue;
    // Keras 2.2's VarianceScaling "normal" (and tfjs's) is the truncated normal Keras 2.3 renamed.
    args[key] = key === 'distribution' && v === 'normal' ? 'truncated_normal' : (v as Arg);
  }
  for (const key of Object.keys(config)) {
    if (!keys.includes(key) && config[key] !== null) return `its argument ${key} has no counterpart in the language`;
  }
  return { call: name, args };
}

export const REGULARIZERS: Record<string, string> = { L1: 'l1', L2: 'l2', L1L2: 'l1_l2', L1L2Regularizer: 'l1_l2' };

export function regularizerArg(value: Json): CallArg | string {
  const found = snakeName(value, REGULARIZERS);
  if (typeof found === 'string') return found;
  const { name, config } = found;
  const keys = name === 'l1_l2' ? ['l1', 'l2'] : [name];
  const args: Record<string, Arg> = {};
  for (const key of keys) if (typeof config[key] === 'number') args[key] = config[key] as number;
  return { call: name, args };
}

export const CONSTRAINTS: Record<string, string> = { MaxNorm: 'max_norm', NonNeg: 'non_neg', UnitNorm: 'unit_norm' };

export function constraintArg(value: Json): CallArg | string {
  const found = snakeName(value, CONSTRAINTS);
  if (typeof found === 'string') return found;
  const { name, config } = found;
  const keys = name === 'max_norm' ? ['max_value', 'axis'] : name === 'unit_norm' ? ['axis'] : [];
  const args: Record<string, Arg> = {};
  for (const key of keys) if (config[key] !== undefined) args[key] = config[key] as Arg;
  return { call: name, args };
}

const CHANNELS_LAST = ['channels_last', null];
const CHANNELS_FIRST_WHY = 'nnc works on channels_last images only (transpose the model to channels_last in Keras first)';

function kernelLayer(r: ConfigReader, kernel: 'kernel' | 'depthwise'): void {
  r.activation();
  r.plain('use_bias');
  r.initializer(`${kernel}_initializer`);
  r.initializer('bias_initializer');
  r.regularizer(`${kernel}_regularizer`);
  r.regularizer('bias_regularizer');
  r.constraint(`${kernel}_constraint`);
  r.constraint('bias_constraint');
  r.dropped('activity_regularizer', 'it only adds a training loss');
  r.only('lora_rank', [null, 0], 'LoRA adapters are not supported');
  r.only('quantization_config', [null], 'quantized layers are not supported');
}

function convLayer(r: ConfigReader, kernel: 'kernel' | 'depthwise', groups: 'plain' | 'refused' = 'refused'): void {
  r.plain('kernel_size');
  r.plain('strides');
  r.plain('padding');
  r.plain('dilation_rate');
  r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY);
  if (groups === 'plain') r.plain('groups');
  // Keras 2 kept groups (always 1) in DepthwiseConv2D's and the transposed convolution's configs.
  else r.only('groups', [1], 'grouped convolutions are only supported in Conv1D and Conv2D');
  kernelLayer(r, kernel);
}

function pooling(r: ConfigReader): void {
  r.plain('pool_size');
  r.plain('strides');
  r.plain('padding');
  r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY);
}

function globalPooling(r: ConfigReader): void {
  r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY);
  r.plain('keepdims');
}

/** Keras class → (the language's layer kind, how its config reads). */
const TRANSLATORS: Record<string, { readonly kind: LayerKind; read(r: ConfigReader): void }> = {
  Dense: {
    kind: 'Dense',
    read(r) {
      r.plain('units');
      kernelLayer(r, 'kernel');
    },
  },
  Conv2D: {
    kind: 'Conv2D',
    read(r) {
      r.plain('filters');
      convLayer(r, 'kernel', 'plain');
    },
  },
  SeparableConv2D: {
    kind: 'SeparableConv2D',
    read(r) {
      r.plain('filters');
      r.plain('depth_multiplier');
      convLayer(r, 'depthwise');
      r.initializer('pointwise_initializer');
      r.regularizer('pointwise_regularizer');
      r.constraint('pointwise_constraint');
    },
  },
  Conv2DTranspose: {
    kind: 'Conv2DTranspose',
    read(r) {
      r.plain('filters');
      r.plain('output_padding');
      convLayer(r, 'kernel');
    },
  },
  DepthwiseConv2D: {
    kind: 'DepthwiseConv2D',
    read(r) {
      r.plain('depth_multiplier');
      // Keras 2 kept the Conv2D keys it does not use; they hold null.
      r.get('filters');
      convLayer(r, 'depthwise');
    },
  },
  BatchNormalization: {
    kind: 'BatchNormalization',
    read(r) {
      for (const key of ['axis', 'momentum', 'epsilon', 'center', 'scale', 'synchronized']) r.plain(key);
      for (const v of ['beta', 'gamma', 'moving_mean', 'moving_variance']) r.initializer(`${v}_initializer`);
      for (const v of ['beta', 'gamma']) {
        r.regularizer(`${v}_regularizer`);
        r.constraint(`${v}_constraint`);
      }
      r.only('renorm', [false], 'batch renormalization is not supported');
      r.get('renorm_clipping');
      r.get('renorm_momentum');
      r.only('virtual_batch_size', [null], 'ghost batch normalization is not supported');
      r.only('adjustment', [null], 'an adjustment function is not supported');
    },
  },
  LayerNormalization: {
    kind: 'LayerNormalization',
    read(r) {
      for (const key of ['axis', 'epsilon', 'center', 'scale', 'rms_scaling']) r.plain(key);
      for (const v of ['beta', 'gamma']) {
        r.initializer(`${v}_initializer`);
        r.regularizer(`${v}_regularizer`);
        r.constraint(`${v}_constraint`);
      }
    },
  },
  Permute: { kind: 'Permute', read: (r) => r.plain('dims') },
  Cropping2D: {
    kind: 'Cropping2D',
    read(r) {
      r.plain('cropping');
      r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY);
    },
  },
  ZeroPadding1D: {
    kind: 'ZeroPadding1D',
    read(r) {
      r.plain('padding');
      r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY);
    },
  },
  Activation: { kind: 'Activation', read: (r) => r.activation() },
  ReLU: {
    kind: 'ReLU',
    read(r) {
      r.plain('max_value');
      r.plain('negative_slope');
      r.plain('threshold');
    },
  },
  ELU: { kind: 'ELU', read: (r) => r.plain('alpha') },
  LeakyReLU: {
    kind: 'LeakyReLU',
    read(r) {
      // Keras 2 and tfjs call it alpha; Keras 3 negative_slope.
      r.plain('alpha', 'negative_slope');
      r.plain('negative_slope');
    },
  },
  Softmax: { kind: 'Softmax', read: (r) => r.plain('axis') },
  Dropout: {
    kind: 'Dropout',
    read(r) {
      r.plain('rate');
      r.plain('seed');
      r.dropped('noise_shape', 'dropout does nothing at inference');
    },
  },
  Flatten: { kind: 'Flatten', read: (r) => r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY) },
  Reshape: { kind: 'Reshape', read: (r) => r.plain('target_shape') },
  Rescaling: {
    kind: 'Rescaling',
    read(r) {
      r.plain('scale');
      r.plain('offset');
    },
  },
  UpSampling2D: {
    kind: 'UpSampling2D',
    read(r) {
      r.plain('size');
      r.plain('interpolation');
      r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY);
    },
  },
  ZeroPadding2D: {
    kind: 'ZeroPadding2D',
    read(r) {
      r.plain('padding');
      r.only('data_format', CHANNELS_LAST, CHANNELS_FIRST_WHY);
    },
  },
  MaxPooling2D: { kind: 'MaxPooling2D', read: pooling },
  MaxPool2D: { kind: 'MaxPooling2D', read: pooling },
  AveragePooling2D: { kind: 'AveragePooling2D', read: pooling },
  AvgPool2D: { kind: 'AveragePooling2D', read: pooling },
  GlobalAveragePooling2D: { kind: 'GlobalAveragePooling2D', read: globalPooling },
  GlobalAvgPool2D: { kind: 'GlobalAveragePooling2D', read: globalPooling },
  GlobalMaxPooling2D: { kind: 'GlobalMaxPooling2D', read: globalPooling },
  GlobalMaxPool2D: { kind: 'GlobalMaxPooling2D', read: globalPooling },
  Add: { kind: 'Add', read: () => {} },
  Multiply: { kind: 'Multiply', read: () => {} },
  Subtract: { kind: 'Subtract', read: () => {} },
  Average: { kind: 'Average', read: () => {} },
  Maximum: { kind: 'Maximum', read: () => {} },
  Minimum: { kind: 'Minimum', read: () => {} },
  Identity: { kind: 'Identity', read: () => {} },
  PReLU: {
    kind: 'PReLU',
    read(r) {
      r.initializer('alpha_initializer');
      r.regularizer('alpha_regularizer');
      r.constraint('alpha_constraint');
      r.plain('shared_axes');
    },
  },
  Normalization: {
    kind: 'Normalization',
    read(r) {
      r.plain('axis');
      r.plain('invert');
      r.plain('mean');
      r.plain('variance');
    },
  },
  Conv1D: {
    kind: 'Conv1D',
    read(r) {
      r.plain('filters');
      convLayer(r, 'kernel', 'plain');
    },
  },
  MaxPooling1D: { kind: 'MaxPooling1D', read: pooling },
  MaxPool1D: { kind: 'MaxPooling1D', read: pooling },
  AveragePooling1D: { kind: 'AveragePooling1D', read: pooling },
  AvgPool1D: { kind: 'AveragePooling1D', read: pooling },
  GlobalAveragePooling1D: { kind: 'GlobalAveragePooling1D', read: globalPooling },
  GlobalAvgPool1D: { kind: 'GlobalAveragePooling1D', read: globalPooling },
  GlobalMaxPooling1D: { kind: 'GlobalMaxPooling1D', read: globalPooling },
  GlobalMaxPool1D: { kind: 'GlobalMaxPooling1D', read: globalPooling },
  Concatenate: { kind: 'Concatenate', read: (r) => r.plain('axis') },
};

/** Classes that hold code rather than configuration: named apart in the refusal. */
const CODE_LAYERS: Record<string, string> = {
  Lambda: 'a Lambda layer (Python code, not stored in the file)',
  TFSMLayer: 'a TFSMLayer (a TensorFlow SavedModel, not Keras layers)',
  TFOpLambda: 'a TensorFlow op called on a Keras tensor (TFOpLambda)',
  SlicingOpLambda: 'a tensor slice (SlicingOpLambda)',
};

/** The Keras classes the importer understands, for documentation and tests. */
export const SUPPORTED_CLASSES: readonly string[] = Object.keys(TRANSLATORS);

export function translateLayer(layer: string, className: string, module: string | null, registeredName: string | null, config: JsonObject): LayerTranslation | { readonly errors: readonly string[] } {
  if (Object.hasOwn(CODE_LAYERS, className)) return { errors: [`layer '${layer}' is ${CODE_LAYERS[className]}, which nnc cannot import`] };
  const custom = (registeredName !== null && registeredName.includes('>')) || (module !== null && !module.startsWith('keras'));
  if (custom) return { errors: [`layer '${layer}' is a custom layer (${registeredName ?? `${module}.${className}`}), which nnc cannot import: its code is not in the file`] };
  const translator = Object.hasOwn(TRANSLATORS, className) ? TRANSLATORS[className] : undefined;
  if (translator === undefined) return { errors: [`layer '${layer}' is a ${className}, which nnc cannot express yet`] };
  const reader = new ConfigReader(layer, className, config, module !== null);
  translator.read(reader);
  reader.leftovers();
  if (reader.errors.length > 0) return { errors: reader.errors };
  return { kind: translator.kind, args: reader.args, notes: reader.notes };
}

/** Why a layer's dtype would change results in nnc's float32, or null when it is float32. */
export function dtypeProblem(dtype: Json | undefined): string | null {
  if (dtype === undefined || dtype === null || dtype === 'float32') return null;
  // Keras 3: DTypePolicy {config: {name}}; Keras 2: Policy {config: {name}}.
  if (isObject(dtype) && isObject(dtype.config) && (dtype.config.name === 'float32' || dtype.config.name === undefined)) return null;
  const name = isObject(dtype) && isObject(dtype.config) ? dtype.config.name : dtype;
  return `it computes in ${typeof name === 'string' ? name : describe(name ?? null)}; nnc computes in float32 and would change its results`;
}
