// A graph and its weights → a TensorFlow.js layers model: `model.json` (`modelTopology` in
// Keras 2's spelling, which tfjs-layers reads: a functional `Model` with nested-list
// inbound nodes and InputLayers carrying `batch_input_shape`; a `weightsManifest`) and the
// shards it lists, each at most 4 MiB as tfjs's own writer splits them. Weights are named
// `<layer>/<variable>`, the names tfjs-layers gives its variables and matches on load;
// float32, or float16 (`quantization: {dtype: 'float16'}`, which tfjs widens on load).

import type { Json, JsonObject } from '../../src/formats/keras/config.js';
import { float32ToFloat16Bits } from '../../src/formats/float16.js';
import { nodeWeights } from '../../src/ir/ops.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import type { Graph, Node } from '../../src/ir/types.js';
import { exportLayers } from './kerasModel.js';

export type TfjsDtype = 'float32' | 'float16';

/** tfjs's own shard size (tfjs-converter's default `weight_shard_size_bytes`). */
export const SHARD_BYTES = 4 * 1024 * 1024;

export interface TfjsExport {
  readonly modelJson: JsonObject;
  /** Shard files, by name, in the manifest's order. */
  readonly shards: readonly { readonly name: string; readonly bytes: Uint8Array }[];
}

function topology(graph: Graph, layers: ReadonlyMap<Node, { className: string; config: JsonObject }>, generator: string): JsonObject {
  const entries = graph.nodes.map((node): Json => {
    if (node.kind === 'Input') {
      return { class_name: 'InputLayer', config: { batch_input_shape: [...node.shape], dtype: 'float32', sparse: false, name: node.name }, name: node.name, inbound_nodes: [] };
    }
    const layer = layers.get(node)!;
    return { class_name: layer.className, config: layer.config, name: node.name, inbound_nodes: [node.inputs.map((id) => [graph.nodes[id].name, 0, 0, {}])] };
  });
  const refs = (ids: readonly number[]) => ids.map((id) => [graph.nodes[id].name, 0, 0]);
  return {
    class_name: 'Model',
    config: { name: graph.name, layers: entries, input_layers: refs(graph.inputs), output_layers: refs(graph.outputs) },
    keras_version: `tfjs-layers (${generator})`,
    backend: 'tensor_flow.js',
  };
}

function encode(data: Float32Array | Float64Array, dtype: TfjsDtype): Uint8Array {
  if (dtype === 'float32') {
    const copy = data instanceof Float32Array ? data : Float32Array.from(data);
    return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
  }
  const halves = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) halves[i] = float32ToFloat16Bits(data[i]);
  return new Uint8Array(halves.buffer);
}

/** model.json and its shards. `generator` names the writer (`nnc 0.1.0`). */
export function exportTfjs(graph: Graph, weights: ReadonlyMap<string, HostTensor>, options: { readonly dtype?: TfjsDtype; readonly generator: string }): TfjsExport {
  const dtype = options.dtype ?? 'float32';
  const layers = exportLayers(graph, 'tfjs-layers');
  const entries: Json[] = [];
  const parts: Uint8Array[] = [];
  for (const node of graph.nodes) {
    for (const spec of nodeWeights(graph, node)) {
      const name = `${node.name}/${spec.name}`;
      const tensor = weights.get(name);
      if (tensor === undefined) throw new Error(`weight '${name}' is missing`);
      entries.push(dtype === 'float32' ? { name, shape: [...spec.shape], dtype: 'float32' } : { name, shape: [...spec.shape], dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } });
      parts.push(encode(tensor.data, dtype));
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const shards = Array.from({ length: count }, (_, i) => ({ name: `group1-shard${i + 1}of${count}.bin`, bytes: all.slice(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)) }));
  const modelJson: JsonObject = {
    format: 'layers-model',
    generatedBy: options.generator,
    convertedBy: null,
    modelTopology: topology(graph, layers, options.generator),
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: entries }],
  };
  return { modelJson, shards };
}
