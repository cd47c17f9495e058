// Which TensorFlow.js kernels (registry names) each op's inference kernel in
// runtime/kernels.ts calls, so that a bundle registers those and no others. One entry
// per op kind (a kind without an entry is a type error), resolved from the node's
// attributes, as the kernel in kernels.ts branches on them. A kernel reaches tfjs's
// registry through tfjs-core's ops (`tf.batchNorm` runs `FusedBatchNorm` and reshapes
// around it) or `runKernel` itself; the backends' kernels call one another directly,
// not through the registry, so what the ops ask for is the whole list.
// test/runtime/kernelNames.test.ts records the kernels a real run asks the registry
// for and checks them against this table.

import {
  _FusedMatMul, Abs, Add, AddN, AvgPool, Cast, Concat, Conv2D as Conv2DKernel, Conv2DBackpropInput, DepthwiseConv2dNative, Elu, Erf, Exp,
  FusedBatchNorm, FusedConv2D, FusedDepthwiseConv2D, Greater, GreaterEqual, Identity, LeakyRelu, Max, Maximum, MaxPool, Mean, Minimum, Multiply, Neg,
  PadV2, Prelu, RealDiv, Relu, Relu6, Reshape, ResizeBilinear, Rsqrt, Select, Selu, Sigmoid, Slice, Softmax, Softplus, SplitV, Sqrt, Square, Sub, Sum, Tanh,
  Tile, Transpose, ZerosLike,
} from '@tensorflow/tfjs-core';
import type { Activation, Graph, NodeOf, OpKind } from '../src/ir/types.js';
import { fusedActivation } from '../src/ir/layers/fusedActivations.js';

/**
 * What every bundle registers whatever its graph: reshapes (the matmul form, inputs),
 * clones (an output that is also an input) and casts, which tfjs-core's ops and the
 * engine may ask for on their own.
 */
export const BASE_KERNELS: readonly string[] = [Reshape, Identity, Cast];

/**
 * Every kernel the table below may name, whatever the graph: what a model.js that must
 * run any graph registers (the playground's generic loader, write.ts `makeLoaderTemplate`).
 * test/runtime/kernelNames.test.ts checks that each example's kernels are among them.
 */
export const ALL_INFERENCE_KERNELS: readonly string[] = [
  _FusedMatMul, Abs, Add, AddN, AvgPool, Cast, Concat, Conv2DBackpropInput, Conv2DKernel, DepthwiseConv2dNative, Elu, Erf, Exp, FusedBatchNorm,
  FusedConv2D, FusedDepthwiseConv2D, Greater, GreaterEqual, Identity, LeakyRelu, Max, Maximum, MaxPool, Mean, Minimum, Multiply, Neg, PadV2, Prelu,
  RealDiv, Relu, Relu6, Reshape, ResizeBilinear, Rsqrt, Select, Selu, Sigmoid, Slice, Softmax, Softplus, SplitV, Sqrt, Square, Sub, Sum, Tanh, Tile,
  Transpose, ZerosLike,
];

/** `tf.where`: Select, its arguments broadcast (Reshape, Tile) or cloned (Identity) first. */
const WHERE = [Select, Reshape, Tile, Identity];

/** ELU with any alpha (runtime/activations.ts `elu`). */
const eluKernels = (alpha: number) => (alpha === 1 ? [Elu] : [Greater, ...WHERE, Multiply, Sub, Exp]);

/** The kernels `activate` calls for an activation (runtime/activations.ts). */
export function activationKernels(a: Activation): string[] {
  switch (a.name) {
    case 'linear':
      return [];
    case 'relu':
      return [Relu];
    case 'relu6':
      return [Relu6];
    case 'elu':
      return eluKernels(a.alpha ?? 1);
    case 'selu':
      return [Selu];
    case 'sigmoid':
      return [Sigmoid];
    case 'tanh':
      return [Tanh];
    case 'softmax':
      return [Softmax];
    case 'softplus':
      return [Softplus];
    case 'swish':
      return [Multiply, Sigmoid];
    case 'gelu':
      return [Multiply, Add, Erf, RealDiv];
    case 'leaky_relu':
      return [LeakyRelu];
    case 'hard_sigmoid':
      return [Add, Relu6, Multiply];
    case 'hard_swish':
      return [Add, Relu6, Multiply];
    case 'softsign':
      return [Abs, Add, RealDiv];
    case 'exponential':
      return [Exp];
    case 'mish':
      return [Softplus, Tanh, Multiply];
  }
}

/** A fused kernel's activation runs inside it; one tfjs cannot fuse runs after it. */
const afterFused = (a: Activation) => (fusedActivation(a) ? [] : activationKernels(a));

type KernelNamesOf<K extends OpKind> = (node: NodeOf<K>) => readonly string[];

