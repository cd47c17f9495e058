// Parameter accounting exactly as Keras: per layer, trainable and non-trainable.
// Every expected figure is worked out by hand in the comment beside it.

import test from 'ava';
import { nodeWeights } from '../../src/ir/ops.js';
import { errorsOf, graphOf, modelWith, paramsOf, summaryOf } from '../helpers/check.js';

/** [total, trainable, non-trainable] of the one layer after the input. */
function layerParams(dims: readonly number[], layer: string): [number, number, number] {
  const row = summaryOf(modelWith(dims, layer)).layers.at(-1)!;
  return [row.params, row.trainableParams, row.nonTrainableParams];
}

test('Dense: in * units + units; without bias, in * units', (t) => {
  t.deepEqual(layerParams([784], 'Dense(300)'), [235_500, 235_500, 0]); // 784 * 300 + 300
  t.deepEqual(layerParams([784], 'Dense(300, use_bias=false)'), [235_200, 235_200, 0]); // 784 * 300
  t.deepEqual(layerParams([10, 20], 'Dense(5)'), [105, 105, 0]); // last axis only: 20 * 5 + 5
});

test('Conv2D: kh * kw * in * filters + filters', (t) => {
  t.deepEqual(layerParams([32, 32, 3], 'Conv2D(32, 3)'), [896, 896, 0]); // 3*3*3*32 + 32
  t.deepEqual(layerParams([32, 32, 3], 'Conv2D(32, [3, 5], use_bias=false)'), [1440, 1440, 0]); // 3*5*3*32
  t.deepEqual(layerParams([32, 32, 16], 'Conv2D(8, 1, strides=2, padding=same)'), [136, 136, 0]); // 16*8 + 8: strides change no weight
});

test('DepthwiseConv2D: kh * kw * in * depth_multiplier + in * depth_multiplier', (t) => {
  t.deepEqual(layerParams([32, 32, 16], 'DepthwiseConv2D(3)'), [160, 160, 0]); // 9*16 + 16
  t.deepEqual(layerParams([32, 32, 16], 'DepthwiseConv2D(3, depth_multiplier=2)'), [320, 320, 0]); // 9*16*2 + 32
  t.deepEqual(layerParams([32, 32, 16], 'DepthwiseConv2D(3, use_bias=false)'), [144, 144, 0]); // 9*16
});

test('BatchNormalization: gamma and beta trainable, moving mean and variance not', (t) => {
  t.deepEqual(layerParams([300], 'BatchNormalization'), [1200, 600, 600]); // 4 * 300
  t.deepEqual(layerParams([8, 8, 32], 'BatchNormalization'), [128, 64, 64]); // channels last: 4 * 32
});

test('BatchNormalization center=false drops beta, scale=false drops gamma', (t) => {
  t.deepEqual(layerParams([10], 'BatchNormalization(center=false)'), [30, 10, 20]); // gamma + 2 moving
  t.deepEqual(layerParams([10], 'BatchNormalization(scale=false)'), [30, 10, 20]); // beta + 2 moving
  t.deepEqual(layerParams([10], 'BatchNormalization(center=false, scale=false)'), [20, 0, 20]);
});

test('BatchNormalization axis=[1, 2] on [28, 28] normalizes 784 features: 4 variables x 784', (t) => {
  t.deepEqual(layerParams([28, 28], 'BatchNormalization(axis=[1, 2])'), [3136, 1568, 1568]);
  t.deepEqual(layerParams([28, 28], 'BatchNormalization(axis=1)'), [112, 56, 56]); // 4 * 28
  t.deepEqual(layerParams([28, 10, 3], 'BatchNormalization(axis=[-3, -1])'), [336, 168, 168]); // 4 * 28 * 3
  const graph = graphOf(modelWith([28, 28], 'BatchNormalization(axis=[1, 2])'));
  t.deepEqual(
    nodeWeights(graph, graph.nodes[1]).map((w) => `${w.name} [${w.shape.join(', ')}]${w.trainable ? '' : ' non-trainable'}`),
    ['gamma [28, 28]', 'beta [28, 28]', 'moving_mean [28, 28] non-trainable', 'moving_variance [28, 28] non-trainable'],
  );
});

test('trainable=false makes every weight of a layer non-trainable', (t) => {
  t.deepEqual(layerParams([784], 'Dense(300, trainable=false)'), [235_500, 0, 235_500]);
  t.deepEqual(layerParams([300], 'BatchNormalization(trainable=false)'), [1200, 0, 1200]);
  t.deepEqual(layerParams([8, 8, 3], 'Conv2D(4, 3, trainable=false)'), [112, 0, 112]); // 9*3*4 + 4
});

