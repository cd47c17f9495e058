// Activation layers (PReLU with its learned slopes), and Dropout. Each says which activation function it computes, so
// the optimizer can fuse it into the linear layer before it.

import type { Activation as ActivationFunction } from '../attributes.js';
import { attr, defineLayer, resolvedAttr, weightAttrNames, weightAttrs } from './define.js';
import { formatShape } from '../shape.js';
import { activation, axesOrNone, finite, integer, irAxesOrNone, irInt, nonNegative, nullable, unitInterval } from './paramTypes.js';
import { checkAxes, resolveAxes, sameShape } from './shapeRules.js';

export const Activation = defineLayer({
  kind: 'Activation',
  positional: 1,
  attrs: { activation: attr(activation) },
  inferShape: sameShape,
  traits: {
    activation: (a) => a.activation,
    identityAtInference: (a) => (a.activation.name === 'linear' ? 'a linear activation is the identity' : null),
  },
});

/** Keras's ReLU: max_value if x ≥ max_value, x if threshold ≤ x < max_value, negative_slope · (x − threshold) otherwise. */
export const ReLU = defineLayer({
  kind: 'ReLU',
  attrs: {
    max_value: attr(nullable(nonNegative), null),
    negative_slope: attr(nonNegative, 0),
    threshold: attr(nonNegative, 0),
  },
  inferShape: sameShape,
  traits: {
    activation({ max_value, negative_slope, threshold }): ActivationFunction | null {
      if (threshold !== 0) return null;
      if (negative_slope === 0) return max_value === null ? { name: 'relu' } : max_value === 6 ? { name: 'relu6' } : null;
      return max_value === null ? { name: 'leaky_relu', alpha: negative_slope } : null;
    },
  },
});

export const ELU = defineLayer({
  kind: 'ELU',
  attrs: { alpha: attr(finite, 1) },
  inferShape: sameShape,
  traits: { activation: (a) => (a.alpha === 1 ? { name: 'elu' } : { name: 'elu', alpha: a.alpha }) },
});

export const LeakyReLU = defineLayer({
  kind: 'LeakyReLU',
  attrs: { negative_slope: attr(nonNegative, 0.3) },
  inferShape: sameShape,
  traits: { activation: (a) => ({ name: 'leaky_relu', alpha: a.negative_slope }) },
});

export const Softmax = defineLayer({
  kind: 'Softmax',
  attrs: {
    /** Counted with the batch axis once resolved. */
    axis: resolvedAttr(integer, irInt(1, 64), -1),
  },
  resolve(args, [shape]) {
    const axis = resolveAxes('Softmax', [args.axis as number], shape);
    return 'error' in axis ? { ...axis, param: 'axis' } : { axis: axis[0] };
  },
  inferShape(attrs, [input]) {
    const axisError = checkAxes('Softmax', [attrs.axis], input);
    return axisError ? { error: axisError } : { shape: input.shape };
  },
});

/** Keras's inverted dropout: active only in training. */
export const Dropout = defineLayer({
  kind: 'Dropout',
  positional: 1,
  attrs: { rate: attr(unitInterval), seed: attr(nullable(integer), null) },
  inferShape: sameShape,
  traits: { identityAtInference: () => 'Dropout is the identity in inference' },
});

/**
 * Keras's PReLU: `relu(x) − alpha · relu(−x)`, with a learned `alpha` per element of the
 * input (batch excluded), shared (size 1) along `shared_axes` (counted with the batch
 * axis, as Keras: 1 is the first axis after the batch).
 */
export const PReLU = defineLayer({
  kind: 'PReLU',
  attrs: {
    ...weightAttrs({ alpha: 'zeros' }),
    /** Ascending once resolved; none (written null) by default. */
    shared_axes: resolvedAttr(axesOrNone, irAxesOrNone, []),
  },
  resolve(args, [shape]) {
    const written = args.shared_axes as number[];
    for (const axis of written) {
      if (axis < 1 || axis >= shape.length) return { error: `PReLU shared axis ${axis} is out of range for an input of shape ${formatShape(shape)}: valid axes are 1..${shape.length - 1} (the batch axis is 0)`, param: 'shared_axes' };
    }
    const axes = resolveAxes('PReLU', written, shape);
    return 'error' in axes ? { ...axes, param: 'shared_axes' } : ({ ...args, shared_axes: axes } as never);
  },
  inferShape(attrs, [input]) {
    const axisError = checkAxes('PReLU', attrs.shared_axes, input);
    return axisError ? { error: axisError } : { shape: input.shape };
  },
  variables: [
    {
      name: 'alpha',
      shape: (a, [input]) => input.slice(1).map((d, i) => (a.shared_axes.includes(i + 1) ? 1 : (d as number))),
      ...weightAttrNames('alpha'),
    },
  ],
});
