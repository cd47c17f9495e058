// Shapes as users read them: Keras prints the batch dimension as None.

import type { Shape } from './types.js';

/** `[None, 28, 28]`, the form diagnostics use. */
export function formatShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}]`;
}

/** Number of elements of a concrete shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** `(None, 28, 28)`, the form Keras's summary uses. */
export function formatShapeTuple(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}
