// Linear layers: a kernel, a bias, and an activation tfjs fuses into the kernel when it
// can. Dense works on the last axis; the convolutions on channels-last images.

import type { Activation, Pair } from '../attributes.js';
import { formatShape } from '../shape.js';
import { type AttrsError, type ShapedInput, addedLater, attr, defineLayer, weightAttrNames, weightAttrs } from './define.js';
import { activation, bool, intOrPair, intOrPairFromZero, intOrSingle, nullable, padding, padding1d, positiveInt } from './paramTypes.js';
import { SEQUENCE, outputSteps, strideWithDilation } from './sequenceRules.js';
import { IMAGE, requireRank, spatial } from './shapeRules.js';
import { transposedSize } from './transposedRules.js';

const LINEAR: Activation = { name: 'linear' };

/** Keras refuses strides > 1 together with dilation > 1. */
function stridesWithDilation(kind: string, strides: Pair, dilation: Pair): AttrsError | null {
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
    return { error: `${kind} cannot combine strides [${strides.join(', ')}] with dilation_rate [${dilation.join(', ')}]: one of them must be 1`, param: 'dilation_rate' };
  }
  return null;
}

/**
 * Keras: the filters split evenly into the groups. `resolve` reports it at the argument;
 * `inferShape` asks again for a stored IR (a bundle's JSON), with the same words.
 */
function groupsDivideFilters(kind: string, filters: number, groups: number): AttrsError | null {
  return filters % groups === 0 ? null : { error: `${kind} filters=${filters} cannot be split into groups=${groups}: filters must be a multiple of groups`, param: 'groups' };
}

/** Keras: the input channels split evenly into the groups (known once the input shape is). */
function groupsDivideChannels(kind: string, groups: number, input: ShapedInput): string | null {
  if (channels(input.shape) % groups === 0) return null;
  return `${kind} with groups=${groups} needs input channels divisible by ${groups}, but '${input.name}' ${formatShape(input.shape)} has ${channels(input.shape)}`;
}

/** Both groups checks of a shape rule: the stored filters, then the input channels. */
function groupsError(kind: string, filters: number, groups: number, input: ShapedInput): string | null {
  return groupsDivideFilters(kind, filters, groups)?.error ?? groupsDivideChannels(kind, groups, input);
}

const channels = (shape: readonly (number | null)[]) => shape[shape.length - 1] as number;

export const Dense = defineLayer({
  kind: 'Dense',
  positional: 1,
  attrs: {
    units: attr(positiveInt),
    activation: attr(activation, LINEAR),
    use_bias: attr(bool, true),
    ...weightAttrs({ kernel: 'glorot_uniform', bias: 'zeros' }),
  },
  inferShape(attrs, [input]) {
    if (input.shape.length < 2) return { error: `Dense expects an input of rank 2 or more, but '${input.name}' is ${formatShape(input.shape)}` };
    return { shape: [...input.shape.slice(0, -1), attrs.units] };
  },
  variables: [
    { name: 'kernel', shape: (a, [input]) => [channels(input), a.units], ...weightAttrNames('kernel') },
    { name: 'bias', shape: (a) => [a.units], when: (a) => a.use_bias, ...weightAttrNames('bias') },
  ],
  traits: { linear: { kernel: 'kernel' } },
});

function convShape(kind: string, attrs: { kernel_size: Pair; strides: Pair; dilation_rate: Pair; padding: 'valid' | 'same' }, input: ShapedInput, outChannels: number) {
  const rankError = requireRank(kind, input, 4, IMAGE);
  if (rankError) return { error: rankError };
  const size = spatial(kind, input, attrs.kernel_size, attrs.strides, attrs.dilation_rate, attrs.padding);
  if (typeof size === 'string') return { error: size };
  return { shape: [input.shape[0], size[0], size[1], outChannels] };
}

export const Conv2D = defineLayer({
  kind: 'Conv2D',
  positional: 2,
  attrs: {
    filters: attr(positiveInt),
    kernel_size: attr(intOrPair),
    strides: attr(intOrPair, [1, 1]),
    padding: attr(padding, 'valid'),
    dilation_rate: attr(intOrPair, [1, 1]),
    /** Channel groups: input and output channels split into `groups` independent convolutions. */
    groups: addedLater(attr(positiveInt, 1), 'commit 51105a9 (Conv2D groups)', 1),
    activation: attr(activation, LINEAR),
    use_bias: attr(bool, true),
    ...weightAttrs({ kernel: 'glorot_uniform', bias: 'zeros' }),
  },
  resolve: (args) => stridesWithDilation('Conv2D', args.strides as Pair, args.dilation_rate as Pair) ?? groupsDivideFilters('Conv2D', args.filters as number, args.groups as number) ?? (args as never),
  inferShape(attrs, [input]) {
    const shape = convShape('Conv2D', attrs, input, attrs.filters);
    const groups = 'shape' in shape ? groupsError('Conv2D', attrs.filters, attrs.groups, input) : null;
    return groups ? { error: groups } : shape;
  },
  variables: [
    { name: 'kernel', shape: (a, [input]) => [a.kernel_size[0], a.kernel_size[1], channels(input) / a.groups, a.filters], ...weightAttrNames('kernel') },
    { name: 'bias', shape: (a) => [a.filters], when: (a) => a.use_bias, ...weightAttrNames('bias') },
  ],
  traits: { linear: { kernel: 'kernel' } },
});

