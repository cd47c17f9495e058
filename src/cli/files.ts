// Reading and writing the files the CLI takes: weights (safetensors) and tensors (.npy).
// Every failure is an NncError naming the file.

import { readFileSync, statSync } from 'node:fs';
import { describeFsError, writeFileAtomic } from '../../runtime/atomicWrite.js';
import { readNpyFloat32, writeNpy } from '../formats/npy.js';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import { NncError } from '../diagnostics.js';
import type { HostTensor, WeightMap } from '../ir/tensors.js';
import { float32 } from '../ir/tensors.js';

/** `-` where a source is expected: standard input, named so in messages. */
export const STDIN = '-';
export const STDIN_NAME = '<stdin>';

/** Reads a file (or standard input for `-`) as UTF-8 text, without a leading byte-order mark, with a clear error instead of an exception. */
export function readText(path: string, what = 'file'): string {
  let text: string;
  try {
    text = readFileSync(path === STDIN ? 0 : path, 'utf8');
  } catch (e) {
    throw new NncError(`cannot read ${what} '${path === STDIN ? STDIN_NAME : path}': ${describeFsError(e)}`);
  }
  // Editors on Windows write a UTF-8 BOM; it is not part of the text (columns count without it).
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export { describeFsError };

export function readBytes(path: string, what: string): Uint8Array {
  try {
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (e) {
    throw new NncError(`cannot read ${what} '${path}': ${describeFsError(e)}`);
  }
}

export function writeBytes(path: string, bytes: Uint8Array, what: string): void {
  try {
    // A temporary sibling renamed into place: a failure or a kill leaves the old file as it was.
    writeFileAtomic(path, bytes);
  } catch (e) {
    throw new NncError(`cannot write ${what} '${path}': ${describeFsError(e)}`);
  }
}

export function readWeightsFile(path: string): Map<string, HostTensor> {
  return readSafetensors(readBytes(path, 'weights file'), path).tensors;
}

/** A weights file's tensors and its `__metadata__`. */
export function readWeightsFileWithMetadata(path: string): { tensors: Map<string, HostTensor>; metadata: Record<string, string> } {
  return readSafetensors(readBytes(path, 'weights file'), path);
}

export function writeWeightsFile(path: string, weights: WeightMap, metadata?: Record<string, string>): void {
  writeBytes(path, writeSafetensors(weights, { dtype: 'F32', metadata }), 'weights file');
}

export function readTensorFile(path: string): HostTensor {
  return readNpyFloat32(readBytes(path, 'tensor file'), path);
}

export function writeTensorFile(path: string, tensor: HostTensor): void {
  writeBytes(path, writeNpy({ shape: tensor.shape, data: float32(tensor.data) }), 'tensor file');
}

/** Whether a path names a directory (a bundle, for the commands that take FILE|DIR). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
