// Binding a call's arguments to a Keras signature: positional order, keyword names,
// required arguments, and each value checked and converted by its parameter's type.
// Layers, initializers, regularizers and constraints all bind through here.

import { type Diagnostic, type Location, closest, error, suggestionText } from '../../diagnostics.js';
import { type Arguments, type Value, containsUnknown, describeValue } from './values.js';

/** A conversion failure; `message` replaces the generic "expects X, found Y" when given. */
export class Mismatch {
  readonly message: string | undefined;
  readonly at: Location | undefined;
  constructor(message?: string, at?: Location) {
    this.message = message;
    this.at = at;
  }
}

/**
 * How a converted value must look where it is read back without the front end (a
 * bundle's JSON): null when it fits, else what it must be ("an integer in [1, 2147483647]").
 * `T` is the type it admits.
 */
export interface IrCheck<T> {
  (value: unknown): string | null;
  /** Never set: carries the admitted type. */
  readonly admits?: T;
}

export function irCheck<T>(check: (value: unknown) => string | null): IrCheck<T> {
  return check as IrCheck<T>;
}

export interface ParamType<T> {
  /** What the parameter accepts, for messages: "a positive integer". */
  readonly expects: string;
  convert(value: Value, diagnostics: Diagnostic[]): T | Mismatch;
}

/** The type of a layer attribute: a parameter type whose converted value an IR stores, with that value's check. */
export interface AttrType<T> extends ParamType<T> {
  readonly ir: IrCheck<T>;
}

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType<unknown>;
  /** The resolved default; absent means the argument is required. */
  readonly default?: unknown;
}

export interface Signature {
  /** How the callee is named in messages: `Dense`, `initializer 'he_normal'`. */
  readonly title: string;
  readonly params: readonly ParamSpec[];
  /** How many leading parameters may be given positionally. */
  readonly positional: number;
}

export function param(name: string, type: ParamType<unknown>, ...defaultValue: [] | [unknown]): ParamSpec {
  return defaultValue.length === 0 ? { name, type } : { name, type, default: defaultValue[0] };
}

/**
 * Binds `args` to `signature`, reporting every problem. Returns the converted arguments
 * (defaults filled in) or null if any argument was wrong.
 */
export function bindArguments(signature: Signature, args: Arguments, callLoc: Location, diagnostics: Diagnostic[]): Record<string, unknown> | null {
  const given = new Map<string, Value>();
  let ok = true;

  args.positional.forEach((value, index) => {
    if (index >= signature.positional) {
      const names = signature.params.slice(0, signature.positional).map((p) => p.name);
      const takes = signature.positional === 0 ? 'takes no positional arguments' : `takes ${signature.positional} positional argument${signature.positional > 1 ? 's' : ''} (${names.join(', ')})`;
      diagnostics.push(error(`${signature.title} ${takes}, found ${describeValue(value)} as positional argument ${index + 1}; pass it as key=value`, value.loc));
      ok = false;
      return;
    }
    given.set(signature.params[index].name, value);
  });

  /** Parameters suggested for a misspelt keyword: not also reported as missing. */
  let suggested: Set<string> | undefined;
  for (const { key, keyLoc, value } of args.keyword) {
    if (!signature.params.some((p) => p.name === key)) {
      const known = signature.params.map((p) => p.name);
      const suggestion = closest(key, known);
      if (suggestion !== undefined) (suggested ??= new Set()).add(suggestion);
      diagnostics.push(error(`${signature.title} has no argument '${key}'${suggestionText(suggestion)}`, keyLoc));
      ok = false;
      continue;
    }
    if (given.has(key)) {
      diagnostics.push(error(`argument '${key}' of ${signature.title} is given twice, positionally and by name`, keyLoc));
      ok = false;
      continue;
    }
    given.set(key, value);
  }

  const bound: Record<string, unknown> = {};
  for (const spec of signature.params) {
    const value = given.get(spec.name);
    if (value === undefined) {
      if (!('default' in spec)) {
        if (!suggested?.has(spec.name)) diagnostics.push(error(`${signature.title} is missing its required argument '${spec.name}'`, callLoc));
        ok = false;
      } else {
        bound[spec.name] = spec.default;
      }
      continue;
    }
    if (containsUnknown(value)) {
      ok = false; // a parameter of a block checked without a caller: nothing to check, nothing to build
      continue;
    }
    const converted = spec.type.convert(value, diagnostics);
    if (converted instanceof Mismatch) {
      ok = false;
      if (converted.message === '') continue; // already reported by a nested binding
      const message = converted.message ?? `argument '${spec.name}' of ${signature.title} expects ${spec.type.expects}, found ${describeValue(value)}`;
      diagnostics.push(error(message, converted.at ?? value.loc));
      continue;
    }
    bound[spec.name] = converted;
  }
  return ok ? bound : null;
}