export const DepthwiseConv2D = defineLayer({
  kind: 'DepthwiseConv2D',
  positional: 1,
  attrs: {
    kernel_size: attr(intOrPair),
    strides: attr(intOrPair, [1, 1]),
    padding: attr(padding, 'valid'),
    depth_multiplier: attr(positiveInt, 1),
    dilation_rate: attr(intOrPair, [1, 1]),
    activation: attr(activation, LINEAR),
    use_bias: attr(bool, true),
    ...weightAttrs({ depthwise: 'glorot_uniform', bias: 'zeros' }),
  },
  resolve: (args) => stridesWithDilation('DepthwiseConv2D', args.strides as Pair, args.dilation_rate as Pair) ?? (args as never),
  inferShape: (attrs, [input]) => convShape('DepthwiseConv2D', attrs, input, (input.shape[3] as number) * attrs.depth_multiplier),
  variables: [
    {
      name: 'depthwise_kernel',
      shape: (a, [input]) => [a.kernel_size[0], a.kernel_size[1], channels(input), a.depth_multiplier],
      ...weightAttrNames('depthwise'),
    },
    { name: 'bias', shape: (a, [input]) => [channels(input) * a.depth_multiplier], when: (a) => a.use_bias, ...weightAttrNames('bias') },
  ],
  traits: { linear: { kernel: 'depthwise_kernel' } },
});

/**
 * Conv1D over channels-last sequences: `padding=causal` pads (kernel_size − 1)·dilation_rate
 * zeros before the first step; with `groups` g the input channels are split in g groups,
 * group j convolved with filters j·f/g … (j + 1)·f/g − 1 alone (kernel [k, in / g, f]).
 */
export const Conv1D = defineLayer({
  kind: 'Conv1D',
  positional: 2,
  attrs: {
    filters: attr(positiveInt),
    kernel_size: attr(intOrSingle),
    strides: attr(intOrSingle, 1),
    padding: attr(padding1d, 'valid'),
    dilation_rate: attr(intOrSingle, 1),
    groups: attr(positiveInt, 1),
    activation: attr(activation, LINEAR),
    use_bias: attr(bool, true),
    ...weightAttrs({ kernel: 'glorot_uniform', bias: 'zeros' }),
  },
  resolve: (args) => groupsDivideFilters('Conv1D', args.filters as number, args.groups as number) ?? strideWithDilation('Conv1D', args.strides as number, args.dilation_rate as number) ?? (args as never),
  inferShape(attrs, [input]) {
    const rankError = requireRank('Conv1D', input, 3, SEQUENCE);
    if (rankError) return { error: rankError };
    const groups = groupsError('Conv1D', attrs.filters, attrs.groups, input);
    if (groups) return { error: groups };
    const steps = outputSteps('Conv1D', input, attrs.kernel_size, attrs.strides, attrs.dilation_rate, attrs.padding);
    if (typeof steps === 'string') return { error: steps };
    return { shape: [input.shape[0], steps, attrs.filters] };
  },
  variables: [
    { name: 'kernel', shape: (a, [input]) => [a.kernel_size, channels(input) / a.groups, a.filters], ...weightAttrNames('kernel') },
    { name: 'bias', shape: (a) => [a.filters], when: (a) => a.use_bias, ...weightAttrNames('bias') },
  ],
  traits: { linear: { kernel: 'kernel' } },
});

/**
 * A depthwise convolution (`depth_multiplier` outputs per input channel) then a 1×1
 * convolution to `filters` channels, the bias and activation after the second. The
 * `linear` trait names the pointwise kernel: its last axis is the output channels.
 */
