// Web builds (issue 18 point 1): the code a page downloads for each example's bundle,
// gzip -9, beside what a tfjs-layers page ships: tfjs-core + tfjs-layers + the WebGL
// backend, bundled and minified by esbuild here. A bundle's model.js imports the code
// its backends share and fetches one backend chunk when it tries that backend, so a
// WebGL page downloads model.js, the shared chunks and the WebGL chunk; a wasm page
// the wasm chunk instead, and the SIMD binary. Each file is compressed alone, as HTTP
// sends it. Target: the WebGL page's code at most a third of the peer's.
//
// The floor: tfjs-core's engine and the WebGL backend class with no kernel registered,
// built with the bundle's own rewrites (runtime/bundle/write.ts): what any WebGL bundle
// carries whatever its graph, and what nnc cannot cut. The rest of a page is the graph's
// kernels, nnc's loader (graph reader, verifier, executor) and the manifest.
//
//   npm run bench -- web

import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { optimize } from '../compiler/passes/pipeline.js';
import { BROWSER_BUILD, makeBundle, treeShakingPlugin } from '../runtime/bundle/write.js';
import { EXAMPLES, exampleGraph, randomizedWeights } from '../test/helpers/models.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

const gzip = (data: string | Uint8Array) => gzipSync(data, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

/** tfjs-core + tfjs-layers + tfjs-backend-webgl, minified: what a tfjs-layers page ships. */
export async function peerBytes(): Promise<number> {
  const result = await build({
    stdin: { contents: `export * as tf from '@tensorflow/tfjs-core';\nexport * as tfl from '@tensorflow/tfjs-layers';\nimport '@tensorflow/tfjs-backend-webgl';`, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    ...BROWSER_BUILD,
  });
  return gzip(result.outputFiles[0].contents);
}

/** tfjs-core's engine + the WebGL backend with no kernel, built as a bundle builds them: the part no graph can drop. */
async function floorBytes(): Promise<number> {
  const result = await build({
    stdin: {
      contents: [
        `import { registerBackend, engine } from '@tensorflow/tfjs-core';`,
        `import { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';`,
        `registerBackend('webgl', () => new MathBackendWebGL());`,
        `export { engine };`,
      ].join('\n'),
      resolveDir: process.cwd(),
      loader: 'js',
    },
    bundle: true,
    ...BROWSER_BUILD,
    plugins: [treeShakingPlugin({ webgl: '', wasm: '', cpu: '' }, new Set())],
  });
  return gzip(result.outputFiles[0].contents);
}

/** The files a page fetches starting from `start`: it and every chunk it imports statically, transitively. */
export function staticClosure(files: ReadonlyMap<string, string>, start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const [, imported] of (files.get(name) ?? '').matchAll(/(?:import|from)\s*"\.\/([\w.-]+\.js)"/g)) visit(imported);
  };
  visit(start);
  return seen;
}

async function run(options: { quick: boolean }): Promise<BenchmarkTable> {
  const peer = await peerBytes();
  const floor = await floorBytes();
  const rows: string[][] = [];
  const ratios: number[] = [];
  for (const name of options.quick ? ['geron'] : EXAMPLES) {
    const graph = exampleGraph(name);
    const optimized = optimize({ graph, weights: randomizedWeights(graph) });
    const bundle = await makeBundle(optimized.graph, optimized.weights!);
    const files = new Map([['model.js', bundle.moduleJs], ...bundle.chunks]);
    const chunk = (backend: string) => [...bundle.chunks.keys()].find((file) => file.startsWith(`${backend}-`))!;
    const page = (backend: string) => new Set([...staticClosure(files, 'model.js'), ...staticClosure(files, chunk(backend))]);
    const size = (names: Iterable<string>) => [...names].reduce((sum, file) => sum + gzip(files.get(file)!), 0);
    const webgl = size(page('webgl'));
    const wasm = size(page('wasm'));
    const loader = size(staticClosure(files, 'model.js'));
    ratios.push(webgl / peer);
    rows.push([name, kb(loader), kb(webgl - loader), kb(webgl), kb(wasm), kb(gzip(bundle.wasm.get('tfjs-backend-wasm-simd.wasm')!)), kb(peer), (webgl / peer).toFixed(2), webgl / peer <= 1 / 3 ? 'met' : 'missed', kb(webgl - floor)]);
  }
  return {
    title: 'Web build: code a page downloads (gzip -9, each file alone), bundle beside tfjs-core + tfjs-layers + WebGL (target: WebGL page ≤ 1/3 of it)',
    columns: ['model', 'model.js + shared', '+ webgl chunk', 'WebGL page', 'wasm page', '+ .wasm (SIMD)', 'tfjs-layers page', 'ratio', 'target ≤ 0.33', 'page − tfjs floor'],
    rows,
    note: `ratio = WebGL page / tfjs-layers page; worst ${Math.max(...ratios).toFixed(2)}. tfjs floor (tfjs-core's engine + the WebGL backend, no kernel; no bundle can go under it) = ${kb(floor)}, ${(floor / peer).toFixed(2)} of the tfjs-layers page; the target leaves ${kb(peer / 3 - floor)} for the graph's kernels, nnc's loader and the manifest`,
  };
}

export const webBuildSection: BenchmarkSection = { name: 'web', run };