const KERNEL_NAMES: { readonly [K in OpKind]: KernelNamesOf<K> } = {
  Input: () => [],
  Dense: (node) => [_FusedMatMul, Reshape, ...afterFused(node.attrs.activation)],
  Conv2D: (node) =>
    node.attrs.groups > 1 ? [SplitV, Conv2DKernel, Concat, ...(node.attrs.use_bias ? [Add] : []), ...activationKernels(node.attrs.activation)] : [FusedConv2D, ...afterFused(node.attrs.activation)],
  SeparableConv2D: (node) => [DepthwiseConv2dNative, FusedConv2D, ...afterFused(node.attrs.activation)],
  Conv2DTranspose: (node) => {
    const dilated = node.attrs.dilation_rate[0] > 1 || node.attrs.dilation_rate[1] > 1;
    // output_padding or dilation: the kernel dilated (reshape, pad, slice), then a window of the full output (slice, pad).
    const general = node.attrs.output_padding !== null || dilated ? [Slice, PadV2, ...(dilated ? [Reshape] : [])] : [];
    return [...general, Conv2DBackpropInput, ...(node.attrs.use_bias ? [Add] : []), ...activationKernels(node.attrs.activation)];
  },
  UpSampling2D: (node) => (node.attrs.interpolation === 'bilinear' ? [ResizeBilinear] : [Reshape, Tile]),
  DepthwiseConv2D: (node) => [FusedDepthwiseConv2D, ...afterFused(node.attrs.activation)],
  BatchNormalization: (node) => {
    const { axis } = node.attrs;
    const rank = node.shape.length;
    // tf.batchNorm on the last axis of a rank ≤ 4 input; otherwise x · inv + shift.
    return axis.length === 1 && axis[0] === rank - 1 && rank <= 4 ? [FusedBatchNorm, Reshape] : [Add, Rsqrt, Multiply, Neg, Reshape];
  },
  Activation: (node) => (node.attrs.activation.name === 'linear' ? [Identity] : activationKernels(node.attrs.activation)),
  ReLU: (node) => {
    const { max_value, negative_slope, threshold } = node.attrs;
    if (negative_slope === 0 && threshold === 0) return max_value === null ? [Relu] : max_value === 6 ? [Relu6] : [Relu, Minimum];
    return [GreaterEqual, ...WHERE, ...(negative_slope === 0 ? [ZerosLike] : [Sub, Multiply]), ...(max_value === null ? [] : [Minimum])];
  },
  ELU: (node) => eluKernels(node.attrs.alpha),
  LeakyReLU: () => [LeakyRelu],
  Softmax: (node) => (node.attrs.axis === node.shape.length - 1 ? [Softmax] : [Max, Sub, Exp, Sum, RealDiv]),
  Dropout: () => [Identity],
  Flatten: () => [Reshape],
  Reshape: () => [Reshape],
  Rescaling: () => [Multiply, Add],
  ZeroPadding2D: () => [PadV2],
  ZeroPadding1D: () => [PadV2],
  Cropping2D: () => [Slice],
  Permute: () => [Transpose],
  // tf.moments (mean, then the mean of (x − mean)²), then x · inv + shift as BatchNormalization's general form.
  LayerNormalization: () => [Mean, Sub, Square, Add, Rsqrt, Multiply, Neg, Reshape],
  MaxPooling2D: () => [MaxPool],
  AveragePooling2D: () => [AvgPool],
  GlobalAveragePooling2D: () => [Mean, Reshape],
  GlobalMaxPooling2D: () => [Max, Reshape],
  Conv1D: (node) => [...(node.attrs.padding === 'causal' ? [PadV2] : []), Reshape, FusedConv2D, ...(node.attrs.groups > 1 ? [SplitV, Concat] : []), ...afterFused(node.attrs.activation)],
  MaxPooling1D: () => [Reshape, MaxPool],
  AveragePooling1D: () => [Reshape, AvgPool],
  GlobalAveragePooling1D: () => [Mean],
  GlobalMaxPooling1D: () => [Max],
  Add: (node) => (node.inputs.length === 2 ? [Add] : [AddN]),
  Multiply: () => [Multiply],
  Subtract: () => [Sub],
  Average: () => [Add, RealDiv],
  Maximum: () => [Maximum],
  Minimum: () => [Minimum],
  PReLU: () => [Prelu],
  Identity: () => [Identity],
  Normalization: (node) => [Sqrt, Maximum, Reshape, ...(node.attrs.invert ? [Multiply, Add] : [Sub, RealDiv])],
  Concatenate: (node) => (node.inputs.length === 1 ? [Identity] : [Concat]),
  Affine: (node) => (node.attrs.scale ? [Multiply, Add, Reshape] : [Add, Reshape]),
};

/** The tfjs kernels an inference run of `graph` calls, with BASE_KERNELS, sorted. */
export function inferenceKernelNames(graph: Graph): string[] {
  const names = new Set(BASE_KERNELS);
  for (const node of graph.nodes) {
    for (const name of (KERNEL_NAMES[node.kind] as KernelNamesOf<OpKind>)(node)) names.add(name);
  }
  return [...names].sort();
}
