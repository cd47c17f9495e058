// fuse-activations — inference builds only.
//
//   Dense/Conv2D/DepthwiseConv2D (linear) → activation layer (its only consumer)
//   ⇒ one layer with that activation, which the runtime runs as a single
//     _FusedMatMul / FusedConv2D / FusedDepthwiseConv2D kernel (runtime/kernels.ts).
//
// Only activations tfjs fuses (src/ir/layers/fusedActivations.ts), computed by a layer
// whose definition says which activation it computes (its `activation` trait):
// Activation(relu | relu6 | elu | sigmoid | leaky_relu), ReLU() → relu,
// ReLU(max_value=6) → relu6, ReLU(negative_slope=a) → leaky_relu(a),
// LeakyReLU(a) → leaky_relu(a), ELU(alpha=1) → elu.

import { fusedActivation } from '../../src/ir/layers/fusedActivations.js';
import { layerDef } from '../../src/ir/layers/index.js';
import type { Activation, Node } from '../../src/ir/types.js';
import { isLinearLayer } from '../../src/ir/ops.js';
import type { Pass } from './pass.js';
import { rewriteNodes, soleConsumer } from './rewrite.js';

/** The fusable activation a layer computes, or null (a linear one is nothing to fuse). */
export function fusableActivation(node: Node): Activation | null {
  const activation = layerDef(node.kind)?.traits.activation?.(node.attrs) ?? null;
  return activation !== null && activation.name !== 'linear' && fusedActivation(activation) !== null ? activation : null;
}

export const fuseActivations: Pass = {
  name: 'fuse-activations',
  summary: 'merges an activation layer into the Dense/conv before it, so one fused tfjs kernel computes both',
  modes: ['inference'],
  run(state) {
    return rewriteNodes(this, state, false, (node, { graph, editor, note }) => {
      const activation = fusableActivation(node);
      if (!activation) return;
      const producer = graph.nodes[node.inputs[0]];
      if (!isLinearLayer(producer) || producer.attrs.activation.name !== 'linear') return;
      const consumer = soleConsumer(editor, producer.id);
      if ('reason' in consumer) return note(node, 'kept', `not fused into '${producer.name}': ${consumer.reason}`);
      editor.update(producer.id, producer.kind, { ...producer.attrs, activation } as never);
      editor.bypass(node.id);
      note(node, 'folded', `fused into '${producer.name}' (one tfjs fused kernel)`, producer.name);
    });
  },
};