export const SeparableConv2D = defineLayer({
  kind: 'SeparableConv2D',
  positional: 2,
  attrs: {
    filters: attr(positiveInt),
    kernel_size: attr(intOrPair),
    strides: attr(intOrPair, [1, 1]),
    padding: attr(padding, 'valid'),
    dilation_rate: attr(intOrPair, [1, 1]),
    depth_multiplier: attr(positiveInt, 1),
    activation: attr(activation, LINEAR),
    use_bias: attr(bool, true),
    ...weightAttrs({ depthwise: 'glorot_uniform', pointwise: 'glorot_uniform', bias: 'zeros' }),
  },
  resolve: (args) => stridesWithDilation('SeparableConv2D', args.strides as Pair, args.dilation_rate as Pair) ?? (args as never),
  inferShape: (attrs, [input]) => convShape('SeparableConv2D', attrs, input, attrs.filters),
  variables: [
    {
      name: 'depthwise_kernel',
      shape: (a, [input]) => [a.kernel_size[0], a.kernel_size[1], channels(input), a.depth_multiplier],
      ...weightAttrNames('depthwise'),
    },
    {
      name: 'pointwise_kernel',
      shape: (a, [input]) => [1, 1, channels(input) * a.depth_multiplier, a.filters],
      ...weightAttrNames('pointwise'),
    },
    { name: 'bias', shape: (a) => [a.filters], when: (a) => a.use_bias, ...weightAttrNames('bias') },
  ],
  traits: { linear: { kernel: 'pointwise_kernel' } },
});

/**
 * The gradient of a Conv2D with respect to its input: each input pixel spreads its
 * channels through the kernel over a window of the (larger) output. Keras's kernel
 * layout is [kh, kw, filters, input channels]: the output channels are NOT the last
 * axis, so the `linear` trait's folds do not apply as they are (see the BN passes).
 * Keras 3's `output_padding` (each below its stride) and `dilation_rate` (not with
 * strides > 1) are there, with Keras 3's shape rule (`transposedSize`).
 */
export const Conv2DTranspose = defineLayer({
  kind: 'Conv2DTranspose',
  positional: 2,
  attrs: {
    filters: attr(positiveInt),
    kernel_size: attr(intOrPair),
    strides: attr(intOrPair, [1, 1]),
    padding: attr(padding, 'valid'),
    /** null: the size Keras infers; otherwise added to the output per axis, each below its stride. */
    output_padding: addedLater(attr(nullable(intOrPairFromZero), null), 'Conv2DTranspose output_padding (issue 17)', null),
    dilation_rate: attr(intOrPair, [1, 1]),
    activation: attr(activation, LINEAR),
    use_bias: attr(bool, true),
    ...weightAttrs({ kernel: 'glorot_uniform', bias: 'zeros' }),
  },
  resolve: (args) => outputPaddingBelowStrides(args.output_padding as Pair | null, args.strides as Pair) ?? stridesWithDilation('Conv2DTranspose', args.strides as Pair, args.dilation_rate as Pair) ?? (args as never),
  inferShape(attrs, [input]) {
    const rankError = requireRank('Conv2DTranspose', input, 4, IMAGE);
    if (rankError) return { error: rankError };
    // (resolve reports it at the argument; this catches a stored IR.)
    const padding = outputPaddingBelowStrides(attrs.output_padding, attrs.strides) ?? stridesWithDilation('Conv2DTranspose', attrs.strides, attrs.dilation_rate);
    if (padding) return { error: padding.error };
    const [batch, height, width] = input.shape as readonly [null, number, number, number];
    const size = [0, 1].map((a) => transposedSize([height, width][a], attrs.kernel_size[a], attrs.strides[a], attrs.dilation_rate[a], attrs.padding, attrs.output_padding?.[a] ?? null));
    if (size.some((d) => d < 1)) {
      return { error: `Conv2DTranspose output would be ${size.join('x')} for the ${height}x${width} input '${input.name}' ${formatShape(input.shape)} (kernel_size [${attrs.kernel_size.join(', ')}], padding=same, output_padding [${attrs.output_padding!.join(', ')}])` };
    }
    return { shape: [batch, size[0], size[1], attrs.filters] };
  },
  variables: [
    { name: 'kernel', shape: (a, [input]) => [a.kernel_size[0], a.kernel_size[1], a.filters, channels(input)], ...weightAttrNames('kernel') },
    { name: 'bias', shape: (a) => [a.filters], when: (a) => a.use_bias, ...weightAttrNames('bias') },
  ],
  traits: { linear: { kernel: 'kernel' } },
});

/** Keras 3 (BaseConvTranspose.__init__): output_padding must be below the stride on each axis. */
function outputPaddingBelowStrides(outputPadding: Pair | null, strides: Pair): AttrsError | null {
  if (outputPadding === null || (outputPadding[0] < strides[0] && outputPadding[1] < strides[1])) return null;
  return { error: `Conv2DTranspose output_padding [${outputPadding.join(', ')}] must be less than strides [${strides.join(', ')}] on each axis`, param: 'output_padding' };
}
