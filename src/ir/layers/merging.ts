// Merge layers: two or more inputs.

import { formatShape } from '../shape.js';
import { defineLayer, resolvedAttr } from './define.js';
import { integer, irInt } from './paramTypes.js';
import { checkAxes, resolveAxes, shapesEqual } from './shapeRules.js';

export const Add = defineLayer({
  kind: 'Add',
  inputs: 'many',
  attrs: {},
  inferShape(_attrs, inputs) {
    const first = inputs[0];
    for (const other of inputs.slice(1)) {
      if (!shapesEqual(first.shape, other.shape)) {
        return { error: `Add of ${formatShape(first.shape)} and ${formatShape(other.shape)}: '${first.name}' and '${other.name}' must have the same shape` };
      }
    }
    return { shape: first.shape };
  },
});

export const Concatenate = defineLayer({
  kind: 'Concatenate',
  inputs: 'many',
  attrs: {
    /** Counted with the batch axis once resolved. */
    axis: resolvedAttr(integer, irInt(1, 64), -1),
  },
  resolve(args, [shape]) {
    const axis = resolveAxes('Concatenate', [args.axis as number], shape);
    return 'error' in axis ? { ...axis, param: 'axis' } : { axis: axis[0] };
  },
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
});
