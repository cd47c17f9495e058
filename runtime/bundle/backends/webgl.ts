// model.js's WebGL backend, in its own chunk: fetched only when WebGL is tried.
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';

export function createBackend(): KernelBackend {
  return new MathBackendWebGL();
}
