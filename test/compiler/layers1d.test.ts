// The 1-D layers in the front end: Keras's shape rules (by hand below), parameter counts,
// automatic names, argument defaults, the diagnostics with their locations, and the Keras
// import mapping.
//   valid:        out = floor((n − ((k − 1)·d + 1)) / s) + 1
//   same, causal: out = ceil(n / s)

import test from 'ava';
import { checkForRuntime } from '../../compiler/check.js';
import { printGraph } from '../../compiler/print/printGraph.js';
import { translateLayer } from '../../src/formats/keras/layers.js';
import { errorsOf, graphOf, modelWith, outputShape, paramsOf, reported, summaryOf } from '../helpers/check.js';

test('Conv1D: valid, strided, dilated, same and causal steps; filters replace the channels', (t) => {
  t.deepEqual(outputShape([500, 1], 'Conv1D(64, 3)'), [null, 498, 64]); // 500 − 3 + 1
  t.deepEqual(outputShape([500, 1], 'Conv1D(64, 3, padding=same)'), [null, 500, 64]);
  t.deepEqual(outputShape([10, 128], 'Conv1D(32, 3, activation=relu)'), [null, 8, 32]); // Keras's docstring example: (4, 10, 128) → (4, 8, 32)
  t.deepEqual(outputShape([23, 3], 'Conv1D(8, 5, strides=2)'), [null, 10, 8]); // floor(18 / 2) + 1
  t.deepEqual(outputShape([23, 3], 'Conv1D(8, [3], dilation_rate=[3])'), [null, 17, 8]); // 23 − 7 + 1
  t.deepEqual(outputShape([7, 3], 'Conv1D(8, 3, strides=2, padding=same)'), [null, 4, 8]); // ceil(7 / 2)
  t.deepEqual(outputShape([7, 3], 'Conv1D(8, 3, padding=causal, dilation_rate=4)'), [null, 7, 8]);
  t.deepEqual(outputShape([7, 3], 'Conv1D(8, 4, strides=3, padding=causal)'), [null, 3, 8]); // floor((7 + 3 − 4) / 3) + 1 = ceil(7 / 3)
});

test('MaxPooling1D and AveragePooling1D: pool 2, strides = pool_size by default; aliases MaxPool1D and AvgPool1D', (t) => {
  t.deepEqual(outputShape([21, 4], 'MaxPooling1D'), [null, 10, 4]); // floor(19 / 2) + 1
  t.deepEqual(outputShape([21, 4], 'MaxPool1D(3, strides=1)'), [null, 19, 4]);
  t.deepEqual(outputShape([21, 4], 'AveragePooling1D(4, padding=same)'), [null, 6, 4]); // ceil(21 / 4)
  t.deepEqual(outputShape([21, 4], 'AvgPool1D(pool_size=[2], strides=[3])'), [null, 7, 4]); // floor(19 / 3) + 1
  const attrs = graphOf(modelWith([21, 4], 'MaxPooling1D(3)')).nodes[1].attrs;
  t.deepEqual(attrs, { pool_size: 3, strides: 3, padding: 'valid' });
});

test('GlobalAveragePooling1D and GlobalMaxPooling1D: [batch, channels], or [batch, 1, channels] with keepdims', (t) => {
  t.deepEqual(outputShape([500, 64], 'GlobalAveragePooling1D'), [null, 64]);
  t.deepEqual(outputShape([500, 64], 'GlobalMaxPooling1D'), [null, 64]);
  t.deepEqual(outputShape([500, 64], 'GlobalAvgPool1D(keepdims=true)'), [null, 1, 64]);
  t.deepEqual(outputShape([500, 64], 'GlobalMaxPool1D(keepdims=true)'), [null, 1, 64]);
});

test('Conv1D parameters: k · in · filters + filters; the poolings have none', (t) => {
  // 3 · 1 · 64 + 64 = 256 (the first layer of Keras's time-series example); 3 · 64 · 64 + 64 = 12,352.
  t.deepEqual(paramsOf(modelWith([500, 1], 'Conv1D(64, 3, padding=same)', 'Conv1D(64, 3, padding=same)')), [12_608, 12_608, 0]);
  t.deepEqual(paramsOf(modelWith([20, 5], 'Conv1D(7, 4, use_bias=false)', 'MaxPooling1D', 'AveragePooling1D', 'GlobalMaxPooling1D')), [140, 140, 0]); // 4 · 5 · 7
  const rows = summaryOf(modelWith([20, 5], 'Conv1D(7, 4)')).layers;
  t.deepEqual(rows.map((r) => [r.name, r.params]), [['conv1d', 147]]); // 4 · 5 · 7 + 7
});

test("automatic names are Keras's: conv1d, max_pooling1d, average_pooling1d, global_average_pooling1d, global_max_pooling1d", (t) => {
  const graph = graphOf(modelWith([20, 5], 'Conv1D(4, 3)', 'Conv1D(4, 3)', 'MaxPool1D', 'AveragePooling1D', 'GlobalAveragePooling1D(keepdims=true)', 'GlobalMaxPooling1D'));
  t.deepEqual(graph.nodes.slice(1).map((n) => n.name), ['conv1d', 'conv1d_1', 'max_pooling1d', 'average_pooling1d', 'global_average_pooling1d', 'global_max_pooling1d']);
});

