// A model after expansion and before its graph is built: every layer its statements
// made, including those that reach no output. The rules over a finished model
// (compiler/checks/) read it; `buildGraph` then keeps the layers that reach an output.

import { GraphBuilder } from '../../src/ir/graph.js';
import type { Graph, NodeId } from '../../src/ir/types.js';
import type { ModelInfo } from './definitions.js';

export interface ExpandedModel {
  readonly model: ModelInfo;
  /** The layers in the order they were made (ids are topological). */
  readonly builder: GraphBuilder;
  readonly inputs: readonly NodeId[];
  readonly outputs: readonly NodeId[];
  /** `live[id]` is 1 when node `id` feeds an output (or is one). */
  readonly live: Uint8Array;
}

export function expandedModel(model: ModelInfo, builder: GraphBuilder, inputs: readonly NodeId[], outputs: readonly NodeId[]): ExpandedModel {
  const size = builder.size;
  const live = new Uint8Array(size);
  for (const id of outputs) live[id] = 1;
  // Ids are topological, so one backward sweep marks every producer of a live node.
  for (let id = size - 1; id >= 0; id--) if (live[id]) for (const input of builder.node(id).inputs) live[input] = 1;
  return { model, builder, inputs, outputs, live };
}

/** The model's graph without the layers that reach no output (inputs always stay). */
export function buildGraph({ model, builder, inputs, outputs, live }: ExpandedModel): Graph {
  const size = builder.size;
  let dropped = 0;
  for (let id = 0; id < size; id++) if (!live[id] && builder.node(id).kind !== 'Input') dropped++;
  if (dropped === 0) return builder.build(model.name, inputs, outputs);
  // Rebuild without the dead layers: ids must stay dense and topological.
  const kept = new GraphBuilder();
  const renumber = new Int32Array(size).fill(-1);
  for (let id = 0; id < size; id++) {
    const node = builder.node(id);
    if (live[id] || node.kind === 'Input') renumber[id] = kept.add({ ...node, inputs: node.inputs.map((i) => renumber[i]) } as never).id;
  }
  return kept.build(model.name, inputs.map((i) => renumber[i]), outputs.map((o) => renumber[o]));
}
