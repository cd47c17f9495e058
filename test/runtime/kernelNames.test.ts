// The kernels a bundle registers (runtime/kernelNames.ts) against the kernels a real
// inference run asks tfjs's registry for: every example, unoptimized and optimized, and
// one model per op variant, run on the cpu backend with `runKernel` recorded. A kernel
// the run asks for that the table does not list would be missing from a bundle
// ("Kernel 'X' not registered"); the browser tests then run every example's bundle.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { optimize } from '../../compiler/passes/pipeline.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { ALL_INFERENCE_KERNELS, BASE_KERNELS, inferenceKernelNames } from '../../runtime/kernelNames.js';
import { Model } from '../../runtime/model.js';
import type { Graph } from '../../src/ir/types.js';
import { EXAMPLES, exampleGraph, graphOf, randomInput, randomizedWeights } from '../helpers/models.js';

test.before(async () => {
  await initNodeBackend('cpu');
});

/** The registry names `runKernel` is called with while `graph` predicts a batch of 2. */
function recordedKernels(graph: Graph): Set<string> {
  const engine = tf.engine();
  const original = engine.runKernel;
  const seen = new Set<string>();
  const model = new Model(graph, randomizedWeights(graph), 'cpu');
  const x = randomInput(graph, 2);
  engine.runKernel = function (this: typeof engine, name: string, ...rest: unknown[]) {
    seen.add(name);
    return (original as (...args: unknown[]) => unknown).call(this, name, ...rest);
  } as typeof engine.runKernel;
  try {
    tf.dispose(model.predict(x));
  } finally {
    engine.runKernel = original;
    x.dispose();
    model.dispose();
  }
  return seen;
}

function checkCovered(t: import('ava').ExecutionContext, graph: Graph): void {
  const listed = new Set(inferenceKernelNames(graph));
  const recorded = recordedKernels(graph);
  t.true(recorded.size > 0);
  t.deepEqual([...recorded].filter((name) => !listed.has(name)), [], `${graph.name}: asked for but not listed`);
  t.deepEqual([...listed].filter((name) => !ALL_INFERENCE_KERNELS.includes(name)), [], `${graph.name}: listed but not in ALL_INFERENCE_KERNELS`);
  for (const name of listed) everyListed.add(name);
}

/** The kernels some graph of this file listed: together, they should be ALL_INFERENCE_KERNELS. */
const everyListed = new Set<string>();

for (const name of EXAMPLES) {
  test.serial(`${name}: every kernel an inference run asks for is listed, unoptimized and optimized`, (t) => {
    const graph = exampleGraph(name);
    checkCovered(t, graph);
    checkCovered(t, optimize({ graph, weights: randomizedWeights(graph) }).graph);
  });
}

test.serial("Géron's optimized graph needs exactly the matmul, the softmax and the base kernels", (t) => {
  const graph = exampleGraph('geron');
  const optimized = optimize({ graph, weights: randomizedWeights(graph) }).graph;
  t.deepEqual(inferenceKernelNames(optimized), ['Cast', 'Identity', 'Reshape', 'Softmax', '_FusedMatMul']);
  t.deepEqual([...BASE_KERNELS].sort(), ['Cast', 'Identity', 'Reshape']);
});

