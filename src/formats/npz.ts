// NumPy's .npz format: a ZIP archive of .npy files, one per array, as `np.savez`
// (stored) and `np.savez_compressed` (deflate) write it. Node-only (node:zlib).
//
// The central directory is the authority for names, sizes, CRCs and offsets; each
// local header is checked against it. NumPy opens every entry with force_zip64, so
// local headers carry 0xFFFFFFFF sizes and a ZIP64 extra field even for small files.
//
// Defences: every offset and size is checked against the archive's length before it
// is used; entries may not overlap (no overlapping-file zip bombs); inflation is
// capped at the size the central directory declares, and that size is capped at
// what deflate can produce from the compressed bytes (at most 1032:1).

import { inflateRawSync, deflateRawSync } from 'node:zlib';
import { NncError } from '../diagnostics.js';
import { bytesText, dataView } from './bytes.js';
import { crc32 } from './crc32.js';
import { type NpyArray, type NpyWritable, readNpy, writeNpy } from './npy.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;

const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const END_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_END_SIZE = 56;
const MAX_COMMENT = 0xffff;

const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
/** Deflate's best ratio: a 258-byte match costs at least 2 bits, plus block overhead. */
const MAX_DEFLATE_RATIO = 1032;
/** 1980-01-01 00:00, the earliest DOS date: what NumPy's entries carry, and reproducible. */
const DOS_DATE_1980 = 0x0021;

export interface WriteNpzOptions {
  /** Deflate each entry, as np.savez_compressed does (default false: stored, as np.savez). */
  readonly compress?: boolean;
}

interface CentralEntry {
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localOffset: number;
}

// ---------------------------------------------------------------------------
// Reading

