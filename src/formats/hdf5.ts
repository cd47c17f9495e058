// Reading HDF5 files (Keras's `.h5` and the `model.weights.h5` inside a `.keras`) through
// jsfive, behind a small interface: groups, attributes, and float datasets as float32.
//
// Why jsfive and not h5wasm: jsfive is pure JavaScript and synchronous, so the same reader
// runs in Node and in a page with no wasm file to fetch and no virtual file system to
// copy the bytes into; and it reads float16 datasets (`<f2`), which h5wasm 0.10 refuses in
// Node ("Float16 not supported"; both were tried on test/fixtures/keras/mnist-cnn and on a
// float16 file written by h5py). (h5wasm can write HDF5; the Keras export will need a writer.)
//
// jsfive trusts the file: a dataset's declared shape becomes `new Array(size)` before a
// byte is read. So every dataset's size is checked against the file's length first — an
// unfiltered dataset cannot hold more bytes than the file, a deflated one not more than
// deflate's 1032:1 — and every exception it throws (often a bare string) becomes one
// NncError naming the file and the path.

import * as jsfive from 'jsfive';
import { NncError } from '../diagnostics.js';

/** deflate's largest expansion (see zip.ts); HDF5's gzip filter is deflate. */
const MAX_FILTER_RATIO = 1032;

interface JsfiveNode {
  readonly name: string;
  readonly keys?: string[] | (() => unknown);
  readonly attrs: Record<string, unknown>;
  readonly shape?: number[] | null;
  readonly dtype?: unknown;
  readonly value?: unknown;
  readonly _dataobjects?: { readonly filter_pipeline?: unknown };
  get(path: string): JsfiveNode | null;
}

export interface Hdf5Dataset {
  readonly path: string;
  readonly shape: readonly number[];
  /** numpy-style type string: `<f4`, `<f2`, `<f8`, `<i8`, ... */
  readonly dtype: string;
  /** The values as float32 (float16 and float64 converted); refuses other types. */
  readFloat32(): Float32Array;
}

export class Hdf5Group {
  readonly #node: JsfiveNode;
  readonly #file: Hdf5File;
  readonly path: string;

  constructor(node: JsfiveNode, file: Hdf5File, path: string) {
    this.#node = node;
    this.#file = file;
    this.path = path;
  }

  /** Member names in the file's order (HDF5 keeps links sorted by name). */
  keys(): string[] {
    return this.#file.guard(this.path, () => (Array.isArray(this.#node.keys) ? [...this.#node.keys] : []));
  }

  has(name: string): boolean {
    return this.keys().includes(name);
  }

  #child(name: string): JsfiveNode | null {
    if (!this.has(name)) return null;
    return this.#file.guard(`${this.path}/${name}`, () => this.#node.get(name));
  }

  /** A member group, or null when there is none (or it is a dataset). */
  group(name: string): Hdf5Group | null {
    const child = this.#child(name);
    if (child === null || !Array.isArray(child.keys)) return null;
    return new Hdf5Group(child, this.#file, join(this.path, name));
  }

  /** A group by a `/`-separated path below this one. */
  groupAt(path: string): Hdf5Group | null {
    let group: Hdf5Group | null = this;
    for (const part of path.split('/').filter((p) => p !== '')) {
      group = group.group(part);
      if (group === null) return null;
    }
    return group;
  }

  dataset(name: string): Hdf5Dataset | null {
    const child = this.#child(name);
    if (child === null || !isDataset(child)) return null;
    return this.#file.dataset(child, join(this.path, name));
  }

  /** A dataset by a `/`-separated path below this group. */
  datasetAt(path: string): Hdf5Dataset | null {
    const parts = path.split('/').filter((p) => p !== '');
    const last = parts.pop();
    if (last === undefined) return null;
    const group = this.groupAt(parts.join('/'));
    return group === null ? null : group.dataset(last);
  }

  /** An attribute's value (strings and string lists decoded), or undefined. */
  attr(name: string): unknown {
    const attrs = this.#file.guard(this.path, () => this.#node.attrs);
    return Object.hasOwn(attrs, name) ? attrs[name] : undefined;
  }
}

/** jsfive's Dataset extends Array (so its `keys` is a method); a Group's `keys` is a list. */
function isDataset(node: JsfiveNode): boolean {
  return !Array.isArray(node.keys) && 'shape' in node && 'dtype' in node;
}

