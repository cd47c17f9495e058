// What `load()` returns: a model from a bundle, with a predict that takes a Float32Array
// and its shape (returning the output values) or a tf tensor (returning a tensor).

import * as tf from '@tensorflow/tfjs-core';
import { NncError } from '../../src/diagnostics.js';
import type { Graph, Shape, WeightMap } from '../../src/ir/types.js';
import type { BackendName } from '../backend.js';
import { Model } from '../model.js';
import type { BundleManifest } from './manifest.js';

export interface TensorInfo {
  readonly name: string;
  /** Batch dimension first, `null`. */
  readonly shape: Shape;
}

export class LoadedModel {
  /** The tfjs-core namespace the model runs on (create input tensors with it). */
  readonly tf = tf;
  readonly backend: BackendName;
  readonly manifest: BundleManifest;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly #model: Model;

  constructor(model: Model, manifest: BundleManifest) {
    this.#model = model;
    this.backend = model.backend;
    this.manifest = manifest;
    const info = (graph: Graph, id: number) => ({ name: graph.nodes[id].name, shape: graph.nodes[id].shape });
    this.inputs = model.graph.inputs.map((id) => info(model.graph, id));
    this.outputs = model.graph.outputs.map((id) => info(model.graph, id));
  }

  /**
   * `predict(x: Float32Array, shape)` → the first output's values (Float32Array), all
   * tensors freed; `shape` may be left out and is then [n, ...input shape].
   * `predict(x: tf.Tensor)` → the output tensor, which the caller disposes.
   */
  predict(x: Float32Array, shape?: readonly number[]): Promise<Float32Array>;
  predict(x: tf.Tensor): Promise<tf.Tensor>;
  async predict(x: Float32Array | tf.Tensor, shape?: readonly number[]): Promise<Float32Array | tf.Tensor> {
    if (x instanceof tf.Tensor) {
      const result = this.#model.predict(x);
      return Array.isArray(result) ? result[0] : result;
    }
    if (!(x instanceof Float32Array)) throw new NncError('predict takes a Float32Array (with its shape) or a tf tensor');
    const featureShape = this.inputs[0].shape.slice(1) as number[];
    const features = featureShape.reduce((a, b) => a * b, 1);
    const fullShape = shape ? [...shape] : [x.length / features, ...featureShape];
    if (!Number.isInteger(fullShape[0]) || fullShape[0] < 1) {
      throw new NncError(`input of ${x.length} values is not a whole batch of [${featureShape.join(', ')}] (${features} values each)`);
    }
    const [output] = await this.#model.predictHost({ shape: fullShape, data: x });
    return output.data as Float32Array;
  }

  /** Frees every tensor the model owns. */
  dispose(): void {
    this.#model.dispose();
  }
}

export function createLoadedModel(graph: Graph, weights: WeightMap, backend: BackendName, manifest: BundleManifest): LoadedModel {
  return new LoadedModel(new Model(graph, weights, backend), manifest);
}
