// Which cells the inference benchmark measures, and how many runs each gets, per
// backend: shared by the parent (bench/inference.ts, which states it in RESULTS.md), the
// Node child (bench/inferenceNode.ts) and the page (bench/inferencePage.ts).
//
// Run counts follow a time budget per cell, because a cell costs from 0.1 ms (Géron at
// batch 1 on wasm) to tens of seconds (a CNN at batch 256 on the pure-JS cpu backend):
// runs = budget ÷ (cost of one round of every variant), within [minRuns, maxRuns]. A cell
// whose round is expected (linearly from the previous batch size) to exceed maxRoundMs
// is skipped and listed as such, so that `npm run bench` stays under 20 minutes.
//
// `--models A,B` (bench/run.ts) keeps only the cells of those models, on the backends
// that measure them: `npm run bench -- inference --models MobileNetV2,ResNet50`.

import type { CellPolicy } from './inferenceCells.js';

export const EXAMPLE_MODELS = ['geron', 'geron_bn_before_activation', 'tagger', 'tiny_resnet', 'mobilenet_block'] as const;

/**
 * The model-zoo models the benchmark measures (issue 17): full size (224x224 images; the
 * time-series CNN's 500 steps), at batch 1 only, on wasm and webgl. Name in the tables → the file under examples/ and the model in it.
 */
export const ZOO_MODELS: Readonly<Record<string, { readonly file: string; readonly model: string }>> = {
  MobileNetV2: { file: 'zoo/mobilenet_v2', model: 'MobileNetV2' },
  ResNet50: { file: 'zoo/resnet50', model: 'ResNet50' },
  // Keras's time-series classifier: three Conv1D(64, 3) over 500 steps (~19 MFLOP a sample).
  TimeSeriesCNN: { file: 'zoo/timeseries_cnn', model: 'TimeSeriesCNN' },
};

export const INFERENCE_BACKENDS = ['wasm', 'cpu', 'webgl'] as const;
export type InferenceBackend = (typeof INFERENCE_BACKENDS)[number];

/** A model and the batch sizes it is measured at (with its own policy, where the backend's does not fit it). */
export interface PlannedModel {
  readonly name: string;
  readonly batches: readonly number[];
  readonly policy?: CellPolicy;
}

export interface InferencePlan {
  readonly models: readonly PlannedModel[];
  readonly policy: CellPolicy;
}

const examples = (batches: readonly number[]): PlannedModel[] => EXAMPLE_MODELS.map((name) => ({ name, batches }));
const zoo = (policy?: CellPolicy): PlannedModel[] => Object.keys(ZOO_MODELS).map((name) => ({ name, batches: [1], ...(policy ? { policy } : {}) }));

/**
 * The zoo on webgl (SwiftShader, a software WebGL, on the CPU): one predict of ResNet50 at
 * 224x224 took 37 s in a loaded run (MobileNetV2 2–6 s), so a round of its four variants
 * takes minutes: these cells get 240 s per round and at least 3 runs. ResNet50's cell then
 * adds up to ~10 minutes to a full run on a loaded machine.
 */
const ZOO_WEBGL_POLICY: CellPolicy = { budgetMs: 6000, minRuns: 3, maxRuns: 300, warmupMs: 1000, maxRoundMs: 240_000, rewarmBelowMs: 1000 };

const FULL: Record<InferenceBackend, InferencePlan> = {
  wasm: { models: [...examples([1, 32, 256]), ...zoo()], policy: { budgetMs: 4000, minRuns: 7, maxRuns: 1000, warmupMs: 1000, maxRoundMs: 60_000, rewarmBelowMs: 1000 } },
  cpu: { models: examples([1, 32, 256]), policy: { budgetMs: 8000, minRuns: 3, maxRuns: 500, warmupMs: 1000, maxRoundMs: 30_000, rewarmBelowMs: 1000 } },
  webgl: { models: [...examples([1, 32, 256]), ...zoo(ZOO_WEBGL_POLICY)], policy: { budgetMs: 6000, minRuns: 5, maxRuns: 300, warmupMs: 1000, maxRoundMs: 30_000, rewarmBelowMs: 1000 } },
};

/** Every model some backend measures, for checking a `--models` selection. */
export const PLANNED_MODELS: readonly string[] = [...new Set(Object.values(FULL).flatMap((p) => p.models.map((m) => m.name)))];

/** `--quick`: a smoke run of the machinery in seconds (Géron only, few runs), not a measurement. */
const QUICK_POLICY: CellPolicy = { budgetMs: 400, minRuns: 3, maxRuns: 50, warmupMs: 200, maxRoundMs: 2000, rewarmBelowMs: 1000 };
const QUICK: Record<InferenceBackend, InferencePlan> = {
  wasm: { models: [{ name: 'geron', batches: [1, 32, 256] }], policy: QUICK_POLICY },
  cpu: { models: [{ name: 'geron', batches: [1, 32] }], policy: QUICK_POLICY },
  webgl: { models: [{ name: 'geron', batches: [1, 32] }], policy: QUICK_POLICY },
};

/**
 * The plan of one backend. With `models`, only those models' cells of the full plan (with
 * the quick policy when `quick`); a backend that measures none of them has no models.
 */
export function inferencePlan(backend: InferenceBackend, quick: boolean, models?: readonly string[]): InferencePlan {
  if (!models) return (quick ? QUICK : FULL)[backend];
  const full = FULL[backend];
  return { models: full.models.filter((m) => models.includes(m.name)), policy: quick ? QUICK_POLICY : full.policy };
}
