// One kernel per op, all in one table: a kernel maps a node, its input tensors and its
// weights to the output tensor, in inference or training mode; it never returns one of
// its inputs. The table covers every kind the layer definitions declare (src/ir/layers/):
// a kind without a kernel does not compile. `registerKernel` adds the kernel of a kind
// added with `registerLayer`.

import * as tf from '@tensorflow/tfjs-core';
import { consumers } from '../src/ir/graph.js';
import type { Activation, Graph, NodeId, NodeOf, OpKind } from '../src/ir/types.js';
import { fusedActivation } from '../src/ir/layers/fusedActivations.js';
import { KERAS_EPSILON } from '../src/ir/layers/kerasConstants.js';
import { transposedOffset } from '../src/ir/layers/transposedRules.js';
import { broadcastStatistic } from '../src/ir/layers/normalizationStatistics.js';
import type { NumberArray } from '../src/ir/layers/paramTypes.js';
import { type KernelActivation, activate, elu, kernelActivation } from './activations.js';

/** A state variable's value after a training step (BatchNormalization's moving statistics). */
export interface StateUpdate {
  /** `<layer>/<variable>`. */
  readonly key: string;
  readonly value: tf.Tensor;
}

export interface KernelContext {
  /** Training mode: BatchNormalization uses batch statistics, Dropout drops. */
  readonly training: boolean;
  /** A fresh seed for a random op (Dropout), deterministic for the run's seed. */
  nextSeed(): number;
  /** Where training-mode kernels put new values of state variables; each must be `tf.keep`-ed. */
  readonly stateUpdates: StateUpdate[];
}

export type Weights = Readonly<Record<string, tf.Tensor>>;
export type Kernel<K extends OpKind> = (node: NodeOf<K>, inputs: readonly tf.Tensor[], weights: Weights, context: KernelContext) => tf.Tensor;

/** Reshapes a per-axis parameter (shaped like the normalized axes) so it broadcasts against a rank-`rank` input. */
function broadcastParam(param: tf.Tensor, axes: readonly number[], shape: readonly number[]): tf.Tensor {
  if (axes.length === 1 && axes[0] === shape.length - 1) return param;
  return tf.reshape(param, shape.map((d, i) => (axes.includes(i) ? d : 1)));
}

/** `x · scale + offset` per element of `axes` (either may be absent). */
function scaleShift(x: tf.Tensor, axes: readonly number[], scale: tf.Tensor | null, offset: tf.Tensor | null): tf.Tensor {
  let y = x;
  if (scale) y = tf.mul(y, broadcastParam(scale, axes, x.shape));
  if (offset) y = tf.add(y, broadcastParam(offset, axes, x.shape));
  return y;
}

/**
 * BatchNormalization, exactly as Keras:
 *   inference: γ · (x − moving_mean) / √(moving_variance + ε) + β
 *   training:  the same with the batch mean and the biased batch variance over every
 *              axis except the normalized ones, then
 *              moving ← moving · momentum + batch · (1 − momentum).
 * `trainable=false` runs in inference mode even while training (Keras 2+).
 */
const batchNormalization: Kernel<'BatchNormalization'> = (node, [x], w, context) => {
  const { axis: axes, epsilon, momentum } = node.attrs;
  const gamma = w.gamma ?? null;
  const beta = w.beta ?? null;
  if (!context.training || !node.trainable) {
    if (axes.length === 1 && axes[0] === x.rank - 1 && x.rank <= 4) {
      return tf.batchNorm(x, w.moving_mean as tf.Tensor1D, w.moving_variance as tf.Tensor1D, beta as tf.Tensor1D | undefined ?? undefined, gamma as tf.Tensor1D | undefined ?? undefined, epsilon);
    }
    return normalize(x, axes, broadcastParam(w.moving_mean, axes, x.shape), broadcastParam(w.moving_variance, axes, x.shape), gamma, beta, epsilon);
  }
  const reduction = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const { mean, variance } = tf.moments(x, reduction, true);
  const paramShape = w.moving_mean.shape;
  const decay = 1 - momentum;
  context.stateUpdates.push(
    { key: `${node.name}/moving_mean`, value: tf.keep(tf.add(tf.mul(w.moving_mean, momentum), tf.mul(tf.reshape(mean, paramShape), decay))) },
    { key: `${node.name}/moving_variance`, value: tf.keep(tf.add(tf.mul(w.moving_variance, momentum), tf.mul(tf.reshape(variance, paramShape), decay))) },
  );
  return normalize(x, axes, mean, variance, gamma, beta, epsilon);
};

