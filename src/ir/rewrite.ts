// Pure graph rewrites. A GraphEditor records edits against an immutable graph —
// change a node's attributes or kind, bypass (remove) a node — and `build` returns a
// new graph: renumbered, consumers of removed nodes redirected to their input, the
// original untouched.

import { GraphBuilder, consumers } from './graph.js';
import type { AttrsByKind, Graph, Node, NodeId, OpKind } from './types.js';

interface Change {
  readonly kind: OpKind;
  readonly attrs: unknown;
  readonly trainable: boolean;
}

export class GraphEditor {
  readonly graph: Graph;
  readonly #changes = new Map<NodeId, Change>();
  /** Removed node → the node that now stands for its value. */
  readonly #bypassed = new Map<NodeId, NodeId>();
  #consumers: readonly (readonly NodeId[])[] | undefined;

  constructor(graph: Graph) {
    this.graph = graph;
  }

  /** Consumers in the original graph (with repeats, in order). */
  consumersOf(id: NodeId): readonly NodeId[] {
    this.#consumers ??= consumers(this.graph);
    return this.#consumers[id];
  }

  isOutput(id: NodeId): boolean {
    return this.graph.outputs.includes(id);
  }

  /** Replaces a node's attributes, and optionally its kind. */
  update<K extends OpKind>(id: NodeId, kind: K, attrs: AttrsByKind[K], trainable = this.#changes.get(id)?.trainable ?? this.graph.nodes[id].trainable): void {
    this.#changes.set(id, { kind, attrs, trainable });
  }

  /** Removes a single-input node; its consumers (and the outputs) read its input instead. */
  bypass(id: NodeId): void {
    const node = this.graph.nodes[id];
    if (node.inputs.length !== 1) throw new Error(`cannot bypass '${node.name}': it has ${node.inputs.length} inputs`);
    this.#bypassed.set(id, node.inputs[0]);
  }

  get changed(): boolean {
    return this.#changes.size > 0 || this.#bypassed.size > 0;
  }

  #resolve(id: NodeId): NodeId {
    let current = id;
    while (this.#bypassed.has(current)) current = this.#bypassed.get(current)!;
    return current;
  }

  /** The edited graph (the original if nothing changed). */
  build(): Graph {
    if (!this.changed) return this.graph;
    const builder = new GraphBuilder();
    const renumber = new Map<NodeId, NodeId>();
    for (const original of this.graph.nodes) {
      if (this.#bypassed.has(original.id)) continue;
      // The node as edited: kind, attributes and trainability from its change, if any.
      const change: Change = this.#changes.get(original.id) ?? original;
      const inputs = original.inputs.map((input) => renumber.get(this.#resolve(input))!);
      const { name, shape, loc } = original;
      renumber.set(original.id, builder.add({ kind: change.kind, name, inputs, attrs: change.attrs as never, shape, trainable: change.trainable, loc }).id);
    }
    const outputs = this.graph.outputs.map((id) => renumber.get(this.#resolve(id))!);
    const inputs = this.graph.inputs.map((id) => renumber.get(id)!);
    return builder.build(this.graph.name, inputs, outputs);
  }
}
