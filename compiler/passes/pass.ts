// What an optimizer pass is: a pure function from a model (graph + optional weights)
// to a model, with a report of every decision it made. A pass never mutates what it
// is given; a precondition that fails becomes a reason in the report, never a crash.
// Weights are folded in float64 (a folded kernel is a FoldedKernel: its values are
// computed in float64 when first read); they become float32 only when stored (runtime
// upload, bundles).

import type { Graph } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';

export type BuildMode = 'inference' | 'training';

export interface ModelState {
  readonly graph: Graph;
  /** Absent for structural runs (`nnc ir --after`, `nnc summary --optimize`). */
  readonly weights: WeightMap | null;
}

/** One decision about one layer. */
export interface PassNote {
  readonly pass: string;
  /** The layer the decision is about. */
  readonly layer: string;
  readonly kind: string;
  /** `folded`: merged into `into`; `removed`: dropped as an identity; `kept`: left as is, with `reason`. */
  readonly action: 'folded' | 'removed' | 'kept' | 'converted';
  readonly into?: string;
  readonly detail: string;
}

export interface PassResult extends ModelState {
  readonly notes: readonly PassNote[];
}

export interface Pass {
  readonly name: string;
  /** One line: what the pass does. */
  readonly summary: string;
  /** Builds the pass may run in. */
  readonly modes: readonly BuildMode[];
  run(state: ModelState, mode: BuildMode): PassResult;
}
