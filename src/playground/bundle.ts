// "Download bundle": the optimized model as a bundle, made in the page, zipped. The data
// files come from the same platform-neutral code as the CLI's (runtime/bundle/files.ts);
// model.js is the playground's template filled with this graph's manifest and sealed
// (runtime/bundle/template.ts), beside the template's backend chunks and wasm binaries
// (built by scripts/playground.ts into bundle/). Unzipped, the folder is a bundle like
// `nnc build` writes: `nnc run DIR` checks and runs it, a page imports its model.js.

import { zipSync } from 'fflate';
import { bundleFiles, WEIGHTS_FILE } from '../../runtime/bundle/files.js';
import { fillLoaderTemplate, type LoaderTemplate } from '../../runtime/bundle/template.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { optimizeModel } from '../driver/index.js';
import type { WeightMap } from '../ir/tensors.js';
import type { Graph } from '../ir/types.js';

export interface BundleZip {
  /** The zip's file name, `<model>-bundle.zip`; its files are in a folder `<model>-bundle/`. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The files in the folder, in order. */
  readonly files: readonly string[];
}

let shipped: Promise<{ template: LoaderTemplate; files: Map<string, Uint8Array> }> | null = null;

/** The template and the files it ships, fetched once. */
function templateFiles(): Promise<{ template: LoaderTemplate; files: Map<string, Uint8Array> }> {
  shipped ??= (async () => {
    const fetchOk = async (path: string) => {
      const response = await fetch(path);
      if (!response.ok) throw new Error(`cannot fetch ${path}: HTTP ${response.status}`);
      return response;
    };
    const template = (await (await fetchOk('bundle/template.json')).json()) as LoaderTemplate;
    const files = new Map(await Promise.all(template.files.map(async (name) => [name, new Uint8Array(await (await fetchOk(`bundle/${name}`)).arrayBuffer())] as const)));
    return { template, files };
  })().catch((e: unknown) => {
    shipped = null; // a failed fetch is retried on the next click
    throw e;
  });
  return shipped;
}

/**
 * The bundle of `graph` optimized, with the imported weights or the initializers'
 * (seed 0), as Run uses: float32 weights, the model's output names kept.
 */
export async function bundleZip(graph: Graph, imported: WeightMap | null): Promise<BundleZip> {
  const weights = imported ?? initializeWeights(graph, 0);
  const optimized = optimizeModel({ graph, weights });
  const { template, files: shippedFiles } = await templateFiles();
  const outputNames = graph.outputs.map((id) => graph.nodes[id].name);
  const data = await bundleFiles(optimized.graph, optimized.weights, { generator: template.generator, outputNames });
  const moduleJs = await fillLoaderTemplate(template, data.modelJson, optimized.graph);
  const text = new TextEncoder();
  const entries: [string, Uint8Array][] = [
    ['model.json', text.encode(data.modelJson)],
    [WEIGHTS_FILE, data.weights],
    ['model.js', text.encode(moduleJs)],
    ...shippedFiles,
  ];
  const folder = `${graph.name}-bundle`;
  const bytes = zipSync(Object.fromEntries(entries.map(([name, content]) => [`${folder}/${name}`, content])));
  return { name: `${folder}.zip`, bytes, files: entries.map(([name]) => name) };
}
