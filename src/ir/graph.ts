// Building immutable graphs. Lowering and the optimizer passes add nodes through a
// builder in topological order; `build` freezes the result so no later stage can edit
// a graph it was given.

import type { Location } from '../diagnostics.js';
import type { AttrsByKind, Graph, Node, NodeId, NodeOf, OpKind, Shape } from './types.js';

export interface NodeInit<K extends OpKind> {
  readonly kind: K;
  readonly name: string;
  readonly inputs: readonly NodeId[];
  readonly attrs: AttrsByKind[K];
  readonly shape: Shape;
  readonly trainable?: boolean;
  readonly loc?: Location | null;
}

export class GraphBuilder {
  readonly #nodes: Node[] = [];

  get size(): number {
    return this.#nodes.length;
  }

  node(id: NodeId): Node {
    return this.#nodes[id];
  }

  /** Appends a node; its inputs must already be in the builder. Returns the frozen node. */
  add<K extends OpKind>(init: NodeInit<K>): NodeOf<K> {
    // Frozen part by part (inputs and shape hold numbers; attributes taken over from an
    // earlier graph are frozen already): a generic walk over every node was a quarter
    // of a rewrite's time.
    const node = Object.freeze({
      id: this.#nodes.length,
      kind: init.kind,
      name: init.name,
      inputs: Object.freeze([...init.inputs]),
      attrs: deepFreeze(init.attrs),
      shape: Object.freeze([...init.shape]),
      trainable: init.trainable ?? true,
      loc: init.loc ?? null,
    }) as unknown as NodeOf<K>;
    this.#nodes.push(node as unknown as Node);
    return node;
  }

  build(name: string, inputs: readonly NodeId[], outputs: readonly NodeId[]): Graph {
    return Object.freeze({
      name,
      nodes: Object.freeze([...this.#nodes]),
      inputs: Object.freeze([...inputs]),
      outputs: Object.freeze([...outputs]),
    });
  }
}

/** Freezes plain data (a node's attributes: objects, arrays, numbers, strings) recursively. */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}

/** For each node, the ids of the nodes that consume its output (in order, with repeats). */
export function consumers(graph: Graph): readonly (readonly NodeId[])[] {
  const result: NodeId[][] = graph.nodes.map(() => []);
  for (const node of graph.nodes) {
    for (const input of node.inputs) result[input].push(node.id);
  }
  return result;
}

/**
 * Liveness, for a run that frees values as it goes: per node, the values whose last
 * consumer it is (each once, in input order, none of `keep`), to free right after it.
 */
export function lastUses(graph: Graph, keep: ReadonlySet<NodeId>): readonly (readonly NodeId[])[] {
  const lastUser = new Int32Array(graph.nodes.length).fill(-1);
  for (const node of graph.nodes) for (const input of node.inputs) lastUser[input] = node.id;
  return graph.nodes.map((node) => [...new Set(node.inputs)].filter((input) => lastUser[input] === node.id && !keep.has(input)));
}

/** Liveness backwards: which nodes an output depends on (1) or not (0). Linear: inputs are earlier nodes. */
export function reachesOutputs(graph: Graph): Uint8Array {
  const live = new Uint8Array(graph.nodes.length);
  for (const id of graph.outputs) live[id] = 1;
  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    if (live[id]) for (const input of graph.nodes[id].inputs) live[input] = 1;
  }
  return live;
}

/** A node of a given kind, or undefined: narrows the union for callers. */
export function asKind<K extends OpKind>(node: Node | undefined, kind: K): NodeOf<K> | undefined {
  return node !== undefined && node.kind === kind ? (node as unknown as NodeOf<K>) : undefined;
}

/** The ops a graph runs: every node but its inputs (what reports call "ops"). */
export function opCount(graph: Graph): number {
  return graph.nodes.filter((n) => n.kind !== 'Input').length;
}
