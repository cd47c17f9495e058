// The budgets that keep checking a file linear in what the file asks for. Blocks and
// `repeat` multiply: forty blocks that each call the next twice ask for 2^40 layers. The
// lowering counts layers and steps as it expands and stops a model at a limit with one
// error saying what to reduce, so bad input never hangs the checker.

import { type Diagnostic, type Location, type SuggestionBudget, error, note } from '../../src/diagnostics.js';
import { formatCount } from '../summary.js';

/**
 * A model may expand to at most this many layers, and run at most this many statements.
 * Far beyond any real Keras model, and small enough that hitting the limit takes about a second.
 */
export const MAX_LAYERS = 100_000;
export const MAX_STEPS = 2_000_000;
/** Blocks nest at most this deep (recursion is rejected before expansion; this is a backstop). */
const MAX_BLOCK_DEPTH = 256;

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

/** A block being expanded and the call that expanded it. */
export interface BlockCallSite {
  readonly block: string;
  readonly loc: Location;
}

/**
 * One model's budget: counts the layers and steps (statements and argument values) of
 * its expansion, and at a limit reports one error saying what to reduce and throws Abort.
 */
export class ExpansionBudget {
  readonly #diagnostics: Diagnostic[];
  readonly #file: FileLimits;
  #layers = 0;
  #steps = 0;

  constructor(diagnostics: Diagnostic[], file: FileLimits) {
    this.#diagnostics = diagnostics;
    this.#file = file;
  }

  /** Layers applied so far, including those that failed. */
  get layers(): number {
    return this.#layers;
  }

  get steps(): number {
    return this.#steps;
  }

  layer(loc: Location): void {
    if (++this.#layers > MAX_LAYERS) {
      this.#diagnostics.push(error(`the model expands to more than ${formatCount(MAX_LAYERS)} layers, the limit; reduce the repeat counts or the blocks' nesting`, loc));
      throw new Abort();
    }
  }

  step(loc: Location | null): void {
    if (++this.#steps > MAX_STEPS) {
      this.#diagnostics.push(error(`the model takes more than ${formatCount(MAX_STEPS)} steps to expand (statements and argument values), the limit; reduce the repeat counts or the blocks' nesting`, loc));
      throw new Abort();
    }
  }

  /**
   * Every iteration of a `repeat` runs the same statements with the same counts, so the
   * first one tells what all of them cost: an oversized repeat is refused after one
   * iteration rather than after building a million layers.
   */
  repeat(count: number, layersPerIteration: number, stepsPerIteration: number, loc: Location): void {
    const remaining = count - 1;
    if (this.#layers + layersPerIteration * remaining > MAX_LAYERS) {
      const total = layersPerIteration * count;
      const per = `${formatCount(layersPerIteration)} per iteration`;
      this.#diagnostics.push(error(`repeat ${formatCount(count)} adds ${formatCount(total)} layers (${per}), more than the limit of ${formatCount(MAX_LAYERS)} layers in a model; reduce the repeat count`, loc));
      throw new Abort();
    }
    if (this.#steps + stepsPerIteration * remaining > MAX_STEPS) {
      this.#diagnostics.push(error(`repeat ${formatCount(count)} takes more than ${formatCount(MAX_STEPS)} steps to expand (statements and argument values); reduce the repeat count`, loc));
      throw new Abort();
    }
  }

  /** Before expanding `block` inside the blocks of `callStack`: a chain nested too deep is reported once per file. */
  nest(callStack: readonly BlockCallSite[], block: string, callLoc: Location): void {
    if (callStack.length < MAX_BLOCK_DEPTH) return;
    if (!this.#file.blockDepthReported) {
      const outermost = callStack[0];
      this.#diagnostics.push(error(`blocks nest more than ${MAX_BLOCK_DEPTH} deep here (${outermost.block} -> ... -> ${block}); flatten the chain of blocks`, callLoc, [note(`the outermost block, '${outermost.block}', is called here`, outermost.loc)]));
      this.#file.blockDepthReported = true;
    }
    throw new Abort();
  }
}

/** The exact product of dimensions, for counts that may pass 2^53 (reported, never rounded). */
export function bigProduct(dims: readonly number[]): bigint {
  let product = 1n;
  for (const d of dims) product *= BigInt(d);
  return product;
}
