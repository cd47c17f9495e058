// What `load()` returns: a model from a bundle, with a predict that takes a Float32Array
// and its shape (returning the output values) or a tf tensor (returning a tensor).

import * as tf from '@tensorflow/tfjs-core';
import { NncError } from '../../src/diagnostics.js';
import type { Graph, Shape } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';
import type { BackendName } from '../backend.js';
import { Model } from '../model.js';
import { type BundleManifest, outputNames } from './manifest.js';
import { shapeSize } from '../../src/ir/shape.js';

export interface TensorInfo {
  readonly name: string;
  /** Batch dimension first, `null`. */
  readonly shape: Shape;
}

/** Host data for one input: its values and its shape (batch first). */
export interface HostInput {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export interface HostOutput {
  readonly data: Float32Array;
  readonly shape: number[];
}

/** "2 inputs (a, b)", "1 output (y)". */
function describe(what: string, tensors: readonly TensorInfo[]): string {
  return `${tensors.length} ${what}${tensors.length === 1 ? '' : 's'} (${tensors.map((t) => t.name).join(', ')})`;
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
    const names = outputNames(manifest, model.graph);
    this.outputs = model.graph.outputs.map((id, i) => ({ ...info(model.graph, id), name: names[i] }));
  }

  /**
   * For a model with one input and one output:
   * `predict(x: Float32Array, shape)` → the output's values (Float32Array), all tensors
   * freed; `shape` may be left out and is then [n, ...input shape].
   * `predict(x: tf.Tensor)` → the output tensor, which the caller disposes.
   * A model with several inputs or outputs is refused here: `predictAll` takes and gives them all.
   */
  predict(x: Float32Array, shape?: readonly number[]): Promise<Float32Array>;
  predict(x: tf.Tensor): Promise<tf.Tensor>;
  async predict(x: Float32Array | tf.Tensor, shape?: readonly number[]): Promise<Float32Array | tf.Tensor> {
    if (this.inputs.length !== 1 || this.outputs.length !== 1) {
      throw new NncError(`predict is for a model with one input and one output; this one has ${describe('input', this.inputs)} and ${describe('output', this.outputs)}: use predictAll`);
    }
    if (x instanceof tf.Tensor) return (await this.predictAll([x]))[0];
    if (!(x instanceof Float32Array)) throw new NncError('predict takes a Float32Array (with its shape) or a tf tensor');
    const featureShape = this.inputs[0].shape.slice(1) as number[];
    const features = shapeSize(featureShape);
    const fullShape = shape ? [...shape] : [x.length / features, ...featureShape];
    if (!Number.isInteger(fullShape[0]) || fullShape[0] < 1) {
      throw new NncError(`input of ${x.length} values is not a whole batch of [${featureShape.join(', ')}] (${features} values each)`);
    }
    const [output] = await this.predictAll([{ shape: fullShape, data: x }]);
    return output.data;
  }

  /**
   * Every input in, every output out, in the order of `inputs` and `outputs`.
   * Tensors in → tensors out (the caller disposes them); `{ data, shape }` in → `{ data, shape }` out, all tensors freed.
   */
  predictAll(xs: readonly tf.Tensor[]): Promise<tf.Tensor[]>;
  predictAll(xs: readonly HostInput[]): Promise<HostOutput[]>;
  async predictAll(xs: readonly (tf.Tensor | HostInput)[]): Promise<tf.Tensor[] | HostOutput[]> {
    if (!Array.isArray(xs) || xs.length !== this.inputs.length) {
      throw new NncError(`predictAll takes an array of ${describe('input', this.inputs)}`);
    }
    const tensors = xs.every((x) => x instanceof tf.Tensor);
    if (!tensors && !xs.every((x) => !(x instanceof tf.Tensor) && x?.data instanceof Float32Array && Array.isArray(x.shape))) {
      throw new NncError('predictAll takes tf tensors, or { data: Float32Array, shape } objects, not a mix');
    }
    if (tensors) {
      const result = this.#model.predict(xs as tf.Tensor[]);
      return Array.isArray(result) ? result : [result];
    }
    return (await this.#model.predictHost(xs as HostInput[])).map((t) => ({ shape: [...t.shape], data: t.data as Float32Array }));
  }

  /** Frees every tensor the model owns. */
  dispose(): void {
    this.#model.dispose();
  }
}

export function createLoadedModel(graph: Graph, weights: WeightMap, backend: BackendName, manifest: BundleManifest): LoadedModel {
  return new LoadedModel(new Model(graph, weights, backend), manifest);
}
