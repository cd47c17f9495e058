// Byte-level helpers shared by the file readers and writers. Browser-safe: typed
// arrays, DataView and TextDecoder only.
//
// Every size a file claims is checked against the bytes actually present before
// anything is allocated, so element counts are computed exactly (BigInt) and
// compared, never multiplied in floating point and trusted.

import { NncError } from '../diagnostics.js';

/** True on every platform nnc targets; checked so the fast copy paths stay correct elsewhere. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** NumPy's limit (NPY_MAXDIMS); also keeps exact size arithmetic cheap. */
export const MAX_RANK = 64;

/** Exact number of elements of a shape whose dimensions are already known to be safe integers. */
export function elementCount(shape: readonly number[]): bigint {
  let count = 1n;
  for (const dim of shape) count *= BigInt(dim);
  return count;
}

/**
 * The dimensions of `value` if it is an array of at most MAX_RANK non-negative safe
 * integers, else a sentence saying what is wrong.
 */
export function checkShape(value: unknown): number[] | string {
  if (!Array.isArray(value)) return `expected an array of dimensions, found ${describeJson(value)}`;
  if (value.length > MAX_RANK) return `has ${value.length} dimensions; at most ${MAX_RANK} are supported`;
  for (const dim of value) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      return `dimensions must be non-negative integers, found ${describeJson(dim)}`;
    }
  }
  return value.slice() as number[];
}

/** A JSON value in a message, shortened so a hostile file cannot flood the terminal. */
export function describeJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `1 byte`, `24 bytes`. */
export function bytesText(count: number | bigint): string {
  return `${count} ${count === 1 || count === 1n ? 'byte' : 'bytes'}`;
}

/** The multi-index of flat position `index` in a C-ordered array, for messages: `[1, 2]`. */
export function multiIndexText(index: number, shape: readonly number[]): string {
  const coordinates: number[] = new Array(shape.length);
  let rest = index;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    coordinates[axis] = rest % shape[axis];
    rest = Math.floor(rest / shape[axis]);
  }
  return `[${coordinates.join(', ')}]`;
}

/** Strict UTF-8 decoding that reports malformed text as an NncError. */
export function decodeUtf8(bytes: Uint8Array, what: string, part: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new NncError(`${what}: ${part} is not valid UTF-8`);
  }
}

/** ISO-8859-1: each byte is the code point (TextDecoder's 'latin1' is really windows-1252). */
export function decodeLatin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

/** A copy of `bytes[begin, end)` in a fresh, aligned buffer (never an alias of the input). */
export function copyBytes(bytes: Uint8Array, begin: number, end: number): ArrayBuffer {
  const copy = new Uint8Array(end - begin);
  copy.set(bytes.subarray(begin, end));
  return copy.buffer;
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Index of the first NaN or ±Infinity, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 for finite v and NaN for NaN and ±Infinity.
    if (v - v !== 0) return i;
  }
  return -1;
}
