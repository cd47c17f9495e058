// An independent implementation to check nnc against: the same graph built layer by
// layer in @tensorflow/tfjs-layers (a devDependency), with the same weights.
// Only what tfjs-layers can express is supported; anything else throws, so a test can
// never silently compare nnc with itself.

import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { nodeWeights } from '../../src/ir/ops.js';
import type { Activation, Graph, Node } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';
import type { ExecutionContext } from 'ava';
import type { BackendName } from '../../runtime/backend.js';
import { Model } from '../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches, randomInput } from './compare.js';

type SymbolicTensor = ReturnType<typeof tfl.input>;

function activationName(a: Activation): string {
  switch (a.name) {
    case 'linear':
    case 'relu':
    case 'relu6':
    case 'elu':
    case 'selu':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
    case 'softplus':
    case 'swish':
    case 'gelu': // tfjs-layers' gelu is the exact x · Φ(x), as Keras 3's default
    case 'softsign':
    case 'mish':
      if (a.name === 'elu' && a.alpha !== undefined && a.alpha !== 1) break;
      return a.name;
  }
  throw new Error(`tfjs-layers has no activation '${a.name}'`);
}

function pair(p: readonly [number, number]): [number, number] {
  return [p[0], p[1]];
}

// Every weight is replaced by setWeights after the build, so kernels start as zeros:
// drawing tfjs-layers' own random initial values costs seconds for a model with tens
// of millions of weights (the model zoo) and would be thrown away.
const UNUSED_INITIAL = 'zeros';

