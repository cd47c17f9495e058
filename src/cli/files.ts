// Reading and writing the files the CLI takes: weights (safetensors) and tensors (.npy).
// Every failure is an NncError naming the file.

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readNpyFloat32, writeNpy } from '../formats/npy.js';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import { NncError } from '../diagnostics.js';
import type { HostTensor, WeightMap } from '../ir/tensors.js';
import { float32 } from '../ir/tensors.js';

/** Reads a file as UTF-8 text, with a clear error instead of an exception. */
export function readText(path: string, what = 'file'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new NncError(`cannot read ${what} '${path}': ${describeFsError(e)}`);
  }
}

export function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

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
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  } catch (e) {
    throw new NncError(`cannot write ${what} '${path}': ${describeFsError(e)}`);
  }
}

export function readWeightsFile(path: string): Map<string, HostTensor> {
  return readSafetensors(readBytes(path, 'weights file'), path).tensors;
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
