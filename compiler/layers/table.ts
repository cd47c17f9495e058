// Every layer of the language with its Keras signature: parameter order, how many may
// be positional, types and defaults (LANGUAGE.md's table), and how the checked
// arguments become the IR's attributes once the input shapes are known (axes are
// resolved against the input's rank here).

import { formatShape } from '../../src/ir/shape.js';
import type { AttrsByKind, OpKind, Pair, Shape } from '../../src/ir/types.js';
import { type ParamSpec, type Signature, param } from './arguments.js';
import {
  activation,
  axes,
  bool,
  constraint,
  finite,
  init,
  initializer,
  integer,
  intOrPair,
  nonNegative,
  nullable,
  oneOf,
  positive,
  positiveInt,
  probability,
  regularizer,
  targetShape,
  text,
  unitInterval,
  zeroPadding,
} from './paramTypes.js';

export type LayerKind = Exclude<OpKind, 'Input' | 'Affine'>;

type Args = Record<string, unknown>;

export interface LayerSignature<K extends LayerKind = LayerKind> extends Signature {
  readonly kind: K;
  /** `one` input, or `many` (two or more: merge layers). */
  readonly inputs: 'one' | 'many';
  /** The IR attributes from bound arguments and input shapes, or why they do not fit. */
  attrs(args: Args, inputs: readonly Shape[]): AttrsByKind[K] | AttrsError;
}

/** Why arguments do not fit the input; `param` names the argument to point at. */
export interface AttrsError {
  readonly error: string;
  readonly param?: string;
}

const padding = oneOf('padding', ['valid', 'same'] as const);
const LINEAR = { name: 'linear' } as const;

/** Keyword arguments every layer takes. */
const COMMON: readonly ParamSpec[] = [param('name', nullable(text), null), param('trainable', bool, true)];

function layer<K extends LayerKind>(kind: K, positional: number, params: readonly ParamSpec[], attrs: LayerSignature<K>['attrs'], inputs: 'one' | 'many' = 'one'): LayerSignature<K> {
  return { kind, title: kind, positional, params: [...params, ...COMMON], inputs, attrs };
}

/** Copies the named arguments: attributes that need no resolution. */
function pick<T>(args: Args, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = args[key];
  return out as T;
}

/** Resolves possibly negative axes against a rank (batch axis included); rejects the batch axis and repeats. */
export function resolveAxes(kind: string, written: readonly number[], shape: Shape): readonly number[] | { error: string } {
  const rank = shape.length;
  if (rank < 2) return { error: `${kind} needs a feature axis, but its input ${formatShape(shape)} has only the batch axis` };
  const resolved: number[] = [];
  for (const axis of written) {
    const r = axis < 0 ? axis + rank : axis;
    if (r === 0) return { error: `${kind} axis ${axis} is the batch axis of ${formatShape(shape)}; choose a feature axis: 1..${rank - 1} or -${rank - 1}..-1` };
    if (r < 0 || r >= rank) return { error: `${kind} axis ${axis} is out of range for an input of shape ${formatShape(shape)}: valid axes are 1..${rank - 1} or -${rank - 1}..-1` };
    if (resolved.includes(r)) return { error: `${kind} axis ${axis} is listed twice (as ${r})` };
    resolved.push(r);
  }
  return resolved.sort((a, b) => a - b);
}

const DENSE_KEYS = ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer', 'kernel_constraint', 'bias_constraint'] as const;
const CONV_KEYS = ['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer', 'kernel_constraint', 'bias_constraint'] as const;
const DEPTHWISE_KEYS = ['kernel_size', 'strides', 'padding', 'depth_multiplier', 'dilation_rate', 'activation', 'use_bias', 'depthwise_initializer', 'bias_initializer', 'depthwise_regularizer', 'bias_regularizer', 'depthwise_constraint', 'bias_constraint'] as const;
const BN_KEYS = ['momentum', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint', 'synchronized'] as const;

/** Keras refuses strides > 1 together with dilation > 1. */
function stridesWithDilation(kind: string, strides: Pair, dilation: Pair): AttrsError | null {
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
    return { error: `${kind} cannot combine strides [${strides.join(', ')}] with dilation_rate [${dilation.join(', ')}]: one of them must be 1`, param: 'dilation_rate' };
  }
  return null;
}

const weightParams = (kernel: 'kernel' | 'depthwise') => [
  param(`${kernel}_initializer`, initializer, init('glorot_uniform')),
  param('bias_initializer', initializer, init('zeros')),
  param(`${kernel}_regularizer`, regularizer, null),
  param('bias_regularizer', regularizer, null),
  param(`${kernel}_constraint`, constraint, null),
  param('bias_constraint', constraint, null),
];

const pooling = <K extends 'MaxPooling2D' | 'AveragePooling2D'>(kind: K) =>
  layer(kind, 1, [param('pool_size', intOrPair, [2, 2]), param('strides', nullable(intOrPair), null), param('padding', padding, 'valid')], (args) => ({
    pool_size: args.pool_size as Pair,
    strides: (args.strides as Pair | null) ?? (args.pool_size as Pair),
    padding: args.padding as 'valid' | 'same',
  }));

