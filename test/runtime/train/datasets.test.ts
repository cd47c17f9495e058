// Training data from .npz: conversion, Keras's validation_split, the default loss, and
// every check against the model with its message.

import test from 'ava';
import { defaultLoss, outputActivation } from '../../../runtime/train/chooseLoss.js';
import { type Dataset, holdOutLast, isIntegral, modelIo, npzData, readNpzArrays } from '../../../runtime/train/datasets.js';
import type { LossName } from '../../../runtime/train/losses.js';
import { type NpyWritable } from '../../../src/formats/npy.js';
import { writeNpz } from '../../../src/formats/npz.js';
import { nncErrorMessage } from '../../helpers/check.js';
import { graphOf } from '../../helpers/models.js';

const CLASSIFIER = graphOf('model C { input x: [2, 3]\n Flatten\n Dense(4, activation=softmax) }');
const IO = modelIo(CLASSIFIER);

function archive(arrays: Record<string, NpyWritable>): Uint8Array {
  return writeNpz(arrays);
}

const x = (count: number, shape = [2, 3]): NpyWritable => ({ shape: [count, ...shape], data: Float32Array.from({ length: count * 6 }, (_, i) => i / 10) });
const labels = (values: number[]): NpyWritable => ({ shape: [values.length], data: Int32Array.from(values) });

function load(arrays: Record<string, NpyWritable>, loss: LossName = 'sparse_categorical_crossentropy', split = 0) {
  return npzData(readNpzArrays(archive(arrays), 'd.npz'), 'd.npz', IO, loss, split);
}


test('x_train, y_train and x_test, y_test become float32 datasets; int labels become class indices', (t) => {
  const data = load({ x_train: x(5), y_train: labels([0, 1, 2, 3, 0]), x_test: x(2), y_test: labels([3, 3]) });
  t.is(data.train.count, 5);
  t.deepEqual(data.train.xShape, [2, 3]);
  t.deepEqual(data.train.yShape, []);
  t.deepEqual([...data.train.y], [0, 1, 2, 3, 0]);
  t.is(data.validation, null);
  t.is(data.test!.count, 2);
  t.is(data.description, 'd.npz');
});

test('labels shaped [N, 1] are accepted as class indices, as Keras does', (t) => {
  const data = load({ x_train: x(3), y_train: { shape: [3, 1], data: Uint8Array.from([1, 0, 3]) } });
  t.deepEqual(data.train.yShape, []);
  t.deepEqual([...data.train.y], [1, 0, 3]);
});

test("--validation-split holds out the last fraction before shuffling, as Keras's validation_split", (t) => {
  const data = load({ x_train: x(10), y_train: labels([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]) }, 'sparse_categorical_crossentropy', 0.3);
  t.is(data.train.count, 7);
  t.is(data.validation!.count, 3);
  t.deepEqual([...data.validation!.y], [3, 0, 1]);
  t.is(data.validation!.x[0], Math.fround(4.2)); // example 7's first value, 42 / 10
  const tiny: Dataset = { x: new Float32Array(2), xShape: [1], y: new Float32Array(2), yShape: [], count: 2 };
  t.is(nncErrorMessage(() => holdOutLast(tiny, 0.2)), '--validation-split 0.2 of the 2 examples of the training data leaves no validation examples');
});

test('an archive with its own x_val refuses --validation-split', (t) => {
  const arrays = { x_train: x(4), y_train: labels([0, 1, 2, 3]), x_val: x(2), y_val: labels([0, 1]) };
  t.is(load(arrays).validation!.count, 2);
  t.is(nncErrorMessage(() => load(arrays, 'sparse_categorical_crossentropy', 0.5)), 'd.npz has its own validation arrays (x_val, y_val); leave out --validation-split');
});

