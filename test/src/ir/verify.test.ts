// The IR verifier: valid graphs pass; each broken invariant is reported, naming the
// node, its kind and its source location.

import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { check } from '../../../compiler/check.js';
import { GraphBuilder } from '../../../src/ir/graph.js';
import type { AttrsByKind, Graph, Node } from '../../../src/ir/types.js';

type DenseAttrs = AttrsByKind['Dense'];
import { assertValidGraph, verifyGraph } from '../../../src/ir/verify.js';
import { graphOf, modelWith } from '../../helpers/check.js';

const DENSE_ATTRS = (units: number): DenseAttrs => ({
  units,
  activation: { name: 'linear' },
  use_bias: true,
  kernel_initializer: { name: 'glorot_uniform', args: { seed: null } },
  bias_initializer: { name: 'zeros', args: {} },
  kernel_regularizer: null,
  bias_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
});

/** x: [None, 4] → dense: [None, 3] → re_lu: [None, 3], built by hand. */
function chain(): Graph {
  const b = new GraphBuilder();
  const x = b.add({ kind: 'Input', name: 'x', inputs: [], attrs: {}, shape: [null, 4] });
  const dense = b.add({ kind: 'Dense', name: 'dense', inputs: [x.id], attrs: DENSE_ATTRS(3), shape: [null, 3] });
  const relu = b.add({ kind: 'ReLU', name: 're_lu', inputs: [dense.id], attrs: { max_value: null, negative_slope: 0, threshold: 0 }, shape: [null, 3] });
  return b.build('Chain', [x.id], [relu.id]);
}

/** The chain with node `id` replaced by `change(node)`: a broken copy (graphs are frozen). */
function withNode(graph: Graph, id: number, change: (node: Node) => object): Graph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === id ? (change(n) as Node) : n)) };
}

test('a hand-built valid graph has no problems', (t) => {
  t.deepEqual(verifyGraph(chain()), []);
  t.notThrows(() => assertValidGraph(chain()));
});

test('every example lowers to a graph that passes the verifier', (t) => {
  for (const file of readdirSync('examples').filter((f) => f.endsWith('.nn'))) {
    const result = check(readFileSync(`examples/${file}`, 'utf8'), file);
    t.true(result.models.size > 0, file);
    for (const graph of result.models.values()) t.deepEqual(verifyGraph(graph), [], file);
  }
});

test('an input that refers to a later node (or no node) is named', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 1, (n) => ({ ...n, inputs: [2] }))), ["node 1 'dense' (Dense): input 2 is not an earlier node"]);
  t.deepEqual(verifyGraph(withNode(chain(), 1, (n) => ({ ...n, inputs: [-1] }))), ["node 1 'dense' (Dense): input -1 is not an earlier node"]);
  t.deepEqual(verifyGraph(withNode(chain(), 1, (n) => ({ ...n, inputs: [0.5] }))), ["node 1 'dense' (Dense): input 0.5 is not an earlier node"]);
});

test('wrong arity: a one-input op with two inputs, a merge with one, an Input with one', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 2, (n) => ({ ...n, inputs: [1, 1] }))), ["node 2 're_lu' (ReLU): takes exactly one input, has 2"]);
  const merge = withNode(chain(), 2, (n) => ({ ...n, kind: 'Add', attrs: {}, inputs: [1] }));
  t.deepEqual(verifyGraph(merge), ["node 2 're_lu' (Add): takes two or more inputs, has 1"]);
  const input = withNode(chain(), 0, (n) => ({ ...n, inputs: [0] }));
  t.true(verifyGraph(input).includes("node 0 'x' (Input): takes no inputs, has 1"));
});

test('duplicate and empty names', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 2, (n) => ({ ...n, name: 'dense' }))), ["node 2 'dense' (ReLU): name is already used by node 1"]);
  t.deepEqual(verifyGraph(withNode(chain(), 2, (n) => ({ ...n, name: '' }))), ["node 2 '' (ReLU): has an empty name"]);
});

test('ids must match positions', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 2, (n) => ({ ...n, id: 7 }))), ["node 7 're_lu' (ReLU): id 7 does not match its position 2"]);
});

test('an unknown op kind', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 2, (n) => ({ ...n, kind: 'Gelu' }))), ["node 2 're_lu' (Gelu): unknown op kind 'Gelu'"]);
});

test('the batch dimension must be symbolic and first', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 0, (n) => ({ ...n, shape: [32, 4] }))), ["node 0 'x' (Input): shape [32, 4] must start with the batch dimension (None)"]);
  t.deepEqual(verifyGraph(withNode(chain(), 0, (n) => ({ ...n, shape: [] }))), ["node 0 'x' (Input): shape [] must start with the batch dimension (None)"]);
});

