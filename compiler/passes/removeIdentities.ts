// remove-identities — inference builds only.
//
// Layers that compute y = x in inference: Dropout (active only in training),
// Activation(linear), Rescaling(scale=1, offset=0), and Flatten or Reshape of a value
// that already has the target shape. Consumers read the input directly. Removing them
// first lets a BatchNormalization followed by Dropout fold into the layer after it.

import { shapesEqual } from '../../src/ir/ops.js';
import type { Node } from '../../src/ir/types.js';
import type { Pass } from './pass.js';
import { rewriteNodes } from './rewrite.js';

function identityReason(node: Node, inputShape: readonly (number | null)[]): string | null {
  switch (node.kind) {
    case 'Dropout':
      return 'Dropout is the identity in inference';
    case 'Activation':
      return node.attrs.activation.name === 'linear' ? 'a linear activation is the identity' : null;
    case 'Rescaling':
      return node.attrs.scale === 1 && node.attrs.offset === 0 ? 'Rescaling(1, offset=0) is the identity' : null;
    case 'Flatten':
    case 'Reshape':
      return shapesEqual(node.shape, inputShape) ? `${node.kind} to the shape it already has is the identity` : null;
    default:
      return null;
  }
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
