// Inference runs Dense as the bare _FusedMatMul kernel and carries a value that only
// Dense layers consume in the matmul form [1, rows, features] (runtime/kernels.ts).
// Which values take that form, the kernels an inference run calls, and the numbers
// against tfjs-layers wherever the form starts, passes through and ends.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { matmulFormValues } from '../../runtime/kernels.js';
import { Model } from '../../runtime/model.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { LAYERS_TOLERANCE, assertMatches, exampleGraph, graphOf, maxAbsDiff, randomInput, randomizedWeights } from '../helpers/models.js';
import { buildTfjsLayersModel } from '../helpers/tfjsLayers.js';

// Every way into and out of the form: a Reshape and a Flatten into it, a Dense with two
// Dense consumers, Dense outputs that feed an Add or are a model output, rank-3 values,
// fused (relu, elu, sigmoid) and unfused (tanh, swish, softmax, selu) activations.
const BRANCHES = `
model Branches {
  input x: [24]
  r = Reshape([4, 6])
  h = r -> Dense(8, activation=tanh)
  a = h -> Dense(8, activation=swish)
  b = h -> Dense(8, activation=relu)
  s = (a, b) -> Add -> Dense(6, activation=sigmoid)
  f = s -> Flatten -> Dense(7, activation=elu) -> Dense(5, activation=softmax)
  output f, a
}`;

const SEQUENCE = `
model Sequence {
  input x: [5, 8]
  Dense(16, activation=selu)
  Dense(12, activation=relu)
  Dense(4, activation=softmax)
}`;

function names(source: string): string[] {
  const graph = graphOf(source);
  return [...matmulFormValues(graph)].map((id) => graph.nodes[id].name).sort();
}

test('the matmul form holds exactly the Dense, Flatten and Reshape values that only Dense layers consume', (t) => {
  // h feeds two Dense layers; a feeds an Add and is an output; b and the Add's Dense feed non-Dense ops; the last Dense is an output.
  t.deepEqual(names(BRANCHES), ['dense', 'dense_4', 'flatten', 'reshape']);
  t.deepEqual(names(SEQUENCE), ['dense', 'dense_1']);
  // Géron's unoptimized graph: BatchNormalization between the Dense layers keeps them out of the form.
  t.deepEqual(names('model M {\n  input x: [28, 28]\n  Flatten\n  Dense(30)\n  BatchNormalization\n  Dense(10)\n}'), ['flatten']);
});

for (const backend of ['wasm', 'cpu'] as const) {
  for (const [name, source] of [['Branches', BRANCHES], ['Sequence', SEQUENCE]] as const) {
    for (const batch of [1, 3]) {
      test.serial(`${name} at batch ${batch} on ${backend}: inference equals tfjs-layers, no tensor left behind`, async (t) => {
        await initNodeBackend(backend);
        const graph = graphOf(source);
        const weights = randomizedWeights(graph);
        const model = new Model(graph, weights, backend);
        const reference = buildTfjsLayersModel(graph, weights);
        const x = randomInput(graph, batch);
        const before = tf.memory().numTensors;
        const result = model.predict(x);
        const ours = Array.isArray(result) ? result : [result];
        t.is(tf.memory().numTensors, before + ours.length);
        const theirsResult = reference.predict(x);
        const theirs = Array.isArray(theirsResult) ? theirsResult : [theirsResult];
        t.is(ours.length, theirs.length);
        ours.forEach((o, i) => assertMatches(t, o, theirs[i], LAYERS_TOLERANCE, `output ${i}`));
        tf.dispose([...ours, ...theirs, x]);
        model.dispose();
        reference.dispose();
      });
    }
  }
}

test.serial("Géron's optimized model runs as one reshape in, three _FusedMatMul kernels, softmax and one reshape out", async (t) => {
  await initNodeBackend('wasm');
  const graph = exampleGraph('geron');
  const { graph: optimized, weights } = optimize({ graph, weights: randomizedWeights(graph) });
  const model = new Model(optimized, weights!, 'wasm');
  const x = randomInput(graph, 2);
  const kernels = async (training: boolean) => {
    const profile = await tf.profile(() => model.predict(x, { training }) as tf.Tensor);
    return profile.kernels.map((k) => k.name);
  };
  t.deepEqual(await kernels(false), ['Reshape', '_FusedMatMul', '_FusedMatMul', '_FusedMatMul', 'Softmax', 'Reshape']);
  // Training keeps tf.fused.matMul (its gradient): reshapes around every matmul.
  t.true((await kernels(true)).filter((name) => name === 'Reshape').length > 2);
  x.dispose();
  model.dispose();
});

test.serial('setWeights reaches the kernels inference reads: predictions equal a model built with the new weights', async (t) => {
  await initNodeBackend('wasm');
  const graph = graphOf(SEQUENCE);
  const model = new Model(graph, randomizedWeights(graph, 1), 'wasm');
  const fresh = new Model(graph, randomizedWeights(graph, 2), 'wasm');
  const x = randomInput(graph, 2);
  const before = tf.memory().numTensors;
  model.setWeights(randomizedWeights(graph, 2));
  t.is(tf.memory().numTensors, before, 'the replaced weights and their kernel views are freed');
  const ours = model.predict(x) as tf.Tensor;
  const theirs = fresh.predict(x) as tf.Tensor;
  t.is(maxAbsDiff(ours, theirs), 0);
  tf.dispose([ours, theirs, x]);
  model.dispose();
  fresh.dispose();
});

test.serial('a trainable model (weights kept as variables) predicts the same in inference as a fixed one, and frees what it makes', async (t) => {
  await initNodeBackend('wasm');
  const graph = graphOf(SEQUENCE);
  const weights = randomizedWeights(graph);
  const fixed = new Model(graph, weights, 'wasm');
  const trainable = new Model(graph, weights, 'wasm', { trainable: true });
  const x = randomInput(graph, 3);
  const before = tf.memory().numTensors;
  const ours = trainable.predict(x) as tf.Tensor;
  t.is(tf.memory().numTensors, before + 1);
  const theirs = fixed.predict(x) as tf.Tensor;
  t.is(maxAbsDiff(ours, theirs), 0);
  tf.dispose([ours, theirs, x]);
  fixed.dispose();
  trainable.dispose();
});
