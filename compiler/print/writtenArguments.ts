// A layer's IR attributes turned back into the arguments a user writes, driven by the
// layer's signature (compiler/layers/table.ts) rather than by a second table:
//
//   1. each attribute gets its simplest spelling that the parameter's own type converts
//      back to the same value (`[3, 3]` → `3`, `{name: 'relu'}` → `relu`,
//      `he_normal` with default arguments → `he_normal`);
//   2. every parameter is then dropped, in signature order, where binding the call
//      without it still resolves to the very same attributes: that is "equals the
//      default" including resolved defaults (BatchNormalization's `axis` on the last
//      axis, pooling `strides` equal to `pool_size`, Softmax's `axis=-1`);
//   3. what is left is written positionally up to the signature's `positional` count
//      while no earlier parameter was dropped, and by keyword after that.
//
// Binding and resolving go through the same `bindArguments` and `attrs` the compiler
// uses, so a printed call is checked to mean the node it came from; an attribute with
// no spelling (an ELU alpha fused into a Dense by the optimizer) is refused by name.

import { Source } from '../../src/diagnostics.js';
import type { Location } from '../../src/diagnostics.js';
import type { Node, Shape } from '../../src/ir/types.js';
import { type Arguments, type KeywordArgument, type Value } from '../values.js';
import { Mismatch, type ParamSpec, type ParamType, bindArguments } from '../layers/arguments.js';
import type { LayerSignature } from '../layers/table.js';
import { formatNumber, isPlainIdentifier, quoteString } from './text.js';

/** Values built here are never reported against: they point nowhere. */
const NOWHERE: Location = { source: new Source('', '<printer>'), start: 0, end: 0 };

/** Parameters every layer takes, written from the node itself rather than its attributes. */
const NODE_PARAMS = new Set(['name', 'trainable']);

export interface WrittenCall {
  /** `Dense(300, activation=relu)`, `Flatten`. */
  readonly text: string;
}

/** Why an attribute could not be written, for the printer's error. */
export interface Unwritable {
  /** The attribute with no spelling; null when each has one but together they do not resolve to the node. */
  readonly attribute: string | null;
  readonly value?: unknown;
}

/**
 * The call that re-creates `node` (a layer of `signature`) from inputs of `inputShapes`,
 * with `extra` keyword arguments (`name=`, `trainable=`) appended; or what cannot be written.
 */
export function writeCall(signature: LayerSignature, node: Node, inputShapes: readonly Shape[], extra: readonly string[]): WrittenCall | Unwritable {
  const attrs = node.attrs as unknown as Record<string, unknown>;
  const params = signature.params.filter((p) => !NODE_PARAMS.has(p.name));
  const spelt = new Map<string, Value>();
  /** Attributes with no spelling: fine if the default resolves to them, else the reason. */
  const unspelt: string[] = [];
  for (const p of params) {
    if (!(p.name in attrs)) continue;
    const value = simplestSpelling(p.type, attrs[p.name]);
    if (value === null) unspelt.push(p.name);
    else spelt.set(p.name, value);
  }
  const resolvesToNode = (written: ReadonlyMap<string, Value>) => {
    const bound = bindArguments(signature, keywordArguments(written), NOWHERE, []);
    if (bound === null) return false;
    const resolved = signature.attrs(bound, inputShapes);
    return !('error' in resolved && typeof resolved.error === 'string') && deepEqual(resolved, attrs);
  };
  const unknown = Object.keys(attrs).find((key) => attrs[key] !== undefined && !params.some((p) => p.name === key));
  if (unknown !== undefined) return { attribute: unknown, value: attrs[unknown] };
  if (!resolvesToNode(spelt)) return unspelt.length > 0 ? { attribute: unspelt[0], value: attrs[unspelt[0]] } : { attribute: null };
  for (const p of params) {
    if (!('default' in p) || !spelt.has(p.name)) continue;
    const without = new Map(spelt);
    without.delete(p.name);
    if (resolvesToNode(without)) spelt.delete(p.name);
  }
  const parts: string[] = [];
  let positional = true;
  signature.params.forEach((p: ParamSpec, index) => {
    const value = spelt.get(p.name);
    if (value === undefined) {
      positional = false;
      return;
    }
    positional &&= index < signature.positional;
    parts.push(positional ? formatValue(value) : `${p.name}=${formatValue(value)}`);
  });
  parts.push(...extra);
  const kind = signature.kind;
  return { text: parts.length === 0 ? kind : `${kind}(${parts.join(', ')})` };
}

function keywordArguments(written: ReadonlyMap<string, Value>): Arguments {
  const keyword: KeywordArgument[] = [...written].map(([key, value]) => ({ key, keyLoc: NOWHERE, value }));
  return { positional: [], keyword };
}

// ---------------------------------------------------------------------------
// Spellings of one value, simplest first; the first the type converts back to the
// value wins.

/** The simplest written value that `type` converts to `value`, or null if there is none. */
export function simplestSpelling(type: ParamType<unknown>, value: unknown): Value | null {
  for (const candidate of spellings(type, value)) {
    const converted = type.convert(candidate, []);
    if (!(converted instanceof Mismatch) && deepEqual(converted, value)) return candidate;
  }
  return null;
}

