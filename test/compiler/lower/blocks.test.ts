// Blocks: parameters, inputs, expansion, and errors that point into a block with a note
// at the call that expanded it. (Recursion is a rule: test/compiler/checks/noRecursiveBlocks.)

import test from 'ava';
import type { Conv2DAttrs, DenseAttrs } from '../../../src/ir/types.js';
import { at, errorDiagnostics, errorsOf, errorsWithNotesOf, graphOf, reported } from '../../helpers/check.js';

test('a block without inputs applies to the current value; parameters and defaults reach its layers', (t) => {
  const text = 'block ConvBN(filters, kernel_size=3, strides=1) {\n  Conv2D(filters, kernel_size, strides=strides, padding=same, use_bias=false)\n  BatchNormalization\n}\nmodel M {\n  input x: [8, 8, 3]\n  ConvBN(4)\n  ConvBN(8, 1, strides=2)\n}\n';
  const graph = graphOf(text);
  const convs = graph.nodes.filter((n) => n.kind === 'Conv2D').map((n) => n.attrs as Conv2DAttrs);
  t.deepEqual(
    convs.map((a) => [a.filters, a.kernel_size, a.strides]),
    [
      [4, [3, 3], [1, 1]],
      [8, [1, 1], [2, 2]],
    ],
  );
  // 8x8 'same' with stride 2: ceil(8 / 2) = 4.
  t.deepEqual(graph.nodes[graph.outputs[0]].shape, [null, 4, 4, 8]);
});

test('parameters in arithmetic: filters * 2', (t) => {
  const graph = graphOf('block Wide(units) {\n  Dense(units * 2 + 1)\n}\nmodel M {\n  input x: [4]\n  Wide(5)\n}\n');
  t.is((graph.nodes[1].attrs as DenseAttrs).units, 11);
});

test('a parameter may stand for a symbol', (t) => {
  const graph = graphOf('block Act(fn=relu) {\n  Dense(3, activation=fn)\n}\nmodel M {\n  input x: [4]\n  Act(fn=tanh)\n  Act\n}\n');
  t.deepEqual(
    graph.nodes.slice(1).map((n) => (n.attrs as DenseAttrs).activation.name),
    ['tanh', 'relu'],
  );
});

test('a block with inputs takes a tuple; its last statement is its value', (t) => {
  const text = 'block Residual {\n  input a\n  input b\n  (a, b) -> Add -> ReLU\n}\nmodel M {\n  input x: [4]\n  y = Dense(4)\n  (x, y) -> Residual\n}\n';
  const graph = graphOf(text);
  t.deepEqual(
    graph.nodes.map((n) => `${n.name}(${n.inputs.join(',')})`),
    ['x()', 'dense(0)', 'add(0,1)', 're_lu(2)'],
  );
});

test("a block's output statement names its value", (t) => {
  const text = 'block Skip {\n  input a\n  h = Dense(4)\n  ReLU\n  output h\n}\nmodel M {\n  input x: [4]\n  Skip\n}\n';
  const graph = graphOf(text);
  t.is(graph.nodes[graph.outputs[0]].name, 'dense');
});

test('a missing block argument, and a block given too many', (t) => {
  const text = 'block B(f, k) {\n  Dense(f)\n}\nmodel M {\n  input x: [4]\n  B(3)\n  B(3, 4, 5)\n}\n';
  t.deepEqual(errorsOf(text), [
    { message: "block 'B' is missing its required argument 'k'", line: 6, column: 3 },
    { message: "block 'B' takes 2 positional arguments (f, k), found 5 as positional argument 3; pass it as key=value", line: 7, column: 11 },
  ]);
});

test('an unknown block argument suggests a parameter', (t) => {
  t.deepEqual(errorsOf('block B(filters) {\n  Dense(filters)\n}\nmodel M {\n  input x: [4]\n  B(filter=3)\n}\n'), [{ message: "block 'B' has no argument 'filter'; did you mean 'filters'?", line: 6, column: 5 }]);
});

