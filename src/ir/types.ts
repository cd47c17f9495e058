// The IR: a typed, immutable graph of Keras layers (plus the few ops the optimizer
// introduces). Nodes are a readonly discriminated union keyed by `kind`; every node
// carries its output shape and the source location it came from.

import type { Location } from '../diagnostics.js';

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

// ---------------------------------------------------------------------------
// Attributes per kind. Keys are Keras's argument names; values are resolved
// (defaults filled in, axes made non-negative and counted with the batch axis).

export interface InputAttrs {}

/** The arguments Dense and Conv2D share (Keras's names): a kernel and a bias, and what to do with them. */
export interface KernelBiasAttrs {
  readonly activation: Activation;
  readonly use_bias: boolean;
  readonly kernel_initializer: Initializer;
  readonly bias_initializer: Initializer;
  readonly kernel_regularizer: Regularizer | null;
  readonly bias_regularizer: Regularizer | null;
  readonly kernel_constraint: Constraint | null;
  readonly bias_constraint: Constraint | null;
}

export interface DenseAttrs extends KernelBiasAttrs {
  readonly units: number;
}

export interface Conv2DAttrs extends KernelBiasAttrs {
  readonly filters: number;
  readonly kernel_size: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly dilation_rate: Pair;
}

export interface DepthwiseConv2DAttrs {
  readonly kernel_size: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly depth_multiplier: number;
  readonly dilation_rate: Pair;
  readonly activation: Activation;
  readonly use_bias: boolean;
  readonly depthwise_initializer: Initializer;
  readonly bias_initializer: Initializer;
  readonly depthwise_regularizer: Regularizer | null;
  readonly bias_regularizer: Regularizer | null;
  readonly depthwise_constraint: Constraint | null;
  readonly bias_constraint: Constraint | null;
}

export interface BatchNormalizationAttrs {
  /** Normalized axes, ascending, counted with the batch axis (so never 0). */
  readonly axis: readonly number[];
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly beta_initializer: Initializer;
  readonly gamma_initializer: Initializer;
  readonly moving_mean_initializer: Initializer;
  readonly moving_variance_initializer: Initializer;
  readonly beta_regularizer: Regularizer | null;
  readonly gamma_regularizer: Regularizer | null;
  readonly beta_constraint: Constraint | null;
  readonly gamma_constraint: Constraint | null;
  readonly synchronized: boolean;
}

export interface ActivationAttrs {
  readonly activation: Activation;
}

export interface ReLUAttrs {
  readonly max_value: number | null;
  readonly negative_slope: number;
  readonly threshold: number;
}

export interface ELUAttrs {
  readonly alpha: number;
}

export interface LeakyReLUAttrs {
  readonly negative_slope: number;
}

export interface SoftmaxAttrs {
  /** Counted with the batch axis. */
  readonly axis: number;
}

export interface DropoutAttrs {
  readonly rate: number;
  readonly seed: number | null;
}

export interface FlattenAttrs {}

export interface ReshapeAttrs {
  /** As written, without the batch dimension; at most one -1. */
  readonly target_shape: readonly number[];
}

export interface RescalingAttrs {
  readonly scale: number;
  readonly offset: number;
}

export interface ZeroPadding2DAttrs {
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: readonly [Pair, Pair];
}

export interface Pooling2DAttrs {
  readonly pool_size: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
}

export interface GlobalAveragePooling2DAttrs {}

export interface AddAttrs {}

export interface ConcatenateAttrs {
  /** Counted with the batch axis. */
  readonly axis: number;
}

/**
 * Optimizer-introduced: `y = x · scale + offset`, per element of the given axes
 * (what a BatchNormalization becomes in inference once its statistics are known).
 * Weights: `scale` and `offset`, shaped like the axes.
 */
export interface AffineAttrs {
  readonly axis: readonly number[];
}

export interface AttrsByKind {
  Input: InputAttrs;
  Dense: DenseAttrs;
  Conv2D: Conv2DAttrs;
  DepthwiseConv2D: DepthwiseConv2DAttrs;
  BatchNormalization: BatchNormalizationAttrs;
  Activation: ActivationAttrs;
  ReLU: ReLUAttrs;
  ELU: ELUAttrs;
  LeakyReLU: LeakyReLUAttrs;
  Softmax: SoftmaxAttrs;
  Dropout: DropoutAttrs;
  Flatten: FlattenAttrs;
  Reshape: ReshapeAttrs;
  Rescaling: RescalingAttrs;
  ZeroPadding2D: ZeroPadding2DAttrs;
  MaxPooling2D: Pooling2DAttrs;
  AveragePooling2D: Pooling2DAttrs;
  GlobalAveragePooling2D: GlobalAveragePooling2DAttrs;
  Add: AddAttrs;
  Concatenate: ConcatenateAttrs;
  Affine: AffineAttrs;
}

export type OpKind = keyof AttrsByKind;

export type NodeId = number;

export interface NodeOf<K extends OpKind> {
  /** Index of the node in `graph.nodes`; nodes are in topological order. */
  readonly id: NodeId;
  readonly kind: K;
  /** The Keras layer name, unique in the graph. */
  readonly name: string;
  /** Producers of this node's inputs, in order. */
  readonly inputs: readonly NodeId[];
  readonly attrs: AttrsByKind[K];
  /** Output shape, batch dimension first. */
  readonly shape: Shape;
  /** `trainable=false` makes every weight of the layer non-trainable. */
  readonly trainable: boolean;
  /** Where in the source the layer was written, if it came from a source. */
  readonly loc: Location | null;
}

/** Any node: a discriminated union on `kind`. */
export type Node = { [K in OpKind]: NodeOf<K> }[OpKind];

export interface Graph {
  /** The model's name. */
  readonly name: string;
  /** Nodes in topological order; `nodes[i].id === i`. */
  readonly nodes: readonly Node[];
  /** Ids of the Input nodes, in declaration order. */
  readonly inputs: readonly NodeId[];
  /** Ids of the output nodes, in declaration order. */
  readonly outputs: readonly NodeId[];
}

/** A weight as a layer declares it: `<layer>/<name>`, its shape, and how it is made. */
export interface WeightSpec {
  /** The variable: `kernel`, `bias`, `depthwise_kernel`, `gamma`, `beta`, `moving_mean`, `moving_variance`, `scale`, `offset`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Trained by gradients (false for moving statistics and for layers with `trainable=false`). */
  readonly trainable: boolean;
  /** Moving statistics: updated during training, never by gradients. */
  readonly isState: boolean;
  readonly initializer: Initializer;
  readonly regularizer: Regularizer | null;
  readonly constraint: Constraint | null;
}