export const LAYERS: { readonly [K in LayerKind]: LayerSignature<K> } = {
  Dense: layer('Dense', 1, [param('units', positiveInt), param('activation', activation, LINEAR), param('use_bias', bool, true), ...weightParams('kernel')], (args) => pick(args, DENSE_KEYS)),

  Conv2D: layer(
    'Conv2D',
    2,
    [param('filters', positiveInt), param('kernel_size', intOrPair), param('strides', intOrPair, [1, 1]), param('padding', padding, 'valid'), param('dilation_rate', intOrPair, [1, 1]), param('activation', activation, LINEAR), param('use_bias', bool, true), ...weightParams('kernel')],
    (args) => stridesWithDilation('Conv2D', args.strides as Pair, args.dilation_rate as Pair) ?? pick(args, CONV_KEYS),
  ),

  DepthwiseConv2D: layer(
    'DepthwiseConv2D',
    1,
    [param('kernel_size', intOrPair), param('strides', intOrPair, [1, 1]), param('padding', padding, 'valid'), param('depth_multiplier', positiveInt, 1), param('dilation_rate', intOrPair, [1, 1]), param('activation', activation, LINEAR), param('use_bias', bool, true), ...weightParams('depthwise')],
    (args) => stridesWithDilation('DepthwiseConv2D', args.strides as Pair, args.dilation_rate as Pair) ?? pick(args, DEPTHWISE_KEYS),
  ),

  BatchNormalization: layer(
    'BatchNormalization',
    0,
    [
      param('axis', axes, [-1]),
      param('momentum', probability, 0.99),
      param('epsilon', positive, 0.001),
      param('center', bool, true),
      param('scale', bool, true),
      param('beta_initializer', initializer, init('zeros')),
      param('gamma_initializer', initializer, init('ones')),
      param('moving_mean_initializer', initializer, init('zeros')),
      param('moving_variance_initializer', initializer, init('ones')),
      param('beta_regularizer', regularizer, null),
      param('gamma_regularizer', regularizer, null),
      param('beta_constraint', constraint, null),
      param('gamma_constraint', constraint, null),
      param('synchronized', bool, false),
    ],
    (args, [shape]) => {
      const axis = resolveAxes('BatchNormalization', args.axis as number[], shape);
      return 'error' in axis ? { ...axis, param: 'axis' } : { axis, ...pick<Omit<AttrsByKind['BatchNormalization'], 'axis'>>(args, BN_KEYS) };
    },
  ),

  Activation: layer('Activation', 1, [param('activation', activation)], (args) => pick(args, ['activation'])),
  ReLU: layer('ReLU', 0, [param('max_value', nullable(nonNegative), null), param('negative_slope', nonNegative, 0), param('threshold', nonNegative, 0)], (args) => pick(args, ['max_value', 'negative_slope', 'threshold'])),
  ELU: layer('ELU', 0, [param('alpha', finite, 1)], (args) => pick(args, ['alpha'])),
  LeakyReLU: layer('LeakyReLU', 0, [param('negative_slope', nonNegative, 0.3)], (args) => pick(args, ['negative_slope'])),

  Softmax: layer('Softmax', 0, [param('axis', integer, -1)], (args, [shape]) => {
    const axis = resolveAxes('Softmax', [args.axis as number], shape);
    return 'error' in axis ? { ...axis, param: 'axis' } : { axis: axis[0] };
  }),

  Dropout: layer('Dropout', 1, [param('rate', unitInterval), param('seed', nullable(integer), null)], (args) => pick(args, ['rate', 'seed'])),
  Flatten: layer('Flatten', 0, [], () => ({})),
  Reshape: layer('Reshape', 1, [param('target_shape', targetShape)], (args) => pick(args, ['target_shape'])),
  Rescaling: layer('Rescaling', 1, [param('scale', finite), param('offset', finite, 0)], (args) => pick(args, ['scale', 'offset'])),
  ZeroPadding2D: layer('ZeroPadding2D', 1, [param('padding', zeroPadding, [[1, 1], [1, 1]])], (args) => pick(args, ['padding'])),
  MaxPooling2D: pooling('MaxPooling2D'),
  AveragePooling2D: pooling('AveragePooling2D'),
  GlobalAveragePooling2D: layer('GlobalAveragePooling2D', 0, [], () => ({})),
  Add: layer('Add', 0, [], () => ({}), 'many'),

  Concatenate: layer(
    'Concatenate',
    0,
    [param('axis', integer, -1)],
    (args, [shape]) => {
      const axis = resolveAxes('Concatenate', [args.axis as number], shape);
      return 'error' in axis ? { ...axis, param: 'axis' } : { axis: axis[0] };
    },
    'many',
  ),
};

/** Other names Keras accepts for the same class. */
export const LAYER_ALIASES: Readonly<Record<string, LayerKind>> = {
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
};

export function lookupLayer(name: string): LayerSignature | undefined {
  const kind = (Object.hasOwn(LAYERS, name) ? name : LAYER_ALIASES[name]) as LayerKind | undefined;
  return kind === undefined ? undefined : (LAYERS[kind] as unknown as LayerSignature);
}

export const LAYER_NAMES: readonly string[] = [...Object.keys(LAYERS), ...Object.keys(LAYER_ALIASES)];
