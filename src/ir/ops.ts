// What each op of the IR means, independent of any source text: how many inputs it
// takes, its output shape from its inputs' shapes, and the weights it declares.
// The compiler's shape inference, the verifier and the optimizer passes all ask here,
// so a layer's shape rule exists exactly once.

import type {
  AttrsByKind,
  Graph,
  Initializer,
  Node,
  OpKind,
  Pair,
  Padding,
  Shape,
  WeightSpec,
} from './types.js';
import { formatShape } from './shape.js';

/** An input as shape rules see it: its producer's name (for messages) and shape. */
export interface ShapedInput {
  readonly name: string;
  readonly shape: Shape;
}

export type ShapeResult = { readonly shape: Shape } | { readonly error: string };

export type WeightDecl = Omit<WeightSpec, 'trainable'>;

export interface OpDef<K extends OpKind> {
  /** `none`: Input; `one`: a single input; `many`: two or more (merge layers). */
  readonly arity: 'none' | 'one' | 'many';
  /** Output shape, or why the inputs do not fit. Attributes are already resolved. */
  inferShape(attrs: AttrsByKind[K], inputs: readonly ShapedInput[]): ShapeResult;
  /** The weights the layer owns, given its input shapes. */
  weights(attrs: AttrsByKind[K], inputs: readonly Shape[]): readonly WeightDecl[];
}

const ZEROS: Initializer = { name: 'zeros', args: {} };
const ONES: Initializer = { name: 'ones', args: {} };

const noWeights = (): readonly WeightDecl[] => [];

function sameShape(_attrs: unknown, inputs: readonly ShapedInput[]): ShapeResult {
  return { shape: inputs[0].shape };
}

function requireRank(kind: string, input: ShapedInput, rank: number, what: string): string | null {
  if (input.shape.length === rank) return null;
  return `${kind} expects ${what} (rank ${rank}, batch included), but '${input.name}' is ${formatShape(input.shape)}`;
}

/** Keras's `conv_output_length` (and pooling's): the spatial size after a window slides over `size`. */
export function windowOutputSize(size: number, window: number, stride: number, dilation: number, padding: Padding): number {
  const effective = (window - 1) * dilation + 1;
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - effective) / stride) + 1;
}

function spatial(kind: string, input: ShapedInput, window: Pair, strides: Pair, dilation: Pair, padding: Padding): readonly [number, number] | string {
  const [, height, width] = input.shape as readonly [null, number, number, number];
  const outH = windowOutputSize(height, window[0], strides[0], dilation[0], padding);
  const outW = windowOutputSize(width, window[1], strides[1], dilation[1], padding);
  if (outH < 1 || outW < 1) {
    const effH = (window[0] - 1) * dilation[0] + 1;
    const effW = (window[1] - 1) * dilation[1] + 1;
    if (!Number.isSafeInteger(effH) || !Number.isSafeInteger(effW)) {
      return `${kind} window [${window.join(', ')}] with dilation_rate [${dilation.join(', ')}] spans more than 2^53 - 1 pixels: it does not fit in the ${height}x${width} input '${input.name}' ${formatShape(input.shape)}`;
    }
    return `${kind} window ${effH}x${effW} does not fit in the ${height}x${width} input '${input.name}' ${formatShape(input.shape)} with padding=valid (output would be ${outH}x${outW})`;
  }
  return [outH, outW];
}

/** The product of dimensions, or null when it is not exactly representable (beyond 2^53). */
export function checkedProduct(dims: readonly number[]): number | null {
  // Dims are positive integers, so every partial product is at most the final one: when
  // the float product is at most 2^53 - 1, each step multiplied exact integers into an
  // exactly representable result, and the float product is exact. Above, it is refused
  // (rounding is monotonic, so a true product of 2^53 or more never rounds below 2^53).
  let product = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return null;
    product *= d;
  }
  return product <= Number.MAX_SAFE_INTEGER ? product : null;
}

function featureDims(shape: Shape): number[] {
  return shape.slice(1) as number[];
}

