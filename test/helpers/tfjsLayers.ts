// An independent implementation to check nnc against: the same graph built layer by
// layer in @tensorflow/tfjs-layers (a devDependency), with the same weights.
// Only what tfjs-layers can express is supported; anything else throws, so a test can
// never silently compare nnc with itself.

import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { nodeWeights } from '../../src/ir/ops.js';
import type { Activation, Graph, Node } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';

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
    case 'MaxPooling2D':
      return tfl.layers.maxPooling2d({ name, poolSize: pair(node.attrs.pool_size), strides: pair(node.attrs.strides), padding: node.attrs.padding });
    case 'AveragePooling2D':
      return tfl.layers.averagePooling2d({ name, poolSize: pair(node.attrs.pool_size), strides: pair(node.attrs.strides), padding: node.attrs.padding });
    case 'GlobalAveragePooling2D':
      return tfl.layers.globalAveragePooling2d({ name });
    case 'Add':
      return tfl.layers.add({ name });
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
