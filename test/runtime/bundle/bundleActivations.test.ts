// A bundle's model.js carries only the activations its graph names (runtime/bundle/write.ts
// withoutOtherActivations): their tfjs-core ops stay out of the others' bundles, and the
// ones it has still compute Keras's functions. model.js is imported in this Node process
// (its own worker: the bundle's tfjs registers its backends) and run on its CPU backend,
// the weights file served on 127.0.0.1; the outputs are checked against float64 hand
// computations.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { graphActivations, makeBundle, withoutOtherActivations, writeBundle } from '../../../runtime/bundle/write.js';
import { serve } from '../../../scripts/staticServer.js';
import { exampleGraph, graphOf } from '../../helpers/models.js';

const scratch = mkdtempSync(join(tmpdir(), 'nnc-activations-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

// Keras 3's definitions, in float64.
const softplus = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
const mish = (x: number) => x * Math.tanh(softplus(x));
const hardSwish = (x: number) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
const softsign = (x: number) => x / (1 + Math.abs(x));
const selu = (x: number) => 1.0507009873554804934193349852946 * (x > 0 ? x : 1.6732632423543772848170429916717 * Math.expm1(x));

const chain = graphOf(`model Chain {
  input x: [9]
  Activation(mish) -> Activation(hard_swish) -> Activation(softsign) -> Activation(selu)
}`);

test('model.js keeps the graph\'s activations only, and they compute Keras\'s functions', async (t) => {
  t.deepEqual([...graphActivations(chain)].sort(), ['hard_swish', 'mish', 'selu', 'softsign']);
  t.deepEqual([...graphActivations(exampleGraph('geron'))].sort(), ['relu', 'softmax']);
  const files = await makeBundle(chain, new Map());
  const inputs = new Set(Object.values(files.metafile.outputs).flatMap((o) => Object.keys(o.inputs)).map((path) => path.replace(/.*node_modules\//, '')));
  // softsign's abs and selu's op are in; gelu's erf, elu's where and greater are not.
  t.true(inputs.has('@tensorflow/tfjs-core/dist/ops/abs.js'));
  t.true(inputs.has('@tensorflow/tfjs-core/dist/ops/selu.js'));
  t.deepEqual(['erf', 'where', 'greater', 'elu', 'sigmoid'].filter((op) => inputs.has(`@tensorflow/tfjs-core/dist/ops/${op}.js`)), []);

  const dir = join(scratch, 'chain');
  writeBundle(dir, files);
  const server = await serve(dir);
  try {
    const { load } = await import(pathToFileURL(join(dir, 'model.js')).href);
    const model = await load({ backend: 'cpu', weightsUrl: `${server.url}/weights.safetensors` });
    const x = Float32Array.from([-6, -3, -1.5, -0.25, 0, 0.25, 1.5, 3, 6]);
    const y: Float32Array = await model.predict(x, [1, 9]);
    const expected = [...x].map((v) => selu(softsign(hardSwish(mish(v)))));
    t.is(y.length, 9);
    for (let i = 0; i < 9; i++) t.true(Math.abs(y[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])), `x=${x[i]}: ${y[i]} vs ${expected[i]}`);
  } finally {
    await server.close();
  }
});

test('the activation rewrite fails loudly when activate is no longer one return per case', (t) => {
  const source = "export function activate(x: tf.Tensor, a: Activation): tf.Tensor {\n  switch (a.name) {\n    case 'relu':\n      return tf.relu(x);\n    case 'tanh':\n      return tf.tanh(x);\n  }\n}\n";
  // Fewer than ten cases: not the activate it was written for.
  t.throws(() => withoutOtherActivations(source, 'activations.ts', new Set(['relu'])), { message: "activations.ts: activate's switch is not one 'case 'name': return ...;' per activation; the bundle's activation rewrite would miss it" });
  const many = source.replace("    case 'tanh':", ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((n) => `    case '${n}':\n      return tf.${n}(x);\n`).join('') + "    case 'tanh':");
  t.is(withoutOtherActivations(many, 'activations.ts', new Set(['tanh'])), "export function activate(x: tf.Tensor, a: Activation): tf.Tensor {\n  switch (a.name) {\n    case 'tanh':\n      return tf.tanh(x);\n    default:\n      throw new Error(`no ${a.name} activation in this bundle`);\n  }\n}\n");
  t.throws(() => withoutOtherActivations(many.replace('return tf.a(x);', 'y = tf.a(x);\n      return y;'), 'activations.ts', new Set(['tanh'])), { message: /is not one 'case 'name': return/ });
  t.throws(() => withoutOtherActivations('export function activate(x, a) { return x; }', 'activations.ts', new Set()), { message: "activations.ts: no 'export function activate(' with a 'switch (a.name) {'; the bundle's activation rewrite would miss it" });
});
