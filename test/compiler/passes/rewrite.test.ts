// The pass skeleton: a visit that changes nothing returns the graph and weights it was
// given; notes name the pass and the layer; soleConsumer says why a value cannot change.

import test from 'ava';
import type { Pass } from '../../../compiler/passes/pass.js';
import { rewriteNodes, soleConsumer } from '../../../compiler/passes/rewrite.js';
import { GraphEditor } from '../../../src/ir/rewrite.js';
import type { WeightMap } from '../../../src/ir/tensors.js';
import { graphOf } from '../../helpers/check.js';

const probe: Pass = { name: 'probe', summary: 'looks only', modes: ['inference'], run: () => { throw new Error('not run'); } };

test('a rewrite that changes nothing returns the very graph and weights it was given, with its notes', (t) => {
  const graph = graphOf('model M {\n  input x: [4]\n  Dense(3)\n  ReLU\n}\n');
  const weights: WeightMap = new Map();
  const result = rewriteNodes(probe, { graph, weights }, true, (node, r) => {
    if (node.kind === 'ReLU') r.note(node, 'kept', 'nothing to do');
  });
  t.is(result.graph, graph);
  t.is(result.weights, weights);
  t.deepEqual(result.notes, [{ pass: 'probe', layer: 're_lu', kind: 'ReLU', action: 'kept', detail: 'nothing to do' }]);
});

test('soleConsumer: the one consumer, or why there is none', (t) => {
  const graph = graphOf('model M {\n  input x: [4]\n  h = Dense(3)\n  a = h -> ReLU\n  b = h -> Dense(3)\n  y = (a, b) -> Add -> Dense(2)\n  output y, a\n}\n');
  const editor = new GraphEditor(graph);
  const id = (name: string) => graph.nodes.find((n) => n.name === name)!.id;
  t.deepEqual(soleConsumer(editor, id('dense')), { reason: "'dense' feeds 2 consumers (re_lu, dense_1), so changing it would change the others" });
  t.deepEqual(soleConsumer(editor, id('re_lu')), { reason: "'re_lu' is a model output, so its value must stay as it is" });
  const sole = soleConsumer(editor, id('add'));
  t.true('node' in sole && sole.node.name === 'dense_2');
});
