// The compiler's view of the layers: each layer definition (src/ir/layers/) as a
// signature that binds a call's arguments (Keras's names, positional order, types,
// defaults) and turns them into the IR's attributes once the input shapes are known.
// Nothing here is written per layer: a new definition is a new signature.

import type { AttrsError, LayerDef } from '../../src/ir/layers/define.js';
import { layerParams } from '../../src/ir/layers/define.js';
import { LAYER_DEFS, LAYER_NAMES, type LayerKind, callableLayer } from '../../src/ir/layers/index.js';
import type { AttrsByKind, Shape } from '../../src/ir/types.js';
import type { Signature } from '../../src/ir/layers/arguments.js';

/** A layer's signature. Kinds added with `registerLayer` are typed as if built in: the IR's types know only those. */
export interface LayerSignature<K extends LayerKind = LayerKind> extends Signature {
  readonly kind: K;
  /** `one` input, or `many` (two or more: merge layers). */
  readonly inputs: 'one' | 'many';
  /** The IR attributes from bound arguments and input shapes, or why they do not fit. */
  attrs(args: Readonly<Record<string, unknown>>, inputs: readonly Shape[]): AttrsByKind[K] | AttrsError;
}

function signatureOf(def: LayerDef): LayerSignature {
  const keys = Object.keys(def.attrs);
  return {
    kind: def.kind as LayerKind,
    title: def.kind,
    positional: def.positional,
    params: layerParams(def),
    inputs: def.inputs === 'many' ? 'many' : 'one',
    attrs(args, inputs) {
      // The bound arguments that are attributes (not `name`, `trainable`), in the definition's order.
      const written: Record<string, unknown> = {};
      for (const key of keys) written[key] = args[key];
      return (def.resolve ? def.resolve(written, inputs) : written) as AttrsByKind[LayerKind] | AttrsError;
    },
  };
}

/**
 * Every built-in layer `.nn` may call, by kind. `LAYERS[kind].params` lists its
 * parameters in order (`name`, `type`, `default` unless required; `name` and `trainable`
 * last) and `LAYERS[kind].positional` how many may be written positionally.
 */
export const LAYERS = Object.fromEntries(
  Object.values(LAYER_DEFS as Readonly<Record<string, LayerDef>>)
    .filter((def) => def.callable)
    .map((def) => [def.kind, signatureOf(def)]),
) as unknown as { readonly [K in LayerKind]: LayerSignature<K> };

/** Signatures of kinds added with `registerLayer`, made on first use. */
const registeredSignatures = new WeakMap<LayerDef, LayerSignature>();

/** The signature a `.nn` name calls (a kind or a Keras alias such as `MaxPool2D`). */
export function lookupLayer(name: string): LayerSignature | undefined {
  const def = callableLayer(name);
  if (!def) return undefined;
  if (Object.hasOwn(LAYERS, def.kind)) return LAYERS[def.kind as LayerKind] as LayerSignature;
  let signature = registeredSignatures.get(def);
  if (!signature) registeredSignatures.set(def, (signature = signatureOf(def)));
  return signature;
}

export { LAYER_NAMES };
