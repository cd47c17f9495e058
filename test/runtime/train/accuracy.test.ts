// The accuracy metric per loss (countCorrect): correct predictions counted per example.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { countCorrect } from '../../../runtime/train/losses.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

const count = (...args: Parameters<typeof countCorrect>) => {
  const result = countCorrect(...args);
  const value = result.dataSync()[0];
  result.dispose();
  return value;
};

const ROWS = [
  [0.1, 0.7, 0.2],
  [0.5, 0.3, 0.2],
  [0.2, 0.2, 0.6],
];
const P = () => tf.tensor2d(ROWS);

test('sparse crossentropy: argmax against class indices, shaped [N] or [N, 1]', (t) => {
  t.is(count('sparse_categorical_crossentropy', tf.tensor1d([1, 0, 0]), P()), 2);
  t.is(count('sparse_categorical_crossentropy', tf.tensor2d([[1], [0], [2]]), P()), 3);
});

test('sparse crossentropy with several positions per example counts the fraction right', (t) => {
  // Two examples of two positions, three classes: example 0 gets 2/2, example 1 gets 1/2.
  const predictions = tf.tensor3d([
    [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]],
    [[0.1, 0.8, 0.1], [0.8, 0.1, 0.1]],
  ]);
  t.is(count('sparse_categorical_crossentropy', tf.tensor2d([[0, 2], [1, 2]]), predictions), 1.5);
});

test('categorical crossentropy: argmax against argmax of one-hot targets', (t) => {
  t.is(count('categorical_crossentropy', tf.tensor2d([[0, 1, 0], [0, 0, 1], [0, 0, 1]]), P()), 2);
});

test('binary crossentropy: threshold 0.5 per unit, a fraction per example', (t) => {
  const predictions = tf.tensor2d([[0.9, 0.2], [0.4, 0.6]]);
  t.is(count('binary_crossentropy', tf.tensor2d([[1, 0], [1, 1]]), predictions), 1.5);
});

test("mean squared error: Keras's accuracy by shape (threshold for one unit, argmax otherwise)", (t) => {
  t.is(count('mean_squared_error', tf.tensor2d([[1], [0], [1]]), tf.tensor2d([[0.7], [0.2], [0.4]])), 2);
  t.is(count('mean_squared_error', tf.tensor2d([[0, 1, 0], [1, 0, 0], [0, 1, 0]]), P()), 2);
});
