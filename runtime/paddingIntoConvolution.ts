// ZeroPadding2D into the next convolution, in inference.
//
// Keras's MobileNetV2 pads before each strided depthwise convolution (correct_pad: one
// row and one column of zeros at the bottom and right) and runs it with padding=valid.
// tfjs's FusedConv2D and FusedDepthwiseConv2D take explicit padding
// [[0, 0], [top, bottom], [left, right], [0, 0]], and a valid convolution of the padded
// input is exactly that convolution of the unpadded one: every output reads the same
// input values, the padded positions as 0 either way (the shaders skip taps outside the
// input; the zeros added nothing to the sums).
//
// So, for a ZeroPadding2D that is not a graph output and whose only consumer is a valid
// Conv2D (without groups) or DepthwiseConv2D: the padding step returns its input
// (`tf.clone`, which shares the data: no program, no copy) and the convolution pads
// inside its kernel. On WebGL this saves one program and one texture of the padded size
// per padding (four in MobileNetV2, of 113×113×96 values and smaller); docs/webgl.md has
// what it gained. Training runs both nodes as they are (the gradient of tfjs's fused ops
// is only defined for the padding they compute the dimensions of).

import * as tf from '@tensorflow/tfjs-core';
import { consumers } from '../src/ir/graph.js';
import type { Graph, NodeId, NodeOf } from '../src/ir/types.js';
import { activate } from './activations.js';
import { type Kernel, fusedConvAttrs, kernelOf } from './kernels.js';
import { fusedActivation } from '../src/ir/layers/fusedActivations.js';

/** ZeroPadding2D node → the convolution that takes its padding over. */
export function paddingIntoConvolution(graph: Graph): ReadonlyMap<NodeId, NodeId> {
  const result = new Map<NodeId, NodeId>();
  const outputs = new Set(graph.outputs);
  consumers(graph).forEach((users, id) => {
    const node = graph.nodes[id];
    if (node.kind !== 'ZeroPadding2D' || outputs.has(id) || users.length !== 1) return;
    const user = graph.nodes[users[0]];
    if (user.inputs.length !== 1) return;
    const fits = (user.kind === 'DepthwiseConv2D' || (user.kind === 'Conv2D' && user.attrs.groups === 1)) && user.attrs.padding === 'valid';
    if (fits) result.set(id, user.id);
  });
  return result;
}

/** The padding step: its input as it is in inference (the convolution pads), the padded tensor in training. */
export const deferredPadding: Kernel<'ZeroPadding2D'> = (node, inputs, w, context) =>
  context.training ? kernelOf('ZeroPadding2D')!(node, inputs, w, context) : tf.clone(inputs[0]);

/** The convolution after a deferred padding: tfjs's fused kernel with the padding explicit, in inference. */
export function paddedConvolution(padding: NodeOf<'ZeroPadding2D'>): Kernel<'Conv2D' | 'DepthwiseConv2D'> {
  const [[top, bottom], [left, right]] = padding.attrs.padding;
  const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
  return (node, inputs, w, context) => {
    if (context.training) return (kernelOf(node.kind) as Kernel<'Conv2D' | 'DepthwiseConv2D'>)(node, inputs, w, context);
    const depthwise = node.kind === 'DepthwiseConv2D';
    const attrs = { ...fusedConvAttrs(node), pad };
    const y = tf.engine().runKernel(depthwise ? tf.FusedDepthwiseConv2D : tf.FusedConv2D, { x: inputs[0], filter: w[depthwise ? 'depthwise_kernel' : 'kernel'], bias: w.bias } as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return fusedActivation(node.attrs.activation) ? y : activate(y, node.attrs.activation);
  };
}
