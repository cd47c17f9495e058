// Shapes: how users read them (Keras prints the batch dimension as None), and how
// many elements they hold.

import type { Shape } from './attributes.js';

/** `[None, 28, 28]`, the form diagnostics use. */
export function formatShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}]`;
}

/**
 * The number of elements of a shape (1 for a scalar), exactly; null when a dimension is
 * not a non-negative safe integer or the count is beyond 2^53 − 1. The one element
 * count of the project: weights, tensors, file headers.
 */
export function elementCount(shape: readonly number[]): number | null {
  // Every partial product of non-negative integers is at most the final one (or the
  // count is 0): when the float product is at most 2^53 − 1, each step multiplied exact
  // integers into an exactly representable result, so the product is exact. Above, it
  // is refused (rounding is monotonic: a true product of 2^53 or more never rounds below).
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return null;
    count *= d;
  }
  return count <= Number.MAX_SAFE_INTEGER ? count : null;
}

/**
 * The exact element count of a shape of safe integer dimensions, however large: for
 * sizes a file or a source claims, compared or printed before anything is allocated.
 */
export function exactElementCount(shape: readonly number[]): bigint {
  let count = 1n;
  for (const d of shape) count *= BigInt(d);
  return count;
}

/** The element count of a shape known to be sound (a tensor's, a checked weight's); throws when it has none. */
export function shapeSize(shape: readonly number[]): number {
  const count = elementCount(shape);
  if (count === null) throw new Error(`shape [${shape.join(', ')}] has no exact element count`);
  return count;
}

/** `(None, 28, 28)`, the form Keras's summary uses. */
export function formatShapeTuple(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}
