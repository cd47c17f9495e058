// Kinds only the optimizer makes (never written in `.nn`).

import type { Initializer } from '../attributes.js';
import { defineLayer, resolvedAttr } from './define.js';
import { axes, irAxes } from './paramTypes.js';
import { axesShape, checkAxes } from './shapeRules.js';

const ONES: Initializer = { name: 'ones', args: {} };
const ZEROS: Initializer = { name: 'zeros', args: {} };

/**
 * Optimizer-introduced: `y = x · scale + offset`, per element of the given axes (what a
 * BatchNormalization becomes in inference). Weights `scale` and `offset`, shaped like the axes.
 */
export const Affine = defineLayer({
  kind: 'Affine',
  callable: false,
  attrs: { axis: resolvedAttr(axes, irAxes) },
  inferShape(attrs, [input]) {
    const axisError = checkAxes('Affine', attrs.axis, input);
    return axisError ? { error: axisError } : { shape: input.shape };
  },
  variables: [
    { name: 'scale', shape: (a, [input]) => axesShape(a.axis, input), initializer: ONES },
    { name: 'offset', shape: (a, [input]) => axesShape(a.axis, input), initializer: ZEROS },
  ],
});
