// Shape inference for every layer of LANGUAGE.md's table, checked against hand
// computation with Keras's rules:
//   valid: out = floor((n - ((k - 1) * d + 1)) / s) + 1
//   same:  out = ceil(n / s)
// and the shape errors, which name the layers and the shapes.

import test from 'ava';
import { errorsOf, errorsWithNotesOf, graphOf, modelWith, outputShape } from '../helpers/check.js';

test('Dense replaces the last axis and keeps the others', (t) => {
  t.deepEqual(outputShape([784], 'Dense(300)'), [null, 300]);
  // Keras's Dense on a rank-3 input acts on the last axis.
  t.deepEqual(outputShape([10, 20], 'Dense(5)'), [null, 10, 5]);
});

test('Conv2D valid: floor((n - k) / s) + 1', (t) => {
  t.deepEqual(outputShape([28, 28, 1], 'Conv2D(32, 3)'), [null, 26, 26, 32]); // 28 - 3 + 1
  t.deepEqual(outputShape([28, 28, 1], 'Conv2D(8, 5, strides=2)'), [null, 12, 12, 8]); // floor(23 / 2) + 1
  t.deepEqual(outputShape([28, 28, 3], 'Conv2D(8, [3, 5], strides=[2, 3])'), [null, 13, 8, 8]); // floor(25/2)+1, floor(23/3)+1
  t.deepEqual(outputShape([7, 7, 3], 'Conv2D(4, 7)'), [null, 1, 1, 4]); // kernel as large as the input
});

test('Conv2D valid with dilation: the effective kernel is (k - 1) * d + 1', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'Conv2D(8, 3, dilation_rate=2)'), [null, 24, 24, 8]); // 28 - 5 + 1
  t.deepEqual(outputShape([28, 28, 3], 'Conv2D(8, 3, dilation_rate=[3, 1])'), [null, 22, 26, 8]); // 28 - 7 + 1, 28 - 3 + 1
});

test('Conv2D same: ceil(n / s), whatever the kernel and dilation', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'Conv2D(8, 3, padding=same)'), [null, 28, 28, 8]);
  t.deepEqual(outputShape([28, 28, 3], 'Conv2D(8, 3, strides=2, padding=same)'), [null, 14, 14, 8]);
  t.deepEqual(outputShape([7, 7, 3], 'Conv2D(8, 3, strides=2, padding=same)'), [null, 4, 4, 8]); // ceil(7/2)
  t.deepEqual(outputShape([7, 7, 3], 'Conv2D(8, 3, strides=[3, 2], padding=same)'), [null, 3, 4, 8]); // ceil(7/3), ceil(7/2)
  t.deepEqual(outputShape([5, 5, 3], 'Conv2D(8, 3, dilation_rate=2, padding=same)'), [null, 5, 5, 8]);
});

test('DepthwiseConv2D: channels times depth_multiplier; sizes as Conv2D', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'DepthwiseConv2D(3)'), [null, 26, 26, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'DepthwiseConv2D(3, depth_multiplier=2, padding=same, strides=2)'), [null, 14, 14, 6]);
  t.deepEqual(outputShape([28, 28, 3], 'DepthwiseConv2D(3, dilation_rate=2)'), [null, 24, 24, 3]);
  t.deepEqual(outputShape([9, 9, 4], 'DepthwiseConv2D([3, 1], strides=[2, 1])'), [null, 4, 9, 4]); // floor(6/2)+1, 9
});

test('MaxPooling2D: pool 2, strides = pool_size by default; alias MaxPool2D', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'MaxPooling2D'), [null, 14, 14, 3]);
  t.deepEqual(outputShape([7, 7, 3], 'MaxPooling2D'), [null, 3, 3, 3]); // floor(5/2)+1
  t.deepEqual(outputShape([7, 7, 3], 'MaxPooling2D(padding=same)'), [null, 4, 4, 3]); // ceil(7/2)
  t.deepEqual(outputShape([28, 28, 3], 'MaxPool2D(3, strides=2, padding=same)'), [null, 14, 14, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'MaxPool2D(3, strides=1)'), [null, 26, 26, 3]);
});

test('AveragePooling2D and its alias AvgPool2D; a pair pool_size', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'AveragePooling2D'), [null, 14, 14, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'AvgPool2D([2, 3])'), [null, 14, 9, 3]); // floor(26/2)+1, floor(25/3)+1
  t.deepEqual(outputShape([10, 10, 3], 'AvgPool2D(3, strides=2, padding=same)'), [null, 5, 5, 3]);
});

