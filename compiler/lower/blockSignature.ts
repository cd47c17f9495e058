// A block's parameters as a call signature, so a block call's arguments are bound by
// the same code, with the same messages, as a layer's (compiler/layers/arguments.ts).

import { type ParamSpec, type ParamType, type Signature } from '../layers/arguments.js';
import type { Value } from '../values.js';
import type { BlockInfo } from './definitions.js';

/** Block parameters are untyped: the layer that uses one checks it. */
const anyValue: ParamType<Value> = { expects: 'a value', convert: (v) => v };

const blockSignatures = new WeakMap<BlockInfo, Signature>();

/** A block's parameters as a signature to bind calls against (built once per block). */
export function blockSignature(block: BlockInfo): Signature {
  let signature = blockSignatures.get(block);
  if (!signature) {
    signature = {
      title: `block '${block.name}'`,
      params: block.params.map((p): ParamSpec => (p.default == null ? { name: p.name, type: anyValue } : { name: p.name, type: anyValue, default: p.default })),
      positional: block.params.length,
    };
    blockSignatures.set(block, signature);
  }
  return signature;
}