// One model per branch of kernels.ts that the examples do not take.
const VARIANTS: Record<string, string> = {
  activations: `model Activations {
  input x: [6]
  Dense(6, activation=selu) -> Dense(6, activation=tanh) -> Dense(6, activation=softplus) -> Dense(6, activation=swish)
  Dense(6, activation=gelu) -> Dense(6, activation=elu) -> Dense(6, activation=leaky_relu) -> Activation(sigmoid) -> Activation(linear)
}`,
  hardSigmoid: 'model H {\n  input x: [6]\n  Dense(6, activation=hard_sigmoid)\n}',
  hardSwish: 'model H {\n  input x: [6]\n  Activation(hard_swish)\n}',
  softsign: 'model S {\n  input x: [6]\n  Activation(softsign)\n}',
  exponential: 'model E {\n  input x: [6]\n  Activation(exponential)\n}',
  mish: 'model M {\n  input x: [6]\n  Activation(mish)\n}',
  merges: `model Merges {
  input x: [4, 4, 3]
  g = x -> GlobalAveragePooling2D(keepdims=true)
  h = x -> GlobalMaxPooling2D(keepdims=true)
  m = (x, g) -> Multiply
  s = (m, h) -> Subtract
  a = (s, x, m) -> Average
  b = (a, x) -> Maximum
  c = (b, s) -> Minimum -> PReLU(shared_axes=[1, 2]) -> Identity
  d = c -> Normalization -> GlobalMaxPooling2D
  e = c -> Normalization(axis=null, invert=true) -> GlobalAveragePooling2D
  output d, e
}`,
  relus: `model Relus {
  input x: [6]
  ReLU(max_value=6) -> ReLU(max_value=2) -> ReLU(negative_slope=0.1, threshold=0.5) -> ReLU(threshold=0.2, max_value=3)
  ELU(alpha=0.5) -> ELU -> LeakyReLU -> Softmax
}`,
  shapes: `model Shapes {
  input x: [4, 6]
  Reshape([6, 4]) -> Rescaling(0.5, offset=1) -> BatchNormalization(axis=1) -> Softmax(axis=1) -> Dropout(0.5) -> Flatten
}`,
  images: `model Images {
  input x: [8, 8, 3]
  a = ZeroPadding2D(1) -> Conv2D(4, 3, activation=tanh) -> MaxPooling2D -> AveragePooling2D
  b = x -> DepthwiseConv2D(3, padding=same, activation=softmax) -> Conv2D(4, 1) -> MaxPooling2D -> AveragePooling2D
  c = x -> Conv2D(4, 2, strides=2) -> MaxPooling2D
  d = (a, b, c) -> Add -> BatchNormalization -> GlobalAveragePooling2D
  output a, d
}`,
  sequences: `model Sequences {
  input x: [12, 4]
  a = Conv1D(4, 3, padding=causal, dilation_rate=2, activation=relu) -> Conv1D(6, 2, groups=2, activation=softmax) -> MaxPooling1D(padding=same)
  b = x -> Conv1D(6, 3, strides=2, padding=same) -> AveragePooling1D(3, strides=1, padding=same)
  (a, b) -> Add -> GlobalAveragePooling1D(keepdims=true) -> GlobalMaxPooling1D
  output a
}`,
  reorders: `model Reorders {
  input x: [6, 5, 2]
  Cropping2D([[1, 0], [0, 2]]) -> Permute([2, 1, 3]) -> LayerNormalization(axis=[1, 3]) -> Reshape([6, 5]) -> ZeroPadding1D([1, 2]) -> LayerNormalization
}`,
  convolutions: `model Convolutions {
  input x: [6, 6, 4]
  a = SeparableConv2D(4, 3, padding=same, activation=relu) -> Conv2DTranspose(4, 3, strides=2, activation=tanh) -> UpSampling2D(interpolation=bilinear)
  b = x -> Conv2D(4, 3, groups=2, activation=relu) -> Conv2DTranspose(4, 1, use_bias=false) -> UpSampling2D
  c = x -> Conv2D(4, 1, groups=4, use_bias=false) -> SeparableConv2D(4, 1, activation=gelu)
  output a, b, c
}`,
  joins: `model Joins {
  input x: [5]
  a = x -> Dense(3)
  b = x -> Dense(3)
  c = (a, b) -> Concatenate -> BatchNormalization(axis=1)
  d = (a, b) -> Add
  output c, d
}`,
};

for (const [name, source] of Object.entries(VARIANTS)) {
  test.serial(`${name}: every kernel an inference run asks for is listed, unoptimized and optimized`, (t) => {
    const graph = graphOf(source);
    checkCovered(t, graph);
    checkCovered(t, optimize({ graph, weights: randomizedWeights(graph) }).graph);
  });
}

test.serial('ALL_INFERENCE_KERNELS is what the graphs above list together, nothing more', (t) => {
  t.deepEqual([...everyListed].sort(), [...ALL_INFERENCE_KERNELS].sort());
});
