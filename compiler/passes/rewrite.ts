// The skeleton every pass is written on: visit each node of the graph in order with a
// graph editor, the weights to edit and a note-taker, then build the result. The input
// graph and weights are never touched; the editor and WeightEdits copy what changes.

import { GraphEditor } from '../../src/ir/rewrite.js';
import type { Graph, Node, NodeId } from '../../src/ir/types.js';
import type { ModelState, Pass, PassNote, PassResult } from './pass.js';
import { WeightEdits } from './weightEdits.js';

/** What a rewriting pass has at hand for each node it visits. */
export interface Rewrite {
  /** The graph as the pass received it. */
  readonly graph: Graph;
  readonly editor: GraphEditor;
  /** The weights, to read and edit (for passes that edit weights); null in structural runs. */
  readonly weights: WeightEdits | null;
  /** Records a decision about `node` in the pass's notes. */
  note(node: Node, action: PassNote['action'], detail: string, into?: string): void;
}

/**
 * Visits each node of the graph in order with an editor, the weights (a copy to edit
 * when `editsWeights`) and a note-taker, then builds the result.
 */
export function rewriteNodes(pass: Pass, { graph, weights }: ModelState, editsWeights: boolean, visit: (node: Node, r: Rewrite) => void): PassResult {
  const editor = new GraphEditor(graph);
  const out = weights && editsWeights ? new WeightEdits(weights) : null;
  const notes: PassNote[] = [];
  const rewrite: Rewrite = {
    graph,
    editor,
    weights: out,
    note: (node, action, detail, into) => notes.push({ pass: pass.name, layer: node.name, kind: node.kind, action, ...(into === undefined ? {} : { into }), detail }),
  };
  for (const node of graph.nodes) visit(node, rewrite);
  return { graph: editor.build(), weights: out ? out.result() : weights, notes };
}

type BatchNormNode = Node & { kind: 'BatchNormalization' };

/** What a BatchNormalization pass gets for each BN of the graph, in order. */
export interface BatchNormVisit extends Rewrite {
  readonly bn: BatchNormNode;
  /** Records that the BN stays where it is, and why. */
  kept(detail: string): void;
  /** Records what became of the BN. */
  done(action: 'folded' | 'converted', into: string, detail: string): void;
}

/** `rewriteNodes` for the BatchNormalization passes: visits each BN, with note-takers about it. */
export function rewriteBatchNorms(pass: Pass, state: ModelState, visit: (v: BatchNormVisit) => void): PassResult {
  return rewriteNodes(pass, state, true, (bn, r) => {
    if (bn.kind !== 'BatchNormalization') return;
    // Spelled out, not `{ ...r }`: a spread per BN was a tenth of a fold's time.
    const { graph, editor, weights, note } = r;
    visit({ graph, editor, weights, note, bn, kept: (detail) => note(bn, 'kept', detail), done: (action, into, detail) => note(bn, action, detail, into) });
  });
}

/** The node consuming `id` in the editor's graph, if it has exactly one consumer and is not also an output. Otherwise why not. */
export function soleConsumer(editor: GraphEditor, id: NodeId): { node: Node } | { reason: string } {
  const { graph } = editor;
  const node = graph.nodes[id];
  const users = editor.consumersOf(id);
  if (editor.isOutput(id)) return { reason: `'${node.name}' is a model output, so its value must stay as it is` };
  if (users.length !== 1) return { reason: `'${node.name}' feeds ${users.length} consumers (${users.map((u) => graph.nodes[u].name).join(', ')}), so changing it would change the others` };
  return { node: graph.nodes[users[0]] };
}
