// Argument values as the front end evaluates them from a `.nn` call (`Dense(300,
// activation=elu)`), each with the location it was written at. The layer definitions'
// parameter types check and convert them, so they live here, at the ground.

import type { Location } from '../../diagnostics.js';

export type Value =
  | { readonly kind: 'number'; readonly value: number; readonly loc: Location }
  /** A string literal (`quoted`) or a bare identifier used as a symbol; the two mean the same. */
  | { readonly kind: 'string'; readonly value: string; readonly quoted: boolean; readonly loc: Location }
  | { readonly kind: 'bool'; readonly value: boolean; readonly loc: Location }
  | { readonly kind: 'null'; readonly loc: Location }
  | { readonly kind: 'list'; readonly items: readonly Value[]; readonly loc: Location }
  | { readonly kind: 'call'; readonly name: string; readonly args: Arguments; readonly loc: Location }
  /** A block parameter's value while a block is checked on its own, without a caller: accepted silently. */
  | { readonly kind: 'unknown'; readonly loc: Location };

export interface KeywordArgument {
  readonly key: string;
  readonly keyLoc: Location;
  readonly value: Value;
}

export interface Arguments {
  readonly positional: readonly Value[];
  readonly keyword: readonly KeywordArgument[];
}

export const NO_ARGUMENTS: Arguments = { positional: [], keyword: [] };

/** How a value reads in a message: `0.5`, `"abc"`, `elu`, `[1, 2]`, `l2(...)`. */
export function describeValue(value: Value): string {
  switch (value.kind) {
    case 'number':
      return String(value.value);
    case 'string':
      return value.quoted ? JSON.stringify(value.value) : `symbol '${value.value}'`;
    case 'bool':
      return String(value.value);
    case 'null':
      return 'null';
    case 'list':
      return `[${value.items.map(describeValue).join(', ')}]`;
    case 'call':
      return `${value.name}(...)`;
    case 'unknown':
      return 'a block parameter';
  }
}

/** Whether a value is, or contains, an unknown block parameter. */
export function containsUnknown(value: Value): boolean {
  if (value.kind === 'unknown') return true;
  if (value.kind === 'list') return value.items.some(containsUnknown);
  if (value.kind === 'call') return value.args.positional.some(containsUnknown) || value.args.keyword.some((k) => containsUnknown(k.value));
  return false;
}