export const OPS: { readonly [K in OpKind]: OpDef<K> } = {
  Input: {
    arity: 'none',
    inferShape: () => ({ error: 'an Input has no inputs to infer from' }),
    weights: noWeights,
  },

  Dense: {
    arity: 'one',
    inferShape(attrs, [input]) {
      if (input.shape.length < 2) return { error: `Dense expects an input of rank 2 or more, but '${input.name}' is ${formatShape(input.shape)}` };
      return { shape: [...input.shape.slice(0, -1), attrs.units] };
    },
    weights(attrs, [shape]) {
      const inputDim = shape[shape.length - 1] as number;
      const decls: WeightDecl[] = [
        { name: 'kernel', shape: [inputDim, attrs.units], isState: false, initializer: attrs.kernel_initializer, regularizer: attrs.kernel_regularizer, constraint: attrs.kernel_constraint },
      ];
      if (attrs.use_bias) decls.push({ name: 'bias', shape: [attrs.units], isState: false, initializer: attrs.bias_initializer, regularizer: attrs.bias_regularizer, constraint: attrs.bias_constraint });
      return decls;
    },
  },

  Conv2D: {
    arity: 'one',
    inferShape(attrs, [input]) {
      const rankError = requireRank('Conv2D', input, 4, 'an image [batch, height, width, channels]');
      if (rankError) return { error: rankError };
      const size = spatial('Conv2D', input, attrs.kernel_size, attrs.strides, attrs.dilation_rate, attrs.padding);
      if (typeof size === 'string') return { error: size };
      return { shape: [input.shape[0], size[0], size[1], attrs.filters] };
    },
    weights(attrs, [shape]) {
      const channels = shape[3] as number;
      const decls: WeightDecl[] = [
        { name: 'kernel', shape: [attrs.kernel_size[0], attrs.kernel_size[1], channels, attrs.filters], isState: false, initializer: attrs.kernel_initializer, regularizer: attrs.kernel_regularizer, constraint: attrs.kernel_constraint },
      ];
      if (attrs.use_bias) decls.push({ name: 'bias', shape: [attrs.filters], isState: false, initializer: attrs.bias_initializer, regularizer: attrs.bias_regularizer, constraint: attrs.bias_constraint });
      return decls;
    },
  },

  DepthwiseConv2D: {
    arity: 'one',
    inferShape(attrs, [input]) {
      const rankError = requireRank('DepthwiseConv2D', input, 4, 'an image [batch, height, width, channels]');
      if (rankError) return { error: rankError };
      const size = spatial('DepthwiseConv2D', input, attrs.kernel_size, attrs.strides, attrs.dilation_rate, attrs.padding);
      if (typeof size === 'string') return { error: size };
      return { shape: [input.shape[0], size[0], size[1], (input.shape[3] as number) * attrs.depth_multiplier] };
    },
    weights(attrs, [shape]) {
      const channels = shape[3] as number;
      const decls: WeightDecl[] = [
        { name: 'depthwise_kernel', shape: [attrs.kernel_size[0], attrs.kernel_size[1], channels, attrs.depth_multiplier], isState: false, initializer: attrs.depthwise_initializer, regularizer: attrs.depthwise_regularizer, constraint: attrs.depthwise_constraint },
      ];
      if (attrs.use_bias) decls.push({ name: 'bias', shape: [channels * attrs.depth_multiplier], isState: false, initializer: attrs.bias_initializer, regularizer: attrs.bias_regularizer, constraint: attrs.bias_constraint });
      return decls;
    },
  },

  BatchNormalization: {
    arity: 'one',
    inferShape(attrs, [input]) {
      const axisError = checkAxes('BatchNormalization', attrs.axis, input);
      return axisError ? { error: axisError } : { shape: input.shape };
    },
    weights(attrs, [shape]) {
      const paramShape = attrs.axis.map((a) => shape[a] as number);
      const decls: WeightDecl[] = [];
      if (attrs.scale) decls.push({ name: 'gamma', shape: paramShape, isState: false, initializer: attrs.gamma_initializer, regularizer: attrs.gamma_regularizer, constraint: attrs.gamma_constraint });
      if (attrs.center) decls.push({ name: 'beta', shape: paramShape, isState: false, initializer: attrs.beta_initializer, regularizer: attrs.beta_regularizer, constraint: attrs.beta_constraint });
      decls.push({ name: 'moving_mean', shape: paramShape, isState: true, initializer: attrs.moving_mean_initializer, regularizer: null, constraint: null });
      decls.push({ name: 'moving_variance', shape: paramShape, isState: true, initializer: attrs.moving_variance_initializer, regularizer: null, constraint: null, domain: 'non-negative' });
      return decls;
    },
  },

  Activation: { arity: 'one', inferShape: sameShape, weights: noWeights },
  ReLU: { arity: 'one', inferShape: sameShape, weights: noWeights },
  ELU: { arity: 'one', inferShape: sameShape, weights: noWeights },
  LeakyReLU: { arity: 'one', inferShape: sameShape, weights: noWeights },

  Softmax: {
    arity: 'one',
    inferShape(attrs, [input]) {
      const axisError = checkAxes('Softmax', [attrs.axis], input);
      return axisError ? { error: axisError } : { shape: input.shape };
    },
    weights: noWeights,
  },

  Dropout: { arity: 'one', inferShape: sameShape, weights: noWeights },

  Flatten: {
    arity: 'one',
    inferShape(_attrs, [input]) {
      if (input.shape.length < 2) return { error: `Flatten expects an input with a feature dimension, but '${input.name}' is ${formatShape(input.shape)}` };
      const size = checkedProduct(featureDims(input.shape));
      if (size === null) return { error: `Flatten of '${input.name}' ${formatShape(input.shape)} would have more than 2^53 features` };
      return { shape: [input.shape[0], size] };
    },
    weights: noWeights,
  },

  Reshape: {
    arity: 'one',
    inferShape(attrs, [input]) {
      const size = checkedProduct(featureDims(input.shape));
      const known = attrs.target_shape.filter((d) => d !== -1);
      const target = checkedProduct(known);
      if (size === null || target === null) return { error: `Reshape of '${input.name}' ${formatShape(input.shape)} involves more than 2^53 elements` };
      const wildcard = attrs.target_shape.indexOf(-1);
      if (wildcard >= 0) {
        if (size % target !== 0) {
          return { error: `Reshape cannot reshape '${input.name}' ${formatShape(input.shape)} (${size} values) into [${attrs.target_shape.join(', ')}]: ${size} is not a multiple of ${target}` };
        }
        const resolved = attrs.target_shape.map((d) => (d === -1 ? size / target : d));
        return { shape: [input.shape[0], ...resolved] };
      }
      if (size !== target) {
        return { error: `Reshape cannot reshape '${input.name}' ${formatShape(input.shape)} (${size} values) into [${attrs.target_shape.join(', ')}] (${target} values)` };
      }
      return { shape: [input.shape[0], ...attrs.target_shape] };
    },
    weights: noWeights,
  },

  Rescaling: { arity: 'one', inferShape: sameShape, weights: noWeights },

  ZeroPadding2D: {
    arity: 'one',
    inferShape(attrs, [input]) {
      const rankError = requireRank('ZeroPadding2D', input, 4, 'an image [batch, height, width, channels]');
      if (rankError) return { error: rankError };
      const [[top, bottom], [left, right]] = attrs.padding;
      const [batch, height, width, channels] = input.shape as readonly [null, number, number, number];
      return { shape: [batch, height + top + bottom, width + left + right, channels] };
    },
    weights: noWeights,
  },

  MaxPooling2D: { arity: 'one', inferShape: (attrs, inputs) => poolShape('MaxPooling2D', attrs, inputs[0]), weights: noWeights },
  AveragePooling2D: { arity: 'one', inferShape: (attrs, inputs) => poolShape('AveragePooling2D', attrs, inputs[0]), weights: noWeights },

  GlobalAveragePooling2D: {
    arity: 'one',
    inferShape(_attrs, [input]) {
      const rankError = requireRank('GlobalAveragePooling2D', input, 4, 'an image [batch, height, width, channels]');
      if (rankError) return { error: rankError };
      return { shape: [input.shape[0], input.shape[3]] };
    },
    weights: noWeights,
  },

  Add: {
    arity: 'many',
    inferShape(_attrs, inputs) {
      const first = inputs[0];
      for (const other of inputs.slice(1)) {
        if (!shapesEqual(first.shape, other.shape)) {
          return { error: `Add of ${formatShape(first.shape)} and ${formatShape(other.shape)}: '${first.name}' and '${other.name}' must have the same shape` };
        }
      }
      return { shape: first.shape };
    },
    weights: noWeights,
  },

  Concatenate: {
    arity: 'many',
    inferShape(attrs, inputs) {
      const first = inputs[0];
      const axisError = checkAxes('Concatenate', [attrs.axis], first);
      if (axisError) return { error: axisError };
      let total = 0;
      for (const input of inputs) {
        const mismatch = input.shape.length !== first.shape.length || input.shape.some((d, i) => i !== attrs.axis && d !== first.shape[i]);
        if (mismatch) {
          return { error: `Concatenate on axis ${attrs.axis} of ${formatShape(first.shape)} and ${formatShape(input.shape)}: '${first.name}' and '${input.name}' must agree on every other axis` };
        }
        total += input.shape[attrs.axis] as number;
      }
      if (!Number.isSafeInteger(total)) return { error: `Concatenate output axis ${attrs.axis} would exceed 2^53` };
      return { shape: first.shape.map((d, i) => (i === attrs.axis ? total : d)) };
    },
    weights: noWeights,
  },

  Affine: {
    arity: 'one',
    inferShape(attrs, [input]) {
      const axisError = checkAxes('Affine', attrs.axis, input);
      return axisError ? { error: axisError } : { shape: input.shape };
    },
    weights(attrs, [shape]) {
      const paramShape = attrs.axis.map((a) => shape[a] as number);
      return [
        { name: 'scale', shape: paramShape, isState: false, initializer: ONES, regularizer: null, constraint: null },
        { name: 'offset', shape: paramShape, isState: false, initializer: ZEROS, regularizer: null, constraint: null },
      ];
    },
  },
};