/** x · inv + (β − μ · inv) with inv = γ / √(σ² + ε): the form Keras's backends compute. */
function normalize(x: tf.Tensor, axes: readonly number[], mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor | null, beta: tf.Tensor | null, epsilon: number): tf.Tensor {
  let inv = tf.rsqrt(tf.add(variance, epsilon));
  if (gamma) inv = tf.mul(inv, broadcastParam(gamma, axes, x.shape));
  let shift = tf.neg(tf.mul(mean, inv));
  if (beta) shift = tf.add(shift, broadcastParam(beta, axes, x.shape));
  return tf.add(tf.mul(x, inv), shift);
}

/**
 * LayerNormalization, as Keras 3: per sample, over `axis`, with the biased variance;
 * x · inv + (β − mean · inv), inv = γ / √(var + ε). With rms_scaling, Keras 3's
 * x · γ / √(var + ε) (no mean subtracted from x, no β). The same in training and inference.
 */
const layerNormalization: Kernel<'LayerNormalization'> = (node, [x], w) => {
  const { axis: axes, epsilon, rms_scaling } = node.attrs;
  const { mean, variance } = tf.moments(x, axes as number[], true);
  if (rms_scaling) return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, epsilon))), broadcastParam(w.gamma, axes, x.shape));
  return normalize(x, axes, mean, variance, w.gamma ?? null, w.beta ?? null, epsilon);
};

/**
 * Dense on the last axis in training mode: `tf.fused.matMul`, whose custom gradient
 * training needs. Inputs of rank > 2 are flattened to 2-D around the matmul, as Keras's
 * tensordot does.
 */
function denseTraining(node: NodeOf<'Dense'>, x: tf.Tensor, w: Weights): tf.Tensor {
  const inputDim = x.shape[x.rank - 1];
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inputDim]) as tf.Tensor2D;
  let y: tf.Tensor = tf.fused.matMul({ a: x2, b: w.kernel as tf.Tensor2D, bias: w.bias, ...kernelActivation(node.attrs.activation) });
  if (!fusedActivation(node.attrs.activation)) y = activate(y, node.attrs.activation);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), node.attrs.units]);
}

// ---------------------------------------------------------------------------
// Inference runs Dense as the bare `_FusedMatMul` kernel. `tf.fused.matMul` wraps that
// kernel in a custom gradient and three reshapes (to rank 3 and back), which at batch 1
// cost more than a small matmul itself. The kernel takes and gives the *matmul form*
// [1, rows, features] (rows = every axis but the last, batch included), so a value
// whose only consumers are Dense layers stays in that form between them, and each
// Dense kernel is kept as a [1, in, units] view of the weight, made once.

/** The `_FusedMatMul` attributes for an activation (linear when tfjs cannot fuse it). */
export function fusedMatMulAttrs(a: Activation): { transposeA: false; transposeB: false } & KernelActivation {
  return { transposeA: false, transposeB: false, ...kernelActivation(a) };
}

/** The weight key of a Dense kernel's [1, in, units] view, beside `kernel`. */
export const KERNEL_VIEW = 'kernel:matmul';

/** A Dense kernel as `_FusedMatMul` takes it: [1, in, units], sharing the weight's data. */
export function kernelView(kernel: tf.Tensor): tf.Tensor3D {
  const [inputs, units] = kernel.shape as [number, number];
  return tf.reshape(kernel, [1, inputs, units]);
}

/**
 * The nodes whose output an inference run carries in the matmul form: Dense, Flatten
 * and Reshape nodes that are not graph outputs and whose every consumer is a Dense.
 */
export function matmulFormValues(graph: Graph): ReadonlySet<NodeId> {
  const result = new Set<NodeId>();
  const outputs = new Set(graph.outputs);
  consumers(graph).forEach((users, id) => {
    const kind = graph.nodes[id].kind;
    if (kind !== 'Dense' && kind !== 'Flatten' && kind !== 'Reshape') return;
    if (outputs.has(id) || users.length === 0) return;
    if (users.every((user) => graph.nodes[user].kind === 'Dense')) result.add(id);
  });
  return result;
}

