// The IR: a typed, immutable graph of Keras layers (plus the few ops the optimizer
// introduces). Nodes are a readonly discriminated union keyed by `kind`; every node
// carries its output shape and the source location it came from. The kinds and their
// attributes are the layer definitions' (src/ir/layers/).

import type { Location } from '../diagnostics.js';
import type { Constraint, Initializer, Regularizer, Shape } from './attributes.js';
import type { AttrsByKind, OpKind } from './layers/index.js';

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
  /** Values the weight may hold beyond being finite: `non-negative` for a variance. */
  readonly domain?: 'non-negative';
}
