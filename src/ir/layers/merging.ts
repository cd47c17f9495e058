// Merge layers: two or more inputs (Subtract: exactly two).

import { formatShape } from '../shape.js';
import { type ShapeResult, type ShapedInput, defineLayer, resolvedAttr } from './define.js';
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

/**
 * Keras 3's elementwise merge rule (`Merge._compute_elemwise_op_output_shape`): on each
 * axis the sizes are equal or one of them is 1, which broadcasts (a squeeze-and-excite
 * [b, 1, 1, c] gate times a [b, h, w, c] feature map). nnc asks for equal ranks.
 */
function broadcastShape(kind: string, inputs: readonly ShapedInput[]): ShapeResult {
  const first = inputs[0];
  let shape = first.shape;
  for (const other of inputs.slice(1)) {
    const incompatible = `${kind} of ${formatShape(first.shape)} and ${formatShape(other.shape)}: '${first.name}' and '${other.name}' must have the same shape, or 1 on the axes where they differ`;
    if (other.shape.length !== shape.length) return { error: incompatible };
    const merged = [];
    for (let i = 0; i < shape.length; i++) {
      const [a, b] = [shape[i], other.shape[i]];
      if (a === b) merged.push(a);
      else if (a === 1) merged.push(b);
      else if (b === 1) merged.push(a);
      else return { error: incompatible };
    }
    shape = merged;
  }
  return { shape };
}

const elementwise = <K extends string>(kind: K) => defineLayer({ kind, inputs: 'many', attrs: {}, inferShape: (_attrs, inputs) => broadcastShape(kind, inputs) });

/** x₁ · x₂ · … (broadcasting axes of size 1). */
export const Multiply = elementwise('Multiply');
/** (x₁ + … + xₙ) / n. */
export const Average = elementwise('Average');
/** The elementwise maximum. */
export const Maximum = elementwise('Maximum');
/** The elementwise minimum. */
export const Minimum = elementwise('Minimum');

/** x₁ − x₂: exactly two inputs, as Keras. */
export const Subtract = defineLayer({
  kind: 'Subtract',
  inputs: 'many',
  attrs: {},
  inferShape(_attrs, inputs) {
    if (inputs.length !== 2) return { error: `Subtract takes exactly 2 inputs, but got ${inputs.length} (${inputs.map((i) => `'${i.name}'`).join(', ')})` };
    return broadcastShape('Subtract', inputs);
  },
});
