// Rule uniqueDefinitionNames: a name defines one model or block; later definitions are
// errors with a note at the first, and are not checked further.

import test from 'ava';
import { check } from '../../../compiler/check.js';
import { errorsOf, errorsWithNotesOf } from '../../helpers/check.js';

test('two models with one name: the second is reported, with a note at the first', (t) => {
  const text = 'model M {\n  input x: [4]\n}\nmodel M {\n  input y: [4]\n}\n';
  t.deepEqual(errorsWithNotesOf(text), [
    { message: "model 'M' is already defined as a model", line: 4, column: 7, notes: [{ message: 'first defined here', line: 1, column: 7 }] },
  ]);
});

test('a block with the name of a model', (t) => {
  t.deepEqual(errorsOf('model B {\n  input x: [4]\n}\nblock B {\n  ReLU\n}\n'), [{ message: "block 'B' is already defined as a model", line: 4, column: 7 }]);
});

test('the first definition keeps the name: a later one is neither checked nor called', (t) => {
  // The second B has a bad argument; the model calls the first B, whose ReLU works.
  const text = 'block B {\n  ReLU\n}\nmodel A {\n  input x: [4]\n  B\n}\nblock B {\n  Dense(0)\n}\nblock A {\n  ReLU\n}\n';
  const result = check(text, 'test.nn');
  t.deepEqual(errorsOf(text), [
    { message: "block 'B' is already defined as a block", line: 8, column: 7 },
    { message: "block 'A' is already defined as a model", line: 11, column: 7 },
  ]);
  t.deepEqual(
    result.models.get('A')?.nodes.map((n) => n.kind),
    ['Input', 'ReLU'],
  );
});