test('ZeroPadding2D: int, pair, and [[top, bottom], [left, right]]', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'ZeroPadding2D'), [null, 30, 30, 3]); // default 1 on every side
  t.deepEqual(outputShape([28, 28, 3], 'ZeroPadding2D(2)'), [null, 32, 32, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'ZeroPadding2D([1, 2])'), [null, 30, 32, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'ZeroPadding2D([[1, 2], [3, 4]])'), [null, 31, 35, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'ZeroPadding2D(0)'), [null, 28, 28, 3]);
});

test('GlobalAveragePooling2D keeps the channels', (t) => {
  t.deepEqual(outputShape([7, 7, 64], 'GlobalAveragePooling2D'), [null, 64]);
});

test('Flatten multiplies the feature dims', (t) => {
  t.deepEqual(outputShape([28, 28], 'Flatten'), [null, 784]);
  t.deepEqual(outputShape([7, 7, 64], 'Flatten'), [null, 3136]);
  t.deepEqual(outputShape([10], 'Flatten'), [null, 10]);
});

test('Reshape, with one -1 resolved from the element count', (t) => {
  t.deepEqual(outputShape([784], 'Reshape([28, 28])'), [null, 28, 28]);
  t.deepEqual(outputShape([28, 28, 3], 'Reshape([-1, 3])'), [null, 784, 3]);
  t.deepEqual(outputShape([4, 4, 3], 'Reshape([2, -1, 4])'), [null, 2, 6, 4]); // 48 / 8
});

test('BatchNormalization, activations, Dropout, Rescaling keep the shape', (t) => {
  for (const layer of ['BatchNormalization', 'BatchNormalization(axis=[1, 2])', 'Activation(relu)', 'ReLU(max_value=6)', 'ELU', 'LeakyReLU', 'Softmax', 'Softmax(axis=1)', 'Dropout(0.5)', 'Rescaling(1 / 255)']) {
    t.deepEqual(outputShape([28, 28], layer), [null, 28, 28], layer);
  }
});

test('Concatenate sums the chosen axis (default the last), negative axes allowed', (t) => {
  const text = (axis: string) => modelWith([4, 4, 3], 'a = Conv2D(2, 1)', `(x, a) -> Concatenate${axis}`);
  const last = graphOf(text(''));
  t.deepEqual(last.nodes[last.outputs[0]].shape, [null, 4, 4, 5]);
  const negative = graphOf(text('(axis=-1)'));
  t.deepEqual(negative.nodes[negative.outputs[0]].shape, [null, 4, 4, 5]);
  // [4, 3] and [2, 3] on axis 1 (or -2): [4 + 2, 3].
  for (const axis of ['1', '-2']) {
    const rows = graphOf(modelWith([4, 3], 'a = Flatten -> Dense(6) -> Reshape([2, 3])', `(x, a) -> Concatenate(axis=${axis})`));
    t.deepEqual(rows.nodes[rows.outputs[0]].shape, [null, 6, 3]);
  }
});

test('Concatenate of three inputs; Add of three', (t) => {
  const graph = graphOf(modelWith([4], 'a = Dense(2)', 'b = x -> Dense(3)', '(x, a, b) -> Concatenate'));
  t.deepEqual(graph.nodes[graph.outputs[0]].shape, [null, 9]);
  const added = graphOf(modelWith([4], 'a = Dense(4)', 'b = x -> Dense(4)', '(x, a, b) -> Add'));
  t.deepEqual(added.nodes[added.outputs[0]].shape, [null, 4]);
});

test('the batch dimension stays symbolic everywhere', (t) => {
  const graph = graphOf(modelWith([8, 8, 3], 'Conv2D(4, 3)', 'Flatten', 'Dense(2)'));
  t.true(graph.nodes.every((n) => n.shape[0] === null));
});

// ---------------------------------------------------------------------------
// Shape errors: say which layers and which shapes.

test("Add of [None, 300] and [None, 100] names both layers and both shapes, with notes at them", (t) => {
  const text = modelWith([784], 'a = Dense(300)', 'b = a -> Dense(100)', '(a, b) -> Add');
  t.deepEqual(errorsWithNotesOf(text), [
    {
      message: "Add of [None, 300] and [None, 100]: 'dense' and 'dense_1' must have the same shape",
      line: 5,
      column: 13,
      notes: [
        { message: "'dense' is [None, 300]", line: 3, column: 7 },
        { message: "'dense_1' is [None, 100]", line: 4, column: 12 },
      ],
    },
  ]);
});

