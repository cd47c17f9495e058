// The prepared models (graph, weights, optimized graph and weights) as two files, so
// the page measures exactly what the Node processes measure: models.json (graphs as the
// bundle's JSON, weights as shape + offset) and models.bin (every weight as float32).

import { type GraphJson, graphFromJson, graphToJson } from '../src/ir/json.js';
import type { HostTensor, WeightMap } from '../src/ir/tensors.js';
import { hostFloat32 } from '../src/ir/tensors.js';
import type { PreparedModel } from './inferenceCells.js';

/** Where one weight's float32 values sit in models.bin, in elements. */
interface WeightEntry {
  readonly key: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly length: number;
}

interface ModelEntry {
  readonly name: string;
  readonly graph: GraphJson;
  readonly weights: readonly WeightEntry[];
  readonly optimized: GraphJson;
  readonly optimizedWeights: readonly WeightEntry[];
}

export function encodePreparedModels(models: readonly PreparedModel[]): { json: string; bytes: Uint8Array } {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const entries = (weights: WeightMap): WeightEntry[] =>
    [...weights].map(([key, host]) => {
      const data = hostFloat32(host);
      chunks.push(data);
      offset += data.length;
      return { key, shape: host.shape, offset: offset - data.length, length: data.length };
    });
  const list: ModelEntry[] = models.map((m) => ({ name: m.name, graph: graphToJson(m.graph), weights: entries(m.weights), optimized: graphToJson(m.optimized), optimizedWeights: entries(m.optimizedWeights) }));
  const all = new Float32Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return { json: JSON.stringify(list), bytes: new Uint8Array(all.buffer) };
}

export function decodePreparedModels(json: string, bytes: ArrayBuffer): PreparedModel[] {
  const values = new Float32Array(bytes);
  const weights = (list: readonly WeightEntry[]) => new Map<string, HostTensor>(list.map((e) => [e.key, { shape: e.shape, data: values.subarray(e.offset, e.offset + e.length) }]));
  return (JSON.parse(json) as ModelEntry[]).map((m) => ({ name: m.name, graph: graphFromJson(m.graph), weights: weights(m.weights), optimized: graphFromJson(m.optimized), optimizedWeights: weights(m.optimizedWeights) }));
}
