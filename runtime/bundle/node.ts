// Loading a bundle directory in Node (wasm backend by default): `nnc run DIR`.
// model.json and the weights are validated as the page's loader validates them, and
// model.js must be whole and embed that same model.json (seal.ts).

import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NncError } from '../../src/diagnostics.js';
import type { BackendName } from '../backend.js';
import { initNodeBackend } from '../backends/node.js';
import { checkSealedModule } from './seal.js';
import { createLoadedModel, type LoadedModel } from './loadedModel.js';
import { MAX_MODEL_JSON_BYTES, checkWeightsSize, openWeights, parseModelJson } from './manifest.js';

/** model.js holds tfjs-core and the manifest (at most 64 MiB): 256 MiB is far beyond any real one. */
const MAX_MODEL_JS_BYTES = 256 * 1024 * 1024;

function fileSize(path: string, what: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new NncError(`${what} '${path}' is not a file`);
    return stat.size;
  } catch (e) {
    if (e instanceof NncError) throw e;
    const code = (e as { code?: string }).code;
    throw new NncError(`cannot read ${what} '${path}': ${code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`);
  }
}

function readFile(path: string, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const fd = openSync(path, 'r');
  try {
    let offset = 0;
    while (offset < size) {
      const read = readSync(fd, bytes, offset, size - offset, offset);
      if (read === 0) throw new NncError(`${path} ended after ${offset} of ${size} bytes`);
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Reads and validates a bundle directory; returns its graph and weights without choosing a backend. */
export async function readBundle(dir: string) {
  const manifestPath = join(dir, 'model.json');
  const manifestSize = fileSize(manifestPath, 'bundle manifest');
  if (manifestSize > MAX_MODEL_JSON_BYTES) throw new NncError(`${manifestPath} is ${manifestSize} bytes, more than a bundle manifest may have`);
  const manifestText = readFileSync(manifestPath, 'utf8');
  const { manifest, graph } = parseModelJson(manifestText, manifestPath);
  const weightsPath = join(dir, manifest.weights.file);
  // The size is checked before the file is read: a bad bundle cannot make us allocate.
  checkWeightsSize(manifest, fileSize(weightsPath, 'weights file'), weightsPath);
  const weights = await openWeights(manifest, graph, readFile(weightsPath, manifest.weights.byteLength), weightsPath);
  // Last, once model.json and the weights stand on their own: model.js is what a page
  // runs, so it must be whole and carry this very manifest.
  const modulePath = join(dir, 'model.js');
  const moduleSize = fileSize(modulePath, 'bundle module');
  if (moduleSize > MAX_MODEL_JS_BYTES) throw new NncError(`${modulePath} is ${moduleSize} bytes, more than a bundle's model.js may have`);
  await checkSealedModule(readFileSync(modulePath, 'utf8'), manifestText, modulePath, manifestPath);
  return { manifest, graph, weights };
}

export async function loadBundle(dir: string, options: { backend?: BackendName } = {}): Promise<LoadedModel> {
  const { manifest, graph, weights } = await readBundle(dir);
  const backend = await initNodeBackend(options.backend);
  return createLoadedModel(graph, weights, backend, manifest);
}
