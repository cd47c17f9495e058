// The loader inside model.js: the graph comes embedded, the weights are fetched next
// to the module. Everything is validated before the model is built (manifest.ts).

import { NncError } from '../../src/diagnostics.js';
import type { BackendName } from '../backend.js';
import { type BackendChunks, chooseBackend, registerBundleBackends } from './backends.js';
import { createLoadedModel, type LoadedModel } from './loadedModel.js';
import { checkWeightsSize, openWeights, parseModelJson } from './manifest.js';

export interface LoadOptions {
  /** Where the weights are (default: the manifest's file, next to model.js). */
  readonly weightsUrl?: string | URL;
  /**
   * `webgl`, `wasm` or `cpu`; by default WebGL on a GPU, wasm when WebGL is missing or
   * runs in software, CPU last (`m.backendReport` says which and why).
   */
  readonly backend?: BackendName;
  /**
   * Run one prediction on zeros (batch 1) before returning, so that WebGL compiles its
   * shader programs during the load and the first real predict at batch 1 runs at
   * steady-state speed (default true). `'compile-only'`: on WebGL, compile the programs
   * without running them (LoadedModel.warmUp).
   */
  readonly warmUp?: boolean | 'compile-only';
}

/** What model.js tells the loader beside the manifest: per backend, the graph's kernels it lacks. */
export interface ModuleFacts {
  readonly missingKernels: Readonly<Partial<Record<BackendName, readonly string[]>>>;
}

export function createLoader(modelJson: string, moduleUrl: string, facts: ModuleFacts, chunks: BackendChunks): (options?: LoadOptions) => Promise<LoadedModel> {
  registerBundleBackends(chunks, new URL('./', moduleUrl).href);
  return async (options = {}) => {
    if (options.backend !== undefined && !['webgl', 'wasm', 'cpu'].includes(options.backend)) {
      throw new NncError(`load: backend ${JSON.stringify(options.backend)} is not webgl, wasm or cpu`);
    }
    const { manifest, graph } = parseModelJson(modelJson, 'model.json');
    // The backend starts (its chunk fetched, WebGL's context made) while the weights
    // download; a failure there is reported after the weights' own errors.
    const choice = chooseBackend({ preferred: options.backend, missingKernels: facts.missingKernels });
    choice.catch(() => {});
    const url = new URL(options.weightsUrl ?? manifest.weights.file, moduleUrl);
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new NncError(`cannot fetch ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!response.ok) throw new NncError(`cannot fetch ${url}: HTTP ${response.status}`);
    // Check the announced size before reading the body: no huge allocation for a bad file.
    const announced = response.headers.get('content-length');
    if (announced !== null && response.headers.get('content-encoding') === null) checkWeightsSize(manifest, Number(announced), String(url));
    const bytes = new Uint8Array(await response.arrayBuffer());
    const weights = await openWeights(manifest, graph, bytes, String(url));
    const { backend, report } = await choice;
    const model = createLoadedModel(graph, weights, backend, manifest, report);
    if (options.warmUp ?? true) await model.warmUp(options.warmUp === 'compile-only');
    return model;
  };
}
