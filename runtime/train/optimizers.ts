// Keras 3's optimizers, update rule for update rule (keras/src/optimizers/*.py), on
// tfjs variables. Each keeps its slots (momenta, velocities) as variables per weight.
//
//   SGD:     m ← μ·m − η·g;  w ← w + m   (μ = 0: w ← w − η·g; Nesterov: w ← w + μ·m − η·g)
//   Adam:    m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂)
//            w ← w − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)
//   Nadam:   uₜ = β₁(1 − ½·0.96^(0.004·t)),  Πₜ = Πₜ₋₁·uₜ
//            m̂ = uₜ₊₁·m/(1 − Πₜ·uₜ₊₁) + (1 − uₜ)·g/(1 − Πₜ);  v̂ = v/(1 − β₂ᵗ)
//            w ← w − η·m̂/(√v̂ + ε)
//   RMSprop: v ← ρ·v + (1 − ρ)·g²;  w ← w − η·g/√(v + ε)   (with momentum: m ← μ·m + that step; w ← w − m)

import * as tf from '@tensorflow/tfjs-core';

export const OPTIMIZERS = ['sgd', 'adam', 'nadam', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface OptimizerConfig {
  readonly learningRate: number;
  /** SGD and RMSprop momentum (default 0). */
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly rho?: number;
  readonly epsilon?: number;
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** Steps applied so far (Keras's `iterations`). */
  readonly iterations: number;
  /** Applies one update to every variable that has a gradient. */
  apply(gradients: ReadonlyMap<string, tf.Tensor>, variables: ReadonlyMap<string, tf.Variable>): void;
  dispose(): void;
}

/** Per-weight slot variables, created on first use. */
class Slots {
  readonly #slots = new Map<string, tf.Variable>();

  get(key: string, like: tf.Tensor): tf.Variable {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = tf.variable(tf.zerosLike(like), false);
      this.#slots.set(key, slot);
    }
    return slot;
  }

  dispose(): void {
    for (const slot of this.#slots.values()) slot.dispose();
    this.#slots.clear();
  }
}

export function createOptimizer(name: OptimizerName, config: OptimizerConfig): Optimizer {
  const lr = config.learningRate;
  const epsilon = config.epsilon ?? 1e-7;
  const slots = new Slots();
  let iterations = 0;
  let nadamProduct = 1; // Πₜ, kept in float64 on the host

  const update = (each: (key: string, w: tf.Variable, g: tf.Tensor, t: number) => void) => (gradients: ReadonlyMap<string, tf.Tensor>, variables: ReadonlyMap<string, tf.Variable>) => {
    const t = iterations + 1;
    for (const [key, g] of gradients) {
      const w = variables.get(key);
      if (w) tf.tidy(() => each(key, w, g, t));
    }
    iterations = t;
  };

  let apply: Optimizer['apply'];
  switch (name) {
    case 'sgd': {
      const momentum = config.momentum ?? 0;
      apply = update((key, w, g) => {
        if (momentum === 0) {
          w.assign(tf.sub(w, tf.mul(g, lr)));
          return;
        }
        const m = slots.get(`${key}/momentum`, w);
        m.assign(tf.sub(tf.mul(m, momentum), tf.mul(g, lr)));
        w.assign(config.nesterov ? tf.add(w, tf.sub(tf.mul(m, momentum), tf.mul(g, lr))) : tf.add(w, m));
      });
      break;
    }
    case 'adam': {
      const beta1 = config.beta1 ?? 0.9;
      const beta2 = config.beta2 ?? 0.999;
      apply = update((key, w, g, t) => {
        const m = slots.get(`${key}/m`, w);
        const v = slots.get(`${key}/v`, w);
        const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1)));
        v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2)));
        w.assign(tf.sub(w, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), epsilon))));
      });
      break;
    }
    case 'nadam': {
      const beta1 = config.beta1 ?? 0.9;
      const beta2 = config.beta2 ?? 0.999;
      const u = (step: number) => beta1 * (1 - 0.5 * 0.96 ** (0.004 * step));
      const perVariable = update((key, w, g, t) => {
        const uT = u(t);
        const uNext = u(t + 1);
        const productT = nadamProduct * uT;
        const productNext = productT * uNext;
        const m = slots.get(`${key}/m`, w);
        const v = slots.get(`${key}/v`, w);
        m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1)));
        v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2)));
        const mHat = tf.add(tf.mul(m, uNext / (1 - productNext)), tf.mul(g, (1 - uT) / (1 - productT)));
        const vHat = tf.div(v, 1 - beta2 ** t);
        w.assign(tf.sub(w, tf.div(tf.mul(mHat, lr), tf.add(tf.sqrt(vHat), epsilon))));
      });
      apply = (gradients, variables) => {
        perVariable(gradients, variables);
        nadamProduct *= u(iterations);
      };
      break;
    }
    case 'rmsprop': {
      const rho = config.rho ?? 0.9;
      const momentum = config.momentum ?? 0;
      apply = update((key, w, g) => {
        const velocity = slots.get(`${key}/velocity`, w);
        velocity.assign(tf.add(tf.mul(velocity, rho), tf.mul(tf.square(g), 1 - rho)));
        const increment = tf.div(tf.mul(g, lr), tf.sqrt(tf.add(velocity, epsilon)));
        if (momentum > 0) {
          const m = slots.get(`${key}/momentum`, w);
          m.assign(tf.add(tf.mul(m, momentum), increment));
          w.assign(tf.sub(w, m));
        } else {
          w.assign(tf.sub(w, increment));
        }
      });
      break;
    }
  }
  return {
    name,
    get iterations() {
      return iterations;
    },
    apply,
    dispose: () => slots.dispose(),
  };
}