/** The tfjs-layers layer for a node (not yet applied). */
function layerFor(node: Node): tfl.layers.Layer {
  const name = node.name;
  const trainable = node.trainable;
  switch (node.kind) {
    case 'Dense': {
      const a = node.attrs;
      return tfl.layers.dense({ name, trainable, units: a.units, activation: activationName(a.activation) as never, useBias: a.use_bias, kernelInitializer: UNUSED_INITIAL });
    }
    case 'Conv2D': {
      const a = node.attrs;
      if (a.groups !== 1) throw new Error('tfjs-layers Conv2D has no groups');
      return tfl.layers.conv2d({ name, trainable, filters: a.filters, kernelSize: pair(a.kernel_size), strides: pair(a.strides), padding: a.padding, dilationRate: pair(a.dilation_rate), activation: activationName(a.activation) as never, useBias: a.use_bias, kernelInitializer: UNUSED_INITIAL });
    }
    case 'DepthwiseConv2D': {
      const a = node.attrs;
      return tfl.layers.depthwiseConv2d({ name, trainable, kernelSize: pair(a.kernel_size), strides: pair(a.strides), padding: a.padding, depthMultiplier: a.depth_multiplier, dilationRate: pair(a.dilation_rate), activation: activationName(a.activation) as never, useBias: a.use_bias, depthwiseInitializer: UNUSED_INITIAL });
    }
    case 'SeparableConv2D': {
      const a = node.attrs;
      return tfl.layers.separableConv2d({ name, trainable, filters: a.filters, kernelSize: pair(a.kernel_size), strides: pair(a.strides), padding: a.padding, dilationRate: pair(a.dilation_rate), depthMultiplier: a.depth_multiplier, activation: activationName(a.activation) as never, useBias: a.use_bias, depthwiseInitializer: UNUSED_INITIAL, pointwiseInitializer: UNUSED_INITIAL });
    }
    case 'Conv2DTranspose': {
      const a = node.attrs;
      return tfl.layers.conv2dTranspose({ name, trainable, filters: a.filters, kernelSize: pair(a.kernel_size), strides: pair(a.strides), padding: a.padding, activation: activationName(a.activation) as never, useBias: a.use_bias, kernelInitializer: UNUSED_INITIAL });
    }
    case 'UpSampling2D':
      // tfjs-layers' bilinear resize aligns corners without half-pixel centers; Keras 3's
      // (tf.image.resize) uses half-pixel centers: not the same layer.
      if (node.attrs.interpolation !== 'nearest') throw new Error("tfjs-layers' bilinear UpSampling2D is not Keras 3's (no half-pixel centers)");
      return tfl.layers.upSampling2d({ name, size: pair(node.attrs.size), interpolation: 'nearest' });
    case 'BatchNormalization': {
      const a = node.attrs;
      if (a.axis.length !== 1) throw new Error('tfjs-layers BatchNormalization takes a single axis');
      return tfl.layers.batchNormalization({ name, trainable, axis: a.axis[0], momentum: a.momentum, epsilon: a.epsilon, center: a.center, scale: a.scale });
    }
    case 'Activation':
      return tfl.layers.activation({ name, activation: activationName(node.attrs.activation) as never });
    case 'ReLU':
      if (node.attrs.negative_slope !== 0 || node.attrs.threshold !== 0) throw new Error('tfjs-layers ReLU has no negative_slope or threshold');
      return tfl.layers.reLU({ name, maxValue: node.attrs.max_value ?? undefined });
    case 'ELU':
      return tfl.layers.elu({ name, alpha: node.attrs.alpha });
    case 'LeakyReLU':
      return tfl.layers.leakyReLU({ name, alpha: node.attrs.negative_slope });
    case 'Softmax':
      return tfl.layers.softmax({ name, axis: node.attrs.axis });
    case 'Dropout':
      return tfl.layers.dropout({ name, rate: node.attrs.rate });
    case 'Flatten':
      return tfl.layers.flatten({ name });
    case 'Reshape':
      return tfl.layers.reshape({ name, targetShape: [...node.attrs.target_shape] });
    case 'Rescaling':
      return tfl.layers.rescaling({ name, scale: node.attrs.scale, offset: node.attrs.offset });
    case 'ZeroPadding2D': {
      const [[t, b], [l, r]] = node.attrs.padding;
      return tfl.layers.zeroPadding2d({ name, padding: [[t, b], [l, r]] });
    }
    case 'LayerNormalization': {
      const a = node.attrs;
      return tfl.layers.layerNormalization({ name, trainable, axis: [...a.axis], epsilon: a.epsilon, center: a.center, scale: a.scale });
    }
    case 'Permute':
      return tfl.layers.permute({ name, dims: [...node.attrs.dims] });
    case 'Cropping2D': {
      const [[t, b], [l, r]] = node.attrs.cropping;
      return tfl.layers.cropping2D({ name, cropping: [[t, b], [l, r]] });
    }
    case 'MaxPooling2D':
      return tfl.layers.maxPooling2d({ name, poolSize: pair(node.attrs.pool_size), strides: pair(node.attrs.strides), padding: node.attrs.padding });
    case 'AveragePooling2D':
      return tfl.layers.averagePooling2d({ name, poolSize: pair(node.attrs.pool_size), strides: pair(node.attrs.strides), padding: node.attrs.padding });
    case 'GlobalAveragePooling2D':
      if (node.attrs.keepdims) throw new Error('tfjs-layers GlobalAveragePooling2D has no keepdims');
      return tfl.layers.globalAveragePooling2d({ name });
    case 'Conv1D': {
      const a = node.attrs;
      // tfjs-layers has no causal padding (it throws NotImplementedError): a test checks causal by hand.
      if (a.padding === 'causal') throw new Error('tfjs-layers Conv1D has no causal padding');
      if (a.groups !== 1) throw new Error('tfjs-layers Conv1D has no groups');
      return tfl.layers.conv1d({ name, trainable, filters: a.filters, kernelSize: a.kernel_size, strides: a.strides, padding: a.padding, dilationRate: a.dilation_rate, activation: activationName(a.activation) as never, useBias: a.use_bias, kernelInitializer: UNUSED_INITIAL });
    }
    case 'MaxPooling1D':
      return tfl.layers.maxPooling1d({ name, poolSize: node.attrs.pool_size, strides: node.attrs.strides, padding: node.attrs.padding });
    case 'AveragePooling1D':
      return tfl.layers.averagePooling1d({ name, poolSize: node.attrs.pool_size, strides: node.attrs.strides, padding: node.attrs.padding });
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D':
      if (node.attrs.keepdims) throw new Error(`tfjs-layers ${node.kind} has no keepdims`);
      return node.kind === 'GlobalAveragePooling1D' ? tfl.layers.globalAveragePooling1d({ name }) : tfl.layers.globalMaxPooling1d({ name });
    case 'GlobalMaxPooling2D':
      if (node.attrs.keepdims) throw new Error('tfjs-layers GlobalMaxPooling2D has no keepdims');
      return tfl.layers.globalMaxPooling2d({ name });
    case 'Add':
      return tfl.layers.add({ name });
    case 'Multiply':
      return tfl.layers.multiply({ name });
    case 'Average':
      return tfl.layers.average({ name });
    case 'Maximum':
      return tfl.layers.maximum({ name });
    case 'Minimum':
      return tfl.layers.minimum({ name });
    case 'PReLU':
      return tfl.layers.prelu({ name, sharedAxes: node.attrs.shared_axes.length > 0 ? [...node.attrs.shared_axes] : undefined });
    case 'Concatenate':
      return tfl.layers.concatenate({ name, axis: node.attrs.axis });
    case 'Input':
    case 'Affine':
      break;
  }
  throw new Error(`no tfjs-layers equivalent for ${node.kind}`);
}

