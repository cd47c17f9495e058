// The loader inside model.js: the graph comes embedded, the weights are fetched next
// to the module. Everything is validated before the model is built (manifest.ts).

import { NncError } from '../../src/diagnostics.js';
import type { BackendName } from '../backend.js';
import { initBrowserBackend } from '../backends/browser.js';
import { createLoadedModel, type LoadedModel } from './loadedModel.js';
import { checkWeightsSize, openWeights, parseModelJson } from './manifest.js';

export interface LoadOptions {
  /** Where the weights are (default: the manifest's file, next to model.js). */
  readonly weightsUrl?: string | URL;
  /** `webgl` (default) or `cpu`. */
  readonly backend?: BackendName;
}

/** UTF-8 text from base64 (how model.js carries its manifest). */
export function decodeBase64(base64: string): string {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

export function createLoader(modelJson: string, moduleUrl: string): (options?: LoadOptions) => Promise<LoadedModel> {
  return async (options = {}) => {
    const { manifest, graph } = parseModelJson(modelJson, 'model.json');
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
    const backend = await initBrowserBackend(options.backend);
    return createLoadedModel(graph, weights, backend, manifest);
  };
}
