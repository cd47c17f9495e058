// One training step, the building block of `nnc train`: forward in training mode,
// loss (+ regularization), gradients of the trainable weights, optimizer update,
// constraints, then the moving statistics computed by the forward pass. Moving
// statistics are never touched by gradients: they are not in the gradient list.

import * as tf from '@tensorflow/tfjs-core';
import type { WeightSpec } from '../../src/ir/types.js';
import type { Executor } from '../executor.js';
import { expectedWeights } from '../weights.js';
import { type LossName, computeLoss, countCorrect } from './losses.js';
import type { Optimizer } from './optimizers.js';
import { applyConstraint, regularizationLoss } from './regularization.js';

export interface StepResult {
  /** Mean loss over the batch, including regularization (kept: the caller disposes). */
  readonly loss: tf.Scalar;
  /** Correct predictions in the batch (kept: the caller disposes). */
  readonly correct: tf.Scalar;
}

export class TrainStep {
  readonly #executor: Executor;
  readonly #loss: LossName;
  readonly #optimizer: Optimizer;
  readonly #trainable = new Map<string, tf.Variable>();
  readonly #specs: ReadonlyMap<string, WeightSpec>;

  constructor(executor: Executor, loss: LossName, optimizer: Optimizer) {
    if (tf.getGradient('Mean') === undefined) {
      throw new Error('tfjs gradients are not registered: await registerGradients() (runtime/backends/gradients.ts) before training');
    }
    this.#executor = executor;
    this.#loss = loss;
    this.#optimizer = optimizer;
    this.#specs = expectedWeights(executor.graph);
    for (const [key, spec] of this.#specs) {
      const tensor = executor.weight(key);
      if (!(tensor instanceof tf.Variable)) throw new Error('training needs an executor created with { variables: true }');
      if (spec.trainable) this.#trainable.set(key, tensor);
    }
  }

  /** Runs one step on a batch; `seed` drives Dropout. */
  run(x: tf.Tensor, y: tf.Tensor, seed: number): StepResult {
    let correct: tf.Scalar | undefined;
    let updates: { key: string; value: tf.Tensor }[] = [];
    const keys = [...this.#trainable.keys()];
    const { value: loss, grads } = tf.variableGrads(() => {
      const { outputs, stateUpdates } = this.#executor.run([x], { training: true, seed });
      updates = stateUpdates;
      const predictions = outputs[0];
      correct = tf.keep(countCorrect(this.#loss, y, predictions));
      let total: tf.Tensor = computeLoss(this.#loss, y, predictions);
      for (const [key, spec] of this.#specs) {
        if (spec.regularizer && spec.trainable) total = tf.add(total, regularizationLoss(spec.regularizer, this.#trainable.get(key)!));
      }
      return total as tf.Scalar;
    }, [...this.#trainable.values()]);

    const gradients = new Map<string, tf.Tensor>();
    const byName = new Map([...this.#trainable].map(([key, v]) => [v.name, key]));
    for (const [name, g] of Object.entries(grads)) gradients.set(byName.get(name)!, g);
    this.#optimizer.apply(gradients, this.#trainable);
    for (const g of Object.values(grads)) g.dispose();

    for (const key of keys) {
      const constraint = this.#specs.get(key)!.constraint;
      if (constraint) {
        const variable = this.#trainable.get(key)!;
        const constrained = applyConstraint(constraint, variable);
        variable.assign(constrained);
        constrained.dispose();
      }
    }
    for (const update of updates) {
      this.#executor.assign(update.key, update.value);
      update.value.dispose();
    }
    return { loss, correct: correct! };
  }
}