test('every other dimension must be a positive integer', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 0, (n) => ({ ...n, shape: [null, 0] }))), ["node 0 'x' (Input): shape [None, 0] has a dimension that is not a positive integer"]);
  t.deepEqual(verifyGraph(withNode(chain(), 0, (n) => ({ ...n, shape: [null, 2.5] }))), ["node 0 'x' (Input): shape [None, 2.5] has a dimension that is not a positive integer"]);
  t.deepEqual(verifyGraph(withNode(chain(), 0, (n) => ({ ...n, shape: [null, null] }))), ["node 0 'x' (Input): shape [None, None] has a dimension that is not a positive integer"]);
});

test('a stored shape that differs from the inferred one', (t) => {
  t.deepEqual(verifyGraph(withNode(chain(), 2, (n) => ({ ...n, shape: [null, 5] }))), ["node 2 're_lu' (ReLU): stored shape [None, 5] differs from inferred [None, 3]"]);
  // Dense(units=3) claiming 7 outputs: the ReLU after it is then inconsistent too.
  const problems = verifyGraph(withNode(chain(), 1, (n) => ({ ...n, shape: [null, 7] })));
  t.deepEqual(problems, ["node 1 'dense' (Dense): stored shape [None, 7] differs from inferred [None, 3]", "node 2 're_lu' (ReLU): stored shape [None, 3] differs from inferred [None, 7]"]);
});

test('a shape rule that fails is reported with its reason', (t) => {
  const b = new GraphBuilder();
  const x = b.add({ kind: 'Input', name: 'x', inputs: [], attrs: {}, shape: [null, 4] });
  const pool = b.add({ kind: 'GlobalAveragePooling2D', name: 'gap', inputs: [x.id], attrs: { keepdims: false }, shape: [null, 4] });
  t.deepEqual(verifyGraph(b.build('G', [x.id], [pool.id])), ["node 1 'gap' (GlobalAveragePooling2D): GlobalAveragePooling2D expects an image [batch, height, width, channels] (rank 4, batch included), but 'x' is [None, 4]"]);
});

test('a dead node (reaching no output) is named', (t) => {
  const graph = { ...chain(), outputs: [1] };
  t.deepEqual(verifyGraph(graph), ["node 2 're_lu' (ReLU): does not contribute to any output"]);
});

test('graph inputs must be exactly the Input nodes; outputs must exist and be in range', (t) => {
  t.deepEqual(verifyGraph({ ...chain(), inputs: [] }), ['graph inputs [] are not the Input nodes [0]']);
  t.deepEqual(verifyGraph({ ...chain(), inputs: [1] }), ['graph inputs [1] are not the Input nodes [0]']);
  t.deepEqual(verifyGraph({ ...chain(), outputs: [] }), ['graph has no outputs', "node 1 'dense' (Dense): does not contribute to any output", "node 2 're_lu' (ReLU): does not contribute to any output"]);
  t.deepEqual(verifyGraph({ ...chain(), outputs: [3] }), ['graph outputs [3] are out of range']);
});

test('violations carry the source location of a node from a source', (t) => {
  const graph = graphOf(modelWith([4], 'Dense(3)', 'ReLU'));
  const broken = withNode(graph, 2, (n) => ({ ...n, shape: [null, 9] }));
  t.deepEqual(verifyGraph(broken), ["node 2 're_lu' (ReLU) at test.nn:4:3: stored shape [None, 9] differs from inferred [None, 3]"]);
});

test('assertValidGraph throws with every violation listed under the model name', (t) => {
  const broken = withNode(withNode(chain(), 2, (n) => ({ ...n, name: 'dense' })), 0, (n) => ({ ...n, shape: [1, 4] }));
  const e = t.throws(() => assertValidGraph(broken));
  t.is(e?.message, ["invalid IR for model 'Chain':", "  node 0 'x' (Input): shape [1, 4] must start with the batch dimension (None)", "  node 2 'dense' (ReLU): name is already used by node 1"].join('\n'));
});

test('weights beyond 2^53 elements are refused by the verifier', (t) => {
  const b = new GraphBuilder();
  const x = b.add({ kind: 'Input', name: 'x', inputs: [], attrs: {}, shape: [null, 100_000_000] });
  const dense = b.add({ kind: 'Dense', name: 'dense', inputs: [x.id], attrs: DENSE_ATTRS(100_000_000), shape: [null, 100_000_000] });
  t.deepEqual(verifyGraph(b.build('Huge', [x.id], [dense.id])), ["node 1 'dense' (Dense): weight 'kernel' has more than 2^53 elements"]);
});