function* spellings(type: ParamType<unknown>, value: unknown): Generator<Value> {
  if (value === null) yield { kind: 'null', loc: NOWHERE };
  else if (typeof value === 'boolean') yield { kind: 'bool', value, loc: NOWHERE };
  else if (typeof value === 'number' || typeof value === 'string') {
    const plain = plainSpelling(value);
    if (plain) yield plain;
  } else if (Array.isArray(value)) yield* listSpellings(value);
  else if (typeof value === 'object' && 'name' in value && typeof value.name === 'string') {
    // An activation `{name}` or an initializer, regularizer or constraint `{name, args}`.
    const bare = text(value.name);
    if (bare) yield bare;
    if ('args' in value && typeof value.args === 'object' && value.args !== null) {
      const call = callSpelling(type, value.name, value.args as Record<string, unknown>);
      if (call) yield call;
    }
  }
}

/** `[a]` and `[a, a]` as `a` (an axis, pairs, symmetric padding), then the list of the items' simplest forms, then the list as it is. */
function* listSpellings(items: readonly unknown[]): Generator<Value> {
  if (items.length === 1 || (items.length === 2 && deepEqual(items[0], items[1]))) {
    for (const single of listItemSpellings(items[0])) yield single;
  }
  const simplest = items.map((item) => listItemSpellings(item)[0]);
  if (simplest.every((v) => v !== undefined)) yield { kind: 'list', items: simplest, loc: NOWHERE };
  const literal = items.map((item) => listItemSpellings(item).at(-1));
  if (literal.every((v) => v !== undefined)) yield { kind: 'list', items: literal as Value[], loc: NOWHERE };
}

/** Spellings of a list item, simplest first and the literal one last (items are numbers or nested lists). */
function listItemSpellings(item: unknown): Value[] {
  if (typeof item === 'number') return Number.isFinite(item) ? [{ kind: 'number', value: item, loc: NOWHERE }] : [];
  if (Array.isArray(item)) return [...listSpellings(item)];
  return [];
}

/**
 * `name(args)` with only the arguments that differ from the callable's defaults (the
 * defaults are what the type makes of the bare name): positional when the callable has
 * a single parameter other than `seed` (`l2(0.01)`, `constant(0.5)`), by keyword otherwise.
 */
function callSpelling(type: ParamType<unknown>, name: string, args: Record<string, unknown>): Value | null {
  const bare = text(name);
  if (bare === null) return null;
  const defaults = type.convert(bare, []);
  if (defaults instanceof Mismatch || defaults === null || typeof defaults !== 'object' || !('args' in defaults)) return null;
  const defaultArgs = defaults.args as Record<string, unknown>;
  const keys = Object.keys(defaultArgs);
  const changed = keys.filter((key) => !deepEqual(args[key], defaultArgs[key]));
  const values: Value[] = [];
  for (const key of changed) {
    const spelt = plainSpelling(args[key]);
    if (spelt === null) return null;
    values.push(spelt);
  }
  const positional = keys.length === 1 && keys[0] !== 'seed';
  const callArgs: Arguments = positional
    ? { positional: values, keyword: [] }
    : { positional: [], keyword: changed.map((key, i) => ({ key, keyLoc: NOWHERE, value: values[i] })) };
  return { kind: 'call', name, args: callArgs, loc: NOWHERE };
}

/** A callable's argument: a number, a string or symbol, a boolean or null. */
function plainSpelling(value: unknown): Value | null {
  if (value === null) return { kind: 'null', loc: NOWHERE };
  if (typeof value === 'boolean') return { kind: 'bool', value, loc: NOWHERE };
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', value, loc: NOWHERE } : null;
  if (typeof value === 'string') return text(value);
  return null;
}

/** A string: bare when it is an identifier (`relu`, `same`), quoted otherwise; null if it cannot be a string literal. */
function text(value: string): Value | null {
  if (isPlainIdentifier(value)) return { kind: 'string', value, quoted: false, loc: NOWHERE };
  return quoteString(value) === null ? null : { kind: 'string', value, quoted: true, loc: NOWHERE };
}

// ---------------------------------------------------------------------------

/** The text of a value built above (never a block parameter). */
export function formatValue(value: Value): string {
  switch (value.kind) {
    case 'number':
      return formatNumber(value.value) ?? 'NaN';
    case 'string':
      return value.quoted ? (quoteString(value.value) ?? '""') : value.value;
    case 'bool':
      return String(value.value);
    case 'null':
      return 'null';
    case 'list':
      return `[${value.items.map(formatValue).join(', ')}]`;
    case 'call': {
      const parts = [...value.args.positional.map(formatValue), ...value.args.keyword.map((k) => `${k.key}=${formatValue(k.value)}`)];
      return `${value.name}(${parts.join(', ')})`;
    }
    case 'unknown':
      return '?';
  }
}

/** Structural equality of plain data; keys holding `undefined` count as absent, numbers compare with `Object.is`. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const keysOf = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const ka = keysOf(a);
  const kb = keysOf(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
