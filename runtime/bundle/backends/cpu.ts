// model.js's CPU backend, in its own chunk: fetched only when the CPU is the fallback or asked for.
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu/dist/backend_cpu.js';

export function createBackend(): KernelBackend {
  return new MathBackendCPU();
}
