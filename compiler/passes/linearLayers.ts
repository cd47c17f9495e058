// The layers whose output is linear in a kernel plus a bias (Dense and the
// convolutions): what the folds may scale, and where their kernel and channels are.

import type { Node } from '../../src/ir/types.js';

export const LINEAR_LAYERS = ['Dense', 'Conv2D', 'DepthwiseConv2D'] as const;
export type LinearKind = (typeof LINEAR_LAYERS)[number];

export function isLinearLayer(node: Node): node is Node & { kind: LinearKind } {
  return (LINEAR_LAYERS as readonly string[]).includes(node.kind);
}

/** The kernel variable of a linear layer. */
export function kernelName(node: Node & { kind: LinearKind }): 'kernel' | 'depthwise_kernel' {
  return node.kind === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel';
}

/** Output channels of a linear layer (the size of its bias). */
export function outputChannels(node: Node & { kind: LinearKind }): number {
  return node.shape[node.shape.length - 1] as number;
}
