// Normalization's constant `mean=` and `variance=` (Keras 3's constructor arguments):
// how they must fit the kept axes, and their values broadcast to them. Read by the layer
// definition (src/ir/layers/normalization.ts), the kernel and normalization-to-batchnorm.

import type { AttrsError } from './define.js';
import { type NumberArray, numberArrayShape } from './paramTypes.js';

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Why Normalization's constant `mean=` and `variance=` do not fit, or null (Keras 3's
 * __init__ and build): both or neither; the same shape; no more axes than the kept axes;
 * aligned right to left with the kept axes, each dimension 1 or the kept axis's size.
 * `kept` is the kept axes' sizes ([] for axis=null: scalars only).
 */
export function constantStatisticsError(mean: NumberArray | null, variance: NumberArray | null, kept: readonly number[]): AttrsError | null {
  if (mean === null && variance === null) return null;
  if (mean === null || variance === null) {
    return { error: `Normalization needs mean= and variance= together (or neither: statistics stored as weights), found only ${mean === null ? 'variance' : 'mean'}`, param: mean === null ? 'variance' : 'mean' };
  }
  const shape = numberArrayShape(mean)!;
  const varianceShape = numberArrayShape(variance)!;
  if (shape.length !== varianceShape.length || shape.some((d, i) => d !== varianceShape[i])) {
    return { error: `Normalization mean and variance must have the same shape, found ${shapeText(shape)} and ${shapeText(varianceShape)}`, param: 'variance' };
  }
  if (shape.length > kept.length) {
    return { error: `Normalization mean of shape ${shapeText(shape)} has more axes than the ${kept.length} kept ax${kept.length === 1 ? 'is' : 'es'} ${shapeText(kept)}`, param: 'mean' };
  }
  const aligned = kept.slice(kept.length - shape.length);
  if (shape.some((d, i) => d !== 1 && d !== aligned[i])) {
    return { error: `Normalization mean of shape ${shapeText(shape)} does not broadcast to the kept axes ${shapeText(kept)} (aligned from the right, each size must be 1 or equal)`, param: 'mean' };
  }
  if (flatNumbers(variance).some((v) => v < 0)) return { error: 'Normalization variance must be non-negative', param: 'variance' };
  return null;
}

function flatNumbers(value: NumberArray): number[] {
  return typeof value === 'number' ? [value] : value.flatMap(flatNumbers);
}

/**
 * A constant `mean=` or `variance=` broadcast to the kept axes' shape, row-major: Keras
 * 3's build aligns its axes with the kept axes from the right and broadcasts size-1 ones.
 * Assumes `constantStatisticsError` found nothing.
 */
export function broadcastStatistic(value: NumberArray, kept: readonly number[]): Float64Array {
  const shape = numberArrayShape(value)!;
  const flat = flatNumbers(value);
  const offset = kept.length - shape.length;
  const out = new Float64Array(kept.reduce((p, d) => p * d, 1));
  const index = new Array<number>(kept.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let source = 0;
    for (let a = 0; a < shape.length; a++) source = source * shape[a] + (shape[a] === 1 ? 0 : index[offset + a]);
    out[i] = flat[source];
    for (let a = kept.length - 1; a >= 0; a--) {
      if (++index[a] < kept[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