/** Where a Dense step's input comes from and its output goes, in inference (`matmulFormValues`). */
export interface MatmulForm {
  /** The input arrives as [1, rows, in]. */
  readonly input: boolean;
  /** The output leaves as [1, rows, units]. */
  readonly output: boolean;
}

/**
 * The kernel of one Dense node, its attributes resolved once. In inference it frees every
 * tensor it creates but its result, so the executor need not run it inside a `tf.tidy`;
 * training ignores `form` (no value is in the matmul form then).
 */
export function denseKernel(node: NodeOf<'Dense'>, form: MatmulForm): Kernel<'Dense'> {
  const { activation } = node.attrs;
  const attrs = fusedMatMulAttrs(activation) as unknown as tf.NamedAttrMap;
  const unfused = fusedActivation(activation) === null;
  const outputShape = [-1, ...(node.shape.slice(1) as number[])];
  return (_node, [x], w, context) => {
    if (context.training) return denseTraining(node, x, w);
    const a = form.input ? x : tf.reshape(x, [1, -1, x.shape[x.rank - 1]]);
    const view = w[KERNEL_VIEW] ?? kernelView(w.kernel);
    const created: tf.Tensor[] = [];
    if (a !== x) created.push(a);
    if (view !== w[KERNEL_VIEW]) created.push(view);
    try {
      let y = tf.engine().runKernel(tf._FusedMatMul, { a, b: view, bias: w.bias } as unknown as tf.NamedTensorMap, attrs) as tf.Tensor;
      if (unfused) {
        created.push(y);
        y = tf.tidy(() => activate(y, activation));
      }
      if (form.output) return y;
      created.push(y);
      return tf.reshape(y, outputShape);
    } finally {
      for (const t of created) t.dispose();
    }
  };
}

/** Flatten and Reshape into the matmul form (one reshape), for a value only Dense layers consume. */
export const toMatmulForm: Kernel<'Flatten' | 'Reshape'> = (node, inputs, w, context) =>
  context.training ? (KERNELS[node.kind] as Kernel<'Flatten' | 'Reshape'>)(node, inputs, w, context) : tf.reshape(inputs[0], [1, -1, node.shape[node.shape.length - 1] as number]);

/** The `FusedConv2D` / `FusedDepthwiseConv2D` attributes of a convolution node (NHWC, the activation as tfjs fuses it). */
export function fusedConvAttrs(node: NodeOf<'Conv2D' | 'DepthwiseConv2D'>): { strides: [number, number]; pad: 'valid' | 'same'; dataFormat: 'NHWC'; dilations: [number, number] } & KernelActivation {
  const { strides, padding, dilation_rate, activation } = node.attrs;
  return { strides: [strides[0], strides[1]], pad: padding, dataFormat: 'NHWC', dilations: [dilation_rate[0], dilation_rate[1]], ...kernelActivation(activation) };
}

/**
 * Conv2D and DepthwiseConv2D: one tfjs fused kernel, the activation inside it when tfjs
 * can fuse it. Training goes through `tf.fused.*` for its gradient; inference calls the
 * kernel itself, as Dense does, without the op's custom gradient and second shape check.
 */
