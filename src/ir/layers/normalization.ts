// Normalization layers: BatchNormalization, LayerNormalization and Keras 3's
// preprocessing Normalization.

import { addedLater, attr, defineLayer, resolvedAttr, weightAttrNames, weightAttrs } from './define.js';
import type { Initializer } from '../attributes.js';
import { type NumberArray, axes, axesOrNone, bool, constraint, init, initializer, irAxes, irAxesOrNone, numberArrayOrNull, positive, probability, regularizer } from './paramTypes.js';
import { constantStatisticsError } from './normalizationStatistics.js';
import { axesShape, checkAxes, resolveAxes } from './shapeRules.js';

export const BatchNormalization = defineLayer({
  kind: 'BatchNormalization',
  attrs: {
    /** Normalized axes, ascending, counted with the batch axis (so never 0); written as Keras does (negative from the end). */
    axis: resolvedAttr(axes, irAxes, [-1]),
    momentum: attr(probability, 0.99),
    epsilon: attr(positive, 0.001),
    center: attr(bool, true),
    scale: attr(bool, true),
    beta_initializer: attr(initializer, init('zeros')),
    gamma_initializer: attr(initializer, init('ones')),
    moving_mean_initializer: attr(initializer, init('zeros')),
    moving_variance_initializer: attr(initializer, init('ones')),
    beta_regularizer: attr(regularizer, null),
    gamma_regularizer: attr(regularizer, null),
    beta_constraint: attr(constraint, null),
    gamma_constraint: attr(constraint, null),
    synchronized: attr(bool, false),
  },
  resolve(args, [shape]) {
    const axis = resolveAxes('BatchNormalization', args.axis as number[], shape);
    return 'error' in axis ? { ...axis, param: 'axis' } : ({ ...args, axis } as never);
  },
  inferShape(attrs, [input]) {
    const axisError = checkAxes('BatchNormalization', attrs.axis, input);
    return axisError ? { error: axisError } : { shape: input.shape };
  },
  variables: [
    { name: 'gamma', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.scale, ...weightAttrNames('gamma') },
    { name: 'beta', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.center, ...weightAttrNames('beta') },
    { name: 'moving_mean', shape: (a, [input]) => axesShape(a.axis, input), state: true, initializer: 'moving_mean_initializer' },
    { name: 'moving_variance', shape: (a, [input]) => axesShape(a.axis, input), state: true, initializer: 'moving_variance_initializer', domain: 'non-negative' },
  ],
});

/**
 * Keras 3's LayerNormalization: each sample normalized over `axis` by its own mean and
 * biased variance, `γ · (x − mean) / √(var + ε) + β`, the same in training and
 * inference (no moving statistics).
 *
 * `rms_scaling=true` is what Keras 3 computes for it (ops.layer_normalization in
 * keras/src/ops/nn.py; the same in layer_normalization.py before it moved there, and
 * still in 3.10+, where the argument is deprecated because of it): `y = γ · x / √(var + ε)`
 * — the *variance* (mean removed), not the mean of squares, and x itself, not x − mean;
 * `center` and `scale` are ignored: the layer has `gamma` (always) and no `beta`.
 */
export const LayerNormalization = defineLayer({
  kind: 'LayerNormalization',
  attrs: {
    /** Normalized axes, ascending, counted with the batch axis; written as Keras does (negative from the end). */
    axis: resolvedAttr(axes, irAxes, [-1]),
    epsilon: attr(positive, 0.001),
    center: attr(bool, true),
    scale: attr(bool, true),
    rms_scaling: attr(bool, false),
    ...weightAttrs({ beta: 'zeros', gamma: 'ones' }),
  },
  resolve(args, [shape]) {
    const axis = resolveAxes('LayerNormalization', args.axis as number[], shape);
    return 'error' in axis ? { ...axis, param: 'axis' } : ({ ...args, axis } as never);
  },
  inferShape(attrs, [input]) {
    const axisError = checkAxes('LayerNormalization', attrs.axis, input);
    return axisError ? { error: axisError } : { shape: input.shape };
  },
  variables: [
    // Keras's build: gamma if scale or rms_scaling, beta if center and not rms_scaling.
    { name: 'gamma', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.scale || a.rms_scaling, ...weightAttrNames('gamma') },
    { name: 'beta', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.center && !a.rms_scaling, ...weightAttrNames('beta') },
  ],
});

const ZEROS: Initializer = { name: 'zeros', args: {} };
const ONES: Initializer = { name: 'ones', args: {} };

/**
 * Keras 3's Normalization:
 *   y = (x − mean) / max(√variance, ε),  ε = 1e-7 (Keras's backend.epsilon())
 *   invert=true: y = mean + x · max(√variance, ε)
 * per element of `axis` (Keras's default -1: per channel; null: one scalar mean and
 * variance). With stored statistics (what `adapt()` computes) its variables are Keras's:
 * `mean`, `variance` and a scalar `count` (kept for older saved models, unused), all
 * non-trainable: 2·C + 1 parameters. With Keras's `mean=` and `variance=` constructor
 * arguments (a number or nested lists, aligned with the kept axes from the right and
 * broadcast) the values are configuration and the layer has no variables.
 */
export const Normalization = defineLayer({
  kind: 'Normalization',
  positional: 1,
  attrs: {
    /** Kept axes, ascending, counted with the batch axis once resolved; empty for axis=null. */
    axis: resolvedAttr(axesOrNone, irAxesOrNone, [-1]),
    mean: addedLater(attr(numberArrayOrNull, null), 'Normalization mean= and variance= (issue 17)', null),
    variance: addedLater(attr(numberArrayOrNull, null), 'Normalization mean= and variance= (issue 17)', null),
    invert: attr(bool, false),
  },
  resolve(args, [shape]) {
    const axis = resolveAxes('Normalization', args.axis as number[], shape);
    if ('error' in axis) return { ...axis, param: 'axis' };
    return constantStatisticsError(args.mean as NumberArray | null, args.variance as NumberArray | null, axesShape(axis, shape)) ?? ({ ...args, axis } as never);
  },
  inferShape(attrs, [input]) {
    const axisError = checkAxes('Normalization', attrs.axis, input);
    if (axisError) return { error: axisError };
    const constants = constantStatisticsError(attrs.mean, attrs.variance, axesShape(attrs.axis, input.shape));
    return constants ? { error: constants.error } : { shape: input.shape };
  },
  variables: [
    { name: 'mean', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.mean === null, state: true, initializer: ZEROS },
    { name: 'variance', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.mean === null, state: true, initializer: ONES, domain: 'non-negative' },
    { name: 'count', shape: () => [], when: (a) => a.mean === null, state: true, initializer: ZEROS },
  ],
});
