// In inference, a ZeroPadding2D whose only consumer is a valid Conv2D or DepthwiseConv2D
// runs as that convolution's explicit padding (runtime/paddingIntoConvolution.ts): which
// paddings fold, the kernels an inference run calls, and the numbers against tfjs-layers
// (which pads, then convolves) in inference and training, on wasm and cpu.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { paddingIntoConvolution } from '../../runtime/paddingIntoConvolution.js';
import { Model } from '../../runtime/model.js';
import { graphOf, randomizedWeights } from '../helpers/models.js';
import { assertMatchesTfjsLayers } from '../helpers/tfjsLayers.js';
import { benchmarkGraph } from '../../bench/prepare.js';

// Asymmetric paddings (MobileNetV2's bottom-right one and a wider one), a strided
// depthwise and a dilated Conv2D after them, a linear and an unfused activation; and
// paddings that must stay: one with two consumers, one before a `same` convolution.
const PADDED = `
model Padded {
  input x: [9, 9, 4]
  a = ZeroPadding2D([[0, 1], [0, 1]]) -> DepthwiseConv2D(3, strides=2, padding=valid, activation=relu6)
  b = a -> ZeroPadding2D([[2, 1], [1, 3]]) -> Conv2D(6, 3, padding=valid, dilation_rate=2, activation=swish)
  p = b -> ZeroPadding2D([[1, 1], [1, 1]])
  c = p -> Conv2D(5, 3, padding=valid)
  d = p -> DepthwiseConv2D(3, padding=valid)
  e = b -> ZeroPadding2D([[1, 0], [1, 0]]) -> Conv2D(5, 2, padding=same)
  output c, d, e
}`;

test('a padding folds when a valid Conv2D or DepthwiseConv2D is its only consumer', (t) => {
  const graph = graphOf(PADDED);
  const folded = [...paddingIntoConvolution(graph)].map(([pad, conv]) => `${graph.nodes[pad].name} → ${graph.nodes[conv].name}`);
  t.deepEqual(folded, ['zero_padding2d → depthwise_conv2d', 'zero_padding2d_1 → conv2d']);
});

test("MobileNetV2's four paddings fold into its strided depthwise convolutions", (t) => {
  const graph = benchmarkGraph('MobileNetV2');
  const folded = [...paddingIntoConvolution(graph).values()].map((id) => {
    const node = graph.nodes[id];
    return node.kind === 'DepthwiseConv2D' ? `${node.kind} strides ${node.attrs.strides.join('x')}` : node.kind;
  });
  t.deepEqual(folded, Array(4).fill('DepthwiseConv2D strides 2x2'));
});

for (const backend of ['wasm', 'cpu'] as const) {
  test.serial(`${backend}: folded paddings equal tfjs-layers' pad then convolve, in inference and training`, async (t) => {
    await initNodeBackend(backend);
    const graph = graphOf(PADDED);
    const weights = randomizedWeights(graph);
    assertMatchesTfjsLayers(t, graph, weights, { backend, x: 2, labels: ['c', 'd', 'e'] });
    assertMatchesTfjsLayers(t, graph, weights, { backend, x: 2, training: true, labels: ['c', 'd', 'e'] });
  });
}

test.serial('an inference run pads only where the padding did not fold; training pads everywhere', async (t) => {
  await initNodeBackend('cpu');
  const graph = graphOf(PADDED);
  const model = new Model(graph, randomizedWeights(graph), 'cpu');
  const x = tf.ones([1, 9, 9, 4]);
  const pads = async (training: boolean) => {
    const info = await tf.profile(() => tf.dispose(model.predict(x, { training })));
    return info.kernels.filter((k) => k.name === 'PadV2').length;
  };
  t.is(await pads(false), 2);
  t.is(await pads(true), 4);
  x.dispose();
  model.dispose();
});
