// Keras 3's weight initializers on the host, deterministic for a seed.
//
// Every initializer fills a Float32Array from the project's `Random`, so initial
// weights are the same on every platform and backend. Definitions follow
// `keras/src/initializers/random_initializers.py` (Keras 3):
//
//   variance_scaling(scale, mode, distribution):
//     n      = fan_in | fan_out | (fan_in + fan_out) / 2
//     scale' = scale / max(1, n)
//     truncated_normal:    σ = √scale' / 0.87962566103423978, truncated at ±2σ  (variance = scale')
//     untruncated_normal:  σ = √scale'                                           (variance = scale')
//     uniform:             U[−L, L), L = √(3·scale')                             (variance = scale')
//
// 0.87962566103423978 is the standard deviation of a unit normal truncated to ±2,
// so dividing by it makes the *truncated* distribution's variance exactly scale'.
// tfjs-layers 4.x does not divide (its he_normal has variance ≈ 0.774 · 2/fan_in);
// we follow Keras 3, whose variance is the one the He/Glorot derivations ask for.
//
// Browser-safe: no Node imports, no TensorFlow.js.

import { nodeWeights } from '../src/ir/ops.js';
import { type Graph, type Initializer } from '../src/ir/types.js';
import { type HostTensor, weightKey } from '../src/ir/tensors.js';
import { hashSeed, Random } from './random.js';
import { shapeSize } from '../src/ir/shape.js';

/** Standard deviation of a unit normal truncated to [−2, 2] (Keras's constant). */
export const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * Keras's `compute_fans`: rank 0 → (1, 1); rank 1 → (n, n); rank 2 → (in, out);
 * rank ≥ 3 (conv kernels `[kh, kw, in, out]`) → both multiplied by the receptive
 * field, the product of all but the last two dimensions.
 */
export function computeFans(shape: readonly number[]): Fans {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptiveField = 1;
  for (const dim of shape.slice(0, -2)) receptiveField *= dim;
  return { fanIn: shape[shape.length - 2] * receptiveField, fanOut: shape[shape.length - 1] * receptiveField };
}

type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

interface VarianceScaling {
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
}

/** The named shortcuts, as Keras 3 defines them. */
const VARIANCE_SCALING_PRESETS: Readonly<Record<string, VarianceScaling>> = {
  glorot_uniform: { scale: 1, mode: 'fan_avg', distribution: 'uniform' },
  glorot_normal: { scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' },
  he_normal: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal' },
  he_uniform: { scale: 2, mode: 'fan_in', distribution: 'uniform' },
  lecun_normal: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
  lecun_uniform: { scale: 1, mode: 'fan_in', distribution: 'uniform' },
};

/**
 * Initial values of a weight of the given shape, row-major. A seeded initializer
 * (`args.seed` a number) ignores `random` and draws from its own stream, so — as
 * in Keras — it gives the same values every time for the same shape.
 */
export function initialValues(initializer: Initializer, shape: readonly number[], random: Random): Float32Array {
  const { name, args } = initializer;
  const size = shapeSize(shape);
  const out = new Float32Array(size);
  const seed = args.seed;
  const rng = typeof seed === 'number' ? new Random(hashSeed('initializer', name, seed)) : random;

  switch (name) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'constant':
      return out.fill(numberArg(initializer, 'value', 0));
    case 'random_normal':
      return fillNormal(out, rng, numberArg(initializer, 'mean', 0), numberArg(initializer, 'stddev', 0.05));
    case 'random_uniform':
      return fillUniform(out, rng, numberArg(initializer, 'minval', -0.05), numberArg(initializer, 'maxval', 0.05));
    case 'truncated_normal':
      return fillTruncatedNormal(out, rng, numberArg(initializer, 'mean', 0), numberArg(initializer, 'stddev', 0.05));
    case 'variance_scaling':
      return fillVarianceScaling(out, rng, shape, {
        scale: numberArg(initializer, 'scale', 1),
        mode: (args.mode ?? 'fan_in') as FanMode,
        distribution: (args.distribution ?? 'truncated_normal') as Distribution,
      });
    default: {
      const preset = VARIANCE_SCALING_PRESETS[name];
      if (preset) return fillVarianceScaling(out, rng, shape, preset);
      // The compiler validates initializer names; reaching this is a bug.
      throw new Error(`unknown initializer '${String(name)}'`);
    }
  }
}