test('Concatenate with a mismatch off the axis names both', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'a = Conv2D(2, 1)', '(x, a) -> Concatenate(axis=1)')), [
    { message: "Concatenate on axis 1 of [None, 4, 4, 3] and [None, 4, 4, 2]: 'x' and 'conv2d' must agree on every other axis", line: 4, column: 13 },
  ]);
});

test('a layer that needs an image, given a vector', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Conv2D(3, 3)')), [{ message: "Conv2D expects an image [batch, height, width, channels] (rank 4, batch included), but 'x' is [None, 4]", line: 3, column: 3 }]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'GlobalAveragePooling2D -> GlobalAveragePooling2D')), [
    { message: "GlobalAveragePooling2D expects an image [batch, height, width, channels] (rank 4, batch included), but 'global_average_pooling2d' is [None, 3]", line: 3, column: 29 },
  ]);
});

test('Conv2D kernel too big for valid padding', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Conv2D(8, 5)')), [
    { message: "Conv2D window 5x5 does not fit in the 4x4 input 'x' [None, 4, 4, 3] with padding=valid (output would be 0x0)", line: 3, column: 3 },
  ]);
  // Dilation makes a 3x3 kernel span 5x5.
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'DepthwiseConv2D(3, dilation_rate=2)')), [
    { message: "DepthwiseConv2D window 5x5 does not fit in the 4x4 input 'x' [None, 4, 4, 3] with padding=valid (output would be 0x0)", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'MaxPooling2D(5)')), [
    { message: "MaxPooling2D window 5x5 does not fit in the 4x4 input 'x' [None, 4, 4, 3] with padding=valid (output would be 0x0)", line: 3, column: 3 },
  ]);
});

test('strides and dilation together are refused, as Keras does', (t) => {
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv2D(3, 3, strides=2, dilation_rate=2)')), [
    { message: 'Conv2D cannot combine strides [2, 2] with dilation_rate [2, 2]: one of them must be 1', line: 3, column: 41 },
  ]);
});

test('Reshape errors: element count, non-multiple, two -1, a zero', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Reshape([5, 5])')), [{ message: "Reshape cannot reshape 'x' [None, 4, 4, 3] (48 values) into [5, 5] (25 values)", line: 3, column: 3 }]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Reshape([5, -1])')), [{ message: "Reshape cannot reshape 'x' [None, 4, 4, 3] (48 values) into [5, -1]: 48 is not a multiple of 5", line: 3, column: 3 }]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Reshape([-1, -1])')), [{ message: 'Reshape target may contain at most one -1', line: 3, column: 11 }]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Reshape([0, 3])')), [{ message: 'Reshape target dimension must be a positive integer or -1, found 0', line: 3, column: 12 }]);
});

test('a shape error poisons what follows: one mistake, one error', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Conv2D(3, 3)', 'Flatten', 'Dense(2)')).length, 1);
});

// ---------------------------------------------------------------------------
// Axes.

test('BatchNormalization axis out of range, at the axis argument', (t) => {
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=3)')), [
    { message: 'BatchNormalization axis 3 is out of range for an input of shape [None, 28, 28]: valid axes are 1..2 or -2..-1', line: 3, column: 27 },
  ]);
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=-3)')), [
    { message: 'BatchNormalization axis -3 is the batch axis of [None, 28, 28]; choose a feature axis: 1..2 or -2..-1', line: 3, column: 27 },
  ]);
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=-4)')), [
    { message: 'BatchNormalization axis -4 is out of range for an input of shape [None, 28, 28]: valid axes are 1..2 or -2..-1', line: 3, column: 27 },
  ]);
});

test('the batch axis 0 is refused', (t) => {
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=0)')), [
    { message: 'BatchNormalization axis 0 is the batch axis of [None, 28, 28]; choose a feature axis: 1..2 or -2..-1', line: 3, column: 27 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Softmax(axis=0)')), [{ message: 'Softmax axis 0 is the batch axis of [None, 4, 4, 3]; choose a feature axis: 1..3 or -3..-1', line: 3, column: 16 }]);
});

test('a repeated axis, also when written once negative and once positive', (t) => {
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=[1, 1])')), [{ message: 'BatchNormalization axis 1 is listed twice (as 1)', line: 3, column: 27 }]);
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=[1, -2])')), [{ message: 'BatchNormalization axis -2 is listed twice (as 1)', line: 3, column: 27 }]);
});

