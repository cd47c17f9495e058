// fuse-activations — inference builds only.
//
//   Dense/Conv2D/DepthwiseConv2D (linear) → activation layer (its only consumer)
//   ⇒ one layer with that activation, which the runtime runs as a single
//     _FusedMatMul / FusedConv2D / FusedDepthwiseConv2D kernel (runtime/kernels.ts).
//
// Only activations tfjs fuses: relu, relu6, elu (α = 1), sigmoid, leaky_relu. Layers
// that compute them: Activation(relu | relu6 | elu | sigmoid | leaky_relu),
// ReLU() → relu, ReLU(max_value=6) → relu6, ReLU(negative_slope=a) → leaky_relu(a),
// LeakyReLU(a) → leaky_relu(a), ELU(alpha=1) → elu.

import type { Activation, Node } from '../../src/ir/types.js';
import { isLinearLayer } from './linearLayers.js';
import type { Pass } from './pass.js';
import { rewriteNodes, soleConsumer } from './rewrite.js';

/** The fusable activation a layer computes, or null. */
export function fusableActivation(node: Node): Activation | null {
  switch (node.kind) {
    case 'Activation': {
      const a = node.attrs.activation;
      return ['relu', 'relu6', 'sigmoid', 'leaky_relu'].includes(a.name) || (a.name === 'elu' && (a.alpha ?? 1) === 1) ? a : null;
    }
    case 'ReLU': {
      const { max_value, negative_slope, threshold } = node.attrs;
      if (threshold !== 0) return null;
      if (negative_slope === 0) return max_value === null ? { name: 'relu' } : max_value === 6 ? { name: 'relu6' } : null;
      return max_value === null ? { name: 'leaky_relu', alpha: negative_slope } : null;
    }
    case 'LeakyReLU':
      return { name: 'leaky_relu', alpha: node.attrs.negative_slope };
    case 'ELU':
      return node.attrs.alpha === 1 ? { name: 'elu' } : null;
    default:
      return null;
  }
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
