// Rule unreachableLayers: a layer that feeds no output is a warning, and the graph
// leaves it out.

import test from 'ava';
import { errorsOf, graphOf, modelWith, warningsOf } from '../../helpers/check.js';

test('a layer that reaches no output is a warning and is left out of the graph', (t) => {
  const text = modelWith([4], 'a = Dense(3)', 'b = x -> Dense(5)', 'output a');
  t.deepEqual(warningsOf(text), [{ message: "layer 'dense_1' (Dense) does not reach any output of model 'M'; it is not part of the model", line: 4, column: 12 }]);
  t.deepEqual(
    graphOf(text).nodes.map((n) => n.name),
    ['x', 'dense'],
  );
});

test('every layer of a dead chain is warned, and the kept graph is renumbered densely', (t) => {
  const text = modelWith([4], 'a = Dense(3) -> Dense(2)', 'b = x -> Dense(5)', 'output b');
  t.deepEqual(warningsOf(text), [
    { message: "layer 'dense' (Dense) does not reach any output of model 'M'; it is not part of the model", line: 3, column: 7 },
    { message: "layer 'dense_1' (Dense) does not reach any output of model 'M'; it is not part of the model", line: 3, column: 19 },
  ]);
  t.deepEqual(errorsOf(text), []);
  const graph = graphOf(text);
  t.deepEqual(
    graph.nodes.map((n) => `${n.id}:${n.name}(${n.inputs.join(',')})`),
    ['0:x()', '1:dense_2(0)'],
  );
  t.deepEqual(graph.outputs, [1]);
});
