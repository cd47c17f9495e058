// The driver's first stages: source → check → (weights). The stages are separate files
// so a command loads only the ones it runs (`nnc check` never loads the optimizer);
// src/driver/index.ts gathers them for the API. See index.ts for the whole driver.

import { type CheckResult, checkForRuntime, pickModel } from '../../compiler/check.js';
import { Source } from '../diagnostics.js';
import type { WeightMap } from '../ir/tensors.js';
import type { Graph } from '../ir/types.js';
import { checkWeightMap } from '../ir/weights.js';

/** A graph with weights that fit it (every name and shape checked). */
export interface WeightedModel {
  readonly graph: Graph;
  readonly weights: WeightMap;
}

/**
 * Stage 1: parse and check a source, and what the runtime can hold (a model beyond it
 * gets an error at its layer, compiler/capacity.ts); diagnostics come back, never an exception.
 */
export function checkSource(source: string | Source, name = '<input>'): CheckResult {
  return checkForRuntime(typeof source === 'string' ? new Source(source, name) : source);
}

/**
 * Stage 1, for tools that work on one model: the checked graph of `model` (or of the
 * source's only model). Throws NncError with every diagnostic when the source has
 * errors; `chooseWith` tells the user how to name a model (`--model NAME`).
 */
export function modelGraph(checked: CheckResult, model: string | undefined, chooseWith: string): Graph {
  return pickModel(checked, model, chooseWith);
}

/** Pairs a graph with its weights, checking names and shapes once (`what` names their origin). */
export function withWeights(graph: Graph, weights: WeightMap, what: string): WeightedModel {
  checkWeightMap(graph, weights, what);
  return { graph, weights };
}

