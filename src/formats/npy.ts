// NumPy's .npy format (numpy/lib/format.py). Browser-safe.
//
//   "\x93NUMPY", major, minor          6 + 2 bytes; versions 1.0, 2.0, 3.0
//   header length                      u16 LE (1.0) or u32 LE (2.0, 3.0)
//   header                             a Python dict literal, latin-1 (1.0, 2.0) or
//                                      UTF-8 (3.0): {'descr': '<f4', 'fortran_order':
//                                      False, 'shape': (2, 3), }, padded with spaces
//                                      and a newline so the data starts aligned
//   data                               product(shape) × itemsize bytes, C order
//
// Readers copy the data out (never aliasing the input) and fix its byte order.

import { NncError } from '../diagnostics.js';
import type { HostTensor } from '../ir/tensors.js';
import {
  HOST_IS_LITTLE_ENDIAN,
  bytesText,
  checkShape,
  copyBytes,
  dataView,
  decodeLatin1,
  decodeUtf8,
  elementCount,
} from './bytes.js';
import { LiteralError, type PyValue, parsePythonLiteral, pythonText } from './pythonLiteral.js';

export type NpyDtype =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

/** int64 and uint64 arrive as Float64Array (exact values only); bool as Uint8Array of 0 and 1. */
export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: number[];
  readonly data: NpyData;
}

/** What writeNpy takes: `dtype` defaults from the array type; int64, uint64 need Float64Array, bool Uint8Array. */
export interface NpyWritable {
  readonly shape: readonly number[];
  readonly data: NpyData;
  readonly dtype?: NpyDtype;
}

export interface NpyHeader {
  readonly version: 1 | 2 | 3;
  /** The descr as written, e.g. `<f4`. */
  readonly descr: string;
  readonly dtype: NpyDtype;
  readonly littleEndian: boolean;
  readonly shape: number[];
  /** Where the data starts in the file. */
  readonly dataOffset: number;
}

interface DtypeInfo {
  readonly kind: string;
  readonly size: number;
  readonly array: new (buffer: ArrayBuffer) => NpyData;
}

const DTYPES: Readonly<Record<NpyDtype, DtypeInfo>> = {
  float32: { kind: 'f', size: 4, array: Float32Array },
  float64: { kind: 'f', size: 8, array: Float64Array },
  int8: { kind: 'i', size: 1, array: Int8Array },
  uint8: { kind: 'u', size: 1, array: Uint8Array },
  int16: { kind: 'i', size: 2, array: Int16Array },
  uint16: { kind: 'u', size: 2, array: Uint16Array },
  int32: { kind: 'i', size: 4, array: Int32Array },
  uint32: { kind: 'u', size: 4, array: Uint32Array },
  int64: { kind: 'i', size: 8, array: Float64Array },
  uint64: { kind: 'u', size: 8, array: Float64Array },
  bool: { kind: 'b', size: 1, array: Uint8Array },
};

const SUPPORTED = Object.keys(DTYPES).join(', ');
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy reads headers up to 10000 bytes by default; a generous bound that still stops nonsense. */
const MAX_HEADER_BYTES = 1 << 20;
/** NumPy pads the header so data starts at a multiple of this. */
const ARRAY_ALIGN = 64;
/** NumPy leaves room for the first dimension to grow to this many digits in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

// ---------------------------------------------------------------------------
// Reading

/** The validated header and where the data starts; reads no data. */
export function parseNpyHeader(bytes: Uint8Array, what: string): NpyHeader {
  const raw = readRawHeader(bytes, what);
  const dtype = dtypeOf(raw.descr, raw.descrText, what);
  return { ...raw, descr: raw.descrText, dtype };
}

/** Read a .npy array of any supported dtype. */
export function readNpy(bytes: Uint8Array, what: string): NpyArray {
  return readData(bytes, parseNpyHeader(bytes, what), what);
}

