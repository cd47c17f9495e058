// model.js's WebGL backend, in its own chunk: fetched only when WebGL is tried.
import { type KernelBackend, env } from '@tensorflow/tfjs-core';
import { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';
import { shareMatMulPrograms } from './webglMatMul.js';

export function createBackend(): KernelBackend {
  env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  const backend = new MathBackendWebGL();
  shareMatMulPrograms(backend);
  return backend;
}
