// Activation layers, and Dropout. Each says which activation function it computes, so
// the optimizer can fuse it into the linear layer before it.

import type { Activation as ActivationFunction } from '../attributes.js';
import { attr, defineLayer, resolvedAttr } from './define.js';
import { activation, finite, integer, irInt, nonNegative, nullable, unitInterval } from './paramTypes.js';
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
