// The types of layer arguments: each checks a written value and converts it to the
// IR's form, and checks that form where it is read back from JSON (a bundle), where
// the text is hostile and the bounds are tighter (dimensions below 2^31).

import { didYouMean } from '../../diagnostics.js';
import {
  ACTIVATION_NAMES,
  type Activation,
  type ActivationName,
  type ArgValue,
  type Callable,
  CONSTRAINT_NAMES,
  type Constraint,
  INITIALIZER_NAMES,
  type Initializer,
  type Pair,
  REGULARIZER_NAMES,
  type Regularizer,
} from '../attributes.js';
import { NUMBER_RANGES, type NumberRange } from '../numberRanges.js';
import { type AttrType, type IrCheck, Mismatch, type Signature, bindArguments, irCheck, param } from './arguments.js';
import { type Value, describeValue } from './values.js';

const MAX_DIM = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------
// Checks of the IR's form (JSON): what a value must be, or null when it fits.

/** The largest dimension or count a graph read from JSON may ask for. */
const MAX_IR_DIM = 2 ** 31 - 1;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
export const irInt = (min: number, max = MAX_IR_DIM) => irCheck<number>((v) => (isInt(v) && v >= min && v <= max ? null : `an integer in [${min}, ${max}]`));
const irNumber = irCheck<number>((v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a finite number'));
const irSafeInt = irCheck<number>((v) => (isInt(v) ? null : 'an integer'));
const irBool = irCheck<boolean>((v) => (typeof v === 'boolean' ? null : 'true or false'));
const irString = irCheck<string>((v) => (typeof v === 'string' ? null : 'a string'));
const irOneOf = <T extends string>(values: readonly T[]) => irCheck<T>((v) => (typeof v === 'string' && (values as readonly string[]).includes(v) ? null : `one of ${values.join(', ')}`));
const irNullable = <T>(check: IrCheck<T>) => irCheck<T | null>((v) => (v === null ? null : check(v)));
export const irPair = (min: number) => irCheck<Pair>((v) => (Array.isArray(v) && v.length === 2 && v.every((x) => irInt(min)(x) === null) ? null : `a pair of integers ≥ ${min}`));
/** Resolved axes: counted with the batch axis, so never 0. */
export const irAxes = irCheck<readonly number[]>((v) => (Array.isArray(v) && v.length > 0 && v.length <= 64 && v.every((x) => irInt(1, 64)(x) === null) ? null : 'a non-empty list of axes'));
/** Resolved axes that may be none (PReLU's shared_axes, Normalization's axis=null): distinct, ascending, never 0. */
export const irAxesOrNone = irCheck<readonly number[]>((v) =>
  Array.isArray(v) && v.length <= 64 && v.every((x) => irInt(1, 64)(x) === null) && v.every((x, i) => i === 0 || x > v[i - 1]) ? null : 'a list of distinct ascending axes (possibly empty)');
const irWrittenAxesOrNone = irCheck<readonly number[]>((v) => (Array.isArray(v) && v.length <= 64 && v.every(isInt) ? null : 'a list of integer axes'));
const irWrittenAxes = irCheck<readonly number[]>((v) => (Array.isArray(v) && v.length > 0 && v.length <= 64 && v.every(isInt) ? null : 'a non-empty list of integer axes'));
const irDims = irCheck<readonly number[]>((v) => (Array.isArray(v) && v.length > 0 && v.length <= 64 && v.every((x) => x === -1 || irInt(1)(x) === null) ? null : 'a list of dimensions'));
const irPadding2 = irCheck<readonly [Pair, Pair]>((v) => (Array.isArray(v) && v.length === 2 && v.every((p) => irPair(0)(p) === null) ? null : '[[top, bottom], [left, right]]'));

const irActivation = irCheck<Activation>((v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'an activation object';
  const { name, alpha, ...rest } = v as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return 'an activation object with only name and alpha';
  if (irOneOf(ACTIVATION_NAMES)(name) !== null) return `an activation named one of ${ACTIVATION_NAMES.join(', ')}`;
  return alpha === undefined || irNumber(alpha) === null ? null : 'an activation with a numeric alpha';
});

const irCallable = <N extends string>(names: readonly N[]) =>
  irCheck<Callable<N>>((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'an object {name, args}';
    const { name, args } = v as Record<string, unknown>;
    if (irOneOf(names)(name) !== null) return `one of ${names.join(', ')}`;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return 'an object {name, args}';
    for (const value of Object.values(args)) {
      if (!(value === null || typeof value === 'boolean' || typeof value === 'string' || irNumber(value) === null)) return 'args of numbers, strings, booleans or null';
    }
    return null;
  });

// ---------------------------------------------------------------------------
// Numbers, booleans, strings, choices

function numberType(expects: string, accept: (n: number) => boolean, ir: IrCheck<number> = irNumber): AttrType<number> {
  return {
    expects,
    convert: (v) => (v.kind === 'number' && accept(v.value) ? v.value : new Mismatch()),
    ir,
  };
}

export const positiveInt = numberType('a positive integer', (n) => Number.isInteger(n) && n >= 1 && n <= MAX_DIM, irInt(1));
/**
 * A number in one of the language's ranges (src/ir/numberRanges.ts): the same range
 * checks a written argument and, in a bundle's JSON, the attribute it became, so a
 * bundle cannot carry a value the language would refuse (an epsilon of 0, a rate of 1).
 */
const rangeType = (r: NumberRange, ir?: IrCheck<number>) =>
  numberType(r.expects, r.accept, ir ?? irCheck<number>((v) => (typeof v === 'number' && Number.isFinite(v) && r.accept(v) ? null : `${r.expects}${r === NUMBER_RANGES.finite ? '' : ' (finite)'}`)));
export const integer = rangeType(NUMBER_RANGES.integer, irSafeInt);
export const finite = rangeType(NUMBER_RANGES.finite, irNumber);
export const nonNegative = rangeType(NUMBER_RANGES.nonNegative);
export const positive = rangeType(NUMBER_RANGES.positive);
export const unitInterval = rangeType(NUMBER_RANGES.unitInterval);
export const probability = rangeType(NUMBER_RANGES.probability);

export const bool: AttrType<boolean> = {
  expects: 'true or false',
  convert: (v) => (v.kind === 'bool' ? v.value : new Mismatch()),
  ir: irBool,
};

/** A string, quoted or as a bare symbol. */
export const text: AttrType<string> = {
  expects: 'a string',
  convert: (v) => (v.kind === 'string' ? v.value : new Mismatch()),
  ir: irString,
};

export function nullable<T>(type: AttrType<T>): AttrType<T | null> {
  return {
    expects: `${type.expects} or null`,
    convert: (v, diagnostics) => (v.kind === 'null' ? null : type.convert(v, diagnostics)),
    ir: irNullable(type.ir),
  };
}

export function oneOf<T extends string>(what: string, values: readonly T[]): AttrType<T> {
  return {
    expects: `one of ${values.join(', ')}`,
    convert(v) {
      if (v.kind !== 'string') return new Mismatch();
      if ((values as readonly string[]).includes(v.value)) return v.value as T;
      return new Mismatch(`unknown ${what} '${v.value}'${didYouMean(v.value, values)} (expected one of ${values.join(', ')})`);
    },
    ir: irOneOf(values),
  };
}

export const padding = oneOf('padding', ['valid', 'same'] as const);

/** `3` or `[3, 3]`, each an integer ≥ `min` (1: sizes and strides; 0: Conv2DTranspose's `output_padding`). */
function intOrPairFrom(min: 0 | 1): AttrType<Pair> {
  const what = min === 0 ? 'non-negative' : 'positive';
  return {
    expects: `a ${what} integer or a pair [a, b] of ${what} integers`,
    convert(v) {
      const ok = (x: Value) => x.kind === 'number' && Number.isInteger(x.value) && x.value >= min && x.value <= MAX_DIM;
      if (ok(v)) return [(v as { value: number }).value, (v as { value: number }).value];
      if (v.kind === 'list' && v.items.length === 2 && v.items.every(ok)) {
        const [a, b] = v.items as readonly { value: number }[];
        return [a.value, b.value];
      }
      return new Mismatch();
    },
    ir: irPair(min),
  };
}

/** `3` or `[3, 3]`, each a positive integer. */
export const intOrPair = intOrPairFrom(1);

/** `1` or `[1, 0]`, each a non-negative integer: Conv2DTranspose's `output_padding`. */
export const intOrPairFromZero = intOrPairFrom(0);

/** Conv1D's padding: `causal` pads only the start of the sequence (output t sees inputs ≤ t). */
export const padding1d = oneOf('padding', ['valid', 'same', 'causal'] as const);

/** `3` or `[3]` (Keras's tuple of one), a positive integer: a 1-D window, stride or dilation. */
export const intOrSingle: AttrType<number> = {
  expects: 'a positive integer or a list [n] of one positive integer',
  convert(v) {
    const ok = (x: Value) => x.kind === 'number' && Number.isInteger(x.value) && x.value >= 1 && x.value <= MAX_DIM;
    if (ok(v)) return (v as { value: number }).value;
    if (v.kind === 'list' && v.items.length === 1 && ok(v.items[0])) return (v.items[0] as { value: number }).value;
    return new Mismatch();
  },
  ir: irInt(1),
};

/** `1`, `[1, 2]` (symmetric per axis) or `[[top, bottom], [left, right]]`, non-negative integers. */
export const zeroPadding: AttrType<readonly [Pair, Pair]> = {
  expects: 'a non-negative integer, a pair [h, w], or [[top, bottom], [left, right]]',
  convert(v) {
    const int = (x: Value): number | null => (x.kind === 'number' && Number.isInteger(x.value) && x.value >= 0 && x.value <= MAX_DIM ? x.value : null);
    const single = int(v);
    if (single !== null) return [[single, single], [single, single]];
    if (v.kind !== 'list' || v.items.length !== 2) return new Mismatch();
    const flat = v.items.map(int);
    if (flat[0] !== null && flat[1] !== null) return [[flat[0], flat[0]], [flat[1], flat[1]]];
    const nested = v.items.map((item) => (item.kind === 'list' && item.items.length === 2 ? item.items.map(int) : null));
    if (nested.every((p) => p !== null && p[0] !== null && p[1] !== null)) {
      const [[top, bottom], [left, right]] = nested as [[number, number], [number, number]];
      return [[top, bottom], [left, right]];
    }
    return new Mismatch();
  },
  ir: irPadding2,
};

/** `1` or `[left, right]`, non-negative integers: ZeroPadding1D's padding. */
export const padding1D: AttrType<Pair> = {
  expects: 'a non-negative integer or a pair [left, right] of non-negative integers',
  convert(v) {
    const int = (x: Value): number | null => (x.kind === 'number' && Number.isInteger(x.value) && x.value >= 0 && x.value <= MAX_DIM ? x.value : null);
    const single = int(v);
    if (single !== null) return [single, single];
    if (v.kind !== 'list' || v.items.length !== 2) return new Mismatch();
    const [a, b] = v.items.map(int);
    return a !== null && b !== null ? [a, b] : new Mismatch();
  },
  ir: irPair(0),
};

/** Permute's dims: a list of feature axes counted from 1, as Keras writes them (checked as a permutation against the input). */
export const permutation: AttrType<readonly number[]> = {
  expects: 'a list of axes counted from 1',
  convert(v) {
    const ok = (x: Value) => x.kind === 'number' && Number.isInteger(x.value) && x.value >= 1 && x.value <= 64;
    if (v.kind === 'list' && v.items.length > 0 && v.items.every(ok)) return v.items.map((x) => (x as { value: number }).value);
    return new Mismatch();
  },
  ir: irAxes,
};

/** An axis or a list of axes, as written (negative allowed); resolved against the input's rank later. */
export const axes: AttrType<readonly number[]> = {
  expects: 'an integer axis or a list of integer axes',
  convert(v) {
    const int = (x: Value) => x.kind === 'number' && Number.isSafeInteger(x.value);
    if (int(v)) return [(v as { value: number }).value];
    if (v.kind === 'list' && v.items.length > 0 && v.items.every(int)) return v.items.map((x) => (x as { value: number }).value);
    return new Mismatch();
  },
  ir: irWrittenAxes,
};

/** Axes that may be none: an axis, a list of axes (possibly empty), or null for none (Keras's `None`). */
export const axesOrNone: AttrType<readonly number[]> = {
  expects: 'an integer axis, a list of integer axes, or null',
  convert(v) {
    if (v.kind === 'null') return [];
    if (v.kind === 'list' && v.items.length === 0) return [];
    return axes.convert(v, []);
  },
  ir: irWrittenAxesOrNone,
};

/** A finite number or a rectangular nested list of them: Keras's array-like constants (Normalization's `mean=`). */
export type NumberArray = number | readonly NumberArray[];

/** The most numbers a constant array may hold (a per-channel statistic of a large image). */
const MAX_ARRAY_NUMBERS = 2 ** 24;

/** The shape of a rectangular nested list of finite numbers (a number: []), or null when it is not one. */
export function numberArrayShape(v: unknown, depth = 0): number[] | null {
  if (typeof v === 'number') return Number.isFinite(v) ? [] : null;
  if (!Array.isArray(v) || v.length === 0 || depth >= 64) return null;
  const first = numberArrayShape(v[0], depth + 1);
  if (first === null) return null;
  for (const item of v.slice(1)) {
    const shape = numberArrayShape(item, depth + 1);
    if (shape === null || shape.length !== first.length || shape.some((d, i) => d !== first[i])) return null;
  }
  const shape = [v.length, ...first];
  return shape.reduce((p, d) => p * d, 1) <= MAX_ARRAY_NUMBERS ? shape : null;
}

/** A number, or a (nested) list of numbers of one rectangular shape, or null. */
export const numberArrayOrNull: AttrType<NumberArray | null> = {
  expects: 'a number, a list of numbers (nested lists of one shape), or null',
  convert(v) {
    if (v.kind === 'null') return null;
    const plain = (x: Value): unknown => (x.kind === 'number' ? x.value : x.kind === 'list' ? x.items.map(plain) : undefined);
    const value = plain(v);
    return numberArrayShape(value) === null ? new Mismatch() : (value as NumberArray);
  },
  ir: irCheck<NumberArray | null>((v) => (v === null || numberArrayShape(v) !== null ? null : 'a number, a rectangular list of finite numbers, or null')),
};

/** Reshape's target: positive integers, at most one -1. */
export const targetShape: AttrType<readonly number[]> = {
  expects: 'a list of positive integers with at most one -1',
  convert(v) {
    if (v.kind !== 'list' || v.items.length === 0) return new Mismatch();
    const dims: number[] = [];
    for (const item of v.items) {
      if (item.kind !== 'number' || !Number.isInteger(item.value) || !(item.value >= 1 || item.value === -1) || item.value > MAX_DIM) {
        return new Mismatch(`Reshape target dimension must be a positive integer or -1, found ${describeValue(item)}`, item.loc);
      }
      dims.push(item.value);
    }
    if (dims.filter((d) => d === -1).length > 1) return new Mismatch('Reshape target may contain at most one -1', v.loc);
    return dims;
  },
  ir: irDims,
};

// ---------------------------------------------------------------------------
// Activations

const ACTIVATION_ALIASES: Record<string, ActivationName> = { silu: 'swish', hard_silu: 'hard_swish' };
/** Keras 3's `leaky_relu` activation uses negative_slope=0.2. */
const LEAKY_RELU_ACTIVATION_SLOPE = 0.2;

export const activation: AttrType<Activation> = {
  expects: `an activation (${ACTIVATION_NAMES.join(', ')})`,
  convert(v) {
    if (v.kind === 'null') return { name: 'linear' };
    if (v.kind !== 'string') return new Mismatch();
    const name = ACTIVATION_ALIASES[v.value] ?? v.value;
    if (!(ACTIVATION_NAMES as readonly string[]).includes(name)) {
      const candidates = [...ACTIVATION_NAMES, ...Object.keys(ACTIVATION_ALIASES)];
      return new Mismatch(`unknown activation '${v.value}'${didYouMean(v.value, candidates)} (expected one of ${ACTIVATION_NAMES.join(', ')})`);
    }
    return name === 'leaky_relu' ? { name, alpha: LEAKY_RELU_ACTIVATION_SLOPE } : { name: name as ActivationName };
  },
  ir: irActivation,
};

// ---------------------------------------------------------------------------
// Initializers, regularizers, constraints: symbols, optionally with arguments.

const seed = nullable(integer);
const fanMode = oneOf('mode', ['fan_in', 'fan_out', 'fan_avg'] as const);
const distribution = oneOf('distribution', ['truncated_normal', 'untruncated_normal', 'uniform'] as const);

function callableSignatures(kind: string, entries: Record<string, readonly ReturnType<typeof param>[]>): Record<string, Signature> {
  const table: Record<string, Signature> = {};
  for (const [name, params] of Object.entries(entries)) {
    table[name] = { title: `${kind} '${name}'`, params, positional: params.length };
  }
  return table;
}

const INITIALIZERS = callableSignatures('initializer', {
  zeros: [],
  ones: [],
  constant: [param('value', finite, 0)],
  glorot_uniform: [param('seed', seed, null)],
  glorot_normal: [param('seed', seed, null)],
  he_normal: [param('seed', seed, null)],
  he_uniform: [param('seed', seed, null)],
  lecun_normal: [param('seed', seed, null)],
  lecun_uniform: [param('seed', seed, null)],
  random_normal: [param('mean', finite, 0), param('stddev', nonNegative, 0.05), param('seed', seed, null)],
  random_uniform: [param('minval', finite, -0.05), param('maxval', finite, 0.05), param('seed', seed, null)],
  truncated_normal: [param('mean', finite, 0), param('stddev', nonNegative, 0.05), param('seed', seed, null)],
  variance_scaling: [param('scale', positive, 1), param('mode', fanMode, 'fan_in'), param('distribution', distribution, 'truncated_normal'), param('seed', seed, null)],
});

const REGULARIZERS = callableSignatures('regularizer', {
  l1: [param('l1', nonNegative, 0.01)],
  l2: [param('l2', nonNegative, 0.01)],
  l1_l2: [param('l1', nonNegative, 0), param('l2', nonNegative, 0)],
});

const CONSTRAINTS = callableSignatures('constraint', {
  max_norm: [param('max_value', positive, 2), param('axis', integer, 0)],
  non_neg: [],
  unit_norm: [param('axis', integer, 0)],
});

function callableType<N extends string>(kind: string, names: readonly N[], table: Record<string, Signature>): AttrType<Callable<N>> {
  return {
    ir: irCallable(names),
    expects: `${kind === 'initializer' ? 'an' : 'a'} ${kind} (${names.join(', ')})`,
    convert(v, diagnostics) {
      if (v.kind !== 'string' && v.kind !== 'call') return new Mismatch();
      const name = v.kind === 'string' ? v.value : v.name;
      const signature = table[name];
      if (!signature) return new Mismatch(`unknown ${kind} '${name}'${didYouMean(name, names)} (expected one of ${names.join(', ')})`);
      const args = bindArguments(signature, v.kind === 'call' ? v.args : { positional: [], keyword: [] }, v.loc, diagnostics);
      // The binder has reported what was wrong; an empty message suppresses a second report.
      if (args === null) return new Mismatch('');
      return { name: name as N, args: args as Record<string, ArgValue> };
    },
  };
}

export const initializer = callableType('initializer', INITIALIZER_NAMES, INITIALIZERS) as AttrType<Initializer>;
export const regularizer = nullable(callableType('regularizer', REGULARIZER_NAMES, REGULARIZERS)) as AttrType<Regularizer | null>;
export const constraint = nullable(callableType('constraint', CONSTRAINT_NAMES, CONSTRAINTS)) as AttrType<Constraint | null>;

/** Resolved defaults, as a layer table writes them: `init('glorot_uniform')`. */
export function init(name: (typeof INITIALIZER_NAMES)[number]): Initializer {
  const signature = INITIALIZERS[name];
  const args: Record<string, ArgValue> = {};
  for (const p of signature.params) args[p.name] = p.default as ArgValue;
  return { name, args };
}
