// One model on one backend, at several batch sizes: the cells of the inference table
// (issue 7 point 1). Runs wherever tfjs runs — in a Node child process per backend
// (bench/inferenceNode.ts) and in a Chromium page (bench/inferencePage.ts) — so it
// imports nothing from Node.
//
// A cell times, side by side, from the same Float32Array input and the same weights:
//   (a)  tfjs-layers `model.predict(x, { batchSize: batch })`: one pass, its best call;
//   (a₀) tfjs-layers `model.predict(x)` as written without options: batches of 32, so
//        only timed when the batch is larger than 32 (below, it is the same call as (a));
//   (b)  nnc's Model on the unoptimized graph;  (c) nnc's Model on the optimized graph;
//   (d)  the floor (bench/floor.ts): (c)'s fused kernels called back to back.
// Every timed run creates the input tensor from the Float32Array, predicts, awaits
// `data()` and disposes both tensors. Before any timing, one run of each is compared
// with (a); a cell whose outputs differ by more than 1e-4 is not timed.

import * as tf from '@tensorflow/tfjs-core';
import { Model } from '../runtime/model.js';
import type { BackendName } from '../runtime/backend.js';
import { Random } from '../runtime/random.js';
import { maxAbsDifference } from '../runtime/verify.js';
import type { Graph } from '../src/ir/types.js';
import type { WeightMap } from '../src/ir/tensors.js';
import { buildTfjsLayersModel } from '../test/helpers/tfjsLayers.js';
import { compileFloor } from './floor.js';
import { type Timing, pairedRatio, timeInterleaved, timingOf } from './timing.js';
import { shapeSize } from '../src/ir/shape.js';

export const VARIANTS = ['layers', 'layersDefault', 'unoptimized', 'optimized', 'floor'] as const;
export type Variant = (typeof VARIANTS)[number];

/** 1e-4: float32 rounding of folded BatchNormalization over three layers, and WebGL's float32 shaders. */
export const TOLERANCE = 1e-4;

export interface PreparedModel {
  /** The example's file name without `.nn`. */
  readonly name: string;
  readonly graph: Graph;
  readonly weights: WeightMap;
  /** `optimize({ graph, weights })`. */
  readonly optimized: Graph;
  readonly optimizedWeights: WeightMap;
}

/** How many runs a cell gets: enough to fill a time budget, within bounds. */
export interface CellPolicy {
  /** Wall time to aim for with the timed rounds of one cell, in ms. */
  readonly budgetMs: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  /** Warm-up after the cross-check round, in ms: rounds until this much time is spent (at least one, unless the cross-check round took over 10 s), so V8 has optimized the JavaScript of every variant. */
  readonly warmupMs: number;
  /** A cell whose round (one run of each variant) would take longer is skipped, and says so: (c) is probed first, unless a linear extrapolation from the previous batch size already puts the round over the limit. */
  readonly maxRoundMs: number;
  /** Re-warm each visit (see timeInterleaved) when a round takes less than this, in ms. */
  readonly rewarmBelowMs: number;
}

export interface CellResult {
  readonly model: string;
  readonly backend: string;
  readonly batch: number;
  readonly status: 'measured' | 'mismatch' | 'skipped';
  /** Why a cell was not timed. */
  readonly reason?: string;
  /** Untimed rounds before the timed ones, the cross-check round included. */
  readonly warmup: number;
  readonly runs: number;
  /** Sets of fresh instances the runs were split over (measureModel). */
  readonly phases?: number;
  readonly rewarm: boolean;
  /** The last warm-up round's wall time, in ms (what the run count is derived from). */
  readonly roundMs: number;
  readonly timings: Partial<Record<Variant, Timing>>;
  /** Paired ratios (timing.ts pairedRatio): median and p25–p75 of the per-round ratios. */
  readonly ratios: Partial<Record<RatioName, RatioStat>>;
  /** Max |output − (a)'s output| per variant, from the cross-check round. */
  readonly maxAbsDiff: Partial<Record<Variant, number>>;
  /** tf.memory().numTensors after the timed rounds minus before: 0 unless something leaks. */
  readonly leakedTensors: number;
}

export interface RatioStat {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
}

/**
 * a/c (speed-up over tfjs-layers), a₀/c (over its default predict), a/d (the most any
 * executor of these kernels could gain over tfjs-layers), b/c (the optimizer's gain),
 * c/d (executor overhead).
 */
export const RATIOS = { ac: ['layers', 'optimized'], a0c: ['layersDefault', 'optimized'], ad: ['layers', 'floor'], bc: ['unoptimized', 'optimized'], cd: ['optimized', 'floor'] } as const satisfies Record<string, readonly [Variant, Variant]>;
export type RatioName = keyof typeof RATIOS;