/**
 * Initial values of every weight of every node, keyed `<layer>/<variable>`. Each
 * weight draws from its own stream, `new Random(seed).fork(key)`, so its values
 * depend only on (seed, key, initializer, shape): adding or removing a layer
 * elsewhere leaves the other layers' initial weights unchanged.
 */
export function initializeWeights(graph: Graph, seed: number): Map<string, HostTensor> {
  const root = new Random(seed);
  const weights = new Map<string, HostTensor>();
  for (const node of graph.nodes) {
    for (const spec of nodeWeights(graph, node)) {
      const key = weightKey(node.name, spec.name);
      weights.set(key, { shape: [...spec.shape], data: initialValues(spec.initializer, spec.shape, root.fork(key)) });
    }
  }
  return weights;
}

function fillVarianceScaling(out: Float32Array, random: Random, shape: readonly number[], vs: VarianceScaling): Float32Array {
  const { fanIn, fanOut } = computeFans(shape);
  const n = vs.mode === 'fan_in' ? fanIn : vs.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
  const scale = vs.scale / Math.max(1, n);
  switch (vs.distribution) {
    case 'truncated_normal':
      return fillTruncatedNormal(out, random, 0, Math.sqrt(scale) / TRUNCATED_NORMAL_STDDEV);
    case 'untruncated_normal':
      return fillNormal(out, random, 0, Math.sqrt(scale));
    case 'uniform': {
      const limit = Math.sqrt(3 * scale);
      return fillUniform(out, random, -limit, limit);
    }
  }
}

/**
 * A bound on re-draws per value. Only an interval holding no float32 (a width
 * below float32 resolution) can exhaust it — a truncated normal rejects 4.6% of
 * draws, so 100 rejections in a row have probability 0.046^100 — and then the
 * nearest float32 is kept rather than looping forever.
 */
const MAX_REDRAWS = 100;

function fillNormal(out: Float32Array, random: Random, mean: number, stddev: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = mean + stddev * random.normal();
  return out;
}

/**
 * Uniform in [minval, maxval) (in (maxval, minval] if they come reversed, as
 * `minval + (maxval − minval)·u` gives in Keras). A draw whose float32 rounding
 * leaves that interval is re-drawn, so stored values keep its bounds exactly.
 */
function fillUniform(out: Float32Array, random: Random, minval: number, maxval: number): Float32Array {
  if (minval === maxval) return out.fill(minval);
  const width = maxval - minval;
  const inside = width > 0 ? (v: number) => v >= minval && v < maxval : (v: number) => v <= minval && v > maxval;
  for (let i = 0; i < out.length; i++) {
    let value: number;
    let tries = 0;
    do value = Math.fround(minval + width * random.uniform());
    while (!inside(value) && ++tries < MAX_REDRAWS);
    out[i] = value;
  }
  return out;
}

/**
 * Normal(mean, stddev) with values two or more standard deviations from the mean
 * re-drawn (Keras: "dropped and re-picked"). The test is applied after rounding to
 * float32, so every stored value lies strictly inside mean ± 2·stddev. About 4.6%
 * of draws are rejected.
 */
function fillTruncatedNormal(out: Float32Array, random: Random, mean: number, stddev: number): Float32Array {
  if (stddev === 0) return out.fill(mean);
  const low = mean - 2 * stddev;
  const high = mean + 2 * stddev;
  for (let i = 0; i < out.length; i++) {
    let value: number;
    let tries = 0;
    do value = Math.fround(mean + stddev * random.normal());
    while (!(value > low && value < high) && ++tries < MAX_REDRAWS);
    out[i] = value;
  }
  return out;
}

function numberArg(initializer: Initializer, arg: string, fallback: number): number {
  const value = initializer.args[arg];
  return typeof value === 'number' ? value : fallback;
}
