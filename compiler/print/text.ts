// How single values are spelt in `.nn` text: numbers that read back to the same
// float64, strings with the language's two escapes, and identifiers made from
// arbitrary names (a Keras model called `my-model` becomes `my_model`).

import { KEYWORDS } from '../../grammar/tokens.js';
import { LAYER_NAMES } from '../layers/table.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set<string>(KEYWORDS);
/** Names a value cannot take: keywords, and layer names (a value named `Dense` is refused). */
const NOT_A_VALUE = new Set<string>([...KEYWORDS, ...LAYER_NAMES]);

/** Whether `name` can be written bare: an identifier that is not a keyword. */
export function isPlainIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name);
}

/**
 * `name` made into an identifier, deterministically: every other character becomes `_`,
 * a leading digit (or nothing) gets a `_` in front, and a keyword gets one behind.
 */
export function toIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(id)) id = `_${id}`;
  return RESERVED.has(id) ? `${id}_` : id;
}

/**
 * Hands out value names (model inputs and bound values) unique within one model: the
 * identifier of the wanted name, then `_2`, `_3`, ... if it is taken or not allowed.
 */
export class ValueNames {
  readonly #taken = new Set<string>();

  /** `wanted` or the nearest free name; `refused` rules out further names (an input must not take another layer's name). */
  claim(wanted: string, refused: (name: string) => boolean = () => false): string {
    let base = toIdentifier(wanted);
    if (NOT_A_VALUE.has(base)) base = `${base}_`;
    let name = base;
    for (let n = 2; this.#taken.has(name) || refused(name); n++) name = `${base}_${n}`;
    this.#taken.add(name);
    return name;
  }
}

/** A string literal, or null when the text cannot be one (strings end at the line). */
export function quoteString(text: string): string | null {
  if (/[\n\r]/.test(text)) return null;
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A number as the shortest text that reads back to the same float64 (`0.001`, `1e-7`,
 * `-0.5`); `-0` keeps its sign. Null for NaN and the infinities, which `.nn` cannot write.
 */
export function formatNumber(n: number): string | null {
  if (!Number.isFinite(n)) return null;
  return Object.is(n, -0) ? '-0' : String(n);
}
