// Every layer kind of the IR, each defined once (src/ir/layers/<family>.ts), and the
// registry that finds a definition by kind or by a Keras alias. The IR's attribute
// types (`AttrsByKind`) are computed from these definitions; so are the compiler's
// signatures, the bundle schema, weights and parameter counts, and the kernel table's
// coverage (runtime/kernels.ts maps every kind here to a kernel, or does not compile).
//
// `registerLayer` adds a kind at run time (with `registerKernel` in runtime/kernels.ts):
// a test defines a throwaway layer this way, in one place.

import * as activations from './activations.js';
import * as core from './core.js';
import type { AttrsOf, LayerDef } from './define.js';
import * as input from './input.js';
import * as linear from './linear.js';
import * as merging from './merging.js';
import * as normalization from './normalization.js';
import * as optimized from './optimized.js';
import * as pooling from './pooling.js';

/**
 * The built-in kinds: every export of the family files (each exports layer definitions
 * only, named by kind), in the order the language reference lists them (Input first,
 * the kinds only the optimizer makes last).
 */
export const LAYER_DEFS = { ...input, ...linear, ...normalization, ...activations, ...core, ...pooling, ...merging, ...optimized } as const;

export type LayerDefs = typeof LAYER_DEFS;
export type OpKind = keyof LayerDefs;
/** Attributes per kind, keyed by Keras's argument names, resolved (defaults filled in, axes counted with the batch axis). */
export type AttrsByKind = { readonly [K in OpKind]: AttrsOf<LayerDefs[K]> };
/** The kinds with the `linear` trait (a kernel, a bias, a fusable activation): Dense and the convolutions. */
export type LinearKind = { [K in OpKind]: LayerDefs[K]['traits'] extends { readonly linear: object } ? K : never }[OpKind];
/** The kinds `.nn` source may call. */
export type LayerKind = { [K in OpKind]: LayerDefs[K]['callable'] extends false ? never : K }[OpKind];

/** Kinds added at run time, after the built-in ones. */
const registered = new Map<string, LayerDef>();
/** Every name a `.nn` call may use (kinds and aliases), built-in first; grows with `registerLayer`. */
const callableNames: string[] = [];
const aliases = new Map<string, string>();

for (const def of Object.values(LAYER_DEFS) as LayerDef[]) {
  if (!def.callable) continue;
  callableNames.push(def.kind);
  for (const alias of def.aliases) aliases.set(alias, def.kind);
}
callableNames.push(...aliases.keys());

/** The names `.nn` may call: every callable kind, then the aliases (a live view: it grows with `registerLayer`). */
export const LAYER_NAMES: readonly string[] = callableNames;

/** The definition of a kind, built-in or registered. */
export function layerDef(kind: string): LayerDef | undefined {
  return Object.hasOwn(LAYER_DEFS, kind) ? (LAYER_DEFS[kind as OpKind] as LayerDef) : registered.get(kind);
}

/** The callable definition a `.nn` name (a kind or a Keras alias) names. */
export function callableLayer(name: string): LayerDef | undefined {
  const def = layerDef(aliases.get(name) ?? name);
  return def?.callable ? def : undefined;
}

/** Adds a kind. Its name and aliases must be new. Give it a kernel with `registerKernel` (runtime/kernels.ts) to run it. */
export function registerLayer(def: LayerDef): void {
  for (const name of [def.kind, ...def.aliases]) {
    if (layerDef(name) || aliases.has(name)) throw new Error(`layer '${name}' is already defined`);
  }
  registered.set(def.kind, def);
  if (def.callable) {
    // Aliases stay after the kinds, as in the built-in list.
    callableNames.splice(callableNames.length - aliases.size, 0, def.kind);
    for (const alias of def.aliases) {
      aliases.set(alias, def.kind);
      callableNames.push(alias);
    }
  }
}

