// The optimizer pipeline: passes in order, each a pure function on (graph, weights).
//
//   0. normalization-to-batchnorm      inference: a Normalization is a BN with σ² + ε = 1
//   1. fold-bias-into-batchnorm        both builds: a bias before a BN is dead weight
//   -- inference only, repeated until nothing changes (one fold can enable another,
//      e.g. BN → BN → Dense) --
//   2. remove-identities               Dropout & co. out of the way, so BNs meet their neighbours
//   3. fuse-batchnorm-into-preceding   exact whenever its guards pass, so tried first
//   4. split-batchnorm-across-concatenate  the same, once per input of a channel Concatenate
//   5. fold-batchnorm-into-following   BNs after activations or Flatten (Géron's placement)
//   6. fold-batchnorm-across-reshape   BN → Flatten/Reshape → Dense when the axes map exactly
//   7. fold-rescaling                  Rescaling next to a linear layer, the same way
//   -- then once --
//   8. move-batchnorm-scale-through-relu  BN → relu → Dense/Conv: s into the kernel, x + t/s left
//   9. batchnorm-to-affine             whatever BN is left becomes x·s + t
//  10. fuse-activations                last, so Dense → BN → ReLU ends as one fused kernel

import { didYouMean, NncError } from '../../src/diagnostics.js';
import type { Graph } from '../../src/ir/types.js';
import { batchNormToAffine } from './batchNormToAffine.js';
import { foldBatchNormAcrossReshape } from './foldBatchNormAcrossReshape.js';
import { foldBatchNormIntoFollowing } from './foldBatchNormIntoFollowing.js';
import { foldBiasIntoBatchNorm } from './foldBiasIntoBatchNorm.js';
import { foldRescaling } from './foldRescaling.js';
import { normalizationToBatchNorm } from './normalizationToBatchNorm.js';
import { fuseActivations } from './fuseActivations.js';
import { fuseBatchNormIntoPreceding } from './fuseBatchNormIntoPreceding.js';
import { moveBatchNormScaleThroughRelu } from './moveBatchNormScaleThroughRelu.js';
import type { BuildMode, ModelState, Pass, PassNote } from './pass.js';
import { removeIdentities } from './removeIdentities.js';
import { splitBatchNormAcrossConcatenate } from './splitBatchNormAcrossConcatenate.js';

export const PASSES: readonly Pass[] = [
  normalizationToBatchNorm,
  foldBiasIntoBatchNorm,
  removeIdentities,
  fuseBatchNormIntoPreceding,
  splitBatchNormAcrossConcatenate,
  foldBatchNormIntoFollowing,
  foldBatchNormAcrossReshape,
  foldRescaling,
  moveBatchNormScaleThroughRelu,
  batchNormToAffine,
  fuseActivations,
];

/**
 * Passes repeated together until the graph stops changing. Each of them removes at
 * least one node whenever it changes the graph, so there are at most as many changing
 * rounds as nodes: a chain of n BNs before a Dense takes n rounds, one fold per round.
 */
const FIXPOINT = new Set<Pass>([removeIdentities, fuseBatchNormIntoPreceding, splitBatchNormAcrossConcatenate, foldBatchNormIntoFollowing, foldBatchNormAcrossReshape, foldRescaling]);

export interface PassStep {
  readonly pass: string;
  readonly graph: Graph;
  readonly notes: readonly PassNote[];
}

export interface OptimizeResult extends ModelState {
  readonly mode: BuildMode;
  /** Every pass run, in order, with the graph after it. */
  readonly steps: readonly PassStep[];
}

export interface OptimizeOptions {
  readonly mode?: BuildMode;
  /** Pass selection: names to run (in pipeline order) or `-name` to leave out of the default. */
  readonly passes?: readonly string[];
  /** Called with each pass's output, e.g. to run the IR verifier in tests. */
  readonly afterEach?: (step: PassStep) => void;
}

/** Throws, with a suggestion and the list, unless `name` is a pass of the pipeline. */
export function checkPassName(name: string): void {
  const names = PASSES.map((p) => p.name);
  if (!names.includes(name)) throw new NncError(`unknown pass '${name}'${didYouMean(name, names)} (passes: ${names.join(', ')})`);
}

/** The passes a `--passes a,b,-c` selection names, in pipeline order; throws on unknown names. */
export function selectPasses(selection: readonly string[] | undefined): readonly Pass[] {
  if (!selection || selection.length === 0) return PASSES;
  for (const item of selection) {
    const name = item.replace(/^-/, '');
    if (name === '') throw new NncError(`empty pass name in the selection '${selection.join(',')}' (passes: ${PASSES.map((p) => p.name).join(', ')})`);
    checkPassName(name);
  }
  const excluded = selection.filter((s) => s.startsWith('-')).map((s) => s.slice(1));
  const included = selection.filter((s) => !s.startsWith('-'));
  return PASSES.filter((p) => (included.length === 0 || included.includes(p.name)) && !excluded.includes(p.name));
}

export function optimize(state: ModelState, options: OptimizeOptions = {}): OptimizeResult {
  const mode = options.mode ?? 'inference';
  const passes = selectPasses(options.passes).filter((p) => p.modes.includes(mode));
  const steps: PassStep[] = [];
  let current = state;
  const apply = (pass: Pass) => {
    const result = pass.run(current, mode);
    const step = { pass: pass.name, graph: result.graph, notes: result.notes };
    steps.push(step);
    options.afterEach?.(step);
    const changed = result.graph !== current.graph;
    current = { graph: result.graph, weights: result.weights };
    return changed;
  };
  let index = 0;
  while (index < passes.length) {
    if (!FIXPOINT.has(passes[index])) {
      apply(passes[index++]);
      continue;
    }
    const group: Pass[] = [];
    while (index < passes.length && FIXPOINT.has(passes[index])) group.push(passes[index++]);
    for (let round = 0, bound = current.graph.nodes.length; round <= bound; round++) {
      let changed = false;
      for (const pass of group) changed = apply(pass) || changed;
      if (!changed) break;
    }
  }
  return { ...current, mode, steps };
}
