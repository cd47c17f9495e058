// The budgets that keep checking a file linear in what the file asks for. Blocks and
// `repeat` multiply: forty blocks that each call the next twice ask for 2^40 layers. The
// lowering counts layers and steps as it expands and stops a model at a limit with one
// error saying what to reduce, so bad input never hangs the checker.

import type { SuggestionBudget } from '../../src/diagnostics.js';

/**
 * A model may expand to at most this many layers, and run at most this many statements.
 * Far beyond any real Keras model, and small enough that hitting the limit takes about a second.
 */
export const MAX_LAYERS = 100_000;
export const MAX_STEPS = 2_000_000;
/** Blocks nest at most this deep (recursion is rejected before expansion; this is a backstop). */
export const MAX_BLOCK_DEPTH = 256;

/** Edit-distance cells for "did you mean" in one file: well under a second of work. */
export const SUGGESTION_CELLS = 5_000_000;

/**
 * Shared by the lowerings of one file: a block chain nested too deep is reported once,
 * not once per caller; suggestions share one budget of work.
 */
export interface FileLimits {
  blockDepthReported: boolean;
  readonly suggestions: SuggestionBudget;
}

export function fileLimits(): FileLimits {
  return { blockDepthReported: false, suggestions: { cells: SUGGESTION_CELLS } };
}

/** Thrown to stop expanding a model that exceeds a budget (already reported). */
export class Abort {}

/** The exact product of dimensions, for counts that may pass 2^53 (reported, never rounded). */
export function bigProduct(dims: readonly number[]): bigint {
  let product = 1n;
  for (const d of dims) product *= BigInt(d);
  return product;
}
