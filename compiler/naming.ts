// Keras's automatic layer names: the class name in snake_case, then `_1`, `_2`, ...
// in order of appearance within the model (`dense`, `dense_1`, `re_lu`, `conv2d`).

/** Keras's `to_snake_case`, rule for rule: `BatchNormalization` → `batch_normalization`, `ReLU` → `re_lu`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Hands out automatic names for one model. */
export class LayerNamer {
  readonly #counts = new Map<string, number>();
  readonly #bases = new Map<string, string>();

  /** The name the next layer of `kind` gets, handed out (counted). */
  next(kind: string): string {
    const name = this.peek(kind);
    const base = this.#bases.get(kind)!;
    this.#counts.set(base, (this.#counts.get(base) ?? 0) + 1);
    return name;
  }

  /** The name the next layer of `kind` would get, without handing it out (the `.nn` printer asks before deciding). */
  peek(kind: string): string {
    let base = this.#bases.get(kind);
    if (base === undefined) this.#bases.set(kind, (base = toSnakeCase(kind)));
    const count = this.#counts.get(base) ?? 0;
    return count === 0 ? base : `${base}_${count}`;
  }
}
