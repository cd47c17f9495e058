// The values a layer's attributes are made of: dimensions and shapes, activations,
// and Keras's initializers, regularizers and constraints. The ground of the IR:
// imports nothing.

/** A dimension: a positive integer, or `null` for the symbolic batch dimension. */
export type Dim = number | null;
/** An output shape, batch dimension first (`[null, 28, 28]`). */
export type Shape = readonly Dim[];
/** `[height, width]`. */
export type Pair = readonly [number, number];

export const ACTIVATION_NAMES = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
  'swish',
  'gelu',
  'leaky_relu',
  'hard_sigmoid',
  'hard_swish',
  'softsign',
  'exponential',
  'mish',
] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/**
 * An activation function. `alpha` is the negative slope of `leaky_relu` and the
 * scale of `elu` (1 unless an ELU layer with another alpha was fused).
 */
export interface Activation {
  readonly name: ActivationName;
  readonly alpha?: number;
}

export type ArgValue = number | string | boolean | null;

/** An initializer, regularizer or constraint: Keras's name plus every argument, defaults filled in. */
export interface Callable<Name extends string = string> {
  readonly name: Name;
  readonly args: Readonly<Record<string, ArgValue>>;
}

export const INITIALIZER_NAMES = [
  'zeros',
  'ones',
  'constant',
  'glorot_uniform',
  'glorot_normal',
  'he_normal',
  'he_uniform',
  'lecun_normal',
  'lecun_uniform',
  'random_normal',
  'random_uniform',
  'truncated_normal',
  'variance_scaling',
] as const;
export type InitializerName = (typeof INITIALIZER_NAMES)[number];
export type Initializer = Callable<InitializerName>;

export const REGULARIZER_NAMES = ['l1', 'l2', 'l1_l2'] as const;
export type RegularizerName = (typeof REGULARIZER_NAMES)[number];
export type Regularizer = Callable<RegularizerName>;

export const CONSTRAINT_NAMES = ['max_norm', 'non_neg', 'unit_norm'] as const;
export type ConstraintName = (typeof CONSTRAINT_NAMES)[number];
export type Constraint = Callable<ConstraintName>;

export type Padding = 'valid' | 'same';
