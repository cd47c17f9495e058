// Reading and editing the weights a pass was given without mutating them: reads go
// through a WeightReader (the given map, or the pass's edits), and a pass's changes
// collect in a WeightEdits that copies the map only on the first change.

import type { HostTensor, WeightMap } from '../../src/ir/tensors.js';
import { weightKey } from '../../src/ir/tensors.js';

/** What reading a weight needs: a weight map, or a pass's `WeightEdits`. */
export interface WeightReader {
  get(key: string): HostTensor | undefined;
}

/** A weight's values, as stored (not copied: read only). */
export function weightData(weights: WeightReader, layer: string, variable: string): Float32Array | Float64Array {
  const tensor = weights.get(weightKey(layer, variable));
  if (!tensor) throw new Error(`missing weight '${weightKey(layer, variable)}'`);
  return tensor.data;
}

/** A weight as float64 values (copied). */
export function weight64(weights: WeightReader, layer: string, variable: string): Float64Array {
  return new Float64Array(weightData(weights, layer, variable));
}

/**
 * A pass's edits to a weight map. Reads see the edits; the map is copied on the first
 * edit, so a pass that changes no weight copies nothing and returns the map it was given
 * (at 10,000 layers a copy is 16,000 entries, and the optimizer runs eleven passes).
 */
export class WeightEdits implements WeightReader {
  readonly #given: WeightMap;
  #edited: Map<string, HostTensor> | null = null;

  constructor(given: WeightMap) {
    this.#given = given;
  }

  get(key: string): HostTensor | undefined {
    return (this.#edited ?? this.#given).get(key);
  }

  set(key: string, tensor: HostTensor): void {
    this.#edit().set(key, tensor);
  }

  delete(key: string): void {
    this.#edit().delete(key);
  }

  /** The weights after the edits: the given map itself when there were none. */
  result(): WeightMap {
    return this.#edited ?? this.#given;
  }

  #edit(): Map<string, HostTensor> {
    return (this.#edited ??= new Map(this.#given));
  }
}