/** Builds `graph` as a tfjs-layers functional model and loads `weights` into it. */
export function buildTfjsLayersModel(graph: Graph, weights: WeightMap): tfl.LayersModel {
  const values = new Map<number, SymbolicTensor>();
  const layers = new Map<number, tfl.layers.Layer>();
  for (const node of graph.nodes) {
    if (node.kind === 'Input') {
      values.set(node.id, tfl.input({ shape: node.shape.slice(1) as number[], name: node.name }));
      continue;
    }
    const layer = layerFor(node);
    layers.set(node.id, layer);
    const inputs = node.inputs.map((id) => values.get(id)!);
    values.set(node.id, layer.apply(inputs.length === 1 ? inputs[0] : inputs) as SymbolicTensor);
  }
  const model = tfl.model({ inputs: graph.inputs.map((id) => values.get(id)!), outputs: graph.outputs.map((id) => values.get(id)!) });
  for (const node of graph.nodes) {
    const layer = layers.get(node.id);
    if (!layer) continue;
    // tfjs-layers orders weights as Keras does: kernel, bias; gamma, beta, moving_mean, moving_variance.
    const names = layer.weights.map((w) => w.name.split('/').pop()!.replace(/_\d+$/, ''));
    const expected = nodeWeights(graph, node).map((w) => w.name);
    if (names.join() !== expected.join()) throw new Error(`weight order of '${node.name}': tfjs-layers ${names.join()} vs nnc ${expected.join()}`);
    layer.setWeights(expected.map((w) => {
      const host = weights.get(`${node.name}/${w}`)!;
      return tf.tensor(new Float32Array(host.data), [...host.shape]);
    }));
  }
  return model;
}

/**
 * Runs `graph` with `weights` on nnc (`Model` on `backend`) and on tfjs-layers built from
 * the same graph and weights, on `x` (a tensor, disposed by the caller, or a batch size
 * for `randomInput`), in inference or, with `training`, in training mode; asserts every
 * output within LAYERS_TOLERANCE. Disposes what it made.
 */
export function assertMatchesTfjsLayers(
  t: ExecutionContext,
  graph: Graph,
  weights: WeightMap,
  { backend, x, training = false, labels = [] }: { backend: BackendName; x: tf.Tensor | number; training?: boolean; labels?: readonly string[] },
): void {
  const model = new Model(graph, weights, backend);
  const reference = buildTfjsLayersModel(graph, weights);
  const input = typeof x === 'number' ? randomInput(graph, x) : x;
  try {
    const ours = [model.predict(input, { training })].flat() as tf.Tensor[];
    const theirs = [training ? reference.apply(input, { training: true }) : reference.predict(input)].flat() as tf.Tensor[];
    t.is(ours.length, theirs.length, 'outputs');
    ours.forEach((o, i) => assertMatches(t, o, theirs[i], LAYERS_TOLERANCE, labels[i] ?? (ours.length > 1 ? `output ${i}` : 'output')));
    tf.dispose([...ours, ...theirs]);
  } finally {
    if (typeof x === 'number') input.dispose();
    model.dispose();
    reference.dispose();
  }
}
