// Backend choice. `webgl` is the default in browsers, `wasm` in Node (its .wasm ships
// inside the package), `cpu` the fallback everywhere. Which backends exist depends on
// which entry registered them: runtime/backends/node.ts or runtime/backends/browser.ts.

import * as tf from '@tensorflow/tfjs-core';
import { NncError } from '../src/diagnostics.js';

export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * Switches tfjs to `preferred`, or to the first of `fallbacks` that initializes.
 * Returns the backend actually in use, so callers can report it.
 */
export async function useBackend(preferred: BackendName | undefined, fallbacks: readonly BackendName[]): Promise<BackendName> {
  const candidates = preferred ? [preferred] : fallbacks;
  const failures: string[] = [];
  for (const name of candidates) {
    if (tf.findBackendFactory(name) === null) {
      failures.push(`${name}: not available here`);
      continue;
    }
    try {
      if (tf.getBackend() === name || (await tf.setBackend(name))) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: failed to initialize`);
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new NncError(`cannot use the ${preferred ? `'${preferred}'` : 'default'} TensorFlow.js backend (${failures.join('; ')})`);
}
