// The safetensors format (https://github.com/huggingface/safetensors). Browser-safe:
// the bundle loader reads weights with it, so no Node imports and no Buffer.
//
//   [0, 8)        N, the header length, little-endian u64
//   [8, 8 + N)    UTF-8 JSON: { "<name>": { "dtype": "F32", "shape": [..],
//                 "data_offsets": [begin, end] }, ..., "__metadata__": { "k": "v" } }
//   [8 + N, EOF)  the data section; offsets are relative to its start
//
// A valid file's tensors tile the data section exactly: no overlaps, no gaps, and
// each range holds product(shape) × sizeof(dtype) bytes. The header is validated
// completely against the real byte length before any tensor is read or allocated.

import { NncError } from '../diagnostics.js';
import { type HostTensor, hostFloat32, hostLength } from '../ir/tensors.js';
import {
  HOST_IS_LITTLE_ENDIAN,
  bytesText,
  checkShape,
  copyBytes,
  dataView,
  decodeUtf8,
  describeJson,
  firstNonFinite,
  multiIndexText,
} from './bytes.js';
import { bfloat16BitsToFloat32, float16Table32, float32ToFloat16Bits } from './float16.js';
import { exactElementCount, formatShape } from '../ir/shape.js';

export { float16BitsToFloat32, float32ToFloat16Bits } from './float16.js';

/** The element types nnc reads as weights. */
export type FloatDtype = 'F32' | 'F16' | 'F64' | 'BF16';

export const SAFETENSORS_DTYPE_SIZES: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, F64: 8, BF16: 2 };

/** Unsigned integers: the codes of quantized weights, which only a bundle (its manifest giving scales and zero points) reads. */
export type IntegerDtype = 'U8' | 'U16';
export const INTEGER_DTYPE_SIZES: Readonly<Record<IntegerDtype, number>> = { U8: 1, U16: 2 };

export type SafetensorsDtype = FloatDtype | IntegerDtype;

/** Element types the format defines that nnc does not read, named as unsupported rather than unknown. */
const OTHER_SAFETENSORS_DTYPES = new Set([
  'BOOL', 'U8', 'I8', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64',
  'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64',
]);

/** Names that would be dangerous as plain-object keys; rejected in headers and refused by the writer. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const METADATA_KEY = '__metadata__';

/** Python's safetensors refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Byte range within the data section: [begin, end). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly entries: Map<string, SafetensorsEntry>;
  /** A prototype-less object: keys are the file's own. */
  readonly metadata: Record<string, string>;
  /** Where the data section starts in the file: 8 + header length. */
  readonly dataOffset: number;
}

export interface ParseHeaderOptions {
  /** Accept U8 and U16 tensors (quantized weights, read by the bundle loader); default false. */
  readonly integers?: boolean;
}

export interface ReadSafetensorsOptions {
  /** Accept NaN and ±Infinity in tensor data (default false: they are rejected). */
  readonly allowNonFinite?: boolean;
}

