// The backends inside a bundle: WebGL, wasm and CPU, each in its own chunk next to
// model.js (runtime/bundle/backends/*.ts with the graph's kernels for that backend,
// write.ts), fetched only when that backend is tried; each registers its backend class
// alone, without its package's register-every-kernel entry. Which backend a load picks,
// and why, is `chooseBackend`'s.

import { type KernelBackend, engine, findBackendFactory, getBackend, ready, registerBackend, setBackend } from '@tensorflow/tfjs-core';
import { NncError } from '../../src/diagnostics.js';
import type { BackendName } from '../backend.js';

/** A backend chunk: registers its kernels when imported, then makes the backend. */
export interface BackendChunk {
  createBackend(wasmDirectory: string): KernelBackend | Promise<KernelBackend>;
}

export type BackendChunks = Readonly<Record<BackendName, () => Promise<BackendChunk>>>;

/** Why a backend's factory failed last (tfjs reports only `false`, the reason goes to the console). */
const failures = new Map<BackendName, string>();

const messageOf = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e));

/** Registers the three backends (once per page); the wasm binaries are looked for in `wasmDirectory`. */
export function registerBundleBackends(chunks: BackendChunks, wasmDirectory: string): void {
  const priorities: Record<BackendName, number> = { webgl: 2, wasm: 3, cpu: 1 };
  for (const name of ['webgl', 'wasm', 'cpu'] as const) {
    if (findBackendFactory(name) !== null) continue;
    registerBackend(name, async () => {
      try {
        return await (await chunks[name]()).createBackend(wasmDirectory);
      } catch (e) {
        failures.set(name, messageOf(e));
        throw e;
      }
    }, priorities[name]);
  }
}

/** Renderers that run WebGL on the CPU (Chromium's SwiftShader, Mesa's llvmpipe / softpipe). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

/** The WebGL renderer's name (unmasked where the browser allows), or null. */
export function webglRenderer(): string | null {
  const gl = (engine().findBackend('webgl') as unknown as { gpgpu?: { gl: WebGLRenderingContext } } | null)?.gpgpu?.gl;
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

export interface BackendChoice {
  readonly backend: BackendName;
  /** What was tried and why this one: "wasm (webgl: software renderer SwiftShader ...)". */
  readonly report: string;
}

export interface ChoiceInputs {
  /** `load({ backend })`: only this one, or a clear error. */
  readonly preferred?: BackendName;
  /** Per backend, the kernels the graph needs that the backend does not have. */
  readonly missingKernels: Readonly<Partial<Record<BackendName, readonly string[]>>>;
}

async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (getBackend() === name || (await setBackend(name))) {
      await ready();
      return null;
    }
    return failures.get(name) ?? 'failed to initialize';
  } catch (e) {
    return messageOf(e);
  }
}

/**
 * The default: WebGL when it runs on a GPU, wasm when WebGL is missing or runs in
 * software (a CPU emulating a GPU loses to wasm on every example: docs/web-builds.md),
 * CPU last. A backend that lacks one of the graph's kernels is skipped.
 */
export async function chooseBackend({ preferred, missingKernels }: ChoiceInputs): Promise<BackendChoice> {
  const skipped: string[] = [];
  const lacks = (name: BackendName) => {
    const missing = missingKernels[name] ?? [];
    return missing.length > 0 ? `no ${missing.join(', ')} kernel${missing.length > 1 ? 's' : ''} in tfjs's ${name} backend` : null;
  };
  if (preferred) {
    const reason = lacks(preferred) ?? (await tryBackend(preferred));
    if (reason !== null) throw new NncError(`cannot run this model on the '${preferred}' backend: ${reason}`);
    return { backend: preferred, report: `${preferred} (asked for)` };
  }
  for (const name of ['webgl', 'wasm', 'cpu'] as const) {
    const reason = lacks(name) ?? (await tryBackend(name));
    if (reason !== null) {
      skipped.push(`${name}: ${reason}`);
      continue;
    }
    if (name === 'webgl') {
      const renderer = webglRenderer() ?? 'unknown';
      if (SOFTWARE_RENDERER.test(renderer) && lacks('wasm') === null) {
        const wasmFailure = await tryBackend('wasm');
        if (wasmFailure === null) return { backend: 'wasm', report: `wasm (webgl: software renderer '${renderer}', slower than wasm)` };
        skipped.push(`wasm: ${wasmFailure}`);
        await tryBackend('webgl');
      }
      return { backend: 'webgl', report: `webgl (renderer '${renderer}')${skipped.length > 0 ? `; ${skipped.join('; ')}` : ''}` };
    }
    return { backend: name, report: `${name} (${skipped.join('; ')})` };
  }
  throw new NncError(`no TensorFlow.js backend could run this model (${skipped.join('; ')})`);
}
