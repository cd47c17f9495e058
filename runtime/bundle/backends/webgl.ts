// model.js's WebGL backend, in its own chunk: fetched only when WebGL is tried.
import { type KernelBackend, env } from '@tensorflow/tfjs-core';
import { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';
import { PINNED_WEBGL_FLAGS } from './webglFlags.js';
import { shareMatMulPrograms } from './webglMatMul.js';
import { transferPackedDirectly } from './webglPackedTransfer.js';

export function createBackend(): KernelBackend {
  env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  // The kernels were built with these values (write.ts `withPinnedWebglFlags`).
  for (const [flag, value] of Object.entries(PINNED_WEBGL_FLAGS)) env().set(flag, value);
  const backend = new MathBackendWebGL();
  shareMatMulPrograms(backend);
  transferPackedDirectly(backend);
  return backend;
}