/** Read a .npy file that must hold float32, as the CLI's inputs and weights do. */
export function readNpyFloat32(bytes: Uint8Array, what: string): HostTensor {
  const raw = readRawHeader(bytes, what);
  if (raw.descrText !== '<f4' && raw.descrText !== '>f4') {
    const stem = /([A-Za-z_]\w*)\.npy$/.exec(what)?.[1] ?? 'x';
    throw new NncError(`${what} holds ${dtypeName(raw.descr)} (${raw.descr.kind === 'str' ? `'${raw.descrText}'` : raw.descrText}); nnc needs float32: ${stem}.astype(np.float32)`);
  }
  const header: NpyHeader = { ...raw, descr: raw.descrText, dtype: 'float32' };
  const { shape, data } = readData(bytes, header, what);
  return { shape, data: data as Float32Array };
}

interface RawHeader {
  readonly version: 1 | 2 | 3;
  readonly descr: PyValue;
  readonly descrText: string;
  readonly littleEndian: boolean;
  readonly shape: number[];
  readonly dataOffset: number;
}

function readRawHeader(bytes: Uint8Array, what: string): RawHeader {
  const fail = (message: string): never => {
    throw new NncError(`${what}: ${message}`);
  };
  for (let i = 0; i < Math.min(MAGIC.length, bytes.length); i++) {
    if (bytes[i] !== MAGIC[i]) fail(`not a .npy file (it does not start with "\\x93NUMPY")`);
  }
  if (bytes.length < 10) fail(`file is ${bytesText(bytes.length)}, too short for a .npy header (at least 10)`);
  const major = bytes[6];
  const minor = bytes[7];
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    fail(`.npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) fail(`file is ${bytesText(bytes.length)}, too short for a version ${major}.0 header (at least ${prefix})`);
  const view = dataView(bytes);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) fail(`header length is ${bytesText(headerLength)}, above the ${MAX_HEADER_BYTES}-byte limit`);
  if (prefix + headerLength > bytes.length) {
    fail(`header claims ${bytesText(headerLength)} but only ${bytesText(bytes.length - prefix)} follow: the file is truncated`);
  }
  const headerBytes = bytes.subarray(prefix, prefix + headerLength);
  const text = major === 3 ? decodeUtf8(headerBytes, what, 'header') : decodeLatin1(headerBytes);

  let header: PyValue;
  try {
    header = parsePythonLiteral(text);
  } catch (e) {
    if (e instanceof LiteralError) fail(`header is not a valid Python literal: ${e.message}`);
    throw e;
  }
  if (header.kind !== 'dict') fail(`header must be a dict, found ${pythonText(header)}`);
  const entries = (header as Extract<PyValue, { kind: 'dict' }>).entries;
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!entries.has(key)) fail(`header lacks '${key}'`);
  }
  for (const key of entries.keys()) {
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') fail(`header has an unexpected key '${key}'`);
  }

  const fortranOrder = entries.get('fortran_order') as PyValue;
  if (fortranOrder.kind !== 'bool') fail(`'fortran_order' must be True or False, found ${pythonText(fortranOrder)}`);
  if (fortranOrder.kind === 'bool' && fortranOrder.value) {
    fail('fortran_order=True is not supported: save with np.ascontiguousarray');
  }

  const shapeValue = entries.get('shape') as PyValue;
  if (shapeValue.kind !== 'tuple' || !shapeValue.items.every((d) => d.kind === 'int')) {
    fail(`'shape' must be a tuple of integers, found ${pythonText(shapeValue)}`);
  }
  const dims = (shapeValue as Extract<PyValue, { kind: 'tuple' | 'list' }>).items.map((d) => Number((d as Extract<PyValue, { kind: 'int' }>).value));
  const shape = checkShape(dims);
  if (typeof shape === 'string') fail(`'shape' ${shape.replace(/found .*/, `found ${pythonText(shapeValue)}`)}`);

  const descr = entries.get('descr') as PyValue;
  const descrText = descr.kind === 'str' ? descr.value : pythonText(descr);
  return {
    version: major as 1 | 2 | 3,
    descr,
    descrText,
    littleEndian: descrText[0] !== '>',
    shape: shape as number[],
    dataOffset: prefix + headerLength,
  };
}

const DESCR_PATTERN = /^([<>|=]?)([A-Za-z?])(\d*)(\[\w+\])?$/;

/** The supported dtype a descr names, or an error saying why not. */
function dtypeOf(descr: PyValue, descrText: string, what: string): NpyDtype {
  const fail = (message: string): never => {
    throw new NncError(`${what}: ${message}`);
  };
  if (descr.kind === 'list') fail(`structured dtypes (records with named fields) are not supported, found descr ${descrText}`);
  if (descr.kind !== 'str') fail(`'descr' must be a dtype string, found ${descrText}`);
  const match = DESCR_PATTERN.exec(descrText);
  if (match === null) fail(`descr '${descrText}' is not a NumPy dtype string`);
  const [, order, kind, digits] = match as RegExpExecArray;
  if (kind === 'O') fail(`holds Python objects (dtype 'O'), which .npy stores as pickles; nnc reads numeric arrays only`);
  const size = Number(digits);
  const dtype = (Object.keys(DTYPES) as NpyDtype[]).find((d) => DTYPES[d].kind === kind && DTYPES[d].size === size);
  if (dtype === undefined) fail(`dtype ${dtypeName(descr)} ('${descrText}') is not supported (supported: ${SUPPORTED})`);
  if (size > 1 && order !== '<' && order !== '>') {
    fail(`descr '${descrText}' must say its byte order ('<' little-endian or '>' big-endian) for a ${size}-byte type`);
  }
  return dtype as NpyDtype;
}

/** NumPy's name for a descr, for messages: `int64`, `float16`, `complex64`, `object`. */
function dtypeName(descr: PyValue): string {
  if (descr.kind !== 'str') return 'a structured dtype';
  const match = DESCR_PATTERN.exec(descr.value);
  if (match === null) return 'an unknown dtype';
  const [, , kind, digits, unit] = match;
  const bits = Number(digits) * 8;
  const names: Record<string, string> = {
    f: `float${bits}`,
    i: `int${bits}`,
    u: `uint${bits}`,
    c: `complex${bits}`,
    b: 'bool',
    '?': 'bool',
    O: 'object',
    U: 'str',
    S: 'bytes',
    V: 'void',
    M: `datetime64${unit ?? ''}`,
    m: `timedelta64${unit ?? ''}`,
  };
  return names[kind] ?? `dtype '${descr.value}'`;
}

function readData(bytes: Uint8Array, header: NpyHeader, what: string): NpyArray {
  const { dtype, shape, dataOffset, littleEndian } = header;
  const { size, array } = DTYPES[dtype];
  const needed = elementCount(shape) * BigInt(size);
  const found = bytes.length - dataOffset;
  if (needed !== BigInt(found)) {
    const problem = needed > BigInt(found) ? 'the file is truncated' : 'the file has extra bytes';
    throw new NncError(
      `${what}: shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}) of '${header.descr}' needs ${bytesText(needed)} of data after the ${dataOffset}-byte header, found ${bytesText(found)}: ${problem}`,
    );
  }
  const end = bytes.length;
  if (dtype === 'int64' || dtype === 'uint64') return { dtype, shape, data: readInt64(bytes, header, what) };
  const buffer = copyBytes(bytes, dataOffset, end);
  if (size > 1 && littleEndian !== HOST_IS_LITTLE_ENDIAN) swapBytes(new Uint8Array(buffer), size);
  const data = new array(buffer);
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) data[i] = data[i] === 0 ? 0 : 1;
  }
  return { dtype, shape, data };
}

/** Reverse the bytes of every `size`-byte element in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** 64-bit integers as float64, refusing any value a double cannot hold exactly. */
function readInt64(bytes: Uint8Array, header: NpyHeader, what: string): Float64Array {
  const view = dataView(bytes);
  const signed = header.dtype === 'int64';
  const le = header.littleEndian;
  const out = new Float64Array((bytes.length - header.dataOffset) / 8);
  for (let i = 0; i < out.length; i++) {
    const at = header.dataOffset + 8 * i;
    const low = view.getUint32(le ? at : at + 4, le);
    const high = signed ? view.getInt32(le ? at + 4 : at, le) : view.getUint32(le ? at + 4 : at, le);
    // |high| < 2^21 puts |value| below 2^53, where every integer is a double.
    if (high < 2 ** 21 && high >= -(2 ** 21)) {
      out[i] = high * 2 ** 32 + low;
      continue;
    }
    const exact = signed ? view.getBigInt64(at, le) : view.getBigUint64(at, le);
    const value = Number(exact);
    if (BigInt(value) !== exact) {
      throw new NncError(`${what}: ${header.dtype} value ${exact} at index ${i} is not exactly representable as a float64 (nearest is ${BigInt(value)})`);
    }
    out[i] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing

/**
 * A version 1.0 .npy file, byte for byte what `np.save` writes: the header dict
 * with sorted keys, room for the first dimension to grow to 21 digits, then spaces
 * and a newline so the data starts at a multiple of 64; data little-endian.
 */
export function writeNpy(array: NpyWritable): Uint8Array {
  const dtype = array.dtype ?? defaultDtype(array.data);
  checkWritable(array, dtype);
  const { kind, size } = DTYPES[dtype];
  const descr = `${size === 1 ? '|' : '<'}${kind}${size}`;
  const shape = array.shape;
  const shapeTuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeTuple}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  // NumPy's _wrap_header: always at least one space of padding, then the newline.
  const unpadded = header.length + 1;
  const padding = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + unpadded) % ARRAY_ALIGN);
  const headerLength = unpadded + padding;
  if (headerLength > 0xffff) throw new NncError(`writeNpy: a header of ${headerLength} bytes does not fit version 1.0`);
  const dataOffset = 10 + headerLength;

  const out = new Uint8Array(dataOffset + array.data.length * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = dataView(out);
  view.setUint16(8, headerLength, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.fill(0x20, 10 + header.length, dataOffset - 1);
  out[dataOffset - 1] = 0x0a;

  const { data } = array;
  if (dtype === 'int64' || dtype === 'uint64') {
    for (let i = 0; i < data.length; i++) {
      if (dtype === 'int64') view.setBigInt64(dataOffset + 8 * i, BigInt(data[i]), true);
      else view.setBigUint64(dataOffset + 8 * i, BigInt(data[i]), true);
    }
  } else {
    const target = out.subarray(dataOffset);
    target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (size > 1 && !HOST_IS_LITTLE_ENDIAN) swapBytes(target, size);
  }
  return out;
}

function defaultDtype(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  throw new NncError(`writeNpy: data must be a typed array, found ${Object.prototype.toString.call(data)}`);
}

function checkWritable(array: NpyWritable, dtype: NpyDtype): void {
  const fail = (message: string): never => {
    throw new NncError(`writeNpy: ${message}`);
  };
  if (!Object.hasOwn(DTYPES, dtype)) fail(`unknown dtype '${dtype}' (supported: ${SUPPORTED})`);
  const shape = checkShape(array.shape);
  if (typeof shape === 'string') fail(`shape ${shape}`);
  if (elementCount(shape as number[]) !== BigInt(array.data.length)) {
    fail(`shape (${array.shape.join(', ')}) holds ${elementCount(shape as number[])} elements but data has ${array.data.length}`);
  }
  const { data } = array;
  if (dtype === 'int64' || dtype === 'uint64') {
    if (!(data instanceof Float64Array)) fail(`${dtype} data must be a Float64Array`);
    const min = dtype === 'int64' ? -(2 ** 63) : 0;
    for (let i = 0; i < data.length; i++) {
      // Doubles are exact integers when integral; 2^63 (int64) and 2^64 (uint64) are the first out of range.
      if (!Number.isInteger(data[i]) || data[i] < min || data[i] >= (dtype === 'int64' ? 2 ** 63 : 2 ** 64)) {
        fail(`${dtype} data holds ${data[i]} at index ${i}, which is not a ${dtype} value`);
      }
    }
  } else if (dtype === 'bool') {
    if (!(data instanceof Uint8Array)) fail('bool data must be a Uint8Array of 0 and 1');
    const bad = data.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) fail(`bool data holds ${data[bad]} at index ${bad}; expected 0 or 1`);
  } else if (defaultDtype(data) !== dtype) {
    fail(`${dtype} data must be a ${DTYPES[dtype].array.name}, found ${data.constructor.name}`);
  }
}
