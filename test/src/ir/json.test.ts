// The bundle reader (src/ir/json.ts) and attributes added after bundles were first
// written: a real bundle written by nnc at ba41d7d (test/fixtures/bundles/before-groups,
// before Conv2D `groups` and GlobalAveragePooling2D `keepdims`) reads with Keras's
// defaults and predicts what tfjs-layers predicts with the same weights; a missing
// attribute that its definition does not mark `addedLater` is still refused.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { openWeights, parseModelJson } from '../../../runtime/bundle/manifest.js';
import { graphFromJson } from '../../../src/ir/json.js';
import { addedLater, attr } from '../../../src/ir/layers/define.js';
import { bool } from '../../../src/ir/layers/paramTypes.js';
import { assertMatchesTfjsLayers } from '../../helpers/tfjsLayers.js';

const OLD = fileURLToPath(new URL('../../fixtures/bundles/before-groups/', import.meta.url));
const oldManifest = () => readFileSync(`${OLD}model.json`, 'utf8');

test('the old bundle really lacks the two attributes (a fixture that would test nothing otherwise)', (t) => {
  const nodes = (JSON.parse(oldManifest()) as { graph: { nodes: { kind: string; attrs: object }[] } }).graph.nodes;
  t.false('groups' in nodes.find((n) => n.kind === 'Conv2D')!.attrs);
  t.deepEqual(nodes.find((n) => n.kind === 'GlobalAveragePooling2D')!.attrs, {});
});

test.serial('a bundle written before Conv2D groups and keepdims reads with groups=1, keepdims=false and predicts as tfjs-layers', async (t) => {
  const { manifest, graph } = parseModelJson(oldManifest(), 'model.json');
  const [, conv, pool] = graph.nodes;
  t.is(conv.kind === 'Conv2D' && conv.attrs.groups, 1);
  t.is(pool.kind === 'GlobalAveragePooling2D' && pool.attrs.keepdims, false);
  const weights = await openWeights(manifest, graph, new Uint8Array(readFileSync(`${OLD}weights.safetensors`)), 'weights.safetensors');
  await initNodeBackend('cpu');
  assertMatchesTfjsLayers(t, graph, weights, { backend: 'cpu', x: 3 });
});

test('a missing attribute without the addedLater mark is refused with the usual message', (t) => {
  const json = JSON.parse(oldManifest()) as { graph: { nodes: { kind: string; attrs: Record<string, unknown> }[] } };
  delete json.graph.nodes.find((n) => n.kind === 'Conv2D')!.attrs.dilation_rate;
  t.throws(() => graphFromJson(json.graph), { message: "node 1 'conv2d' (Conv2D) lacks attribute 'dilation_rate'" });
  // GlobalMaxPooling2D came with keepdims: its keepdims is not marked and must be there.
  const gmp = JSON.parse(oldManifest()) as { graph: { nodes: { kind: string; attrs: Record<string, unknown> }[] } };
  gmp.graph.nodes[2].kind = 'GlobalMaxPooling2D';
  t.throws(() => graphFromJson(gmp.graph), { message: "node 2 'global_average_pooling2d' (GlobalMaxPooling2D) lacks attribute 'keepdims'" });
});

test('a present added-later attribute is still checked, and the mark refuses a stored default its own check rejects', (t) => {
  const json = JSON.parse(oldManifest()) as { graph: { nodes: { kind: string; attrs: Record<string, unknown> }[] } };
  json.graph.nodes[1].attrs.groups = 0;
  t.throws(() => graphFromJson(json.graph), { message: "node 1 'conv2d' (Conv2D) attribute 'groups' must be an integer in [1, 2147483647], found 0" });
  t.throws(() => addedLater(attr(bool, false), 'a test', 3 as never), { message: 'an attribute added in a test cannot read as 3 from older bundles: it must be true or false' });
});

test("Normalization written before mean= and variance= existed reads with null constants (its statistics are weights); stored constants are checked", async (t) => {
  const { graphOf } = await import('../../helpers/models.js');
  const { graphToJson } = await import('../../../src/ir/json.js');
  const current = graphToJson(graphOf('model M {\n  input x: [3]\n  Normalization\n}\n'));
  const old = JSON.parse(JSON.stringify(current)) as { nodes: { attrs: Record<string, unknown> }[] };
  delete old.nodes[1].attrs.mean;
  delete old.nodes[1].attrs.variance;
  t.deepEqual(graphFromJson(old), graphFromJson(current));
  const constants = graphToJson(graphOf('model M {\n  input x: [3]\n  Normalization(mean=[1, 2, 3], variance=[1, 1, 1])\n}\n'));
  t.deepEqual(graphToJson(graphFromJson(JSON.parse(JSON.stringify(constants)))), constants);
  const wrong = JSON.parse(JSON.stringify(constants)) as { nodes: { attrs: Record<string, unknown> }[] };
  wrong.nodes[1].attrs.variance = [1, 1];
  t.throws(() => graphFromJson(wrong), { message: /Normalization mean and variance must have the same shape, found \[3\] and \[2\]/ });
  wrong.nodes[1].attrs.variance = [[1, 2], [3]];
  t.throws(() => graphFromJson(wrong), { message: "node 1 'normalization' (Normalization) attribute 'variance' must be a number, a rectangular list of finite numbers, or null, found [[1,2],[3]]" });
});

test('Conv2DTranspose written before output_padding existed reads with output_padding=null', async (t) => {
  const { graphOf } = await import('../../helpers/models.js');
  const { graphToJson } = await import('../../../src/ir/json.js');
  const current = graphToJson(graphOf('model M {\n  input x: [4, 4, 2]\n  Conv2DTranspose(3, 3, strides=2, padding=same)\n}\n'));
  const old = JSON.parse(JSON.stringify(current)) as { nodes: { attrs: Record<string, unknown> }[] };
  delete old.nodes[1].attrs.output_padding;
  t.deepEqual(graphFromJson(old), graphFromJson(current));
  old.nodes[1].attrs.output_padding = [2, 0];
  t.throws(() => graphFromJson(old), { message: /Conv2DTranspose output_padding \[2, 0\] must be less than strides \[2, 2\] on each axis/ });
});

test('an Affine written before its scale attribute existed reads with scale=true (a multiply-add, as it was)', async (t) => {
  const { graphOf, randomizedWeights } = await import('../../helpers/models.js');
  const { graphToJson } = await import('../../../src/ir/json.js');
  const { optimize } = await import('../../../compiler/passes/pipeline.js');
  // A BN on an Add's output read twice: neither neighbour absorbs it, it stays an Affine.
  const graph = graphOf('model M {\n  input x: [3]\n  a = x -> Dense(3)\n  s = (x, a) -> Add -> BatchNormalization\n  (s, x) -> Add\n}\n');
  const optimized = optimize({ graph, weights: randomizedWeights(graph, 1) }).graph;
  const current = graphToJson(optimized);
  const old = JSON.parse(JSON.stringify(current)) as { nodes: { kind: string; attrs: Record<string, unknown> }[] };
  const affine = old.nodes.find((n) => n.kind === 'Affine')!;
  t.is(affine.attrs.scale, true);
  delete affine.attrs.scale;
  t.deepEqual(graphFromJson(old), graphFromJson(current));
});
