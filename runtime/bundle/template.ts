// A model.js for any graph, built ahead of time, filled in where esbuild cannot run (the
// playground's "Download bundle"). write.ts `makeLoaderTemplate` builds model.js as for a
// bundle, but with every kernel of ALL_INFERENCE_KERNELS in its backend chunks and two
// string-literal slots where the manifest and the loader's facts go; filling
// puts the graph's in, then seals (seal.ts). The result is a bundle's model.js: `nnc run
// DIR` checks its seal and that it embeds model.json, as for one the CLI built.
// Platform-neutral (WebCrypto), no esbuild.

import { NncError } from '../../src/diagnostics.js';
import type { Graph } from '../../src/ir/types.js';
import type { BackendName } from '../backend.js';
import { inferenceKernelNames } from '../kernelNames.js';
import type { ModuleFacts } from './browser.js';
import { embeddedManifestLiteral, sealModule } from './seal.js';

/** Where the manifest's string literal goes (write.ts fills the same slot after esbuild). */
export const MANIFEST_SLOT = 'nnc:manifest-slot';
/** Where the facts go, as a JSON string literal that the loader parses. */
export const FACTS_SLOT = 'nnc:facts-slot';

export interface LoaderTemplate {
  /** model.js, unsealed, each slot in it once as a JSON string literal. */
  readonly code: string;
  /** The kernels its backend chunks register. */
  readonly kernels: readonly string[];
  /** Per backend, the kernels of `kernels` that backend lacks. */
  readonly missingKernels: ModuleFacts['missingKernels'];
  /** The files model.js fetches beside it (backend chunks, wasm binaries): a bundle ships them. */
  readonly files: readonly string[];
  /** What the manifest records as its maker. */
  readonly generator: string;
}

/** The sealed model.js of the bundle whose model.json is `modelJson`, for `graph` (the bundled, optimized one). */
export async function fillLoaderTemplate(template: LoaderTemplate, modelJson: string, graph: Graph): Promise<string> {
  const needed = inferenceKernelNames(graph);
  const absent = needed.filter((kernel) => !template.kernels.includes(kernel));
  if (absent.length > 0) throw new NncError(`the bundle template has no ${absent.join(', ')} kernel${absent.length > 1 ? 's' : ''}; rebuild the page`);
  // What the loader is told a backend lacks: only what this graph would call.
  const missingKernels: Partial<Record<BackendName, string[]>> = {};
  for (const [backend, missing] of Object.entries(template.missingKernels) as [BackendName, readonly string[]][]) {
    const lacking = needed.filter((kernel) => missing.includes(kernel));
    if (lacking.length > 0) missingKernels[backend] = lacking;
  }
  const facts: ModuleFacts = { missingKernels };
  const filled = fillSlot(fillSlot(template.code, MANIFEST_SLOT, embeddedManifestLiteral(modelJson)), FACTS_SLOT, JSON.stringify(JSON.stringify(facts)));
  return sealModule(filled);
}

/** `code` with the JSON string literal of `slot`, which it must hold once, replaced by `literal`. */
export function fillSlot(code: string, slot: string, literal: string): string {
  const parts = code.split(JSON.stringify(slot));
  if (parts.length !== 2) throw new NncError(`the bundle template holds the slot ${slot} ${parts.length - 1} times, not once; rebuild the page`);
  return parts.join(literal);
}
