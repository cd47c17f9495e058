// Where a linear layer (Dense and the convolutions: `isLinearLayer` in src/ir/ops.ts,
// from the layer definitions' traits) keeps its output channels: what the folds scale.

import type { LinearKind } from '../../src/ir/layers/index.js';
import type { Node } from '../../src/ir/types.js';

/** Output channels of a linear layer (the size of its bias). */
export function outputChannels(node: Node & { kind: LinearKind }): number {
  return node.shape[node.shape.length - 1] as number;
}