/** A tensor already encoded: its element type and little-endian bytes (quantized codes, or float16 beside float32 tensors). */
export interface EncodedTensor {
  readonly dtype: IntegerDtype | 'F16';
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

export interface WriteSafetensorsOptions {
  /** Element type of every floating-point tensor (default F32). */
  readonly dtype?: 'F32' | 'F16';
  readonly metadata?: Readonly<Record<string, string>>;
  /** The order of the tensors in the file (default: by name, code point order); must be total, so the bytes are deterministic. */
  readonly order?: (a: string, b: string) => number;
}

// ---------------------------------------------------------------------------
// Reading

/** Parse and fully validate the header without reading tensor data. */
export function parseSafetensorsHeader(bytes: Uint8Array, what: string, options: ParseHeaderOptions = {}): SafetensorsHeader {
  const fail = (message: string): never => {
    throw new NncError(`${what}: ${message}`);
  };
  if (bytes.length < 8) {
    fail(`file is ${bytesText(bytes.length)}, too short for a safetensors file (it starts with an 8-byte header length)`);
  }
  const headerLength = dataView(bytes).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length is ${headerLength} bytes, above the ${MAX_HEADER_BYTES}-byte limit: not a safetensors file, or a corrupt one`);
  }
  const n = Number(headerLength);
  if (n > bytes.length - 8) {
    fail(`header length is ${bytesText(n)} but only ${bytesText(bytes.length - 8)} follow the 8-byte length: the file is truncated`);
  }
  if (n === 0 || bytes[8] !== 0x7b /* { */) {
    fail(`header does not start with '{': not a safetensors file`);
  }
  const text = decodeUtf8(bytes.subarray(8, 8 + n), what, 'header');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(`header must be a JSON object, found ${describeJson(json)}`);
  }

  const dataOffset = 8 + n;
  const dataLength = bytes.length - dataOffset;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = Object.create(null);
  // JSON.parse defines every key, `__proto__` included, as an own property, so
  // Object.entries sees the file's keys and nothing inherited.
  for (const [name, value] of Object.entries(json as object)) {
    if (name === METADATA_KEY) {
      metadata = checkMetadata(value, fail);
      continue;
    }
    if (RESERVED_NAMES.has(name)) {
      fail(`tensor name '${name}' is not allowed (it is a reserved JavaScript property name)`);
    }
    entries.set(name, checkEntry(name, value, dataLength, options.integers ?? false, fail));
  }
  checkTiling(entries, dataLength, fail);
  return { entries, metadata, dataOffset };
}

function checkMetadata(value: unknown, fail: (message: string) => never): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`"__metadata__" must be an object of strings, found ${describeJson(value)}`);
  }
  const metadata: Record<string, string> = Object.create(null);
  for (const [key, text] of Object.entries(value as object)) {
    if (RESERVED_NAMES.has(key)) fail(`metadata key '${key}' is not allowed (it is a reserved JavaScript property name)`);
    if (typeof text !== 'string') fail(`metadata '${key}' must be a string, found ${describeJson(text)}`);
    metadata[key] = text;
  }
  return metadata;
}

function checkEntry(name: string, value: unknown, dataLength: number, integers: boolean, fail: (message: string) => never): SafetensorsEntry {
  const tensor = `tensor '${name}'`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${tensor}: expected an object with "dtype", "shape" and "data_offsets", found ${describeJson(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`${tensor}: "dtype" must be a string, found ${describeJson(dtype)}`);
  const integer = integers && Object.hasOwn(INTEGER_DTYPE_SIZES, dtype as string);
  if (!integer && !Object.hasOwn(SAFETENSORS_DTYPE_SIZES, dtype as string)) {
    const supported = Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ');
    if (OTHER_SAFETENSORS_DTYPES.has(dtype as string)) {
      fail(`${tensor} has dtype ${dtype}, which nnc does not read (supported: ${supported})`);
    }
    fail(`${tensor} has unknown dtype ${describeJson(dtype)} (supported: ${supported})`);
  }
  const size = integer ? INTEGER_DTYPE_SIZES[dtype as IntegerDtype] : SAFETENSORS_DTYPE_SIZES[dtype as FloatDtype];
  const dims = checkShape(shape);
  if (typeof dims === 'string') fail(`${tensor}: "shape" ${dims}`);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(`${tensor}: "data_offsets" must be [begin, end] with integers 0 <= begin <= end, found ${describeJson(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    fail(`${tensor} claims bytes ${begin}..${end} but the data section has ${bytesText(dataLength)}`);
  }
  // Exact arithmetic: a shape claiming terabytes is compared, never allocated.
  const needed = exactElementCount(dims as number[]) * BigInt(size);
  if (needed !== BigInt(end - begin)) {
    fail(`${tensor} has shape ${formatShape(dims as number[])} ${dtype}, which needs ${bytesText(needed)}, but data_offsets ${begin}..${end} span ${bytesText(end - begin)}`);
  }
  return { dtype: dtype as SafetensorsDtype, shape: dims as number[], begin, end };
}

/** The ranges must tile [0, dataLength) exactly, as the format requires. */
function checkTiling(entries: Map<string, SafetensorsEntry>, dataLength: number, fail: (message: string) => never): void {
  const ordered = [...entries].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: string | undefined;
  for (const [name, { begin, end }] of ordered) {
    if (begin < cursor) {
      const other = entries.get(previous as string) as SafetensorsEntry;
      fail(`tensors '${previous}' (bytes ${other.begin}..${other.end}) and '${name}' (bytes ${begin}..${end}) overlap`);
    }
    if (begin > cursor) {
      const where = previous === undefined ? `before '${name}'` : `between '${previous}' and '${name}'`;
      fail(`bytes ${cursor}..${begin} of the data section belong to no tensor (${where})`);
    }
    cursor = end;
    previous = name;
  }
  if (cursor < dataLength) {
    const where = previous === undefined ? 'the header lists no tensors' : `after '${previous}'`;
    fail(`bytes ${cursor}..${dataLength} of the data section belong to no tensor (${where})`);
  }
}

/** Read every tensor as float32 (F16, BF16 and F64 are converted), copied out of `bytes`. */
export function readSafetensors(
  bytes: Uint8Array,
  what: string,
  options: ReadSafetensorsOptions = {},
): { tensors: Map<string, HostTensor>; metadata: Record<string, string> } {
  const header = parseSafetensorsHeader(bytes, what);
  return { tensors: readSafetensorsTensors(bytes, header, what, options), metadata: header.metadata };
}

/** `readSafetensors` for a caller that has already parsed (and checked) the header of `bytes`. */
export function readSafetensorsTensors(bytes: Uint8Array, header: SafetensorsHeader, what: string, options: ReadSafetensorsOptions = {}): Map<string, HostTensor> {
  const tensors = new Map<string, HostTensor>();
  for (const name of header.entries.keys()) tensors.set(name, readSafetensorsTensor(bytes, header, name, what, options));
  return tensors;
}

/** One floating-point tensor of a parsed file, as float32 (integer codes are the bundle loader's to dequantize). */
export function readSafetensorsTensor(bytes: Uint8Array, header: SafetensorsHeader, name: string, what: string, options: ReadSafetensorsOptions = {}): HostTensor {
  const entry = header.entries.get(name);
  if (!entry) throw new NncError(`${what}: no tensor '${name}'`);
  if (Object.hasOwn(INTEGER_DTYPE_SIZES, entry.dtype)) throw new NncError(`${what}: tensor '${name}' holds ${entry.dtype} codes, which need their quantization parameters`);
  const data = decodeTensor(bytes, header.dataOffset + entry.begin, header.dataOffset + entry.end, entry.dtype as FloatDtype);
  if (!options.allowNonFinite) checkFinite(data, name, entry, bytes, header.dataOffset, what);
  return { shape: entry.shape, data };
}

function decodeTensor(bytes: Uint8Array, begin: number, end: number, dtype: FloatDtype): Float32Array {
  const count = (end - begin) / SAFETENSORS_DTYPE_SIZES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  switch (dtype) {
    case 'F32': {
      if (HOST_IS_LITTLE_ENDIAN) return new Float32Array(copyBytes(bytes, begin, end));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const table = float16Table32();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(2 * i, true)];
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = bfloat16BitsToFloat32(view.getUint16(2 * i, true));
      return out;
    }
  }
}

function checkFinite(
  data: Float32Array,
  name: string,
  entry: SafetensorsEntry,
  bytes: Uint8Array,
  dataOffset: number,
  what: string,
): void {
  const index = firstNonFinite(data);
  if (index < 0) return;
  const where = `at index ${index}${entry.shape.length > 1 ? ` (element ${multiIndexText(index, entry.shape)})` : ''}`;
  if (entry.dtype === 'F64') {
    const original = dataView(bytes).getFloat64(dataOffset + entry.begin + 8 * index, true);
    if (Number.isFinite(original)) {
      throw new NncError(`${what}: tensor '${name}' holds ${original} ${where}, beyond the float32 range`);
    }
  }
  throw new NncError(`${what}: tensor '${name}' holds ${data[index]} ${where}; weights must be finite`);
}

// ---------------------------------------------------------------------------
// Writing

/**
 * A safetensors file: tensors sorted by name (so the same input gives the same
 * bytes), header as compact JSON padded with spaces to a multiple of 8 (as Python's
 * safetensors writes it), data little-endian. Float64 data is rounded to float32,
 * or to float16 with `dtype: 'F16'`; a finite value beyond the target's range is an
 * error rather than a silent Infinity.
 */
export function writeSafetensors(
  tensors: Iterable<[string, HostTensor]> | ReadonlyMap<string, HostTensor>,
  options: WriteSafetensorsOptions = {},
): Uint8Array {
  return encodeSafetensors(tensors, options).bytes;
}

/**
 * `writeSafetensors`, which also takes tensors already encoded (quantized codes), and
 * returns the layout it wrote beside the bytes: each tensor's dtype, shape and byte
 * range, the header a reader would parse, without parsing it back.
 */
export function encodeSafetensors(
  tensors: Iterable<[string, HostTensor | EncodedTensor]> | ReadonlyMap<string, HostTensor | EncodedTensor>,
  options: WriteSafetensorsOptions = {},
): { bytes: Uint8Array; header: SafetensorsHeader } {
  const dtype = options.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F16') throw new NncError(`writeSafetensors: dtype must be F32 or F16, found ${describeJson(dtype)}`);

  const byName = new Map<string, HostTensor | EncodedTensor>();
  for (const [name, tensor] of tensors) {
    if (byName.has(name)) throw new NncError(`writeSafetensors: tensor '${name}' is given twice`);
    if (name === METADATA_KEY || RESERVED_NAMES.has(name)) throw new NncError(`writeSafetensors: '${name}' cannot be a tensor name`);
    const dims = checkShape(tensor.shape);
    if (typeof dims === 'string') throw new NncError(`writeSafetensors: tensor '${name}': shape ${dims}`);
    const count = isEncoded(tensor) ? tensor.bytes.length / (tensor.dtype === 'F16' ? 2 : INTEGER_DTYPE_SIZES[tensor.dtype]) : hostLength(tensor);
    if (exactElementCount(dims) !== BigInt(count)) {
      throw new NncError(`writeSafetensors: tensor '${name}' has shape ${formatShape(dims)} but ${count} values`);
    }
    byName.set(name, tensor);
  }
  const names = [...byName.keys()].sort(options.order ?? compareCodePoints);

  const parts: string[] = [];
  if (options.metadata !== undefined) {
    const keys = Object.keys(options.metadata).sort(compareCodePoints);
    for (const key of keys) {
      if (RESERVED_NAMES.has(key)) throw new NncError(`writeSafetensors: '${key}' cannot be a metadata key`);
      if (typeof options.metadata[key] !== 'string') throw new NncError(`writeSafetensors: metadata '${key}' must be a string`);
    }
    const fields = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(options.metadata![key])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  const entries = new Map<string, SafetensorsEntry>();
  let offset = 0;
  for (const name of names) {
    const tensor = byName.get(name)!;
    const entryDtype = isEncoded(tensor) ? tensor.dtype : dtype;
    const end = offset + (isEncoded(tensor) ? tensor.bytes.length : hostLength(tensor) * SAFETENSORS_DTYPE_SIZES[dtype]);
    parts.push(`${JSON.stringify(name)}:{"dtype":"${entryDtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    entries.set(name, { dtype: entryDtype, shape: [...tensor.shape], begin: offset, end });
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  const view = dataView(out);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20 /* space */, 8 + json.length, 8 + headerLength);
  const dataOffset = 8 + headerLength;
  for (const name of names) {
    const tensor = byName.get(name)!;
    const position = dataOffset + entries.get(name)!.begin;
    if (isEncoded(tensor)) out.set(tensor.bytes, position);
    else writeFloats(view, out, position, name, tensor, dtype);
  }
  return { bytes: out, header: { entries, metadata: Object.assign(Object.create(null), options.metadata), dataOffset } };
}

function isEncoded(tensor: HostTensor | EncodedTensor): tensor is EncodedTensor {
  return 'bytes' in tensor;
}

function writeFloats(view: DataView, out: Uint8Array, start: number, name: string, tensor: HostTensor, dtype: 'F32' | 'F16'): void {
  let position = start;
  // Aligned when every tensor before it spans a multiple of 4 (the data section starts at a multiple of 8).
  if (dtype === 'F32' && HOST_IS_LITTLE_ENDIAN && position % 4 === 0) {
    const length = hostLength(tensor);
    const target = new Float32Array(out.buffer, position, length);
    target.set(hostFloat32(tensor));
    const index = firstNonFinite(target);
    if (index >= 0 && (tensor.toFloat32 || tensor.data instanceof Float64Array)) {
      const data = tensor.data;
      for (let i = index; i < data.length; i++) {
        if (!Number.isFinite(target[i]) && Number.isFinite(data[i])) throw outOfRange(name, i, data[i], 'float32', '3.4028235e38');
      }
    }
    return;
  }
  const { data } = tensor;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (dtype === 'F32') {
      const rounded = Math.fround(value);
      if (!Number.isFinite(rounded) && Number.isFinite(value)) throw outOfRange(name, i, value, 'float32', '3.4028235e38');
      view.setFloat32(position, rounded, true);
      position += 4;
    } else {
      const bits = float32ToFloat16Bits(value);
      if ((bits & 0x7fff) === 0x7c00 && Number.isFinite(value)) throw outOfRange(name, i, value, 'float16', '65504');
      view.setUint16(position, bits, true);
      position += 2;
    }
  }
}

function outOfRange(name: string, index: number, value: number, type: string, limit: string): NncError {
  return new NncError(`writeSafetensors: tensor '${name}' holds ${value} at index ${index}, beyond the ${type} range (±${limit})`);
}

/** Code point order, which is the UTF-8 byte order the Rust implementation sorts by. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
