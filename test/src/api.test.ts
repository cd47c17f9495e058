// The public API: compile(source, options) gives a Model; compileGraph picks one model
// of a source, with the same messages as the CLI's --model (but naming the option).

import test from 'ava';
import { readFileSync } from 'node:fs';
import { compile, compileGraph } from '../../src/api.js';
import { Source } from '../../src/diagnostics.js';
import { nncErrorMessage } from '../helpers/check.js';
import { Model } from '../../runtime/model.js';
import * as tf from '@tensorflow/tfjs-core';
import { opCount } from '../../src/ir/graph.js';
import { LAYERS_TOLERANCE, assertMatches, exampleGraph, hostMaxAbsDiff, randomizedWeights } from '../helpers/models.js';
import { buildTfjsLayersModel } from '../helpers/tfjsLayers.js';

const TWO = 'model Small { input x: [2]\n Dense(1) }\nmodel Large { input x: [2]\n Dense(8) }\n';


test('compileGraph picks the only model, or the one named, and says which models there are otherwise', (t) => {
  t.is(compileGraph(TWO, 'Large').name, 'Large');
  t.is(compileGraph('model M { input x: [3]\n Dense(2) }').name, 'M');
  t.is(nncErrorMessage(() => compileGraph(TWO)), "<input> defines 2 models (Small, Large); choose one with the 'model' option");
  t.is(nncErrorMessage(() => compileGraph(new Source(TWO, 'two.nn'), 'Smal')), "two.nn has no model 'Smal'; did you mean 'Small'? (models: Small, Large)");
  t.is(nncErrorMessage(() => compileGraph('block B { Dense(1) }')), "<input> defines no model (only blocks); add 'model NAME { ... }'");
  t.is(
    nncErrorMessage(() => compileGraph('model M { input x: [3]\n Dense(units=) }')),
    "<input>:2:14: error: expected a value (a number, a string, a list, true, false, null or a name), found ')'\n  |\n2 |  Dense(units=) }\n  |              ^",
  );
});

test.serial('compile gives a model that predicts what the runtime Model predicts with the same weights', async (t) => {
  const source = readFileSync('examples/geron.nn', 'utf8');
  const graph = exampleGraph('geron');
  const weights = randomizedWeights(graph);
  const model = await compile(source, { weights, backend: 'wasm' });
  t.is(model.backend, 'wasm');
  const reference = new Model(graph, weights, 'wasm');
  const x = { shape: [2, 28, 28], data: Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 255) / 255) };
  const [got] = await model.predictHost(x);
  const [expected] = await reference.predictHost(x);
  t.deepEqual(got.shape, [2, 10]);
  t.is(hostMaxAbsDiff(got.data, expected.data), 0);
  model.dispose();
  reference.dispose();
});

test.serial('compile with optimize runs the folded graph and predicts what tfjs-layers predicts on the unfolded model', async (t) => {
  const source = readFileSync('examples/geron.nn', 'utf8');
  const graph = exampleGraph('geron');
  const weights = randomizedWeights(graph);
  const model = await compile(source, { weights, backend: 'wasm', optimize: true });
  // Flatten → three Dense, the BNs folded into them, softmax fused into nothing: 4 ops, as `nnc build` reports.
  t.is(opCount(model.graph), 4);
  t.false(model.graph.nodes.some((n) => n.kind === 'BatchNormalization'));
  const reference = buildTfjsLayersModel(graph, weights);
  const x = tf.tensor(Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 255) / 255), [2, 28, 28]);
  const ours = model.predict(x) as tf.Tensor;
  const theirs = reference.predict(x) as tf.Tensor;
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
  tf.dispose([x, ours, theirs]);
  reference.dispose();
  model.dispose();
});

test('compile refuses optimize together with trainable, before any work', async (t) => {
  const error = await t.throwsAsync(() => compile('model M { input x: [2]\n Dense(1) }', { optimize: true, trainable: true }));
  t.is(error!.message, "compile: 'optimize' makes an inference model; it cannot be combined with 'trainable'");
});
