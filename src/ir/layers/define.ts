// What a layer definition says, once for the whole project: its attributes (Keras's
// names, how each is written, its default, positional order, and how its resolved
// value is checked in a stored IR), its shape rule, the variables it owns, and its
// traits. The compiler's argument checking, the IR's attribute types, the bundle
// schema, parameter counts, initial weights, the optimizer's and the runtime's
// questions ("is this a linear layer?", "what activation does it compute?") all read
// these definitions. docs/layers.md says how to add one.

import type { Activation, Constraint, Initializer, Regularizer, Shape } from '../attributes.js';
import { type AttrType, type IrCheck, type ParamSpec, type ParamType, param } from './arguments.js';
import { bool, constraint, init, initializer, nullable, regularizer, text } from './paramTypes.js';

/** One attribute: how it is written in `.nn` (its type and default) and how its IR value is checked. */
export interface AttrDef<T> {
  /** Checks and converts the written value. */
  readonly type: ParamType<unknown>;
  /** The converted default; absent: the argument is required. */
  readonly default?: unknown;
  /** The resolved value's check in a stored IR (a bundle's JSON); `T` is the attribute's IR type. */
  readonly check: IrCheck<T>;
  /**
   * Set by `addedLater`: the attribute joined the layer after bundles were first written
   * (the change that added it). A stored IR that lacks it was written before and reads
   * as `storedDefault`; any other missing attribute is refused.
   */
  readonly since?: string;
  /** The IR value a stored IR written before `since` means (Keras's default). */
  readonly storedDefault?: T;
}

/** An attribute stored as written (converted by `type`, defaults filled in). */
export function attr<T>(type: AttrType<T>, ...defaultValue: [] | [NoInfer<T>]): AttrDef<T> {
  return defaultValue.length === 0 ? { type, check: type.ir } : { type, default: defaultValue[0], check: type.ir };
}

/**
 * Marks an attribute as added to its layer after bundles were first written: `since`
 * names the change, `stored` the IR value an older bundle means (Keras's default, which
 * is what the layer computed before the attribute existed). The bundle reader
 * (src/ir/json.ts) fills it in; it must pass the attribute's own IR check.
 */
export function addedLater<T>(def: AttrDef<T>, since: string, stored: NoInfer<T>): AttrDef<T> {
  const problem = def.check(stored);
  if (problem) throw new Error(`an attribute added in ${since} cannot read as ${JSON.stringify(stored)} from older bundles: it must be ${problem}`);
  return { ...def, since, storedDefault: stored };
}

type InitializerName = Parameters<typeof init>[0];

/**
 * The attributes of weights named as Keras names them, in Keras's order: every
 * `<name>_initializer` (defaulting to `initial[name]`), then every `<name>_regularizer`,
 * then every `<name>_constraint` (both default null). `{ kernel: 'glorot_uniform', bias:
 * 'zeros' }` gives Dense's and Conv2D's six.
 */
export function weightAttrs<const V extends Readonly<Record<string, InitializerName>>>(
  initial: V,
): { [K in keyof V & string as `${K}_initializer`]: AttrDef<Initializer> } & { [K in keyof V & string as `${K}_regularizer`]: AttrDef<Regularizer | null> } & {
  [K in keyof V & string as `${K}_constraint`]: AttrDef<Constraint | null>;
} {
  const names = Object.keys(initial);
  return Object.fromEntries([
    ...names.map((name) => [`${name}_initializer`, attr(initializer, init(initial[name]))]),
    ...names.map((name) => [`${name}_regularizer`, attr(regularizer, null)]),
    ...names.map((name) => [`${name}_constraint`, attr(constraint, null)]),
  ]) as never;
}

/** A variable's `initializer`, `regularizer` and `constraint` fields: the attributes `weightAttrs` names for `name`. */
export function weightAttrNames<const N extends string>(name: N): { readonly initializer: `${N}_initializer`; readonly regularizer: `${N}_regularizer`; readonly constraint: `${N}_constraint` } {
  return { initializer: `${name}_initializer`, regularizer: `${name}_regularizer`, constraint: `${name}_constraint` };
}

/** An attribute the layer's `resolve` turns into another form once the input shapes are known (axes counted with the batch axis). */
export function resolvedAttr<T, W>(type: ParamType<W>, check: IrCheck<T>, ...defaultValue: [] | [NoInfer<W>]): AttrDef<T> {
  return defaultValue.length === 0 ? { type, check } : { type, default: defaultValue[0], check };
}

/** An input as shape rules see it: its producer's name (for messages) and shape. */
export interface ShapedInput {
  readonly name: string;
  readonly shape: Shape;
}

export type ShapeResult = { readonly shape: Shape } | { readonly error: string };

/** Why arguments do not fit the input; `param` names the argument to point at. */
export interface AttrsError {
  readonly error: string;
  readonly param?: string;
}

type KeysOf<A, V> = { [P in keyof A]-?: A[P] extends V ? P : never }[keyof A] & string;