function join(path: string, name: string): string {
  return path === '/' ? `/${name}` : `${path}/${name}`;
}

export class Hdf5File {
  readonly name: string;
  readonly byteLength: number;
  readonly root: Hdf5Group;

  constructor(bytes: Uint8Array, name: string) {
    this.name = name;
    this.byteLength = bytes.byteLength;
    if (bytes.byteLength < 8 || !isHdf5Signature(bytes)) throw new NncError(`'${name}' is not an HDF5 file (no HDF5 signature at its start)`);
    const declared = declaredEnd(bytes);
    if (declared !== null && declared > bytes.byteLength) throw new NncError(`HDF5 file '${name}' is truncated: its superblock declares ${declared} bytes, the file has ${bytes.byteLength}`);
    // jsfive reads from an ArrayBuffer holding exactly the file.
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const file = this.guard('/', () => new jsfive.File(buffer, name) as unknown as JsfiveNode);
    this.root = new Hdf5Group(file, this, '/');
  }

  /** Runs a jsfive call; whatever it throws becomes one NncError naming the file and path. */
  guard<T>(path: string, read: () => T): T {
    try {
      return read();
    } catch (e) {
      if (e instanceof NncError) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new NncError(`HDF5 file '${this.name}' is damaged or not supported at '${path}': ${why}`);
    }
  }

  dataset(node: JsfiveNode, path: string): Hdf5Dataset {
    const shape = this.guard(path, () => node.shape ?? []);
    const dtype = this.guard(path, () => node.dtype);
    if (typeof dtype !== 'string') throw new NncError(`HDF5 dataset '${path}' in '${this.name}' has a compound or variable-length type; weights are float arrays`);
    const file = this;
    return {
      path,
      shape,
      dtype,
      readFloat32(): Float32Array {
        const match = /^[<>=|]?f([248])$/.exec(dtype);
        if (!match) throw new NncError(`HDF5 dataset '${path}' in '${file.name}' holds ${dtype} values; weights must be float16, float32 or float64`);
        const itemSize = Number(match[1]);
        let count = 1;
        for (const d of shape) {
          if (!Number.isSafeInteger(d) || d < 0) throw new NncError(`HDF5 dataset '${path}' in '${file.name}' declares the shape [${shape.join(', ')}], which is not a shape`);
          count *= d;
        }
        const filtered = file.guard(path, () => node._dataobjects?.filter_pipeline) != null;
        const limit = filtered ? file.byteLength * MAX_FILTER_RATIO : file.byteLength;
        if (!Number.isSafeInteger(count * itemSize) || count * itemSize > limit) {
          throw new NncError(`HDF5 dataset '${path}' in '${file.name}' declares ${count} values (${count * itemSize} bytes), more than the ${file.byteLength}-byte file can hold`);
        }
        const values = file.guard(path, () => node.value) as ArrayLike<number>;
        if (values.length !== count) throw new NncError(`HDF5 dataset '${path}' in '${file.name}' declares ${count} values but ${values.length} could be read`);
        return Float32Array.from(values);
      },
    };
  }
}

/** `\x89HDF\r\n\x1a\n` at offset 0 (a user block would move it; Keras never writes one). */
function isHdf5Signature(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return signature.every((b, i) => bytes[i] === b);
}

/**
 * The end-of-file address the superblock records (HDF5 File Format Specification, section
 * II.A): at byte 40 in a version 0 superblock, 44 in version 1, 28 in versions 2 and 3,
 * with 8-byte offsets (what h5py and Keras write); null for other layouts.
 */
function declaredEnd(bytes: Uint8Array): number | null {
  const version = bytes[8];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = version === 0 ? 40 : version === 1 ? 44 : version === 2 || version === 3 ? 28 : -1;
  const offsetSize = version <= 1 ? bytes[13] : bytes[9];
  if (at < 0 || offsetSize !== 8 || bytes.byteLength < at + 8) return null;
  const end = view.getBigUint64(at, true);
  return end > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(end);
}

export function looksLikeHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && isHdf5Signature(bytes);
}

export function openHdf5(bytes: Uint8Array, name: string): Hdf5File {
  return new Hdf5File(bytes, name);
}
