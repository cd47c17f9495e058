// model.js's wasm backend, in its own chunk: fetched only when wasm is tried, and the
// .wasm binary (SIMD or plain, next to model.js) only then. No threads: they need a
// cross-origin-isolated page and the threaded glue, which the bundle leaves out.
import { type KernelBackend, env } from '@tensorflow/tfjs-core';
import { BackendWasm, init, setWasmPaths } from '@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js';

export async function createBackend(wasmDirectory: string): Promise<KernelBackend> {
  env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(wasmDirectory);
  return new BackendWasm((await init()).wasm);
}
