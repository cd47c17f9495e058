// remove-identities — inference builds only.
//
// Layers that compute y = x in inference, as their definitions' identityAtInference
// trait says: Dropout (active only in training), Activation(linear),
// Rescaling(scale=1, offset=0), and Flatten or Reshape of a value that already has the
// target shape. Consumers read the input directly. Removing them
// first lets a BatchNormalization followed by Dropout fold into the layer after it.

import { layerDef } from '../../src/ir/layers/index.js';
import type { Node, Shape } from '../../src/ir/types.js';
import type { Pass } from './pass.js';
import { rewriteNodes } from './rewrite.js';

/** Why a node is the identity in inference (its definition's trait), or null. */
function identityReason(node: Node, inputShape: Shape): string | null {
  return layerDef(node.kind)?.traits.identityAtInference?.(node.attrs, inputShape, node.shape) ?? null;
}

export const removeIdentities: Pass = {
  name: 'remove-identities',
  summary: 'removes layers that are the identity in inference (Dropout, linear Activation, no-op Rescaling/Reshape/Flatten)',
  modes: ['inference'],
  run(state) {
    return rewriteNodes(this, state, false, (node, { graph, editor, note }) => {
      if (node.inputs.length !== 1) return;
      const reason = identityReason(node, graph.nodes[node.inputs[0]].shape);
      if (reason === null) return;
      editor.bypass(node.id);
      note(node, 'removed', reason);
    });
  },
};
