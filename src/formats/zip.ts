// Reading zip archives (a Keras 3 `.keras` file is one) through fflate, with the checks a
// hostile archive needs before anything is inflated: every entry's name must be a plain
// relative path (no `..` segment, no absolute or drive-letter name, no backslash), names
// are unique, and the sizes the central directory declares must fit the limits — fflate
// allocates each entry's output from its declared size, so the check comes first.

import { unzipSync } from 'fflate';
import { NncError } from '../diagnostics.js';

export interface ZipLimits {
  /** Largest uncompressed entry accepted, in bytes. */
  readonly maxEntryBytes: number;
  /** Largest sum of uncompressed entries, in bytes. */
  readonly maxTotalBytes: number;
}

/** 1 GiB an entry and 2 GiB in all: far above any model nnc can run, far below what exhausts memory on a page. */
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntryBytes: 2 ** 30, maxTotalBytes: 2 ** 31 };

/**
 * Deflate expands at most 1032 to 1 (its longest match, 258 bytes, costs at least two
 * bits); an entry that declares more than that from its compressed size is lying.
 */
const MAX_DEFLATE_RATIO = 1032;

/** Why a zip entry's name is refused, or null when it is a plain relative path. */
export function unsafeEntryName(name: string): string | null {
  if (name === '') return 'an empty name';
  if (name.includes('\\')) return 'a backslash';
  if (name.startsWith('/')) return 'an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'a drive letter';
  if (name.split('/').some((part) => part === '..')) return "a '..' segment";
  if (name.includes('\0')) return 'a NUL character';
  return null;
}

/** The archive's files (directories left out), keyed by name. Every failure is one NncError naming the archive. */
export function readZip(bytes: Uint8Array, archiveName: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Map<string, Uint8Array> {
  const seen = new Set<string>();
  let total = 0;
  let refusal: string | null = null;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter(file) {
        if (refusal !== null) return false;
        const why = unsafeEntryName(file.name);
        if (why !== null) refusal = `entry ${JSON.stringify(file.name)} has ${why}; nnc reads only plain relative names`;
        else if (seen.has(file.name)) refusal = `entry '${file.name}' appears twice`;
        else if (file.originalSize > limits.maxEntryBytes) refusal = `entry '${file.name}' declares ${file.originalSize} bytes, more than the limit of ${limits.maxEntryBytes}`;
        else if (file.compression === 0 && file.originalSize !== file.size) refusal = `stored entry '${file.name}' declares ${file.originalSize} bytes but holds ${file.size}`;
        else if (file.compression === 8 && file.originalSize > file.size * MAX_DEFLATE_RATIO + 1024) refusal = `entry '${file.name}' declares ${file.originalSize} bytes from ${file.size} compressed, more than deflate can expand`;
        else if (file.compression !== 0 && file.compression !== 8) refusal = `entry '${file.name}' uses compression method ${file.compression}; nnc reads stored and deflated entries`;
        else if ((total += file.originalSize) > limits.maxTotalBytes) refusal = `its entries declare more than ${limits.maxTotalBytes} bytes in all, the limit`;
        if (refusal !== null) return false;
        seen.add(file.name);
        return !file.name.endsWith('/');
      },
    });
  } catch (e) {
    throw new NncError(`'${archiveName}' is not a valid zip archive: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (refusal !== null) throw new NncError(`zip archive '${archiveName}' is refused: ${refusal}`);
  return new Map(Object.entries(entries));
}

/** Whether bytes start like a zip archive (a local file header or an empty archive's end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}