/** The arrays of an .npz archive, keyed by entry name without `.npy`. */
export function readNpz(bytes: Uint8Array, what: string): Map<string, NpyArray> {
  const fail = (message: string): never => {
    throw new NncError(`${what}: ${message}`);
  };
  const { entries, directoryOffset } = readCentralDirectory(bytes, fail);
  const spans = entries.map((entry) => ({ entry, ...locateData(bytes, entry, directoryOffset, fail) }));

  // Entries must not share bytes: sorted by position, each ends before the next starts.
  const ordered = [...spans].sort((a, b) => a.entry.localOffset - b.entry.localOffset);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i].entry.localOffset < ordered[i - 1].dataEnd) {
      fail(`entries '${ordered[i - 1].entry.name}' and '${ordered[i].entry.name}' overlap`);
    }
  }

  const arrays = new Map<string, NpyArray>();
  for (const { entry, dataStart, dataEnd } of spans) {
    const content = extract(bytes.subarray(dataStart, dataEnd), entry, fail);
    const actual = crc32(content);
    if (actual !== entry.crc) {
      fail(`entry '${entry.name}' fails its CRC-32 check (computed ${hex(actual)}, the archive says ${hex(entry.crc)}): the archive is corrupt`);
    }
    arrays.set(entry.name.slice(0, -'.npy'.length), readNpy(content, `${what}/${entry.name}`));
  }
  return arrays;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function readCentralDirectory(
  bytes: Uint8Array,
  fail: (message: string) => never,
): { entries: CentralEntry[]; directoryOffset: number } {
  const view = dataView(bytes);
  const end = findEndOfCentralDirectory(bytes);
  if (end < 0) fail('no ZIP end-of-central-directory record: not an .npz archive, or a truncated one');

  let diskNumber = view.getUint16(end + 4, true);
  let directoryDisk = view.getUint16(end + 6, true);
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  let directoryLimit = end; // the central directory must end before the record that describes it

  const locator = end - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
    const zip64End = bigToOffset(view.getBigUint64(locator + 8, true), bytes.length);
    if (zip64End < 0 || zip64End + ZIP64_END_SIZE > locator || view.getUint32(zip64End, true) !== ZIP64_END_OF_CENTRAL_DIRECTORY) {
      fail('the ZIP64 end-of-central-directory locator points to no ZIP64 record: the archive is corrupt');
    }
    diskNumber = view.getUint32(zip64End + 16, true);
    directoryDisk = view.getUint32(zip64End + 20, true);
    const count64 = bigToOffset(view.getBigUint64(zip64End + 32, true), bytes.length);
    const size64 = bigToOffset(view.getBigUint64(zip64End + 40, true), bytes.length);
    const offset64 = bigToOffset(view.getBigUint64(zip64End + 48, true), bytes.length);
    if (count64 < 0 || size64 < 0 || offset64 < 0) fail('the ZIP64 end-of-central-directory record claims more than the archive holds');
    [count, directorySize, directoryOffset, directoryLimit] = [count64, size64, offset64, zip64End];
  }
  if (diskNumber !== 0 || directoryDisk !== 0) fail('multi-disk (split) ZIP archives are not supported');
  if (directoryOffset + directorySize > directoryLimit) {
    fail(`the central directory claims bytes ${directoryOffset}..${directoryOffset + directorySize} but the archive has ${bytesText(directoryLimit)} before its end record: the archive is truncated or corrupt`);
  }
  if (count > directorySize / CENTRAL_HEADER_SIZE) {
    fail(`the archive claims ${count} entries but its ${directorySize}-byte central directory cannot hold them`);
  }

  const entries: CentralEntry[] = [];
  const seen = new Set<string>();
  let position = directoryOffset;
  const directoryEnd = directoryOffset + directorySize;
  for (let i = 0; i < count; i++) {
    if (position + CENTRAL_HEADER_SIZE > directoryEnd || view.getUint32(position, true) !== CENTRAL_HEADER) {
      fail(`central directory entry ${i} is missing or corrupt (at byte ${position})`);
    }
    const flags = view.getUint16(position + 8, true);
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    const next = position + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (next > directoryEnd) fail(`central directory entry ${i} runs past the end of the central directory`);
    const nameBytes = bytes.subarray(position + CENTRAL_HEADER_SIZE, position + CENTRAL_HEADER_SIZE + nameLength);
    const name = decodeName(nameBytes);
    const extra = bytes.subarray(position + CENTRAL_HEADER_SIZE + nameLength, position + CENTRAL_HEADER_SIZE + nameLength + extraLength);

    let compressedSize = view.getUint32(position + 20, true);
    let uncompressedSize = view.getUint32(position + 24, true);
    let localOffset = view.getUint32(position + 42, true);
    const wide =
      readZip64Extra(extra, {
        uncompressed: uncompressedSize === 0xffffffff,
        compressed: compressedSize === 0xffffffff,
        offset: localOffset === 0xffffffff,
      }) ?? fail(`entry '${name}' lacks the ZIP64 extra field its 0xFFFFFFFF fields call for`);
    for (const [field, value] of Object.entries(wide) as [keyof ZipSizes, bigint][]) {
      if (bigToOffset(value, bytes.length) < 0) {
        fail(`entry '${name}' claims ${ZIP64_FIELD_NAMES[field]} of ${value}, beyond the end of the ${bytes.length}-byte archive`);
      }
    }
    uncompressedSize = Number(wide.uncompressed ?? uncompressedSize);
    compressedSize = Number(wide.compressed ?? compressedSize);
    localOffset = Number(wide.offset ?? localOffset);

    checkEntry(name, flags, view.getUint16(position + 10, true), compressedSize, uncompressedSize, bytes.length, fail);
    if (seen.has(name)) fail(`entry '${name}' appears twice`);
    seen.add(name);
    entries.push({
      name,
      nameBytes,
      method: view.getUint16(position + 10, true),
      crc: view.getUint32(position + 16, true),
      compressedSize,
      uncompressedSize,
      localOffset,
    });
    position = next;
  }
  return { entries, directoryOffset };
}

/** The last end-of-central-directory record whose comment reaches exactly to the end, or -1. */
function findEndOfCentralDirectory(bytes: Uint8Array): number {
  const view = dataView(bytes);
  const lowest = Math.max(0, bytes.length - END_SIZE - MAX_COMMENT);
  for (let at = bytes.length - END_SIZE; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY && at + END_SIZE + view.getUint16(at + 20, true) === bytes.length) {
      return at;
    }
  }
  return -1;
}

/** A 64-bit size or offset as a number, or -1 when it exceeds the archive (so it cannot be real). */
function bigToOffset(value: bigint, archiveLength: number): number {
  return value > BigInt(archiveLength) ? -1 : Number(value);
}

interface ZipSizes {
  uncompressed?: bigint;
  compressed?: bigint;
  offset?: bigint;
}

const ZIP64_FIELD_NAMES: Readonly<Record<keyof ZipSizes, string>> = {
  uncompressed: 'an uncompressed size',
  compressed: 'a compressed size',
  offset: 'a local header offset',
};

/**
 * The 64-bit fields of a ZIP64 extended-information extra field: only the ones
 * whose 32-bit field is 0xFFFFFFFF are present, in this order. Null when a needed
 * field is missing.
 */
