// Opening files in the page: a `.nn` source as it is; Keras (`.keras`, `.h5`) and
// TensorFlow.js (`model.json` chosen together with its shards) models through the
// import API, printed as `.nn` with their weights kept for Run.

import { importModel } from '../../compiler/import/importModel.js';
import { NncError, formatDiagnostics } from '../diagnostics.js';
import type { WeightMap } from '../ir/tensors.js';

export interface OpenedModel {
  readonly text: string;
  readonly weights: WeightMap | null;
  readonly note: string;
}

export async function openFiles(files: readonly File[]): Promise<OpenedModel> {
  if (files.length === 0) throw new Error('no file chosen');
  const source = files.find((f) => f.name.endsWith('.nn'));
  if (source) {
    if (files.length > 1) throw new Error(`choose one .nn file, not ${files.length} files`);
    return { text: await source.text(), weights: null, note: `opened ${source.name}` };
  }
  const bytes = new Map<string, Uint8Array>();
  for (const file of files) bytes.set(file.name, new Uint8Array(await file.arrayBuffer()));
  try {
    const imported = importModel(bytes);
    const notes = imported.notes.length > 0 ? `; ${imported.notes.join('; ')}` : '';
    return { text: imported.source, weights: imported.weights, note: `imported ${[...bytes.keys()].join(', ')} (${imported.format})${notes}` };
  } catch (e) {
    // The CLI's message, every refusal listed, without a location prefix to decode.
    if (e instanceof NncError) throw new Error(formatDiagnostics(e.diagnostics));
    throw e;
  }
}
