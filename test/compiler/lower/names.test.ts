// Name resolution: layers, blocks, values, models; Keras's automatic names. (Duplicate and
// layer-named definitions and parameter lists are rules: test/compiler/checks/.)

import test from 'ava';
import { errorsOf, errorsWithNotesOf, graphOf, modelWith } from '../../helpers/check.js';

test("an unknown layer suggests the nearest layer: unknown layer 'Dence'; did you mean 'Dense'?", (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Dence(3)')), [{ message: "unknown layer or block 'Dence'; did you mean 'Dense'?", line: 3, column: 3 }]);
});

test('a transposition is one typo: Desne suggests Dense', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Desne(3)')), [{ message: "unknown layer or block 'Desne'; did you mean 'Dense'?", line: 3, column: 3 }]);
});

test('a case slip suggests the right case: batchnormalization', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Dense(3) -> batchnormalization')), [{ message: "unknown layer or block 'batchnormalization'; did you mean 'BatchNormalization'?", line: 3, column: 15 }]);
});

test('a name far from every layer gets no suggestion', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Transformer(8)')), [{ message: "unknown layer or block 'Transformer'", line: 3, column: 3 }]);
});

test('an unknown block suggests the nearest block', (t) => {
  const text = 'block Residual(f) {\n  Dense(f)\n}\nmodel M {\n  input x: [4]\n  Residul(3)\n}\n';
  t.deepEqual(errorsOf(text), [{ message: "unknown layer or block 'Residul'; did you mean 'Residual'?", line: 6, column: 3 }]);
});

test('an unknown name heading a chain without parentheses may be a misspelt value', (t) => {
  const text = 'model M {\n  input pixels: [4]\n  pixel -> Dense(3)\n}\n';
  t.deepEqual(errorsOf(text), [{ message: "unknown layer, block or value 'pixel'; did you mean 'pixels'?", line: 3, column: 3 }]);
});

test('undefined value in a tuple, with a suggestion', (t) => {
  const text = modelWith([4], 'left = Dense(3)', 'right = x -> Dense(3)', '(left, rigth) -> Add');
  t.deepEqual(errorsOf(text), [{ message: "undefined value 'rigth'; did you mean 'right'?", line: 5, column: 10 }]);
});

test('undefined value in output; a one-letter name is not "corrected" to another letter', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Dense(3)', 'output y')), [{ message: "undefined value 'y'", line: 4, column: 10 }]);
});

test('a value name used as a layer: the error says how to start a chain from it', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'hidden = Dense(3)', 'hidden(3)')), [
    { message: "'hidden' is a value, not a layer or block; to start a chain from it, write 'hidden -> ...' without parentheses", line: 4, column: 3 },
  ]);
});

test('a value name used as a step of a chain', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'hidden = Dense(3)', 'x -> hidden')), [{ message: "'hidden' is a value, not a layer or block; only a chain's head may be a value", line: 4, column: 8 }]);
});

test('a model is not callable', (t) => {
  const text = 'model Encoder {\n  input x: [4]\n  Dense(2)\n}\nmodel M {\n  input x: [4]\n  Encoder\n}\n';
  t.deepEqual(errorsOf(text), [{ message: "'Encoder' is a model; only layers and blocks can be called", line: 7, column: 3 }]);
});

test('rebinding a value name: error at the second binding, note at the first', (t) => {
  t.deepEqual(errorsWithNotesOf(modelWith([4], 'h = Dense(3)', 'h = Dense(2)')), [
    { message: "value 'h' is already defined; choose another name", line: 4, column: 3, notes: [{ message: "'h' is defined here", line: 3, column: 3 }] },
  ]);
});

test('rebinding an input name is one error, not two', (t) => {
  t.deepEqual(errorsOf('model M {\n  input x: [4]\n  input x: [3]\n}\n'), [{ message: "value 'x' is already defined; choose another name", line: 3, column: 9 }]);
});

test('a value cannot take the name of a layer or a block', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Dense = Dense(3)')), [{ message: "'Dense' names a layer; a value needs another name", line: 3, column: 3 }]);
  t.deepEqual(errorsOf('block B {\n  ReLU\n}\nmodel M {\n  input x: [4]\n  B = Dense(3)\n}'), [{ message: "'B' names a block; a value needs another name", line: 6, column: 3 }]);
});

test('two layers given one name with name=: error at the second, note at the first', (t) => {
  t.deepEqual(errorsWithNotesOf(modelWith([4], 'Dense(3, name="hidden")', 'Dense(3, name="hidden")')), [
    {
      message: "layer name 'hidden' is already used in this model; layer names must be unique",
      line: 4,
      column: 17,
      notes: [{ message: "'hidden' is first used here", line: 3, column: 17 }],
    },
  ]);
});

test('an explicit name that takes an automatic name: the automatic one is reported, as Keras refuses the model', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Dense(3, name="re_lu")', 'ReLU')), [
    { message: "layer name 're_lu' (the automatic name of this layer) is already used in this model; layer names must be unique", line: 4, column: 3 },
  ]);
});

test("a layer name with '/' or an empty one is refused", (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'Dense(3, name="a/b")')), [
    { message: `layer name "a/b" must be non-empty and contain no '/' (weights are keyed '<layer>/<variable>')`, line: 3, column: 17 },
  ]);
  t.deepEqual(errorsOf(modelWith([4], 'Dense(3, name="")')), [{ message: `layer name "" must be non-empty and contain no '/' (weights are keyed '<layer>/<variable>')`, line: 3, column: 17 }]);
});