/** The benchmark's input: uniform values in [0, 1) (pixel-like), the same for every variant, backend and run. */
export function benchInput(graph: Graph, batch: number): { data: Float32Array; shape: number[] } {
  const shape = [batch, ...(graph.nodes[graph.inputs[0]].shape.slice(1) as number[])];
  const random = new Random(`bench-input/${graph.name}/${batch}`);
  const data = new Float32Array(shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = random.uniform();
  return { data, shape };
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s` : `${value.toFixed(value >= 10 ? 0 : 1)} ms`);

export type Predict = (x: tf.Tensor) => tf.Tensor;

/** A timed run: input tensor from the host array, predict, read back, dispose. */
export function timedRun(predict: Predict, data: Float32Array, shape: number[]): () => Promise<Float32Array> {
  return async () => {
    const x = tf.tensor(data, shape, 'float32');
    const y = predict(x);
    const values = (await y.data()) as Float32Array;
    x.dispose();
    y.dispose();
    return values;
  };
}

export interface MeasureOptions {
  readonly backend: BackendName;
  readonly batches: readonly number[];
  readonly policy: CellPolicy;
  readonly log?: (line: string) => void;
}

/** One instance of every variant for one batch size. */
interface Instances {
  readonly variants: readonly Variant[];
  readonly predicts: Readonly<Partial<Record<Variant, Predict>>>;
  dispose(): void;
}

function instantiate(model: PreparedModel, backend: BackendName, batch: number): Instances {
  const layers = buildTfjsLayersModel(model.graph, model.weights);
  const unoptimized = new Model(model.graph, model.weights, backend);
  const optimized = new Model(model.optimized, model.optimizedWeights, backend);
  const floor = compileFloor(model.optimized, model.optimizedWeights);
  const predicts: Partial<Record<Variant, Predict>> = {
    layers: (x) => layers.predict(x, { batchSize: batch }) as tf.Tensor,
    ...(batch > 32 ? { layersDefault: (x: tf.Tensor) => layers.predict(x) as tf.Tensor } : {}),
    unoptimized: (x) => unoptimized.predict(x) as tf.Tensor,
    optimized: (x) => optimized.predict(x) as tf.Tensor,
    floor: (x) => floor.run(x),
  };
  return {
    variants: VARIANTS.filter((v) => predicts[v] !== undefined),
    predicts,
    dispose: () => {
      layers.dispose();
      unoptimized.dispose();
      optimized.dispose();
      floor.dispose();
    },
  };
}

/**
 * Measures `model` at each batch size on the current tfjs backend (already set to
 * `backend`). Cheap cells (rounds under policy.rewarmBelowMs) are timed in three phases,
 * each with fresh instances of every variant (weights uploaded anew, at addresses moved
 * by a tensor of random size) visited in another order: on wasm, where an instance's
 * weights and buffers land in memory can decide a kernel's speed for the instance's
 * whole life, one unlucky layout then moves a third of the samples, not all of them.
 */
export async function measureModel(model: PreparedModel, options: MeasureOptions): Promise<CellResult[]> {
  const { backend, policy } = options;
  const log = options.log ?? (() => {});
  const results: CellResult[] = [];
  /** The last measured cell's median (c), to bound the next (larger) batch's cost. */
  let previous: { batch: number; optimizedMs: number } | null = null;
  for (const batch of options.batches) {
    let instances = instantiate(model, backend, batch);
    try {
      const { variants } = instances;
      const cell = { model: model.name, backend, batch };
      const { data, shape } = benchInput(model.graph, batch);
      const runnersOf = (i: Instances) => variants.map((v) => timedRun(i.predicts[v]!, data, shape));
      let runners = runnersOf(instances);

      // Too slow to measure here? Linear extrapolation from the previous batch size gives a
      // first estimate of a round (per-example cost rarely grows with the batch); below the
      // limit, two probe runs of (c) (the first may compile shaders) tell what it costs.
      const linear = previous ? (previous.optimizedMs * batch) / previous.batch : 0;
      let reason: string | null = null;
      if (linear * variants.length > policy.maxRoundMs) {
        reason = `(c) took ${ms(previous!.optimizedMs)} at batch ${previous!.batch}, so one round of ${variants.length} runs at batch ${batch} would take ≈ ${ms(linear * variants.length)} (linearly), over the ${ms(policy.maxRoundMs)} limit per round`;
      } else {
        const probe = runners[variants.indexOf('optimized')];
        let probeMs = 0;
        for (let i = 0; i < 2 && probeMs * variants.length <= 4 * policy.maxRoundMs; i++) {
          const started = performance.now();
          await probe();
          probeMs = performance.now() - started;
        }
        const estimate = probeMs * variants.length;
        if (estimate > policy.maxRoundMs) reason = `a probe run of (c) took ${ms(probeMs)}, so one round of ${variants.length} runs would take ≈ ${ms(estimate)}, over the ${ms(policy.maxRoundMs)} limit per round`;
      }
      if (reason !== null) {
        log(`${model.name} ${backend} batch ${batch}: skipped, ${reason}`);
        results.push({ ...cell, status: 'skipped', reason, warmup: 0, runs: 0, rewarm: false, roundMs: 0, timings: {}, ratios: {}, maxAbsDiff: {}, leakedTensors: 0 });
        continue;
      }

      // Cross-check round (also the first warm-up): every output against (a)'s.
      const outputs: Float32Array[] = [];
      const crossCheckStarted = performance.now();
      for (const run of runners) outputs.push(await run());
      let roundMs = performance.now() - crossCheckStarted;
      const diffs: Partial<Record<Variant, number>> = {};
      variants.forEach((v, i) => (diffs[v] = maxAbsDifference(outputs[i], outputs[0])));
      const worst = variants.find((v) => !(diffs[v]! <= TOLERANCE));
      if (worst) {
        reason = `${worst} differs from tfjs-layers by ${diffs[worst]} (> ${TOLERANCE}): not timed`;
        log(`${model.name} ${backend} batch ${batch}: ${reason}`);
        results.push({ ...cell, status: 'mismatch', reason, warmup: 1, runs: 0, rewarm: false, roundMs: 0, timings: {}, ratios: {}, maxAbsDiff: diffs, leakedTensors: 0 });
        continue;
      }

      // Warm-up rounds for policy.warmupMs: the first cells of a process otherwise time
      // JavaScript that V8 has not optimized yet. The last round's cost sets the run count.
      let warmup = 1;
      const warmupStarted = performance.now();
      while (warmup === 1 ? roundMs < 10_000 : performance.now() - warmupStarted < policy.warmupMs) {
        const started = performance.now();
        for (const run of runners) await run();
        roundMs = performance.now() - started;
        warmup++;
      }

      const rewarm = roundMs < policy.rewarmBelowMs;
      const phases = rewarm ? 3 : 1;
      const wanted = Math.max(policy.minRuns, Math.min(policy.maxRuns, Math.floor(policy.budgetMs / (roundMs * (rewarm ? 2 : 1)))));
      const perPhase = Math.ceil(wanted / phases);
      const samples = variants.map((): number[] => []);
      let leakedTensors = 0;
      const random = new Random(`bench-phases/${model.name}/${backend}/${batch}`);
      for (let phase = 0; phase < phases; phase++) {
        let padding: tf.Tensor | null = null;
        if (phase > 0) {
          instances.dispose();
          // A tensor of random size first, so the fresh instances' weights and buffers
          // land elsewhere in memory than the last ones (the allocator would otherwise
          // hand the same addresses back), and a different order of visits. On wasm up
          // to 64 MiB, more than all variants of the largest example hold, so that a
          // large kernel moves to other pages, not by a fraction of itself.
          padding = tf.zeros([1 + random.int(backend === 'wasm' ? 1 << 24 : 1 << 16)]);
          instances = instantiate(model, backend, batch);
          runners = runnersOf(instances);
          for (const run of runners) await run(); // first runs of fresh instances: uploads, operator setup
        }
        const order = variants.map((_, i) => i);
        if (phase === 1) order.reverse();
        if (phase >= 2) {
          for (let i = order.length - 1; i > 0; i--) {
            const j = random.int(i + 1);
            [order[i], order[j]] = [order[j], order[i]];
          }
        }
        const tensorsBefore = tf.memory().numTensors;
        const timings = await timeInterleaved(order.map((i) => runners[i]), { warmup: 0, runs: perPhase, rewarm });
        leakedTensors += tf.memory().numTensors - tensorsBefore;
        order.forEach((variant, k) => samples[variant].push(...timings[k].samples));
        padding?.dispose();
      }
      const timings = samples.map(timingOf);
      const runs = perPhase * phases;
      const byVariant: Partial<Record<Variant, Timing>> = {};
      variants.forEach((v, i) => {
        const { samples: _samples, ...timing } = timings[i];
        byVariant[v] = timing;
      });
      const ratios: Partial<Record<RatioName, RatioStat>> = {};
      for (const [name, [top, bottom]] of Object.entries(RATIOS) as [RatioName, readonly [Variant, Variant]][]) {
        const i = variants.indexOf(top);
        const j = variants.indexOf(bottom);
        if (i >= 0 && j >= 0) ratios[name] = pairedRatio(timings[i], timings[j]);
      }
      previous = { batch, optimizedMs: byVariant.optimized!.median };
      log(`${model.name} ${backend} batch ${batch}: ${runs} runs${phases > 1 ? ` in ${phases} phases` : ''}, a/c ${ratios.ac!.median.toFixed(2)}, c/d ${ratios.cd!.median.toFixed(3)}`);
      results.push({ ...cell, status: 'measured', warmup, runs, phases, rewarm, roundMs, timings: byVariant, ratios, maxAbsDiff: diffs, leakedTensors });
    } finally {
      instances.dispose();
    }
  }
  return results;
}
