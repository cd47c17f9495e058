// The inference benchmark's page for the `webgl` backend, bundled by esbuild with
// tfjs-core, the WebGL backend, tfjs-layers and nnc's runtime (bench/inference.ts).
// The page loads models.json and models.bin (the Node-prepared graphs and weights, so
// the page measures what the Node processes measure) and exposes `runInference(plan)`,
// which returns the cells; progress goes to the console.

import * as tf from '@tensorflow/tfjs-core';
import { initBrowserBackend } from '../runtime/backends/browser.js';
import { type CellResult, measureModel } from './inferenceCells.js';
import type { InferencePlan } from './inferencePlan.js';
import { decodePreparedModels } from './preparedModels.js';

export interface PageResult {
  readonly backend: string;
  /** WebGL's renderer string (SwiftShader when the GPU is software). */
  readonly renderer: string;
  readonly float32: boolean;
  readonly cells: CellResult[];
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  return response;
}

function webglRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2 context';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function runInference(plan: InferencePlan): Promise<PageResult> {
  // As in Node (runtime/backends/node.ts): production mode, no debug checks.
  tf.enableProdMode();
  const backend = await initBrowserBackend('webgl');
  if (backend !== 'webgl' || tf.getBackend() !== 'webgl') throw new Error(`asked for webgl, running on ${tf.getBackend()}`);
  const [json, bytes] = await Promise.all([fetchOk('models.json').then((r) => r.text()), fetchOk('models.bin').then((r) => r.arrayBuffer())]);
  const models = decodePreparedModels(json, bytes);
  const cells: CellResult[] = [];
  for (const { name, batches, policy } of plan.models) {
    const model = models.find((m) => m.name === name);
    if (!model) throw new Error(`models.json has no model '${name}'`);
    cells.push(...(await measureModel(model, { backend: 'webgl', batches, policy: policy ?? plan.policy, log: (line) => console.log(line) })));
  }
  return { backend, renderer: webglRenderer(), float32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'), cells };
}

(globalThis as unknown as { runInference: typeof runInference }).runInference = runInference;