/** A variable the layer owns: `<layer>/<name>` in weight maps, as Keras names it. */
export interface VariableDef<A> {
  /** Keras's variable name: `kernel`, `bias`, `gamma`, `moving_mean`, ... */
  readonly name: string;
  /** Its shape (Keras's layout) from the attributes and the input shapes. */
  shape(attrs: A, inputs: readonly Shape[]): readonly number[];
  /** Whether the layer has it (`use_bias`, `center`, ...); absent: always. */
  when?(attrs: A): boolean;
  /** Moving statistics: updated by training steps, never by gradients, never trainable. */
  readonly state?: boolean;
  /** The attribute holding its initializer, or a fixed one. */
  readonly initializer: KeysOf<A, Initializer> | Initializer;
  /** The attributes holding its regularizer and constraint, if it has them. */
  readonly regularizer?: KeysOf<A, Regularizer | null>;
  readonly constraint?: KeysOf<A, Constraint | null>;
  /** Values it may take beyond being finite (a variance is ≥ 0); checked where weights are loaded. */
  readonly domain?: 'non-negative';
}

/** What the optimizer and the runtime ask about a kind without naming it. */
export interface LayerTraits<A> {
  /**
   * A linear layer: `kernel` is its kernel variable (output channels on its last axis,
   * which is the output's channel axis), a `bias` of that size, and an `activation`
   * attribute that tfjs fuses into its kernel when it can (src/ir/layers/fusedActivations.ts).
   */
  readonly linear?: { readonly kernel: string };
  /** The activation the layer computes, as an activation function, when it is one (ReLU() is relu). */
  activation?(attrs: A): Activation | null;
  /** Why the layer is the identity in inference (from its input's and its own shape), or null when it is not. */
  identityAtInference?(attrs: A, input: Shape, output: Shape): string | null;
}

export type Arity = 'none' | 'one' | 'many';

export interface LayerDef<K extends string = string, A = any, T extends LayerTraits<A> = LayerTraits<A>> {
  /** Keras's class name: the `.nn` layer name and the IR kind. */
  readonly kind: K;
  /** Other names Keras accepts for the class (`MaxPool2D`). */
  readonly aliases: readonly string[];
  /** Whether `.nn` source can call it (not Input, nor kinds only the optimizer makes, such as Affine). */
  readonly callable: boolean;
  /** `none`: Input; `one` input; `many`: two or more (merge layers). */
  readonly inputs: Arity;
  /** How many leading attributes may be given positionally. */
  readonly positional: number;
  /** Every attribute, in Keras's (and positional) order. */
  readonly attrs: { readonly [P in keyof A]: AttrDef<A[P]> };
  /**
   * The IR attributes from the bound arguments once the input shapes are known, or why
   * they do not fit. Absent: the bound arguments as they are.
   */
  resolve?(args: Readonly<Record<string, unknown>>, inputs: readonly Shape[]): A | AttrsError;
  /** The output shape from resolved attributes and the inputs, or why the inputs do not fit. */
  inferShape(attrs: A, inputs: readonly ShapedInput[]): ShapeResult;
  readonly variables: readonly VariableDef<A>[];
  readonly traits: T;
}

/** The attributes' IR types of a definition. */
export type AttrsOf<D> = D extends LayerDef<string, infer A, any> ? A : never;

interface LayerSpec<K extends string, A, T, C extends boolean> {
  readonly kind: K;
  readonly aliases?: readonly string[];
  readonly callable?: C;
  readonly inputs?: Arity;
  readonly positional?: number;
  readonly attrs: { readonly [P in keyof A]: AttrDef<A[P]> };
  // NoInfer: the attributes' types come from `attrs` alone; the functions below are checked against them.
  resolve?(args: Readonly<Record<string, unknown>>, inputs: readonly Shape[]): NoInfer<A> | AttrsError;
  inferShape(attrs: NoInfer<A>, inputs: readonly ShapedInput[]): ShapeResult;
  readonly variables?: readonly VariableDef<NoInfer<A>>[];
  readonly traits?: T & LayerTraits<NoInfer<A>>;
}

/**
 * A layer definition with the usual defaults filled in: callable from `.nn`, one input,
 * no positional arguments, no aliases, no variables, no traits.
 */
export function defineLayer<K extends string, A, T extends LayerTraits<Readonly<A>> = {}, C extends boolean = true>(spec: LayerSpec<K, A, T, C>): LayerDef<K, Readonly<A>, T> & { readonly callable: C } {
  return {
    kind: spec.kind,
    aliases: spec.aliases ?? [],
    callable: spec.callable ?? true,
    inputs: spec.inputs ?? 'one',
    positional: spec.positional ?? 0,
    attrs: spec.attrs,
    ...(spec.resolve ? { resolve: spec.resolve } : {}),
    inferShape: spec.inferShape,
    variables: spec.variables ?? [],
    traits: spec.traits ?? {},
  } as LayerDef<K, Readonly<A>, T> & { readonly callable: C };
}

/** Keyword arguments every layer takes besides its attributes (not stored as attributes). */
const COMMON_PARAMS: readonly ParamSpec[] = [param('name', nullable(text), null), param('trainable', bool, true)];

/**
 * A definition's parameters as a call binds them: its attributes in order, then `name`
 * and `trainable`. Each has `name`, `type` and, unless required, `default` (the `.nn`
 * printer writes an argument only where it differs from this default); the first
 * `def.positional` may be written positionally.
 */
export function layerParams(def: LayerDef): readonly ParamSpec[] {
  const params = Object.entries(def.attrs as Record<string, AttrDef<unknown>>).map(([name, a]) => ('default' in a ? param(name, a.type, a.default) : param(name, a.type)));
  return [...params, ...COMMON_PARAMS];
}
