// Rule blockNamesAreNotLayers: a block may not take a Keras layer's name; calls of that
// name keep meaning the layer.

import test from 'ava';
import { check } from '../../../compiler/check.js';
import { errorsOf } from '../../helpers/check.js';

test('a block named like a Keras layer is refused, and calls keep meaning the layer', (t) => {
  const text = 'block Dense {\n  ReLU\n}\nmodel M {\n  input x: [4]\n  Dense(3)\n}\n';
  t.deepEqual(errorsOf(text), [{ message: "block 'Dense' has the name of a Keras layer; choose another name", line: 1, column: 7 }]);
  // The model itself lowers, with the layer Dense, not the block's ReLU.
  t.deepEqual(
    check(text, 'test.nn').models.get('M')?.nodes.map((n) => n.kind),
    ['Input', 'Dense'],
  );
});

test('the refused block still takes its name: a later definition of it is a duplicate', (t) => {
  t.deepEqual(errorsOf('block ReLU {\n  Dense(2)\n}\nmodel ReLU {\n  input x: [4]\n}\n'), [
    { message: "block 'ReLU' has the name of a Keras layer; choose another name", line: 1, column: 7 },
    { message: "model 'ReLU' is already defined as a block", line: 4, column: 7 },
  ]);
});
