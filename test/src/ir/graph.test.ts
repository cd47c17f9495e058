// The graph returned by lowering is immutable: no later stage can edit a graph it was given.

import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { check } from '../../../compiler/check.js';
import { asKind, consumers } from '../../../src/ir/graph.js';
import type { Graph } from '../../../src/ir/types.js';
import { graphOf, modelWith } from '../../helpers/check.js';

function exampleGraphs(): Graph[] {
  return readdirSync('examples')
    .filter((f) => f.endsWith('.nn'))
    .flatMap((f) => [...check(readFileSync(`examples/${f}`, 'utf8'), f).models.values()]);
}

test('graphs, their node lists, nodes, inputs, shapes and attributes are frozen', (t) => {
  for (const graph of exampleGraphs()) {
    t.true(Object.isFrozen(graph), graph.name);
    t.true(Object.isFrozen(graph.nodes));
    t.true(Object.isFrozen(graph.inputs));
    t.true(Object.isFrozen(graph.outputs));
    for (const node of graph.nodes) {
      t.true(Object.isFrozen(node), node.name);
      t.true(Object.isFrozen(node.inputs));
      t.true(Object.isFrozen(node.shape));
      t.true(Object.isFrozen(node.attrs));
      for (const value of Object.values(node.attrs)) if (value !== null && typeof value === 'object') t.true(Object.isFrozen(value), `${node.name} attribute`);
    }
  }
});

test('writes to a lowered graph fail (ESM modules are strict)', (t) => {
  const graph = graphOf(modelWith([4], 'Dense(3)'));
  const dense = graph.nodes[1] as unknown as { shape: unknown[]; name: string; attrs: { units: number } };
  t.throws(() => {
    dense.name = 'renamed';
  }, { instanceOf: TypeError });
  t.throws(() => {
    dense.shape.push(1);
  }, { instanceOf: TypeError });
  t.throws(() => {
    dense.attrs.units = 5;
  }, { instanceOf: TypeError });
  t.throws(() => {
    (graph.nodes as unknown[]).pop();
  }, { instanceOf: TypeError });
  t.is(graph.nodes[1].name, 'dense');
});

test('nodes are in topological order with ids equal to positions', (t) => {
  for (const graph of exampleGraphs()) {
    graph.nodes.forEach((node, i) => {
      t.is(node.id, i);
      t.true(node.inputs.every((input) => input < i));
    });
  }
});

test('consumers lists who reads each node, with repeats', (t) => {
  const graph = graphOf(modelWith([4], 'h = Dense(4)', '(h, h) -> Add', 'x -> Dense(2)', 'output h'));
  // 'output h' keeps only x and dense: the Add and the second Dense reach no output.
  t.deepEqual(consumers(graph), [[1], []]);
  const merged = graphOf(modelWith([4], 'h = Dense(4)', '(h, h, x) -> Add'));
  t.deepEqual(consumers(merged), [[1, 2], [2, 2], []]);
});

test('asKind narrows by kind', (t) => {
  const graph = graphOf(modelWith([4], 'Dense(3)'));
  t.is(asKind(graph.nodes[1], 'Dense')?.attrs.units, 3);
  t.is(asKind(graph.nodes[1], 'Conv2D'), undefined);
  t.is(asKind(undefined, 'Dense'), undefined);
});

test('every node from a source carries its location', (t) => {
  const graph = graphOf(modelWith([4], 'Dense(3)'));
  const positions = graph.nodes.map((n) => (n.loc ? n.loc.source.position(n.loc.start) : null));
  t.deepEqual(positions, [
    { line: 2, column: 9 },
    { line: 3, column: 3 },
  ]);
});