test("Conv1D's defaults are Keras 3's", (t) => {
  const { kernel_initializer, bias_initializer, ...rest } = graphOf(modelWith([20, 5], 'Conv1D(4, 3)')).nodes[1].attrs as Record<string, unknown>;
  t.deepEqual(rest, { filters: 4, kernel_size: 3, strides: 1, padding: 'valid', dilation_rate: 1, groups: 1, activation: { name: 'linear' }, use_bias: true, kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null });
  t.is((kernel_initializer as { name: string }).name, 'glorot_uniform');
  t.is((bias_initializer as { name: string }).name, 'zeros');
});

test('a 1-D layer given an image, or an image layer given a sequence, names the input and its shape', (t) => {
  t.deepEqual(errorsOf(modelWith([8, 8, 3], 'Conv1D(4, 3)')), [
    { message: "Conv1D expects a sequence [batch, steps, channels] (rank 3, batch included), but 'x' is [None, 8, 8, 3]", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([8, 3], 'GlobalMaxPooling1D -> MaxPooling1D')), [
    { message: "MaxPooling1D expects a sequence [batch, steps, channels] (rank 3, batch included), but 'global_max_pooling1d' is [None, 3]", line: 3, column: 25 },
  ]);
  t.deepEqual(errorsOf(modelWith([8], 'GlobalAveragePooling1D')), [
    { message: "GlobalAveragePooling1D expects a sequence [batch, steps, channels] (rank 3, batch included), but 'x' is [None, 8]", line: 3, column: 3 },
  ]);
});

test('a window longer than the sequence with padding=valid', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 3], 'Conv1D(8, 3, dilation_rate=2)')), [
    { message: "Conv1D window of 5 steps does not fit in the 4-step input 'x' [None, 4, 3] with padding=valid (output would have 0 steps)", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 3], 'AveragePooling1D(6)')), [
    { message: "AveragePooling1D window of 6 steps does not fit in the 4-step input 'x' [None, 4, 3] with padding=valid (output would have 0 steps)", line: 3, column: 3 },
  ]);
  // The same windows fit with padding=same or causal.
  t.deepEqual(outputShape([4, 3], 'Conv1D(8, 3, dilation_rate=2, padding=causal)'), [null, 4, 8]);
});

test('argument errors: strides with dilation, a list of two, an unknown padding, causal pooling', (t) => {
  t.deepEqual(errorsOf(modelWith([20, 3], 'Conv1D(3, 3, strides=2, dilation_rate=2)')), [
    { message: 'Conv1D cannot combine strides 2 with dilation_rate 2: one of them must be 1', line: 3, column: 41 },
  ]);
  t.deepEqual(errorsOf(modelWith([20, 3], 'Conv1D(3, [3, 3])')), [
    { message: "argument 'kernel_size' of Conv1D expects a positive integer or a list [n] of one positive integer, found [3, 3]", line: 3, column: 13 },
  ]);
  t.deepEqual(errorsOf(modelWith([20, 3], 'Conv1D(3, 3, padding=casual)')), [
    { message: "unknown padding 'casual'; did you mean 'causal'? (expected one of valid, same, causal)", line: 3, column: 24 },
  ]);
  t.deepEqual(errorsOf(modelWith([20, 3], 'MaxPooling1D(padding=causal)')), [
    { message: "unknown padding 'causal' (expected one of valid, same)", line: 3, column: 24 },
  ]);
  t.deepEqual(errorsOf(modelWith([20, 3], 'GlobalMaxPooling1D(keepdims=1)')), [
    { message: "argument 'keepdims' of GlobalMaxPooling1D expects true or false, found 1", line: 3, column: 31 },
  ]);
  t.deepEqual(errorsOf(modelWith([20, 3], 'Conv1D(filters=3)')), [{ message: "Conv1D is missing its required argument 'kernel_size'", line: 3, column: 3 }]);
});

