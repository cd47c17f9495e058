// Backends for Node: wasm (default, ~30x faster than cpu on matmuls) and cpu.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { type BackendName, useBackend } from '../backend.js';

// Production mode: no debug checks, and no console advice to install tfjs-node.
tf.enableProdMode();

const NODE_BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];

export function initNodeBackend(preferred?: BackendName): Promise<BackendName> {
  return useBackend(preferred, NODE_BACKENDS);
}
