// Kinds only the optimizer makes (never written in `.nn`).

import type { Initializer } from '../attributes.js';
import { addedLater, attr, defineLayer, resolvedAttr } from './define.js';
import { axes, bool, irAxes } from './paramTypes.js';
import { axesShape, checkAxes } from './shapeRules.js';

const ONES: Initializer = { name: 'ones', args: {} };
const ZEROS: Initializer = { name: 'zeros', args: {} };

/**
 * Optimizer-introduced: `y = x · scale + offset`, per element of the given axes (what a
 * BatchNormalization becomes in inference). Weights `scale` and `offset`, shaped like the axes;
 * with `scale=false`, `y = x + offset` (no `scale` weight): what is left of a BN whose
 * factor moved through a ReLU into the layers after it (move-batchnorm-scale-through-relu).
 */
export const Affine = defineLayer({
  kind: 'Affine',
  callable: false,
  attrs: { axis: resolvedAttr(axes, irAxes), scale: addedLater(attr(bool, true), 'move-batchnorm-scale-through-relu (issue 17)', true) },
  inferShape(attrs, [input]) {
    const axisError = checkAxes('Affine', attrs.axis, input);
    return axisError ? { error: axisError } : { shape: input.shape };
  },
  variables: [
    { name: 'scale', shape: (a, [input]) => axesShape(a.axis, input), when: (a) => a.scale, initializer: ONES },
    { name: 'offset', shape: (a, [input]) => axesShape(a.axis, input), initializer: ZEROS },
  ],
});
