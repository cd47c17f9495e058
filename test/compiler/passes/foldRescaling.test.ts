// fold-rescaling: a Rescaling (y = x·a + o) next to a Dense or convolution is folded
// into its weights, before or after it, wherever that is exact — and refused, with the
// reason, where it is not (an offset before a padding=same convolution, shared values).

import test, { type ExecutionContext } from 'ava';
import type { OptimizeResult } from '../../../compiler/passes/pipeline.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { equivalence, foldOf, kinds, notesAbout, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

async function check(t: ExecutionContext, source: string): Promise<OptimizeResult> {
  const graph = graphOf(source);
  const weights = randomizedWeights(graph, 6);
  const result = optimizeVerified({ graph, weights });
  // 1e-5 + 1e-5·|y|: float32 rounding of one or two folded Rescalings.
  const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! });
  t.true(comparison.within, `max abs ${comparison.maxAbsError}, max rel ${comparison.maxRelError}`);
  // The Rescalings matter: the same model without them is told apart.
  const without = graphOf(source.replace(/\n *Rescaling\([^)]*\)/g, '').replace(/ -> Rescaling\([^)]*\)/g, ''));
  t.is(without.nodes.filter((n) => n.kind === 'Rescaling').length, 0);
  t.false((await equivalence({ graph, weights }, { graph: without, weights })).within);
  return result;
}

const CASES: readonly (readonly [string, string, string, readonly string[]])[] = [
  ['before a Dense', 'input x: [6]\n Rescaling(0.5, offset=0.25)\n Dense(4)', 'dense', ['Input', 'Dense']],
  ['before a Dense without bias', 'input x: [6]\n Rescaling(2, offset=-1)\n Dense(4, use_bias=false)', 'dense', ['Input', 'Dense']],
  ['after a Dense', 'input x: [6]\n Dense(4)\n Rescaling(-1.5, offset=0.5)', 'dense', ['Input', 'Dense']],
  ['after a Dense without bias, then a relu', 'input x: [6]\n Dense(4, use_bias=false)\n Rescaling(3, offset=-0.5)\n ReLU', 'dense', ['Input', 'Dense']],
  ['before a valid Conv2D', 'input x: [5, 5, 2]\n Rescaling(0.5, offset=0.3)\n Conv2D(3, 3)', 'conv2d', ['Input', 'Conv2D']],
  ['before a valid DepthwiseConv2D', 'input x: [5, 5, 2]\n Rescaling(0.5, offset=0.3)\n DepthwiseConv2D(3, depth_multiplier=2)', 'depthwise_conv2d', ['Input', 'DepthwiseConv2D']],
  ['after a same-padded Conv2D', 'input x: [5, 5, 2]\n Conv2D(3, 3, padding=same)\n Rescaling(0.5, offset=0.3)', 'conv2d', ['Input', 'Conv2D']],
  ['after a DepthwiseConv2D', 'input x: [5, 5, 2]\n DepthwiseConv2D(3, depth_multiplier=2, padding=same)\n Rescaling(2, offset=-0.3)', 'depthwise_conv2d', ['Input', 'DepthwiseConv2D']],
  // 1/255 with no offset: zeros padded around x·a are the zeros padded around x, times a.
  ['without offset before a same-padded Conv2D', 'input x: [5, 5, 2]\n Rescaling(0.00392156862745098)\n Conv2D(3, 3, padding=same)', 'conv2d', ['Input', 'Conv2D']],
];

for (const [label, body, into, expectedKinds] of CASES) {
  test(`Rescaling ${label}: folded`, async (t) => {
    const result = await check(t, `model M { ${body} }`);
    t.deepEqual(kinds(result.graph), expectedKinds);
    t.deepEqual([foldOf(result, 'rescaling')?.pass, foldOf(result, 'rescaling')?.into], ['fold-rescaling', into]);
  });
}

test('Rescaling with an offset before a same-padded Conv2D: kept, with the reason', async (t) => {
  const result = await check(t, `model M { input x: [5, 5, 2]\n Rescaling(0.5, offset=0.3)\n Conv2D(3, 3, padding=same) }`);
  t.deepEqual(kinds(result.graph), ['Input', 'Rescaling', 'Conv2D']);
  t.true(notesAbout(result, 'rescaling').some((n) => n.action === 'kept' && /'conv2d' pads zeros \(padding=same\) that would not get the offset 0.3/.test(n.detail)));
});

test('Rescaling between two layers that cannot absorb it: kept, both reasons given', async (t) => {
  const result = await check(t, `model M { input x: [6]\n Dense(4, activation=relu)\n Rescaling(2, offset=1)\n Activation(tanh) }`);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'Rescaling', 'Activation']);
  const note = notesAbout(result, 'rescaling').find((n) => n.action === 'kept')!;
  t.regex(note.detail, /'dense' applies relu before the Rescaling/);
  t.regex(note.detail, /'activation' is an Activation, not a Dense or convolution/);
});

test('Rescaling whose producer is shared folds into the layer after instead', async (t) => {
  const result = await check(
    t,
    `model M { input x: [6]
    d = Dense(4)
    r = d -> Rescaling(2, offset=1) -> Dense(3)
    s = (d, d) -> Add -> Dense(3)
    (r, s) -> Add }`,
  );
  t.is(foldOf(result, 'rescaling')?.into, 'dense_1');
  t.is(kinds(result.graph).filter((k) => k === 'Rescaling').length, 0);
});

test('Rescaling → Dense → Rescaling: both fold (the second in the next round)', async (t) => {
  const result = await check(t, `model M { input x: [6]\n Rescaling(0.5, offset=0.25)\n Dense(4, use_bias=false)\n Rescaling(3, offset=-1) }`);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
  t.is(foldOf(result, 'rescaling')?.into, 'dense');
  t.is(foldOf(result, 'rescaling_1')?.into, 'dense');
  // The first round refused the second Rescaling: dense had just absorbed one.
  t.true(notesAbout(result, 'rescaling_1').some((n) => n.action === 'kept' && /already absorbed another Rescaling/.test(n.detail)));
});

test('Rescaling → Rescaling → Dense: both fold', async (t) => {
  const result = await check(t, `model M { input x: [6]\n Rescaling(0.5, offset=0.25)\n Rescaling(-2, offset=1)\n Dense(4) }`);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense']);
});

test('Rescaling(1) is removed as an identity', (t) => {
  const graph = graphOf(`model M { input x: [6]\n Dense(4, activation=relu)\n Rescaling(1)\n Activation(tanh) }`);
  const result = optimizeVerified({ graph, weights: null });
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'Activation']);
  t.true(notesAbout(result, 'rescaling').some((n) => n.pass === 'remove-identities' && n.action === 'removed'));
});

test('Rescaling(1, offset=0.5) is not an identity: folded, not removed', async (t) => {
  const result = await check(t, `model M { input x: [6]\n Dense(4, activation=relu)\n Rescaling(1, offset=0.5)\n Dense(3) }`);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'Dense']);
  t.false(notesAbout(result, 'rescaling').some((n) => n.action === 'removed'));
  t.is(foldOf(result, 'rescaling')?.into, 'dense_1');
});
