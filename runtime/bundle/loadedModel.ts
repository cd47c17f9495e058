// What `load()` returns: a model from a bundle, with a predict that takes a Float32Array
// and its shape (returning the output values) or a tf tensor (returning a tensor).

import { Tensor, dispose, engine, env, getBackend, memory, tensor, tidy } from '@tensorflow/tfjs-core';
import type * as tf from '@tensorflow/tfjs-core';
import { NncError } from '../../src/diagnostics.js';
import type { Graph, Shape } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';
import type { BackendName } from '../backend.js';
import { Executor } from '../executor.js';
import { checkFiniteInput } from '../model.js';
import { type BundleManifest, outputNames } from './manifest.js';
import { shapeSize } from '../../src/ir/shape.js';

/**
 * The part of tfjs-core a page needs beside the model: make input tensors, read memory
 * and the backend, free tensors. (Not the whole namespace: model.js carries only what it uses.)
 */
export const bundleTf = { Tensor, tensor, tidy, dispose, memory, getBackend, env };

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
  /** The tfjs-core functions the model runs on: `tensor` (make inputs), `tidy`, `dispose`, `memory`, `getBackend`, `env`, `Tensor`. */
  readonly tf = bundleTf;
  readonly backend: BackendName;
  /** Which backend was picked and why, with what was tried before it. */
  readonly backendReport: string;
  readonly manifest: BundleManifest;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly #executor: Executor;

  constructor(graph: Graph, weights: WeightMap, backend: BackendName, manifest: BundleManifest, backendReport: string = backend) {
    this.#executor = new Executor(graph, weights, { weightsName: manifest.weights.file });
    this.backend = backend;
    this.backendReport = backendReport;
    this.manifest = manifest;
    const info = (id: number) => ({ name: graph.nodes[id].name, shape: graph.nodes[id].shape });
    this.inputs = graph.inputs.map(info);
    const names = outputNames(manifest, graph);
    this.outputs = graph.outputs.map((id, i) => ({ ...info(id), name: names[i] }));
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
    if (x instanceof Tensor) return (await this.predictAll([x]))[0];
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
    const tensors = xs.every((x) => x instanceof Tensor);
    if (!tensors && !xs.every((x) => !(x instanceof Tensor) && x?.data instanceof Float32Array && Array.isArray(x.shape))) {
      throw new NncError('predictAll takes tf tensors, or { data: Float32Array, shape } objects, not a mix');
    }
    if (tensors) return this.#executor.run(xs as tf.Tensor[]).outputs;
    // Every input is checked before any tensor is made, so a refusal leaves nothing behind.
    (xs as HostInput[]).forEach((x, i) => {
      const size = shapeSize(x.shape);
      if (x.data.length !== size) throw new NncError(`input data has ${x.data.length} values, but its shape [${x.shape.join(', ')}] needs ${size}`);
      checkFiniteInput(x, `input '${this.inputs[i].name}'`);
    });
    const inputs = (xs as HostInput[]).map((x) => tensor(x.data, [...x.shape], 'float32'));
    let outputs: tf.Tensor[] = [];
    try {
      outputs = this.#executor.run(inputs).outputs;
      return await Promise.all(outputs.map(async (t) => ({ shape: [...t.shape], data: (await t.data()) as Float32Array })));
    } finally {
      dispose([...inputs, ...outputs]);
    }
  }

  /**
   * Prepares the first prediction at batch 1: one prediction on zeros, read back and
   * freed. WebGL compiles (and caches) a shader program per kernel and shape on first
   * use, and SwiftShader (and ANGLE on Vulkan) builds each pipeline at its first draw,
   * so this moves both into the load and the first real predict runs at steady-state
   * speed. Programs depend on shapes unless shapes are uniforms (the bundle's WebGL
   * backend sets WEBGL_USE_SHAPES_UNIFORMS): another batch size may compile its own.
   *
   * `compileOnly` (WebGL only): run the graph in tfjs's compile-only mode instead
   * (`ENGINE_COMPILE_ONLY`, as tfjs-converter's graph models warm up): every program is
   * compiled, none runs, and with KHR_parallel_shader_compile the driver compiles them
   * side by side while this waits; what is built at the first draw is then paid by the
   * first predict (docs/web-builds.md has both measured).
   */
  async warmUp(compileOnly = false): Promise<void> {
    const zeros = this.inputs.map((input) => {
      const shape = [1, ...(input.shape.slice(1) as number[])];
      return { shape, data: new Float32Array(shapeSize(shape)) };
    });
    const webgl = compileOnly && getBackend() === 'webgl' ? (engine().backend as unknown as Partial<CompileOnlyBackend>) : null;
    if (webgl?.checkCompileCompletionAsync && webgl.getUniformLocations) {
      const inputs = zeros.map((x) => tensor(x.data, x.shape, 'float32'));
      let outputs: tf.Tensor[] = [];
      env().set('ENGINE_COMPILE_ONLY', true);
      try {
        outputs = this.#executor.run(inputs).outputs;
      } finally {
        env().set('ENGINE_COMPILE_ONLY', false);
        dispose([...inputs, ...outputs]);
      }
      await webgl.checkCompileCompletionAsync();
      webgl.getUniformLocations();
      return;
    }
    await this.predictAll(zeros);
  }

  /** Frees every tensor the model owns. */
  dispose(): void {
    this.#executor.dispose();
  }
}

/** What tfjs-backend-webgl offers for compile-only runs (tfjs-core does not type it). */
interface CompileOnlyBackend {
  checkCompileCompletionAsync(): Promise<unknown>;
  getUniformLocations(): void;
}

export function createLoadedModel(graph: Graph, weights: WeightMap, backend: BackendName, manifest: BundleManifest, backendReport?: string): LoadedModel {
  return new LoadedModel(graph, weights, backend, manifest, backendReport);
}
