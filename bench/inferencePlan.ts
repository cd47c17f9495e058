// Which cells the inference benchmark measures, and how many runs each gets, per
// backend: shared by the parent (bench/inference.ts, which states it in RESULTS.md), the
// Node child (bench/inferenceNode.ts) and the page (bench/inferencePage.ts).
//
// Run counts follow a time budget per cell, because a cell costs from 0.1 ms (Géron at
// batch 1 on wasm) to tens of seconds (a CNN at batch 256 on the pure-JS cpu backend):
// runs = budget ÷ (cost of one round of every variant), within [minRuns, maxRuns]. A cell
// whose round is expected (linearly from the previous batch size) to exceed maxRoundMs
// is skipped and listed as such, so that `npm run bench` stays under 20 minutes.

import type { CellPolicy } from './inferenceCells.js';

export const EXAMPLE_MODELS = ['geron', 'geron_bn_before_activation', 'tagger', 'tiny_resnet', 'mobilenet_block'] as const;
export const INFERENCE_BACKENDS = ['wasm', 'cpu', 'webgl'] as const;
export type InferenceBackend = (typeof INFERENCE_BACKENDS)[number];

export interface InferencePlan {
  readonly models: readonly string[];
  readonly batches: readonly number[];
  readonly policy: CellPolicy;
}

const FULL: Record<InferenceBackend, InferencePlan> = {
  wasm: { models: EXAMPLE_MODELS, batches: [1, 32, 256], policy: { budgetMs: 4000, minRuns: 7, maxRuns: 1000, warmupMs: 1000, maxRoundMs: 60_000, rewarmBelowMs: 1000 } },
  cpu: { models: EXAMPLE_MODELS, batches: [1, 32, 256], policy: { budgetMs: 8000, minRuns: 3, maxRuns: 500, warmupMs: 1000, maxRoundMs: 30_000, rewarmBelowMs: 1000 } },
  webgl: { models: EXAMPLE_MODELS, batches: [1, 32, 256], policy: { budgetMs: 6000, minRuns: 5, maxRuns: 300, warmupMs: 1000, maxRoundMs: 30_000, rewarmBelowMs: 1000 } },
};

/** `--quick`: a smoke run of the machinery in seconds (Géron only, few runs), not a measurement. */
const QUICK_POLICY: CellPolicy = { budgetMs: 400, minRuns: 3, maxRuns: 50, warmupMs: 200, maxRoundMs: 2000, rewarmBelowMs: 1000 };
const QUICK: Record<InferenceBackend, InferencePlan> = {
  wasm: { models: ['geron'], batches: [1, 32, 256], policy: QUICK_POLICY },
  cpu: { models: ['geron'], batches: [1, 32], policy: QUICK_POLICY },
  webgl: { models: ['geron'], batches: [1, 32], policy: QUICK_POLICY },
};

export function inferencePlan(backend: InferenceBackend, quick: boolean): InferencePlan {
  return (quick ? QUICK : FULL)[backend];
}
