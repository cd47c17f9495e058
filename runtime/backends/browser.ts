// Backends for browsers: webgl (default) with cpu as the fallback.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { type BackendName, useBackend } from '../backend.js';

const BROWSER_BACKENDS: readonly BackendName[] = ['webgl', 'cpu'];

export function initBrowserBackend(preferred?: BackendName): Promise<BackendName> {
  return useBackend(preferred, BROWSER_BACKENDS);
}