function convolution<K extends 'Conv2D' | 'DepthwiseConv2D'>(kernelName: string, filter: 'kernel' | 'depthwise_kernel'): Kernel<K> {
  return (node, [x], w, context) => {
    const attrs = fusedConvAttrs(node);
    // The op is named inside the training branch, so an inference-only bundle
    // (runtime/bundle/write.ts) leaves tf.fused.* and their gradients out.
    const y = context.training
      ? (filter === 'kernel' ? tf.fused.conv2d : tf.fused.depthwiseConv2d)({ x: x as tf.Tensor4D, filter: w[filter] as tf.Tensor4D, strides: attrs.strides, pad: attrs.pad, dilations: attrs.dilations, bias: w.bias, activation: attrs.activation, leakyreluAlpha: attrs.leakyreluAlpha })
      : (tf.engine().runKernel(kernelName, { x, filter: w[filter], bias: w.bias } as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
    return fusedActivation(node.attrs.activation) ? y : activate(y, node.attrs.activation);
  };
}

/**
 * Conv2D with groups > 1 (Keras's `groups`): the input channels and the kernel's output
 * channels split into `groups` equal parts, one convolution per part, concatenated; then
 * the bias and the activation. TensorFlow.js's conv2d has no groups.
 */
function groupedConvolution(node: NodeOf<'Conv2D'>, x: tf.Tensor, w: Weights): tf.Tensor {
  const { strides, padding, dilation_rate, groups, activation } = node.attrs;
  const inputs = tf.split(x as tf.Tensor4D, groups, 3) as tf.Tensor4D[];
  const kernels = tf.split(w.kernel as tf.Tensor4D, groups, 3) as tf.Tensor4D[];
  const parts = inputs.map((part, g) => tf.conv2d(part, kernels[g], [strides[0], strides[1]], padding, 'NHWC', [dilation_rate[0], dilation_rate[1]]));
  let y: tf.Tensor = tf.concat(parts, 3);
  if (w.bias) y = tf.add(y, w.bias);
  return activate(y, activation);
}

/**
 * SeparableConv2D: the depthwise convolution (strides, padding, dilation), then the 1×1
 * pointwise convolution as one fused kernel with the bias and the activation.
 */
const separableConvolution: Kernel<'SeparableConv2D'> = (node, [x], w, context) => {
  const { strides, padding, dilation_rate, activation } = node.attrs;
  const depthwise = tf.depthwiseConv2d(x as tf.Tensor4D, w.depthwise_kernel as tf.Tensor4D, [strides[0], strides[1]], padding, 'NHWC', [dilation_rate[0], dilation_rate[1]]);
  const fused = kernelActivation(activation);
  const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], ...fused };
  const y = context.training
    ? tf.fused.conv2d({ x: depthwise, filter: w.pointwise_kernel as tf.Tensor4D, strides: 1, pad: 'valid', bias: w.bias, activation: fused.activation, leakyreluAlpha: fused.leakyreluAlpha })
    : (tf.engine().runKernel(tf.FusedConv2D, { x: depthwise, filter: w.pointwise_kernel, bias: w.bias } as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
  return fusedActivation(activation) ? y : activate(y, activation);
};

/**
 * Conv2DTranspose: tfjs's conv2dTranspose to the node's output shape, then the bias and
 * the activation. With Keras 3's output_padding or dilation_rate (tfjs has no dilated
 * transposed convolution, and its SAME padding for an output_padding size can differ from
 * Keras's: for an even kernel with output_padding 0 it sees ⌈O / s⌉ = n − 1): the kernel dilated by inserting dilation − 1 zero rows and columns between its taps, the
 * full transposed convolution ((n − 1)·stride + K per axis, every tap i·stride + u·dilation),
 * then the output window [offset, offset + O) of it, zeros past its end
 * (`transposedOffset`, src/ir/layers/linear.ts). Pad, reshape and slice have gradients.
 */
const transposedConvolution: Kernel<'Conv2DTranspose'> = (node, [x], w) => {
  const { strides, padding, activation, dilation_rate, kernel_size } = node.attrs;
  const [, height, width, filters] = node.shape as readonly [null, number, number, number];
  const [batch, inH, inW] = x.shape as [number, number, number, number];
  let y: tf.Tensor;
  if (node.attrs.output_padding === null && dilation_rate[0] === 1 && dilation_rate[1] === 1) {
    y = tf.conv2dTranspose(x as tf.Tensor4D, w.kernel as tf.Tensor4D, [batch, height, width, filters], [strides[0], strides[1]], padding);
  } else {
    const kernel = dilateKernel(w.kernel as tf.Tensor4D, dilation_rate);
    const [kh, kw] = kernel.shape;
    const full = tf.conv2dTranspose(x as tf.Tensor4D, kernel, [batch, (inH - 1) * strides[0] + kh, (inW - 1) * strides[1] + kw, filters], [strides[0], strides[1]], 'valid');
    const window = (axis: 0 | 1, input: number, out: number, fullSize: number) => {
      const begin = transposedOffset(input, kernel_size[axis], strides[axis], dilation_rate[axis], padding, out);
      const kept = Math.min(out, fullSize - begin);
      return { begin, kept, after: out - kept };
    };
    const rows = window(0, inH, height, full.shape[1]);
    const cols = window(1, inW, width, full.shape[2]);
    y = tf.slice(full, [0, rows.begin, cols.begin, 0], [-1, rows.kept, cols.kept, -1]);
    if (rows.after > 0 || cols.after > 0) y = tf.pad(y, [[0, 0], [0, rows.after], [0, cols.after], [0, 0]]);
  }
  if (w.bias) y = tf.add(y, w.bias);
  return activate(y, activation);
};

/** A [kh, kw, out, in] kernel with dilation − 1 zero taps between its taps: [(kh − 1)·dh + 1, (kw − 1)·dw + 1, out, in]. */
function dilateKernel(kernel: tf.Tensor4D, [dh, dw]: readonly [number, number]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return kernel;
  const [kh, kw, out, inChannels] = kernel.shape;
  // [kh, 1, kw, 1, ...] padded to [kh, dh, kw, dw, ...]: each tap followed by zeros; the trailing zeros cut.
  const spread = tf.pad(tf.reshape(kernel, [kh, 1, kw, 1, out, inChannels]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
  return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, out, inChannels]), [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, -1, -1]) as tf.Tensor4D;
}

/**
 * UpSampling2D. nearest: each row repeated size[0] times, then each column size[1]
 * times (Keras 3's `ops.repeat`), as reshapes and tiles — exact, where a nearest-neighbour
 * resize computes source indices in floating point. bilinear: tf.image.resize's
 * half-pixel centers (Keras 3 through `ops.image.resize`), not tfjs-layers' corners.
 */
const upSampling: Kernel<'UpSampling2D'> = (node, [x]) => {
  const [sh, sw] = node.attrs.size;
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  if (node.attrs.interpolation === 'bilinear') return tf.image.resizeBilinear(x as tf.Tensor4D, [height * sh, width * sw], false, true);
  const rows = tf.reshape(tf.tile(tf.reshape(x, [batch, height, 1, width * channels]), [1, 1, sh, 1]), [batch * height * sh, width, 1, channels]);
  return tf.reshape(tf.tile(rows, [1, 1, sw, 1]), [batch, height * sh, width * sw, channels]);
};

const conv2D = convolution<'Conv2D'>(tf.FusedConv2D, 'kernel');

/**
 * Keras's ReLU: max_value if x ≥ max_value, x if threshold ≤ x < max_value,
 * negative_slope · (x − threshold) otherwise.
 */
const relu: Kernel<'ReLU'> = (node, [x]) => {
  const { max_value, negative_slope, threshold } = node.attrs;
  if (negative_slope === 0 && threshold === 0) {
    if (max_value === null) return tf.relu(x);
    if (max_value === 6) return tf.relu6(x);
    return tf.minimum(tf.relu(x), max_value);
  }
  const below = negative_slope === 0 ? tf.zerosLike(x) : tf.mul(tf.sub(x, threshold), negative_slope);
  const y = tf.where(tf.greaterEqual(x, threshold), x, below);
  return max_value === null ? y : tf.minimum(y, max_value);
};

const softmax: Kernel<'Softmax'> = (node, [x]) => {
  if (node.attrs.axis === x.rank - 1) return tf.softmax(x, -1);
  const shifted = tf.sub(x, tf.max(x, node.attrs.axis, true));
  const e = tf.exp(shifted);
  return tf.div(e, tf.sum(e, node.attrs.axis, true));
};

function pool(kind: 'max' | 'avg'): Kernel<'MaxPooling2D' | 'AveragePooling2D'> {
  return (node, [x]) => {
    const { pool_size, strides, padding } = node.attrs;
    const size: [number, number] = [pool_size[0], pool_size[1]];
    const step: [number, number] = [strides[0], strides[1]];
    return kind === 'max' ? tf.maxPool(x as tf.Tensor4D, size, step, padding) : tf.avgPool(x as tf.Tensor4D, size, step, padding);
  };
}

/**
 * Conv1D as a convolution over a height-1 image, as tfjs's own conv1d computes it:
 * [b, L, c] → [b, 1, L, c] against the kernel viewed as [1, k, c, f], in one fused kernel
 * with the bias and the activation tfjs can fuse. `causal` pads (k − 1)·dilation zeros
 * before the first step, then slides as `valid` (Keras's Conv1D.call).
 */
const conv1d: Kernel<'Conv1D'> = (node, [x], w, context) => {
  const { kernel_size, strides, padding, dilation_rate, activation, filters, groups } = node.attrs;
  const [batch, , inChannels] = x.shape as [number, number, number];
  const padded = padding === 'causal' ? tf.pad(x, [[0, 0], [(kernel_size - 1) * dilation_rate, 0], [0, 0]]) : x;
  const image = tf.reshape(padded, [batch, 1, padded.shape[1] as number, inChannels]) as tf.Tensor4D;
  const filter = tf.reshape(w.kernel, [1, kernel_size, inChannels / groups, filters]) as tf.Tensor4D;
  const pad = padding === 'same' ? 'same' : 'valid';
  const fused = kernelActivation(activation);
  const attrs = { strides: [1, strides], pad, dataFormat: 'NHWC', dilations: [1, dilation_rate], ...fused };
  const convolve = (input: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor | undefined): tf.Tensor =>
    context.training
      ? tf.fused.conv2d({ x: input, filter: kernel, strides: [1, strides], pad, dilations: [1, dilation_rate], bias, activation: fused.activation, leakyreluAlpha: fused.leakyreluAlpha })
      : (tf.engine().runKernel(tf.FusedConv2D, { x: input, filter: kernel, bias } as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
  let y: tf.Tensor;
  if (groups === 1) y = convolve(image, filter, w.bias);
  else {
    // Group j: input channels j·in/g … and filters j·f/g …, each its own convolution.
    const inputs = tf.split(image, groups, 3);
    const kernels = tf.split(filter, groups, 3);
    const biases = w.bias ? tf.split(w.bias, groups, 0) : null;
    y = tf.concat(inputs.map((input, j) => convolve(input as tf.Tensor4D, kernels[j] as tf.Tensor4D, biases?.[j])), 3);
  }
  const out = tf.reshape(y, [batch, y.shape[2] as number, filters]);
  return fusedActivation(activation) ? out : activate(out, activation);
};

/** The 1-D poolings as 2-D ones over a height-1 image: [b, L, c] → [b, 1, L, c] → [b, L', c]. */
function pool1d(kind: 'max' | 'avg'): Kernel<'MaxPooling1D' | 'AveragePooling1D'> {
  return (node, [x]) => {
    const { pool_size, strides, padding } = node.attrs;
    const [batch, steps, channels] = x.shape as [number, number, number];
    const image = tf.reshape(x, [batch, 1, steps, channels]) as tf.Tensor4D;
    const y = kind === 'max' ? tf.maxPool(image, [1, pool_size], [1, strides], padding) : tf.avgPool(image, [1, pool_size], [1, strides], padding);
    return tf.reshape(y, [batch, y.shape[2], channels]);
  };
}

/**
 * Keras 3's Normalization: (x − mean) / max(√variance, ε), or with invert=true
 * mean + x · max(√variance, ε); ε = 1e-7. Its `count` variable is not read.
 */
const normalization: Kernel<'Normalization'> = (node, [x], w) => {
  const { axis: axes, mean: meanConstant, variance: varianceConstant } = node.attrs;
  // Constant mean= and variance= (config, not variables): broadcast to the kept axes as Keras's build does.
  const kept = axes.map((a) => x.shape[a]);
  const statistic = (constant: NumberArray | null, variable: tf.Tensor) => (constant === null ? variable : tf.tensor(Float32Array.from(broadcastStatistic(constant, kept)), kept, 'float32'));
  const mean = broadcastParam(statistic(meanConstant, w.mean), axes, x.shape);
  const deviation = tf.maximum(tf.sqrt(broadcastParam(statistic(varianceConstant, w.variance), axes, x.shape)), KERAS_EPSILON);
  return node.attrs.invert ? tf.add(mean, tf.mul(x, deviation)) : tf.div(tf.sub(x, mean), deviation);
};

/** Folds an elementwise binary op over the inputs, left to right (broadcasting size-1 axes). */
const foldInputs = (op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (inputs: readonly tf.Tensor[]) => inputs.slice(1).reduce(op, inputs[0]);

/** A kernel for every kind the layer definitions declare: a kind without one is a type error. */
export type KernelTable = { readonly [K in OpKind]: Kernel<K> };

const KERNELS: KernelTable = {
  Input: () => {
    throw new Error('Input nodes are fed, not run');
  },
  Dense: (node, inputs, w, context) => denseKernel(node, { input: false, output: false })(node, inputs, w, context),
  Conv2D: (node, inputs, w, context) => (node.attrs.groups > 1 ? groupedConvolution(node, inputs[0], w) : conv2D(node, inputs, w, context)),
  SeparableConv2D: separableConvolution,
  Conv2DTranspose: transposedConvolution,
  UpSampling2D: upSampling,
  DepthwiseConv2D: convolution(tf.FusedDepthwiseConv2D, 'depthwise_kernel'),
  BatchNormalization: batchNormalization,
  Activation: (node, [x]) => (node.attrs.activation.name === 'linear' ? tf.clone(x) : activate(x, node.attrs.activation)),
  ReLU: relu,
  ELU: (node, [x]) => elu(x, node.attrs.alpha),
  LeakyReLU: (node, [x]) => tf.leakyRelu(x, node.attrs.negative_slope),
  Softmax: softmax,
  // Keras's inverted dropout: in training, kept values are scaled by 1 / (1 − rate).
  Dropout: (node, [x], _w, context) => (context.training && node.attrs.rate > 0 ? tf.dropout(x, node.attrs.rate, undefined, context.nextSeed()) : tf.clone(x)),
  Flatten: (_node, [x]) => tf.reshape(x, [x.shape[0], -1]),
  Reshape: (node, [x]) => tf.reshape(x, [x.shape[0], ...(node.shape.slice(1) as number[])]),
  Rescaling: (node, [x]) => tf.add(tf.mul(x, node.attrs.scale), node.attrs.offset),
  ZeroPadding2D: (node, [x]) => {
    const [[top, bottom], [left, right]] = node.attrs.padding;
    return tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  },
  ZeroPadding1D: (node, [x]) => tf.pad(x, [[0, 0], [node.attrs.padding[0], node.attrs.padding[1]], [0, 0]]),
  Cropping2D: (node, [x]) => {
    const [[top], [left]] = node.attrs.cropping;
    const [, height, width] = node.shape as readonly [null, number, number, number];
    return tf.slice(x, [0, top, left, 0], [-1, height, width, -1]);
  },
  Permute: (node, [x]) => tf.transpose(x, [0, ...node.attrs.dims]),
  LayerNormalization: layerNormalization,
  MaxPooling2D: pool('max'),
  AveragePooling2D: pool('avg'),
  GlobalAveragePooling2D: (node, [x]) => tf.mean(x, [1, 2], node.attrs.keepdims),
  GlobalMaxPooling2D: (node, [x]) => tf.max(x, [1, 2], node.attrs.keepdims),
  Conv1D: conv1d,
  MaxPooling1D: pool1d('max'),
  AveragePooling1D: pool1d('avg'),
  GlobalAveragePooling1D: (node, [x]) => tf.mean(x, 1, node.attrs.keepdims),
  GlobalMaxPooling1D: (node, [x]) => tf.max(x, 1, node.attrs.keepdims),
  Add: (_node, inputs) => (inputs.length === 2 ? tf.add(inputs[0], inputs[1]) : tf.addN(inputs as tf.Tensor[])),
  Multiply: (_node, inputs) => foldInputs(tf.mul)(inputs),
  Subtract: (_node, [a, b]) => tf.sub(a, b),
  // Keras: the sum, then divided by the number of inputs.
  Average: (_node, inputs) => tf.div(foldInputs(tf.add)(inputs), inputs.length),
  Maximum: (_node, inputs) => foldInputs(tf.maximum)(inputs),
  Minimum: (_node, inputs) => foldInputs(tf.minimum)(inputs),
  // relu(x) − alpha · relu(−x) = x where x ≥ 0, alpha · x elsewhere; alpha broadcasts over the batch.
  PReLU: (_node, [x], w) => tf.prelu(x, w.alpha),
  Identity: (_node, [x]) => tf.clone(x),
  Normalization: normalization,
  Concatenate: (node, inputs) => tf.concat(inputs as tf.Tensor[], node.attrs.axis),
  Affine: (node, [x], w) => scaleShift(x, node.attrs.axis, w.scale ?? null, w.offset),
};

/** Kernels of kinds added with `registerLayer` (src/ir/layers/index.ts). */
const registeredKernels = new Map<string, Kernel<OpKind>>();

/** Gives a kind added with `registerLayer` its kernel. */
export function registerKernel(kind: string, kernel: Kernel<OpKind>): void {
  if (Object.hasOwn(KERNELS, kind) || registeredKernels.has(kind)) throw new Error(`op '${kind}' already has a kernel`);
  registeredKernels.set(kind, kernel);
}

/** The kernel of a kind, built in or registered. */
export function kernelOf(kind: string): Kernel<OpKind> | undefined {
  return Object.hasOwn(KERNELS, kind) ? (KERNELS[kind as OpKind] as Kernel<OpKind>) : registeredKernels.get(kind);
}
