// Keras's weight regularizers (added to the loss) and constraints (applied to the
// weight after each optimizer update).
//   l1: λ·Σ|w|   l2: λ·Σw²   l1_l2: both
//   max_norm(m, axis): w · clip(‖w‖, 0, m) / (ε + ‖w‖)   non_neg: w · [w ≥ 0]   unit_norm(axis): w / (ε + ‖w‖)
// Norms are over `axis` (Keras default 0), ε = 1e-7.

import * as tf from '@tensorflow/tfjs-core';
import type { Constraint, Regularizer } from '../../src/ir/types.js';
import { KERAS_EPSILON } from './losses.js';

/** The λ of the l1 and the l2 term (0 for a term the regularizer does not have). */
export function regularizerCoefficients(regularizer: Regularizer): { l1: number; l2: number } {
  return {
    l1: regularizer.name === 'l2' ? 0 : Number(regularizer.args.l1 ?? 0),
    l2: regularizer.name === 'l1' ? 0 : Number(regularizer.args.l2 ?? 0),
  };
}

export function regularizationLoss(regularizer: Regularizer, w: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { l1, l2 } = regularizerCoefficients(regularizer);
    let loss: tf.Tensor = tf.scalar(0);
    if (l1 !== 0) loss = tf.add(loss, tf.mul(l1, tf.sum(tf.abs(w))));
    if (l2 !== 0) loss = tf.add(loss, tf.mul(l2, tf.sum(tf.square(w))));
    return loss as tf.Scalar;
  });
}

/** The same penalty on host values, in float64: Σ λ₁·|w| + λ₂·w². */
export function regularizationPenaltyOf(regularizer: Regularizer, data: ArrayLike<number>): number {
  const { l1, l2 } = regularizerCoefficients(regularizer);
  let penalty = 0;
  for (let i = 0; i < data.length; i++) penalty += l1 * Math.abs(data[i]) + l2 * data[i] * data[i];
  return penalty;
}

export function applyConstraint(constraint: Constraint, w: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (constraint.name) {
      case 'non_neg':
        return tf.mul(w, tf.cast(tf.greaterEqual(w, 0), 'float32'));
      case 'max_norm': {
        const axis = normAxis(Number(constraint.args.axis ?? 0), w.rank);
        const norms = tf.sqrt(tf.sum(tf.square(w), axis, true));
        const desired = tf.clipByValue(norms, 0, Number(constraint.args.max_value ?? 2));
        return tf.mul(w, tf.div(desired, tf.add(norms, KERAS_EPSILON)));
      }
      case 'unit_norm': {
        const axis = normAxis(Number(constraint.args.axis ?? 0), w.rank);
        return tf.div(w, tf.add(tf.sqrt(tf.sum(tf.square(w), axis, true)), KERAS_EPSILON));
      }
    }
  });
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : Math.min(axis, rank - 1);
}