test('automatic names follow Keras: snake_case, then _1, _2 in order of appearance, per type', (t) => {
  const graph = graphOf(
    modelWith([8, 8, 3], 'Conv2D(4, 3)', 'BatchNormalization', 'ReLU', 'DepthwiseConv2D(3)', 'Conv2D(4, 1)', 'ZeroPadding2D', 'MaxPool2D', 'AveragePooling2D', 'LeakyReLU', 'GlobalAveragePooling2D', 'Dense(2)', 'Dense(2)', 'Dense(2)'),
  );
  t.deepEqual(
    graph.nodes.map((n) => n.name),
    ['x', 'conv2d', 'batch_normalization', 're_lu', 'depthwise_conv2d', 'conv2d_1', 'zero_padding2d', 'max_pooling2d', 'average_pooling2d', 'leaky_re_lu', 'global_average_pooling2d', 'dense', 'dense_1', 'dense_2'],
  );
});

test('explicit names do not advance the automatic counter (as in Keras)', (t) => {
  const graph = graphOf(modelWith([4], 'Dense(3, name="first")', 'Dense(3)', 'Dense(3)'));
  t.deepEqual(
    graph.nodes.map((n) => n.name),
    ['x', 'first', 'dense', 'dense_1'],
  );
});

test('automatic names restart in each model of a file', (t) => {
  const text = 'model A {\n  input x: [4]\n  Dense(3)\n}\nmodel B {\n  input x: [4]\n  Dense(3)\n}\n';
  t.is(graphOf(text, 'A').nodes[1].name, 'dense');
  t.is(graphOf(text, 'B').nodes[1].name, 'dense');
});

test('layers inside blocks are named as if the body were written out in place', (t) => {
  const text = 'block ConvBN(f) {\n  Conv2D(f, 3, padding=same)\n  BatchNormalization\n}\nmodel M {\n  input x: [8, 8, 3]\n  ConvBN(4)\n  Conv2D(4, 1)\n  ConvBN(4)\n}\n';
  t.deepEqual(
    graphOf(text).nodes.map((n) => n.name),
    ['x', 'conv2d', 'batch_normalization', 'conv2d_1', 'conv2d_2', 'batch_normalization_1'],
  );
});

test('names bound inside a repeat body are local to one iteration', (t) => {
  const graph = graphOf(modelWith([4], 'repeat 2 {', '  h = Dense(4)', '  (h, h) -> Add', '}'));
  t.deepEqual(
    graph.nodes.map((n) => `${n.name}(${n.inputs.join(',')})`),
    ['x()', 'dense(0)', 'add(1,1)', 'dense_1(2)', 'add_1(3,3)'],
  );
});

test('a value bound in a repeat body is not visible after it', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'repeat 2 {', '  h = Dense(4)', '}', 'output h')), [{ message: "undefined value 'h'", line: 6, column: 10 }]);
});

test('several outputs, in the order written', (t) => {
  const graph = graphOf(modelWith([4], 'a = Dense(3)', 'b = x -> Dense(5)', 'output b, a'));
  t.deepEqual(
    graph.outputs.map((id) => graph.nodes[id].name),
    ['dense_1', 'dense'],
  );
});

test('a second output statement is an error with a note at the first', (t) => {
  t.deepEqual(errorsWithNotesOf(modelWith([4], 'Dense(3)', 'output x', 'output x')), [
    { message: "a model has one 'output' statement; list every output in it", line: 5, column: 3, notes: [{ message: 'the first output statement', line: 4, column: 3 }] },
  ]);
});

test('a model without an input', (t) => {
  t.deepEqual(errorsOf('model M {\n  Dense(3)\n}'), [
    { message: "model 'M' has no input; declare one with 'input NAME: [dims]'", line: 1, column: 7 },
    { message: "'Dense' has no input: there is no current value here; declare an input first or start the chain from a value", line: 2, column: 3 },
  ]);
});

test('a model input needs a shape', (t) => {
  t.deepEqual(errorsOf('model M {\n  input x\n}'), [{ message: "model input 'x' needs a shape, e.g. 'input x: [28, 28]' (dimensions without the batch)", line: 2, column: 9 }]);
});

test('a tuple must feed a layer', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'a = Dense(3)', '(a, x)')), [{ message: "a tuple of values must feed a layer or block: write '(a, x) -> Add'", line: 4, column: 3 }]);
});

test('a merge layer needs a tuple; a one-input layer refuses one', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'a = Dense(3)', 'a -> Add')), [{ message: "Add merges two or more inputs, found one; feed it a tuple such as '(a, b) -> Add'", line: 4, column: 8 }]);
  t.deepEqual(errorsOf(modelWith([4], '(x, x) -> Dense(3)')), [{ message: 'Dense takes one input, found a tuple of 2', line: 3, column: 13 }]);
});

test("'input' and 'output' are not allowed inside repeat", (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'repeat 2 {', '  input y: [3]', '}')), [{ message: "'input' is not allowed inside 'repeat': declare inputs at the top of the model", line: 4, column: 11 }]);
  t.deepEqual(errorsOf(modelWith([4], 'repeat 2 {', '  output x', '}')), [{ message: "'output' is not allowed inside 'repeat'", line: 4, column: 5 }]);
});

test("Keras's functional call Dense(3)(x) gets the language's spelling", (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'y = Dense(3)(x)')), [
    { message: "a layer is applied to a value with '->', not by calling it: Keras's 'Layer(...)(x)' is written 'x -> Layer(...)'", line: 3, column: 15 },
  ]);
});
