// A ZIP writer for tests, independent of src/formats/npz.ts: it lays out every header
// field by hand and lets a test choose ZIP64 forms and corrupt any field.
// Layouts from PKWARE's APPNOTE.TXT sections 4.3.7 (local header), 4.3.12 (central
// directory header), 4.3.14-16 (ZIP64 end records) and 4.5.3 (ZIP64 extra field).

import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../../src/formats/crc32.js';

export interface ZipEntrySpec {
  readonly name: string;
  /** The uncompressed bytes. */
  readonly content: Uint8Array;
  /** 0 stored (default) or 8 deflate; anything else is written as given with the content stored. */
  readonly method?: number;
  /** Replaces the stored bytes (after compression). */
  readonly data?: Uint8Array;
  readonly flags?: number;
  /** Recorded CRC-32 (default: the content's). */
  readonly crc?: number;
  /** Recorded sizes (default: the real ones), in both headers. */
  readonly compressedSize?: number;
  readonly uncompressedSize?: number;
  /** As NumPy writes: local sizes 0xFFFFFFFF and a ZIP64 extra with both sizes. */
  readonly zip64Local?: boolean;
  /** Central sizes and offset 0xFFFFFFFF, the real values in a ZIP64 extra. */
  readonly zip64Central?: boolean;
  /** Name in the local header if different (to corrupt it). */
  readonly localName?: string;
  /** Recorded local-header offset (default: the real one). */
  readonly offset?: number;
}

export interface ZipSpec {
  /** Write a ZIP64 end-of-central-directory record and locator, with 0xFFFF... in the plain record. */
  readonly zip64End?: boolean;
  readonly comment?: string;
  /** Raw bytes to place before the first entry. */
  readonly prefix?: Uint8Array;
}

class Bytes {
  readonly parts: number[] = [];
  u16(v: number): this {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(Math.floor(v / 0x10000) & 0xffff);
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
}

export function buildZip(entries: readonly ZipEntrySpec[], spec: ZipSpec = {}): Uint8Array {
  const encoder = new TextEncoder();
  const out = new Bytes().bytes(spec.prefix ?? []);
  const central = new Bytes();
  for (const entry of entries) {
    const method = entry.method ?? 0;
    const data = entry.data ?? (method === 8 ? new Uint8Array(deflateRawSync(entry.content)) : entry.content);
    const crc = entry.crc ?? crc32(entry.content);
    const compressed = entry.compressedSize ?? data.length;
    const uncompressed = entry.uncompressedSize ?? entry.content.length;
    const name = encoder.encode(entry.name);
    const localName = encoder.encode(entry.localName ?? entry.name);
    const offset = entry.offset ?? out.length;
    const flags = entry.flags ?? 0;

    const localExtra = entry.zip64Local ? new Bytes().u16(1).u16(16).u64(uncompressed).u64(compressed) : new Bytes();
    out.u32(0x04034b50).u16(entry.zip64Local ? 45 : 20).u16(flags).u16(method).u16(0).u16(0x0021).u32(crc);
    out.u32(entry.zip64Local ? 0xffffffff : compressed).u32(entry.zip64Local ? 0xffffffff : uncompressed);
    out.u16(localName.length).u16(localExtra.length).bytes(localName).bytes(localExtra.parts).bytes(data);

    const centralExtra = entry.zip64Central ? new Bytes().u16(1).u16(24).u64(uncompressed).u64(compressed).u64(offset) : new Bytes();
    const wide = entry.zip64Central ? 0xffffffff : undefined;
    central.u32(0x02014b50).u16(45).u16(entry.zip64Central ? 45 : 20).u16(flags).u16(method).u16(0).u16(0x0021).u32(crc);
    central.u32(wide ?? compressed).u32(wide ?? uncompressed).u16(name.length).u16(centralExtra.length).u16(0);
    central.u16(0).u16(0).u32(0).u32(wide ?? offset).bytes(name).bytes(centralExtra.parts);
  }
  const directoryOffset = out.length;
  out.bytes(central.parts);
  const comment = encoder.encode(spec.comment ?? '');
  if (spec.zip64End) {
    const recordOffset = out.length;
    out.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0);
    out.u64(entries.length).u64(entries.length).u64(central.length).u64(directoryOffset);
    out.u32(0x07064b50).u32(0).u64(recordOffset).u32(1);
    out.u32(0x06054b50).u16(0xffff).u16(0xffff).u16(0xffff).u16(0xffff).u32(0xffffffff).u32(0xffffffff);
  } else {
    out.u32(0x06054b50).u16(0).u16(0).u16(entries.length).u16(entries.length).u32(central.length).u32(directoryOffset);
  }
  out.u16(comment.length).bytes(comment);
  return Uint8Array.from(out.parts);
}
