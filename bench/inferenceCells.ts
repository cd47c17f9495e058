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
import type { Graph, WeightMap } from '../src/ir/types.js';
import { buildTfjsLayersModel } from '../test/helpers/tfjsLayers.js';
import { compileFloor } from './floor.js';
import { type Timing, pairedRatio, timeInterleaved } from './timing.js';

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
  /** Warm-up rounds after the cross-check round: at most this many, none once 1 s is spent or when a round takes a second. */
  readonly maxWarmup: number;
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
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.uniform();
  return { data, shape };
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s` : `${value.toFixed(value >= 10 ? 0 : 1)} ms`);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = d; // NaN propagates
  }
  return max;
}

type Predict = (x: tf.Tensor) => tf.Tensor;

/** A timed run: input tensor from the host array, predict, read back, dispose. */
function timedRun(predict: Predict, data: Float32Array, shape: number[]): () => Promise<Float32Array> {
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

/** Measures `model` at each batch size on the current tfjs backend (already set to `backend`). */
export async function measureModel(model: PreparedModel, options: MeasureOptions): Promise<CellResult[]> {
  const { backend, policy } = options;
  const log = options.log ?? (() => {});
  const layers = buildTfjsLayersModel(model.graph, model.weights);
  const unoptimized = new Model(model.graph, model.weights, backend);
  const optimized = new Model(model.optimized, model.optimizedWeights, backend);
  const floor = compileFloor(model.optimized, model.optimizedWeights);
  const results: CellResult[] = [];
  /** The last measured cell's median (c), to bound the next (larger) batch's cost. */
  let previous: { batch: number; optimizedMs: number } | null = null;
  try {
    for (const batch of options.batches) {
      const predicts: Partial<Record<Variant, Predict>> = {
        layers: (x) => layers.predict(x, { batchSize: batch }) as tf.Tensor,
        ...(batch > 32 ? { layersDefault: (x: tf.Tensor) => layers.predict(x) as tf.Tensor } : {}),
        unoptimized: (x) => unoptimized.predict(x) as tf.Tensor,
        optimized: (x) => optimized.predict(x) as tf.Tensor,
        floor: (x) => floor.run(x),
      };
      const variants = VARIANTS.filter((v) => predicts[v] !== undefined);
      const cell = { model: model.name, backend, batch };
      const { data, shape } = benchInput(model.graph, batch);
      const runners = variants.map((v) => timedRun(predicts[v]!, data, shape));

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
      variants.forEach((v, i) => (diffs[v] = maxAbsDiff(outputs[i], outputs[0])));
      const worst = variants.find((v) => !(diffs[v]! <= TOLERANCE));
      if (worst) {
        const reason = `${worst} differs from tfjs-layers by ${diffs[worst]} (> ${TOLERANCE}): not timed`;
        log(`${model.name} ${backend} batch ${batch}: ${reason}`);
        results.push({ ...cell, status: 'mismatch', reason, warmup: 1, runs: 0, rewarm: false, roundMs: 0, timings: {}, ratios: {}, maxAbsDiff: diffs, leakedTensors: 0 });
        continue;
      }

      // Warm-up rounds: at least one (unless the cross-check round took over 10 s), at most
      // maxWarmup, none started after 1 s. The last round's cost sets the run count.
      let warmup = 1;
      const warmupStarted = performance.now();
      while (warmup <= policy.maxWarmup && (warmup === 1 ? roundMs < 10_000 : performance.now() - warmupStarted < 1000)) {
        const started = performance.now();
        for (const run of runners) await run();
        roundMs = performance.now() - started;
        warmup++;
      }

      const rewarm = roundMs < policy.rewarmBelowMs;
      const runs = Math.max(policy.minRuns, Math.min(policy.maxRuns, Math.floor(policy.budgetMs / (roundMs * (rewarm ? 2 : 1)))));
      const tensorsBefore = tf.memory().numTensors;
      const timings = await timeInterleaved(runners, { warmup: 0, runs, rewarm });
      const leakedTensors = tf.memory().numTensors - tensorsBefore;
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
      log(`${model.name} ${backend} batch ${batch}: ${runs} runs, a/c ${ratios.ac!.median.toFixed(2)}, c/d ${ratios.cd!.median.toFixed(3)}`);
      results.push({ ...cell, status: 'measured', warmup, runs, rewarm, roundMs, timings: byVariant, ratios, maxAbsDiff: diffs, leakedTensors });
    }
  } finally {
    layers.dispose();
    unoptimized.dispose();
    optimized.dispose();
    floor.dispose();
  }
  return results;
}