test('layers without weights count zero', (t) => {
  for (const layer of ['Flatten', 'ReLU', 'ELU', 'LeakyReLU', 'Softmax', 'Activation(relu)', 'Dropout(0.5)', 'Rescaling(0.5)', 'Reshape([-1])', 'ZeroPadding2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D']) {
    t.deepEqual(layerParams([8, 8, 3], layer), [0, 0, 0], layer);
  }
});

test('weight layouts follow Keras', (t) => {
  const shapes = (dims: number[], layer: string) => {
    const graph = graphOf(modelWith(dims, layer));
    return nodeWeights(graph, graph.nodes[1]).map((w) => `${w.name} [${w.shape.join(', ')}]`);
  };
  t.deepEqual(shapes([784], 'Dense(300)'), ['kernel [784, 300]', 'bias [300]']);
  t.deepEqual(shapes([8, 8, 3], 'Conv2D(16, [3, 5])'), ['kernel [3, 5, 3, 16]', 'bias [16]']);
  t.deepEqual(shapes([8, 8, 3], 'DepthwiseConv2D(3, depth_multiplier=2)'), ['depthwise_kernel [3, 3, 3, 2]', 'bias [6]']);
});

test("Géron's MLP (BN after activation): 271,346 / 268,978 / 2,368", (t) => {
  // BN(784) 3,136 + Dense 784*300+300 = 235,500 + BN(300) 1,200 + Dense 300*100+100 = 30,100
  // + BN(100) 400 + Dense 100*10+10 = 1,010 → 271,346; non-trainable 2 * (784 + 300 + 100) = 2,368.
  const text = 'model FashionMLP {\n  input pixels: [28, 28]\n  Flatten\n  BatchNormalization\n  Dense(300, activation=elu, kernel_initializer=he_normal)\n  BatchNormalization\n  Dense(100, activation=elu, kernel_initializer=he_normal)\n  BatchNormalization\n  Dense(10, activation=softmax)\n}\n';
  t.deepEqual(paramsOf(text), [271_346, 268_978, 2_368]);
});

test('the 2^53 limit: a weight too large to count is an error, never a wrong number', (t) => {
  // 1e8 * 1e8 = 1e16 > 2^53 - 1 = 9,007,199,254,740,991.
  t.deepEqual(errorsOf(modelWith([100_000_000], 'Dense(100000000)')), [
    { message: "Dense weight 'kernel' of shape [100000000, 100000000] has 10,000,000,000,000,000 parameters, more than 2^53 - 1: counts this large cannot be represented exactly", line: 3, column: 3 },
  ]);
});

test('counts just under 2^53 are exact', (t) => {
  // Dense(1, use_bias=false) on [2^53 - 1]: a kernel of 9,007,199,254,740,991 x 1.
  const graph = graphOf(modelWith([Number.MAX_SAFE_INTEGER], 'Dense(1, use_bias=false)'));
  t.is(summaryOf(modelWith([Number.MAX_SAFE_INTEGER], 'Dense(1, use_bias=false)')).totalParams, Number.MAX_SAFE_INTEGER);
  t.is(graph.nodes.length, 2);
});

test('Flatten of more than 2^53 features is an error', (t) => {
  t.deepEqual(errorsOf(modelWith([100_000_000, 100_000_000], 'Flatten')), [{ message: "Flatten of 'x' [None, 100000000, 100000000] would have more than 2^53 features", line: 3, column: 3 }]);
});

test('output dimensions beyond 2^53 are an error, never a rounded shape', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'ZeroPadding2D(9007199254740991)')), [
    { message: "ZeroPadding2D of 'x' [None, 4, 4, 3] would have an output dimension beyond 2^53 - 1, which cannot be represented exactly", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 4, 100_000_000], 'DepthwiseConv2D(1, depth_multiplier=1000000000, use_bias=false)')), [
    { message: "DepthwiseConv2D of 'x' [None, 4, 4, 100000000] would have an output dimension beyond 2^53 - 1, which cannot be represented exactly", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 4, 3], 'Conv2D(1, 3, dilation_rate=9007199254740991)')), [
    { message: "Conv2D window [3, 3] with dilation_rate [9007199254740991, 9007199254740991] spans more than 2^53 - 1 pixels: it does not fit in the 4x4 input 'x' [None, 4, 4, 3]", line: 3, column: 3 },
  ]);
});
