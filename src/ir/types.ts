// The IR: a typed, immutable graph of Keras layers (plus the few ops the optimizer
// introduces). Nodes are a readonly discriminated union keyed by `kind`; every node
// carries its output shape and the source location it came from. The kinds and their
// attributes are the layer definitions' (src/ir/layers/).

import type { Location } from '../diagnostics.js';
import type { Constraint, Initializer, Regularizer, Shape } from './attributes.js';
import type { AttrsByKind, OpKind } from './layers/index.js';
import { shapeSize } from './shape.js';

export * from './attributes.js';
export type { AttrsByKind, LayerKind, OpKind } from './layers/index.js';

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

/** A tensor held on the host, e.g. a weight. Float64 where the optimizer folds, float32 elsewhere. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
  /**
   * Present on tensors whose values are computed when read (the optimizer's folded
   * kernels): the values as float32, computed without keeping a float64 copy.
   */
  toFloat32?(): Float32Array;
}

/** A host tensor's values as float32, as they are stored or uploaded. */
export function hostFloat32(tensor: HostTensor): Float32Array {
  return tensor.toFloat32 ? tensor.toFloat32() : float32(tensor.data);
}

/** A host tensor's number of values, without computing the values of a lazy one. */
export function hostLength(tensor: HostTensor): number {
  return tensor.toFloat32 ? shapeSize(tensor.shape) : tensor.data.length;
}

/** `data` as a Float32Array: itself when it is one, else a float32 copy (folded float64 weights, integer labels). */
export function float32(data: ArrayLike<number>): Float32Array {
  return data instanceof Float32Array ? data : new Float32Array(data);
}

/** Weights keyed `<layer>/<variable>`. */
export type WeightMap = ReadonlyMap<string, HostTensor>;

export function weightKey(layer: string, variable: string): string {
  return `${layer}/${variable}`;
}
