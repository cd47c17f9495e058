// What a name means while a model or block expands. Values are lexically scoped: a
// `repeat` iteration sees its enclosing names and binds its own, a block sees only its
// parameters and inputs. A value is a node of the graph being built, or POISON when the
// layer that should have produced it failed.

import type { Location } from '../../src/diagnostics.js';
import type { NodeId } from '../../src/ir/types.js';
import type { Evaluator } from '../values.js';

/** The value of a failed layer: consumers are argument-checked but skip shape checks. */
export const POISON = -1;
export type Ref = NodeId | typeof POISON;

export interface Binding {
  readonly ref: Ref;
  readonly loc: Location;
}

export class Scope {
  readonly #values = new Map<string, Binding>();
  readonly parent: Scope | null;

  constructor(parent: Scope | null) {
    this.parent = parent;
  }

  lookup(name: string): Binding | undefined {
    for (let scope: Scope | null = this; scope; scope = scope.parent) {
      const found = scope.#values.get(name);
      if (found) return found;
    }
    return undefined;
  }

  bind(name: string, binding: Binding): void {
    this.#values.set(name, binding);
  }

  /** Every visible name, innermost scope first; lazy, so a spent suggestion budget stops it early. */
  *names(): Generator<string> {
    for (let scope: Scope | null = this; scope; scope = scope.parent) yield* scope.#values.keys();
  }
}

/** One body being expanded: a model's, a block's, or one iteration of a `repeat`. */
export interface Frame {
  readonly kind: 'model' | 'block';
  readonly scope: Scope;
  readonly evaluator: Evaluator;
  /** Values passed into a block, in order. */
  readonly passed: readonly Ref[];
  /** Inside a `repeat` body. */
  readonly inRepeat: boolean;
  /** Mutable per frame: how many `input` statements have run, and the `output` statement's values. */
  readonly state: { inputsSeen: number; outputs: Ref[] | undefined; outputLoc: Location | undefined };
}

export function newFrame(kind: 'model' | 'block', scope: Scope, evaluator: Evaluator, passed: readonly Ref[], inRepeat: boolean): Frame {
  return { kind, scope, evaluator, passed, inRepeat, state: { inputsSeen: 0, outputs: undefined, outputLoc: undefined } };
}