test('the number of values passed must match the inputs a block declares', (t) => {
  const text = 'block Pair {\n  input a\n  input b\n  (a, b) -> Add\n}\nblock Single {\n  ReLU\n}\nmodel M {\n  input x: [4]\n  Pair\n  (x, x) -> Single\n}\n';
  t.deepEqual(errorsOf(text), [
    { message: "block 'Pair' declares 2 inputs (a, b), but is given 1 value", line: 11, column: 3 },
    { message: "block 'Single' takes one value (it declares no 'input'), but is given 2", line: 12, column: 13 },
  ]);
});

test("a block's input takes no shape", (t) => {
  t.deepEqual(errorsOf('block B {\n  input a: [3]\n  a -> ReLU\n}\nmodel M {\n  input x: [4]\n  B\n}\n'), [{ message: "a block's input takes no shape: its shape comes from the caller", line: 2, column: 9 }]);
});

test('an error inside a block points into the block and carries an "expanded here" note at the call', (t) => {
  const text = 'block Head(units) {\n  Dense(units, activation=rleu)\n}\nmodel M {\n  input x: [4]\n  Head(3)\n}\n';
  const [d, ...rest] = errorDiagnostics(text);
  t.is(rest.length, 0);
  t.regex(d.message, /^unknown activation 'rleu'; did you mean 'relu'\?/);
  t.deepEqual(at(d.location), { line: 2, column: 27 });
  t.deepEqual(d.notes.map(reported), [{ message: "in block 'Head', expanded here", line: 6, column: 3 }]);
});

test('a bad argument passed into a block points at the caller\'s value, with the expansion note', (t) => {
  const text = 'block Head(units) {\n  Dense(units)\n}\nmodel M {\n  input x: [4]\n  Head(0)\n}\n';
  t.deepEqual(errorsWithNotesOf(text), [
    { message: "argument 'units' of Dense expects a positive integer, found 0", line: 6, column: 8, notes: [{ message: "in block 'Head', expanded here", line: 6, column: 3 }] },
  ]);
});

test('nested blocks: one note per level, innermost first', (t) => {
  const text = 'block Inner(u) {\n  Dense(u, activation=rleu)\n}\nblock Outer(u) {\n  Inner(u)\n}\nmodel M {\n  input x: [4]\n  Outer(3)\n}\n';
  const [d] = errorsWithNotesOf(text);
  t.deepEqual(d.notes, [
    { message: "in block 'Inner', expanded here", line: 5, column: 3 },
    { message: "in block 'Outer', expanded here", line: 9, column: 3 },
  ]);
});

test('a shape error inside a block names the layers and shapes and carries the note', (t) => {
  const text = 'block Residual {\n  input a\n  y = Dense(100)\n  (a, y) -> Add\n}\nmodel M {\n  input x: [300]\n  Residual\n}\n';
  t.deepEqual(errorsWithNotesOf(text), [
    {
      message: "Add of [None, 300] and [None, 100]: 'x' and 'dense' must have the same shape",
      line: 4,
      column: 13,
      notes: [
        { message: "'x' is [None, 300]", line: 7, column: 9 },
        { message: "'dense' is [None, 100]", line: 3, column: 7 },
        { message: "in block 'Residual', expanded here", line: 8, column: 3 },
      ],
    },
  ]);
});

test('the same mistake in a block called three times is reported once', (t) => {
  const text = 'block B {\n  Dense(3, activation=rleu)\n}\nmodel M {\n  input x: [4]\n  B\n  B\n  B\n}\n';
  t.is(errorsOf(text).length, 1);
});

test('a chain of 20,000 blocks ends with one clear error, not a stack overflow', (t) => {
  const n = 20_000;
  const lines = Array.from({ length: n }, (_, i) => `block B${i} { B${i + 1} }`);
  lines.push(`block B${n} { ReLU }`, 'model M { input x: [4] B0 }');
  const errors = errorsOf(lines.join('\n'));
  t.deepEqual(errors, [{ message: 'blocks nest more than 256 deep here (B0 -> ... -> B256); flatten the chain of blocks', line: 256, column: 14 }]);
});