function readZip64Extra(extra: Uint8Array, needed: { uncompressed: boolean; compressed: boolean; offset: boolean }): ZipSizes | null {
  const out: ZipSizes = {};
  if (!needed.uncompressed && !needed.compressed && !needed.offset) return out;
  const view = dataView(extra);
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === ZIP64_EXTRA) {
      let field = at + 4;
      const limit = Math.min(at + 4 + size, extra.length);
      for (const key of ['uncompressed', 'compressed', 'offset'] as const) {
        if (!needed[key]) continue;
        if (field + 8 > limit) return null;
        out[key] = view.getBigUint64(field, true);
        field += 8;
      }
      return out;
    }
    at += 4 + size;
  }
  return null;
}

/** Names without the UTF-8 flag are nominally CP437; NumPy's are ASCII, so UTF-8 reads both. */
function decodeName(nameBytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(nameBytes);
}

function checkEntry(
  name: string,
  flags: number,
  method: number,
  compressedSize: number,
  uncompressedSize: number,
  archiveLength: number,
  fail: (message: string) => never,
): void {
  const entry = `entry '${name}'`;
  if (name.split(/[/\\]/).includes('..') || name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    fail(`${entry} has an unsafe path ('..' or absolute)`);
  }
  if (!name.endsWith('.npy') || name.length === '.npy'.length) fail(`${entry} is not a .npy file; an .npz archive holds only .npy arrays`);
  if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) fail(`${entry} is encrypted, which is not supported`);
  if (method !== STORED && method !== DEFLATED) {
    fail(`${entry} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
  }
  if (compressedSize > archiveLength) {
    fail(`${entry} claims ${bytesText(compressedSize)} of data but the archive has ${bytesText(archiveLength)}`);
  }
  if (method === STORED && compressedSize !== uncompressedSize) {
    fail(`${entry} is stored but its sizes differ (${compressedSize} compressed, ${uncompressedSize} uncompressed)`);
  }
  if (method === DEFLATED && uncompressedSize > compressedSize * MAX_DEFLATE_RATIO + 64) {
    fail(`${entry} claims to inflate ${bytesText(compressedSize)} to ${bytesText(uncompressedSize)}, beyond what deflate can produce`);
  }
}

/** Check an entry's local header against the central directory and find its data. */
function locateData(
  bytes: Uint8Array,
  entry: CentralEntry,
  directoryOffset: number,
  fail: (message: string) => never,
): { dataStart: number; dataEnd: number } {
  const view = dataView(bytes);
  const at = entry.localOffset;
  const where = `entry '${entry.name}'`;
  if (at + LOCAL_HEADER_SIZE > directoryOffset || view.getUint32(at, true) !== LOCAL_HEADER) {
    fail(`${where}: no local header at byte ${at}: the archive is corrupt`);
  }
  const flags = view.getUint16(at + 6, true);
  const nameLength = view.getUint16(at + 26, true);
  const extraLength = view.getUint16(at + 28, true);
  const dataStart = at + LOCAL_HEADER_SIZE + nameLength + extraLength;
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > directoryOffset) {
    fail(`${where} claims bytes ${dataStart}..${dataEnd} but its data must end by byte ${directoryOffset}, where the central directory starts: the archive is truncated or corrupt`);
  }
  const localName = bytes.subarray(at + LOCAL_HEADER_SIZE, at + LOCAL_HEADER_SIZE + nameLength);
  if (!sameBytes(localName, entry.nameBytes)) {
    fail(`${where}: the local header names '${decodeName(localName)}': the archive is corrupt`);
  }
  if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) fail(`${where} is encrypted, which is not supported`);
  if (view.getUint16(at + 8, true) !== entry.method) fail(`${where}: local and central headers disagree on the compression method`);
  // With a data descriptor (flag bit 3) the local CRC and sizes are zero; otherwise they must agree.
  if ((flags & 0x0008) === 0) {
    let compressed = BigInt(view.getUint32(at + 18, true));
    let uncompressed = BigInt(view.getUint32(at + 22, true));
    if (compressed === 0xffffffffn || uncompressed === 0xffffffffn) {
      const extra = bytes.subarray(at + LOCAL_HEADER_SIZE + nameLength, dataStart);
      // The local ZIP64 field holds both sizes whenever it is present.
      const wide =
        readZip64Extra(extra, { uncompressed: true, compressed: true, offset: false }) ??
        fail(`${where}: the local header lacks the ZIP64 extra field its 0xFFFFFFFF sizes call for`);
      compressed = wide.compressed as bigint;
      uncompressed = wide.uncompressed as bigint;
    }
    if (compressed !== BigInt(entry.compressedSize) || uncompressed !== BigInt(entry.uncompressedSize)) {
      fail(`${where}: the local header says ${compressed} bytes (${uncompressed} uncompressed) but the central directory says ${entry.compressedSize} (${entry.uncompressedSize}): the archive is corrupt`);
    }
    if (view.getUint32(at + 14, true) !== entry.crc) fail(`${where}: local and central headers disagree on the CRC-32`);
  }
  return { dataStart, dataEnd };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function extract(data: Uint8Array, entry: CentralEntry, fail: (message: string) => never): Uint8Array {
  if (entry.method === STORED) return data;
  const content = inflateBounded(data, entry, fail);
  if (content.length !== entry.uncompressedSize) {
    fail(`entry '${entry.name}' inflates to ${bytesText(content.length)} but the central directory declares ${bytesText(entry.uncompressedSize)}`);
  }
  return content;
}

function inflateBounded(data: Uint8Array, entry: CentralEntry, fail: (message: string) => never): Uint8Array {
  try {
    // maxOutputLength makes zlib stop, not allocate, past the declared size.
    const content = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    return new Uint8Array(content.buffer, content.byteOffset, content.length);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      fail(`entry '${entry.name}' inflates to more than the ${bytesText(entry.uncompressedSize)} the central directory declares`);
    }
    return fail(`entry '${entry.name}' holds corrupt deflate data (${(e as Error).message})`);
  }
}

// ---------------------------------------------------------------------------
// Writing

/**
 * An .npz archive of `arrays`, in the order given, each entry `<key>.npy` in .npy
 * version 1.0. Entries are dated 1980-01-01 as NumPy's are, so output is
 * reproducible. Plain ZIP (no ZIP64): up to 65535 entries and 4 GiB.
 */
export function writeNpz(arrays: Readonly<Record<string, NpyWritable>>, options: WriteNpzOptions = {}): Uint8Array {
  const method = options.compress ? DEFLATED : STORED;
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [key, array] of Object.entries(arrays)) {
    if (key === '' || key.split(/[/\\]/).includes('..') || key.startsWith('/') || key.startsWith('\\')) {
      throw new NncError(`writeNpz: '${key}' cannot name an entry (empty, absolute or with '..')`);
    }
    const name = encoder.encode(`${key}.npy`);
    const content = writeNpy(array);
    const data = method === DEFLATED ? new Uint8Array(deflateRawSync(content)) : content;
    const crc = crc32(content);
    const flags = /^[\x20-\x7e]*$/.test(key) ? 0 : FLAG_UTF8;

    const local = new Uint8Array(LOCAL_HEADER_SIZE + name.length + data.length);
    const lv = dataView(local);
    lv.setUint32(0, LOCAL_HEADER, true);
    lv.setUint16(4, 20, true); // version needed: 2.0 (deflate)
    lv.setUint16(6, flags, true);
    lv.setUint16(8, method, true);
    lv.setUint16(10, 0, true); // 00:00:00
    lv.setUint16(12, DOS_DATE_1980, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, content.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 0, true);
    local.set(name, LOCAL_HEADER_SIZE);
    local.set(data, LOCAL_HEADER_SIZE + name.length);

    const central = new Uint8Array(CENTRAL_HEADER_SIZE + name.length);
    const cv = dataView(central);
    cv.setUint32(0, CENTRAL_HEADER, true);
    cv.setUint16(4, 20, true); // made by: 2.0, MS-DOS attributes
    central.set(local.subarray(4, 30), 6); // version needed .. extra length mirror the local header
    cv.setUint16(32, 0, true); // comment length
    cv.setUint16(34, 0, true); // disk
    cv.setUint16(36, 0, true); // internal attributes
    cv.setUint32(38, 0, true); // external attributes
    cv.setUint32(42, offset, true);
    central.set(name, CENTRAL_HEADER_SIZE);

    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const directorySize = centrals.reduce((sum, c) => sum + c.length, 0);
  if (locals.length > 0xffff || offset + directorySize > 0xffffffff) {
    throw new NncError(`writeNpz: ${locals.length} entries, ${offset + directorySize} bytes need ZIP64, which writeNpz does not write`);
  }
  const end = new Uint8Array(END_SIZE);
  const ev = dataView(end);
  ev.setUint32(0, END_OF_CENTRAL_DIRECTORY, true);
  ev.setUint16(8, locals.length, true);
  ev.setUint16(10, locals.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);

  const out = new Uint8Array(offset + directorySize + END_SIZE);
  let position = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, position);
    position += part.length;
  }
  return out;
}
