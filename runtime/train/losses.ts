// Keras's losses on probabilities (the model's outputs after softmax or sigmoid),
// averaged over the batch ("sum over batch size"). Probabilities are clipped to
// [ε, 1 − ε] with Keras's ε = 1e-7 before any logarithm.

import * as tf from '@tensorflow/tfjs-core';

export const LOSSES = ['sparse_categorical_crossentropy', 'categorical_crossentropy', 'binary_crossentropy', 'mean_squared_error'] as const;
export type LossName = (typeof LOSSES)[number];

export const KERAS_EPSILON = 1e-7;

/**
 * The mean loss over the batch. Targets: class indices (int32, shape [batch]) for the
 * sparse crossentropy; tensors shaped like `predictions` otherwise.
 */
export function computeLoss(name: LossName, targets: tf.Tensor, predictions: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (name) {
      case 'sparse_categorical_crossentropy': {
        const classes = predictions.shape[predictions.rank - 1];
        return categorical(tf.oneHot(tf.cast(targets, 'int32'), classes), predictions);
      }
      case 'categorical_crossentropy':
        return categorical(targets, predictions);
      case 'binary_crossentropy': {
        const p = tf.clipByValue(predictions, KERAS_EPSILON, 1 - KERAS_EPSILON);
        const perElement = tf.neg(tf.add(tf.mul(targets, tf.log(p)), tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, p)))));
        return tf.mean(tf.mean(perElement, -1));
      }
      case 'mean_squared_error':
        return tf.mean(tf.mean(tf.square(tf.sub(predictions, targets)), -1));
    }
  }) as tf.Scalar;
}

/** −Σ y · log(p) per sample, with p renormalized to sum to 1 and clipped, as Keras does. */
function categorical(targets: tf.Tensor, predictions: tf.Tensor): tf.Tensor {
  const p = tf.clipByValue(tf.div(predictions, tf.sum(predictions, -1, true)), KERAS_EPSILON, 1 - KERAS_EPSILON);
  return tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.log(p)), -1)));
}

/**
 * Correct predictions in the batch, per example (an example with several positions or
 * units counts the fraction it gets right), for the metric `accuracy`:
 *   sparse / categorical crossentropy: argmax of the prediction = the class;
 *   binary crossentropy: prediction > 0.5 = target > 0.5, per unit;
 *   mean squared error: as Keras picks `accuracy` by shape, the binary rule for a
 *   one-unit output, the argmax rule otherwise.
 */
export function countCorrect(name: LossName, targets: tf.Tensor, predictions: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const units = predictions.shape[predictions.rank - 1] ?? 1;
    const batch = predictions.shape[0] ?? 1;
    const perExample = (matches: tf.Tensor) => tf.div(tf.sum(tf.cast(matches, 'float32')), matches.size / batch);
    const argmaxRule = () => perExample(tf.equal(tf.argMax(predictions, -1), tf.argMax(targets, -1)));
    const thresholdRule = () => perExample(tf.equal(tf.greater(predictions, 0.5), tf.greater(targets, 0.5)));
    switch (name) {
      case 'sparse_categorical_crossentropy': {
        const classes = tf.argMax(predictions, -1);
        return perExample(tf.equal(classes, tf.cast(tf.reshape(targets, classes.shape), 'int32')));
      }
      case 'categorical_crossentropy':
        return argmaxRule();
      case 'binary_crossentropy':
        return thresholdRule();
      case 'mean_squared_error':
        return units === 1 ? thresholdRule() : argmaxRule();
    }
  }) as tf.Scalar;
}
