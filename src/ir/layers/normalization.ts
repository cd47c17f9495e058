// Normalization: BatchNormalization as Keras defines it.

import { attr, defineLayer, resolvedAttr } from './define.js';
import { axes, bool, constraint, init, initializer, irAxes, positive, probability, regularizer } from './paramTypes.js';
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
    { name: 'gamma', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.scale, initializer: 'gamma_initializer', regularizer: 'gamma_regularizer', constraint: 'gamma_constraint' },
    { name: 'beta', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.center, initializer: 'beta_initializer', regularizer: 'beta_regularizer', constraint: 'beta_constraint' },
    { name: 'moving_mean', shape: (a, [input]) => axesShape(a.axis, input), state: true, initializer: 'moving_mean_initializer' },
    { name: 'moving_variance', shape: (a, [input]) => axesShape(a.axis, input), state: true, initializer: 'moving_variance_initializer', domain: 'non-negative' },
  ],
});