function poolShape(kind: string, attrs: AttrsByKind['MaxPooling2D'], input: ShapedInput): ShapeResult {
  const rankError = requireRank(kind, input, 4, 'an image [batch, height, width, channels]');
  if (rankError) return { error: rankError };
  const size = spatial(kind, input, attrs.pool_size, attrs.strides, [1, 1], attrs.padding);
  if (typeof size === 'string') return { error: size };
  return { shape: [input.shape[0], size[0], size[1], input.shape[3]] };
}

/** Resolved axes must be distinct, ascending, within the rank and not the batch axis. */
function checkAxes(kind: string, axes: readonly number[], input: ShapedInput): string | null {
  const rank = input.shape.length;
  for (const axis of axes) {
    if (!Number.isInteger(axis) || axis < 1 || axis >= rank) {
      return `${kind} axis ${axis} is out of range for '${input.name}' ${formatShape(input.shape)}: valid axes are 1..${rank - 1} (or -${rank - 1}..-1)`;
    }
  }
  for (let i = 1; i < axes.length; i++) {
    if (axes[i] <= axes[i - 1]) return `${kind} axes must be distinct and ascending once resolved, found [${axes.join(', ')}]`;
  }
  return null;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Infer the output shape of a node of kind `kind` (typed entry point for callers holding a union). */
export function inferShape(kind: OpKind, attrs: unknown, inputs: readonly ShapedInput[]): ShapeResult {
  const result = (OPS[kind] as OpDef<OpKind>).inferShape(attrs as never, inputs);
  // Sums and products of safe dimensions (padding, depth_multiplier) can leave the exact range.
  if ('shape' in result && result.shape.some((d, i) => i > 0 && !Number.isSafeInteger(d))) {
    // Not printed: such a dimension is already rounded.
    const from = inputs.map((input) => `'${input.name}' ${formatShape(input.shape)}`).join(', ');
    return { error: `${kind} of ${from} would have an output dimension beyond 2^53 - 1, which cannot be represented exactly` };
  }
  return result;
}

/** The weights of a node, trainability resolved (`trainable=false` layers and moving statistics are non-trainable). */
export function nodeWeights(graph: Graph, node: Node): readonly WeightSpec[] {
  const inputShapes = node.inputs.map((id) => graph.nodes[id].shape);
  return declaredWeights(node.kind, node.attrs, inputShapes, node.trainable);
}

export function declaredWeights(kind: OpKind, attrs: unknown, inputShapes: readonly Shape[], trainable: boolean): readonly WeightSpec[] {
  const decls = (OPS[kind] as OpDef<OpKind>).weights(attrs as never, inputShapes);
  // An explicit literal rather than `{ ...d, trainable }`: this runs for every layer in
  // lowering and summaries, and the spread was the front end's hottest line.
  return decls.map((d) => ({ name: d.name, shape: d.shape, trainable: trainable && !d.isState, isState: d.isState, initializer: d.initializer, regularizer: d.regularizer, constraint: d.constraint, domain: d.domain }));
}
