// Where a linear layer (Dense and the convolutions: `isLinearLayer` in src/ir/ops.ts,
// from the layer definitions' traits) keeps its output channels: what the folds scale.

import type { LinearKind } from '../../src/ir/layers/index.js';
import type { Graph, Node } from '../../src/ir/types.js';

/** Output channels of a linear layer (the size of its bias). */
export function outputChannels(node: Node & { kind: LinearKind }): number {
  return node.shape[node.shape.length - 1] as number;
}

/** Input channels of a layer (the last axis of its input). */
export function inputChannels(graph: Graph, node: Node): number {
  const shape = graph.nodes[node.inputs[0]].shape;
  return shape[shape.length - 1] as number;
}

/**
 * How many kernel elements one output channel's run spans: 1 where the output channels
 * are the kernel's last axis (Dense, Conv2D, DepthwiseConv2D, SeparableConv2D's
 * pointwise kernel); the input channels for Conv2DTranspose, whose kernel is
 * [kh, kw, filters, in] — element i belongs to output channel ⌊i / in⌋ mod filters.
 */
export function outputChannelStride(graph: Graph, node: Node & { kind: LinearKind }): number {
  return node.kind === 'Conv2DTranspose' ? inputChannels(graph, node) : 1;
}
