// A compiled model on a tfjs backend: predict in inference or training mode, read and
// replace weights, and free everything it owns. Training steps are built by
// TrainableModel (runtime/train/), so inference code never loads the trainer.

import * as tf from '@tensorflow/tfjs-core';
import { NncError } from '../src/diagnostics.js';
import type { Graph } from '../src/ir/types.js';
import type { HostTensor, WeightMap } from '../src/ir/tensors.js';
import { float32 } from '../src/ir/tensors.js';
import type { BackendName } from './backend.js';
import { Executor } from './executor.js';
import { shapeSize } from '../src/ir/shape.js';

/** An input: a tf tensor, or host data with its shape (batch first). */
export type InputLike = tf.Tensor | HostTensor;

export interface ModelOptions {
  /** Keep weights as variables, for training (default false). */
  readonly trainable?: boolean;
  /** Names the weights' origin in error messages. */
  readonly weightsName?: string;
}

export class Model {
  readonly graph: Graph;
  /** The tfjs backend the model runs on. */
  readonly backend: BackendName;
  /** The executor that runs the graph; TrainableModel builds its training steps on it. */
  protected readonly executor: Executor;
  #seed = 0;

  constructor(graph: Graph, weights: WeightMap, backend: BackendName, options: ModelOptions = {}) {
    this.graph = graph;
    this.backend = backend;
    this.executor = new Executor(graph, weights, { variables: options.trainable ?? false, weightsName: options.weightsName });
  }

  /**
   * Runs the model. Returns one tensor per output (a single tensor for single-output
   * models); the caller owns and disposes them. Tensors passed in are not disposed.
   * In training mode BatchNormalization uses batch statistics and updates its moving
   * statistics, and Dropout is active, as when Keras calls a model with training=True.
   */
  predict(input: InputLike | readonly InputLike[], options: { training?: boolean } = {}): tf.Tensor | tf.Tensor[] {
    const list = Array.isArray(input) ? (input as readonly InputLike[]) : [input as InputLike];
    const created: tf.Tensor[] = [];
    const tensors = list.map((x) => {
      if (x instanceof tf.Tensor) return x;
      const t = toTensor(x);
      created.push(t);
      return t;
    });
    try {
      const { outputs, stateUpdates } = this.executor.run(tensors, { training: options.training ?? false, seed: this.#seed++ });
      for (const update of stateUpdates) {
        this.executor.assign(update.key, update.value);
        update.value.dispose();
      }
      return outputs.length === 1 ? outputs[0] : outputs;
    } finally {
      for (const t of created) t.dispose();
    }
  }

  /** `predict`, with results read back to the host. */
  async predictHost(input: InputLike | readonly InputLike[], options: { training?: boolean } = {}): Promise<HostTensor[]> {
    const result = this.predict(input, options);
    const outputs = Array.isArray(result) ? result : [result];
    try {
      return await Promise.all(outputs.map(async (t) => ({ shape: [...t.shape], data: (await t.data()) as Float32Array })));
    } finally {
      for (const t of outputs) t.dispose();
    }
  }

  getWeights(): Promise<Map<string, HostTensor>> {
    return this.executor.getWeights();
  }

  /** Replaces every weight; all mismatches are reported at once. */
  setWeights(weights: WeightMap, what?: string): void {
    this.executor.setWeights(weights, what);
  }

  /** Frees every tensor the model owns. */
  dispose(): void {
    this.executor.dispose();
  }
}

export function toTensor(x: HostTensor): tf.Tensor {
  const size = shapeSize(x.shape);
  if (x.data.length !== size) throw new NncError(`input data has ${x.data.length} values, but its shape [${x.shape.join(', ')}] needs ${size}`);
  return tf.tensor(float32(x.data), [...x.shape], 'float32');
}
