// fuse-activations: an activation layer right after a linear-activation Dense/Conv2D/
// DepthwiseConv2D becomes that layer's activation, for exactly the activations tfjs
// has fused kernels for (relu, relu6, elu with α = 1, sigmoid, leaky_relu), in every
// layer form that computes one; any other activation stays a layer of its own.

import test from 'ava';
import { fusableActivation } from '../../../compiler/passes/fuseActivations.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { Activation, Graph } from '../../../src/ir/types.js';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { equivalence, foldOf, kinds, nodeNamed, notesAbout, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

const LINEAR_LAYERS = {
  Dense: { input: '[6]', layer: 'Dense(8)', name: 'dense' },
  Conv2D: { input: '[5, 5, 2]', layer: 'Conv2D(3, 3, padding=same)', name: 'conv2d' },
  DepthwiseConv2D: { input: '[5, 5, 2]', layer: 'DepthwiseConv2D(3, depth_multiplier=2)', name: 'depthwise_conv2d' },
} as const;

/** Layer form → the activation the fused layer must carry (Keras's defaults: leaky_relu 0.2, LeakyReLU 0.3). */
const FUSABLE: readonly (readonly [string, string, Activation])[] = [
  ['Activation(relu)', 'activation', { name: 'relu' }],
  ['Activation(relu6)', 'activation', { name: 'relu6' }],
  ['Activation(elu)', 'activation', { name: 'elu' }],
  ['Activation(sigmoid)', 'activation', { name: 'sigmoid' }],
  ['Activation(leaky_relu)', 'activation', { name: 'leaky_relu', alpha: 0.2 }],
  ['ReLU()', 're_lu', { name: 'relu' }],
  ['ReLU(max_value=6)', 're_lu', { name: 'relu6' }],
  ['ReLU(negative_slope=0.1)', 're_lu', { name: 'leaky_relu', alpha: 0.1 }],
  ['LeakyReLU', 'leaky_re_lu', { name: 'leaky_relu', alpha: 0.3 }],
  ['LeakyReLU(negative_slope=0.05)', 'leaky_re_lu', { name: 'leaky_relu', alpha: 0.05 }],
  ['ELU(alpha=1)', 'elu', { name: 'elu' }],
];

const NOT_FUSABLE: readonly (readonly [string, string])[] = [
  ['Activation(tanh)', 'activation'],
  ['Activation(softmax)', 'activation'],
  ['Activation(swish)', 'activation'],
  ['ELU(alpha=0.5)', 'elu'],
  ['ReLU(threshold=1)', 're_lu'],
  ['ReLU(max_value=4)', 're_lu'],
  ['ReLU(max_value=6, negative_slope=0.1)', 're_lu'],
];

function modelOf(kind: keyof typeof LINEAR_LAYERS, activation: string | null): Graph {
  const { input, layer } = LINEAR_LAYERS[kind];
  return graphOf(`model M { input x: ${input}\n ${layer}${activation ? `\n ${activation}` : ''} }`);
}

for (const kind of Object.keys(LINEAR_LAYERS) as (keyof typeof LINEAR_LAYERS)[]) {
  const linear = LINEAR_LAYERS[kind].name;
  for (const [form, name, activation] of FUSABLE) {
    test(`${kind} → ${form}: fused into one ${activation.name} kernel`, async (t) => {
      const graph = modelOf(kind, form);
      const weights = randomizedWeights(graph, 4);
      const result = optimizeVerified({ graph, weights });
      t.deepEqual(kinds(result.graph), ['Input', kind]);
      t.deepEqual((nodeNamed(result.graph, linear).attrs as { activation: Activation }).activation, activation);
      t.deepEqual([foldOf(result, name)?.pass, foldOf(result, name)?.into], ['fuse-activations', linear]);
      // 1e-5 + 1e-5·|y|: the fused kernel applies the same activation to the same sums.
      const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! });
      t.true(comparison.within, `max abs ${comparison.maxAbsError}`);
      // The activation changes the outputs (some sums are negative), so dropping it would fail.
      const bare = modelOf(kind, null);
      t.false((await equivalence({ graph, weights }, { graph: bare, weights })).within);
    });
  }
}

for (const [form, name] of NOT_FUSABLE) {
  test(`Dense → ${form}: not fused, still equivalent`, async (t) => {
    const graph = modelOf('Dense', form);
    const weights = randomizedWeights(graph, 4);
    const result = optimizeVerified({ graph, weights });
    t.deepEqual(kinds(result.graph), kinds(graph));
    t.is(fusableActivation(nodeNamed(graph, name)), null);
    t.is((nodeNamed(result.graph, 'dense').attrs as { activation: Activation }).activation.name, 'linear');
    t.true((await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! })).within);
  });
}

test('not fused after a layer that already has an activation', (t) => {
  const graph = graphOf(`model M { input x: [6]\n Dense(8, activation=tanh)\n ReLU }`);
  const result = optimizeVerified({ graph, weights: null });
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'ReLU']);
});

test('not fused after a layer whose value has another consumer, with the reason', async (t) => {
  const graph = graphOf(`model M { input x: [6]\n d = Dense(8)\n r = d -> ReLU\n (d, r) -> Add }`);
  const weights = randomizedWeights(graph, 4);
  const result = optimizeVerified({ graph, weights });
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'ReLU', 'Add']);
  t.true(notesAbout(result, 're_lu').some((n) => n.action === 'kept' && /not fused into 'dense': 'dense' feeds 2 consumers/.test(n.detail)));
  t.true((await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! })).within);
});

test('not fused after a layer that is a model output, with the reason', (t) => {
  const graph = graphOf(`model M { input x: [6]\n d = Dense(8)\n r = d -> ReLU\n output d, r }`);
  const result = optimizeVerified({ graph, weights: null });
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'ReLU']);
  t.true(notesAbout(result, 're_lu').some((n) => /'dense' is a model output/.test(n.detail)));
});

test('an activation that is the model output fuses; the output becomes the layer', (t) => {
  const graph = graphOf(`model M { input x: [6]\n Dense(8)\n ReLU }`);
  const result = optimizeVerified({ graph, weights: null });
  t.deepEqual(result.graph.outputs.map((id) => result.graph.nodes[id].name), ['dense']);
});

test('Dense → BN → ReLU ends as one fused kernel', async (t) => {
  const graph = graphOf(`model M { input x: [6]\n Dense(8)\n BatchNormalization\n ReLU\n Dense(3) }`);
  const weights = randomizedWeights(graph, 4);
  const result = optimizeVerified({ graph, weights });
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'Dense']);
  t.is((nodeNamed(result.graph, 'dense').attrs as { activation: Activation }).activation.name, 'relu');
  t.true((await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! })).within);
});
