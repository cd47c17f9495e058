// Shapes, parameter counts, automatic names and argument errors of the layers added for
// issue 17: Multiply, Subtract, Average, Maximum, Minimum, PReLU, Identity,
// GlobalMaxPooling2D, keepdims on the global poolings, Normalization. Counts and names
// are Keras 3's (PReLU's alpha is input_shape[1:] with 1 on shared_axes; Normalization
// owns mean, variance and a scalar count, all non-trainable: 2·C + 1).

import test from 'ava';
import { errorsOf, graphOf, modelWith, outputShape, paramsOf } from '../helpers/check.js';

test('merge layers broadcast axes of size 1 (Keras 3: a [b, 1, 1, c] gate times a [b, h, w, c] map)', (t) => {
  for (const kind of ['Multiply', 'Subtract', 'Average', 'Maximum', 'Minimum']) {
    const graph = graphOf(modelWith([5, 6, 4], 'g = GlobalAveragePooling2D(keepdims=true)', `(x, g) -> ${kind}`));
    t.deepEqual(graph.nodes.at(-1)!.shape, [null, 5, 6, 4], kind);
  }
  const three = graphOf(modelWith([3], 'a = Dense(3)', 'b = Dense(3)', '(x, a, b) -> Average'));
  t.deepEqual(three.nodes.at(-1)!.shape, [null, 3]);
});

test('merge layers: automatic names as Keras 3 (snake case of the class)', (t) => {
  const graph = graphOf(modelWith([3], 'a = Dense(3)', 'b = (x, a) -> Multiply', 'c = (x, b) -> Subtract', 'd = (x, c) -> Average', 'e = (x, d) -> Maximum', '(x, e) -> Minimum -> PReLU -> Identity'));
  t.deepEqual(graph.nodes.slice(2).map((n) => n.name), ['multiply', 'subtract', 'average', 'maximum', 'minimum', 'p_re_lu', 'identity']);
});

test('merge shape errors name both inputs and shapes', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'a = Dense(3)', '(x, a) -> Multiply')), [
    { message: "Multiply of [None, 4] and [None, 3]: 'x' and 'dense' must have the same shape, or 1 on the axes where they differ", line: 4, column: 13 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'a = GlobalAveragePooling2D', '(x, a) -> Maximum')), [
    { message: "Maximum of [None, 4, 4, 3] and [None, 3]: 'x' and 'global_average_pooling2d' must have the same shape, or 1 on the axes where they differ", line: 4, column: 13 },
  ]);
});

test('Subtract takes exactly 2 inputs', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'a = Dense(4)', '(x, a, a) -> Subtract')), [{ message: "Subtract takes exactly 2 inputs, but got 3 ('x', 'dense', 'dense')", line: 4, column: 16 }]);
});

test('GlobalMaxPooling2D and GlobalAveragePooling2D: [b, c], or [b, 1, 1, c] with keepdims', (t) => {
  t.deepEqual(outputShape([7, 5, 3], 'GlobalMaxPooling2D'), [null, 3]);
  t.deepEqual(outputShape([7, 5, 3], 'GlobalMaxPooling2D(keepdims=true)'), [null, 1, 1, 3]);
  t.deepEqual(outputShape([7, 5, 3], 'GlobalAveragePooling2D(keepdims=true)'), [null, 1, 1, 3]);
  t.deepEqual(outputShape([7, 5, 3], 'GlobalMaxPool2D'), [null, 3]);
  t.deepEqual(errorsOf(modelWith([4], 'GlobalMaxPooling2D')), [
    { message: "GlobalMaxPooling2D expects an image [batch, height, width, channels] (rank 4, batch included), but 'x' is [None, 4]", line: 3, column: 3 },
  ]);
});

test('PReLU: one alpha per input element, shared (size 1) on shared_axes', (t) => {
  t.deepEqual(paramsOf(modelWith([8, 6, 4], 'PReLU')), [192, 192, 0]); // 8·6·4
  t.deepEqual(paramsOf(modelWith([8, 6, 4], 'PReLU(shared_axes=[1, 2])')), [4, 4, 0]);
  t.deepEqual(paramsOf(modelWith([8, 6, 4], 'PReLU(shared_axes=2)')), [32, 32, 0]); // 8·1·4
  t.deepEqual(paramsOf(modelWith([8, 6, 4], 'PReLU(trainable=false)')), [192, 0, 192]);
  t.deepEqual(outputShape([8, 6, 4], 'PReLU(shared_axes=[1, 2])'), [null, 8, 6, 4]);
});

test('PReLU shared_axes out of range, or the batch axis, is reported at the argument', (t) => {
  t.deepEqual(errorsOf(modelWith([8, 6, 4], 'PReLU(shared_axes=[1, 4])')), [
    { message: 'PReLU shared axis 4 is out of range for an input of shape [None, 8, 6, 4]: valid axes are 1..3 (the batch axis is 0)', line: 3, column: 21 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 6, 4], 'PReLU(shared_axes=0)')), [
    { message: 'PReLU shared axis 0 is out of range for an input of shape [None, 8, 6, 4]: valid axes are 1..3 (the batch axis is 0)', line: 3, column: 21 },
  ]);
});

test('Identity: same shape, no parameters', (t) => {
  t.deepEqual(outputShape([3, 2], 'Identity'), [null, 3, 2]);
  t.deepEqual(paramsOf(modelWith([3, 2], 'Identity')), [0, 0, 0]);
});

test('Normalization: mean, variance (per kept axis) and count, all non-trainable', (t) => {
  t.deepEqual(paramsOf(modelWith([8, 8, 3], 'Normalization')), [7, 0, 7]); // 3 + 3 + 1
  t.deepEqual(paramsOf(modelWith([5, 4], 'Normalization(axis=[1, 2])')), [41, 0, 41]); // 20 + 20 + 1
  t.deepEqual(paramsOf(modelWith([5, 4], 'Normalization(axis=null)')), [3, 0, 3]); // scalar mean, variance, count
  t.deepEqual(outputShape([5, 4], 'Normalization(axis=1, invert=true)'), [null, 5, 4]);
  const node = graphOf(modelWith([5, 4], 'Normalization(axis=-2)')).nodes[1];
  t.deepEqual(node.attrs, { axis: [1], invert: false, mean: null, variance: null });
});

test('Normalization on the batch axis is refused', (t) => {
  t.deepEqual(errorsOf(modelWith([5, 4], 'Normalization(axis=0)')), [
    { message: 'Normalization axis 0 is the batch axis of [None, 5, 4]; choose a feature axis: 1..2 or -2..-1', line: 3, column: 22 },
  ]);
});