test('axis must be an integer or a non-empty list of integers', (t) => {
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=[])')), [
    { message: "argument 'axis' of BatchNormalization expects an integer axis or a list of integer axes, found []", line: 3, column: 27 },
  ]);
  t.deepEqual(errorsOf(modelWith([28, 28], 'BatchNormalization(axis=1.5)')), [
    { message: "argument 'axis' of BatchNormalization expects an integer axis or a list of integer axes, found 1.5", line: 3, column: 27 },
  ]);
});

test('Softmax and Concatenate axes out of range', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Softmax(axis=4)')), [{ message: 'Softmax axis 4 is out of range for an input of shape [None, 4, 4, 3]: valid axes are 1..3 or -3..-1', line: 3, column: 16 }]);
  t.deepEqual(errorsOf(modelWith([4], '(x, x) -> Concatenate(axis=2)')), [{ message: 'Concatenate axis 2 is out of range for an input of shape [None, 4]: valid axes are 1..1 or -1..-1', line: 3, column: 30 }]);
});

test('an input with only the batch axis has nothing to normalize', (t) => {
  t.deepEqual(errorsOf(modelWith([], 'BatchNormalization')), [{ message: 'BatchNormalization needs a feature axis, but its input [None] has only the batch axis', line: 3, column: 3 }]);
});

test('axes are stored resolved: non-negative, ascending, counted with the batch axis', (t) => {
  const axisOf = (layer: string) => (graphOf(modelWith([28, 28, 3], layer)).nodes[1].attrs as { axis: unknown }).axis;
  t.deepEqual(axisOf('BatchNormalization'), [3]);
  t.deepEqual(axisOf('BatchNormalization(axis=[-1, 1])'), [1, 3]);
  t.deepEqual(axisOf('BatchNormalization(axis=[2, 1])'), [1, 2]);
  t.is(axisOf('Softmax(axis=-2)'), 2);
});

// ---------------------------------------------------------------------------
// Dimensions that are not positive integers.

test('input dimensions must be positive integers', (t) => {
  t.deepEqual(errorsOf('model M {\n  input x: [0, 28]\n  Dense(3)\n}'), [{ message: 'input dimension must be a positive integer, found 0', line: 2, column: 13 }]);
  t.deepEqual(errorsOf('model M {\n  input x: [28, 2.5]\n}'), [{ message: 'input dimension must be a positive integer, found 2.5', line: 2, column: 17 }]);
  t.deepEqual(errorsOf('model M {\n  input x: [-1]\n}'), [{ message: 'input dimension must be a positive integer, found -1', line: 2, column: 13 }]);
  t.deepEqual(errorsOf('model M {\n  input x: [null, 3]\n}'), [{ message: 'input dimension must be a positive integer, found null', line: 2, column: 13 }]);
  t.deepEqual(errorsOf('model M {\n  input x: [1e20]\n}'), [{ message: 'input dimension must be a positive integer, found 100000000000000000000', line: 2, column: 13 }]);
});

test('layer sizes must be positive integers', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Dense(0)')), [{ message: "argument 'units' of Dense expects a positive integer, found 0", line: 3, column: 9 }]);
  t.deepEqual(errorsOf(modelWith([4], 'Dense(2.5)')), [{ message: "argument 'units' of Dense expects a positive integer, found 2.5", line: 3, column: 9 }]);
  t.deepEqual(errorsOf(modelWith([4], 'Dense(-3)')), [{ message: "argument 'units' of Dense expects a positive integer, found -3", line: 3, column: 9 }]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv2D(0, 3)')), [{ message: "argument 'filters' of Conv2D expects a positive integer, found 0", line: 3, column: 10 }]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv2D(4, 0)')), [
    { message: "argument 'kernel_size' of Conv2D expects a positive integer or a pair [a, b] of positive integers, found 0", line: 3, column: 13 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'DepthwiseConv2D(3, depth_multiplier=0)')), [
    { message: "argument 'depth_multiplier' of DepthwiseConv2D expects a positive integer, found 0", line: 3, column: 39 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'MaxPooling2D(2, strides=0)')), [
    { message: "argument 'strides' of MaxPooling2D expects a positive integer or a pair [a, b] of positive integers or null, found 0", line: 3, column: 27 },
  ]);
});
