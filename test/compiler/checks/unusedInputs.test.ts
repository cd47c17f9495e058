// Rule unusedInputs: an input no output depends on is a warning, and stays an input.

import test from 'ava';
import { errorsOf, graphOf, warningsOf } from '../../helpers/check.js';

test('an input no output uses is a warning, and the model keeps it as an input', (t) => {
  const text = 'model M {\n  input x: [4]\n  input y: [2]\n  x -> Dense(3)\n}\n';
  t.deepEqual(warningsOf(text), [{ message: "input 'y' is not used by any output of model 'M'", line: 3, column: 9 }]);
  t.deepEqual(errorsOf(text), []);
  const graph = graphOf(text);
  t.deepEqual(
    graph.inputs.map((id) => graph.nodes[id].name),
    ['x', 'y'],
  );
});

test('inputs that feed an output are not warned', (t) => {
  t.deepEqual(warningsOf('model M {\n  input x: [4]\n  input y: [4]\n  (x, y) -> Add\n}\n'), []);
});