test('bad archives: each problem has its message', (t) => {
  t.is(nncErrorMessage(() => readNpzArrays(archive({ x_val: x(2), y_train: labels([0, 1]) }), 'd.npz')), 'd.npz has no x_train (it holds: x_val, y_train); nnc train needs x_train and y_train, and optionally x_val, y_val, x_test, y_test');
  t.is(nncErrorMessage(() => load({ x_train: x(4, [6]), y_train: labels([0, 1, 2, 3]) })), "d.npz: x_train has shape [4, 6], but the model's input expects [None, 2, 3] (same size: reshape it to [4, 2, 3])");
  t.is(nncErrorMessage(() => load({ x_train: x(4), y_train: labels([0, 1, 4, 3]) })), "d.npz: y_train holds label 4 at index 2, out of range: the model's output has 4 classes, so labels are 0..3");
  t.is(nncErrorMessage(() => load({ x_train: x(2), y_train: { shape: [2], data: Float32Array.from([0.5, 1]) } })), 'd.npz: y_train holds label 0.5 at index 0, not a class index (an integer)');
  t.is(nncErrorMessage(() => load({ x_train: x(3), y_train: labels([0, 1]) })), 'd.npz: x_train has 3 examples but y_train has 2');
  t.is(nncErrorMessage(() => load({ x_train: x(2), y_train: labels([0, 1]), x_test: x(2) })), 'd.npz has x_test but no y_test; they come in pairs');
  t.is(
    nncErrorMessage(() => load({ x_train: x(2), y_train: { shape: [2, 4], data: new Float32Array(8) } })),
    'd.npz: y_train has shape [2, 4], but sparse_categorical_crossentropy needs class indices shaped [None] (these look one-hot: use --loss categorical_crossentropy)',
  );
  t.is(nncErrorMessage(() => load({ x_train: x(2), y_train: labels([0, 1]) }, 'categorical_crossentropy')), 'd.npz: y_train has shape [2], but categorical_crossentropy needs targets shaped like the output, [None, 4] (these look like class indices: use --loss sparse_categorical_crossentropy)');
  const nan = Float32Array.from({ length: 12 }, (_, i) => (i === 7 ? NaN : 0));
  t.is(nncErrorMessage(() => load({ x_train: { shape: [2, 2, 3], data: nan }, y_train: labels([0, 1]) })), 'd.npz: x_train holds NaN at flat index 7; examples must be finite numbers');
  t.is(nncErrorMessage(() => load({ x_train: x(1), y_train: { shape: [1, 4], data: Float32Array.from([0, 2, 0, 0]) } }, 'categorical_crossentropy')), 'd.npz: y_train holds 2 at flat index 1; categorical_crossentropy needs targets in [0, 1]');
});

test('a model with two inputs is refused', (t) => {
  const graph = graphOf('model Two { input a: [2]\n input b: [2]\n (a, b) -> Add }');
  t.is(nncErrorMessage(() => modelIo(graph)), "nnc train needs a model with one input and one output; 'Two' has 2 input(s) and 1 output(s)");
});

test('the default loss follows the targets and the output activation', (t) => {
  t.is(outputActivation(CLASSIFIER), 'softmax');
  t.is(outputActivation(graphOf('model M { input x: [3]\n Dense(2)\n Activation(sigmoid)\n Dropout(0.5) }')), 'sigmoid');
  t.is(outputActivation(graphOf('model M { input x: [3]\n Dense(2)\n Softmax }')), 'softmax');
  t.is(defaultLoss([], true, [10], 'softmax').loss, 'sparse_categorical_crossentropy');
  t.is(defaultLoss([1], true, [10], 'softmax').loss, 'sparse_categorical_crossentropy');
  t.is(defaultLoss([10], true, [10], 'softmax').loss, 'categorical_crossentropy');
  t.is(defaultLoss([80], true, [80], 'sigmoid').loss, 'binary_crossentropy');
  t.is(defaultLoss([], true, [1], 'sigmoid').loss, 'binary_crossentropy');
  t.is(defaultLoss([3], false, [3], 'linear').loss, 'mean_squared_error');
  t.is(defaultLoss([], false, [1], 'linear').loss, 'mean_squared_error');
  t.is(nncErrorMessage(() => defaultLoss([5], true, [10], 'softmax')), "targets of shape [None, 5] fit neither the model's output [None, 10] nor class indices [None]");
  t.true(isIntegral({ dtype: 'float32', shape: [2], data: Float32Array.from([1, 2]) }));
  t.false(isIntegral({ dtype: 'float32', shape: [2], data: Float32Array.from([1, 2.5]) }));
});