test('Keras import: Conv1D, the 1-D poolings and their aliases; tuples of one, causal, keepdims; groups kept; channels_first refused', (t) => {
  const conv = translateLayer('conv1d', 'Conv1D', 'keras.layers', null, {
    name: 'conv1d', filters: 64, kernel_size: [3], strides: [1], padding: 'causal', data_format: 'channels_last', dilation_rate: [2], groups: 1, activation: 'relu', use_bias: true,
    kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {} },
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  });
  t.deepEqual(conv, {
    kind: 'Conv1D',
    args: { filters: 64, kernel_size: [3], strides: [1], padding: 'causal', dilation_rate: [2], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: { call: 'glorot_uniform', args: { seed: null } }, bias_initializer: { call: 'zeros', args: {} } },
    notes: [],
  });
  t.deepEqual(translateLayer('pool', 'MaxPool1D', 'keras.layers', null, { name: 'pool', pool_size: [2], strides: [2], padding: 'valid', data_format: 'channels_last' }), {
    kind: 'MaxPooling1D', args: { pool_size: [2], strides: [2], padding: 'valid' }, notes: [],
  });
  t.is((translateLayer('pool', 'AveragePooling1D', 'keras.layers', null, { pool_size: [3] }) as { kind: string }).kind, 'AveragePooling1D');
  t.deepEqual(translateLayer('gap', 'GlobalAveragePooling1D', 'keras.layers', null, { name: 'gap', data_format: 'channels_last', keepdims: true }), { kind: 'GlobalAveragePooling1D', args: { keepdims: true }, notes: [] });
  t.is((translateLayer('gmp', 'GlobalMaxPool1D', 'keras.layers', null, {}) as { kind: string }).kind, 'GlobalMaxPooling1D');
  t.deepEqual(translateLayer('conv1d', 'Conv1D', 'keras.layers', null, { filters: 4, kernel_size: [3], groups: 2 }), { kind: 'Conv1D', args: { filters: 4, kernel_size: [3], groups: 2 }, notes: [] });
  t.deepEqual(translateLayer('conv1d', 'Conv1D', 'keras.layers', null, { filters: 4, kernel_size: [3], data_format: 'channels_first' }), {
    errors: ["layer 'conv1d' (Conv1D) has data_format=\"channels_first\"; nnc works on channels_last images only (transpose the model to channels_last in Keras first)"],
  });
  t.deepEqual(translateLayer('gap', 'GlobalAveragePooling1D', 'keras.layers', null, { data_format: 'channels_first' }), {
    errors: ["layer 'gap' (GlobalAveragePooling1D) has data_format=\"channels_first\"; nnc works on channels_last images only (transpose the model to channels_last in Keras first)"],
  });
});

test('Conv1D groups: kernel [k, in / groups, filters]; filters and input channels must divide', (t) => {
  // 3 · (8 / 4) · 12 + 12 = 84 (without groups: 3 · 8 · 12 + 12 = 300).
  t.deepEqual(paramsOf(modelWith([10, 8], 'Conv1D(12, 3, groups=4)')), [84, 84, 0]);
  t.deepEqual(outputShape([10, 8], 'Conv1D(12, 3, groups=4, padding=same)'), [null, 10, 12]);
  t.deepEqual(errorsOf(modelWith([10, 8], 'Conv1D(10, 3, groups=4)')), [
    { message: 'Conv1D filters=10 cannot be split into groups=4: filters must be a multiple of groups', line: 3, column: 24 },
  ]);
  t.deepEqual(errorsOf(modelWith([10, 6], 'Conv1D(12, 3, groups=4)')), [
    { message: "Conv1D with groups=4 needs input channels divisible by 4, but 'x' [None, 10, 6] has 6", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([10, 8], 'Conv1D(12, 3, groups=0)')), [
    { message: "argument 'groups' of Conv1D expects a positive integer, found 0", line: 3, column: 24 },
  ]);
});

test('the .nn printer (nnc import) writes the 1-D layers as a user would: tuples of one as numbers, defaults left out', (t) => {
  const graph = graphOf(modelWith([20, 4], 'Conv1D(8, [3], strides=[1], padding=causal, dilation_rate=[2], groups=2)', 'MaxPool1D(pool_size=[2], strides=[2])', 'AveragePooling1D(3, strides=1, padding=same)', 'GlobalMaxPooling1D(keepdims=true)'));
  const lines = printGraph(graph).split('\n').slice(2, 6).map((l) => l.trim());
  t.deepEqual(lines, ['Conv1D(8, 3, padding=causal, dilation_rate=2, groups=2)', 'MaxPooling1D', 'AveragePooling1D(3, strides=1, padding=same)', 'GlobalMaxPooling1D(keepdims=true)']);
});

test('a causal Conv1D whose padding the runtime cannot hold is refused when checked for the tools, not when run', (t) => {
  const runtimeErrors = (text: string) => checkForRuntime(text, 'test.nn').diagnostics.filter((d) => d.severity === 'error').map(reported);
  // (3 − 1)·10⁹ zeros before 10 steps of 2 channels: 4,000,000,020 values, 16 GB as float32.
  t.deepEqual(runtimeErrors(modelWith([10, 2], 'Conv1D(4, 3, padding=causal, dilation_rate=1000000000)')), [
    {
      message: "layer 'conv1d' pads its input with 2,000,000,000 steps of zeros (padding=causal: (kernel_size − 1)·dilation_rate), 4,000,000,020 values per example (16,000,000,080 bytes as float32), more than the 4,294,901,760 bytes the runtime can hold (the WebAssembly backend's 4 GiB memory); make the dilation smaller",
      line: 3,
      column: 3,
    },
  ]);
  // The language alone counts it; with padding=same nothing is padded inside the kernel.
  t.deepEqual(errorsOf(modelWith([10, 2], 'Conv1D(4, 3, padding=causal, dilation_rate=1000000000)')), []);
  t.deepEqual(runtimeErrors(modelWith([10, 2], 'Conv1D(4, 3, padding=same, dilation_rate=1000000000)')), []);
});
