// Reading and writing the files the CLI takes: weights (safetensors) and tensors (.npy).
// Every failure is an NncError naming the file.

import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../formats/atomicWrite.js';
import { readNpyFloat32, writeNpy } from '../formats/npy.js';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import { NncError } from '../diagnostics.js';
import type { HostTensor, WeightMap } from '../ir/types.js';
import { float32 } from '../ir/types.js';
import { describeFsError } from './loadModel.js';

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
