// A graph and its weights → a Keras 3 `.keras` archive's parts, as Keras 3.10 writes them
// (saving_lib.py; checked field by field against a real file, test/fixtures/keras/mnist-cnn):
//
// - `config.json`: a Sequential when the graph is a chain (one input, each layer fed by the
//   one before, the last one the output), a Functional otherwise, with `__keras_tensor__`
//   inbound nodes; every layer `{module: "keras.layers", class_name, config,
//   registered_name: null, build_config}`; `compile_config` when asked;
// - `metadata.json`: `{keras_version, date_saved}`;
// - `model.weights.h5`: `layers/<class in snake_case>[_k]/vars/<i>` — the group named by
//   class and its order among layers of that class (a Sequential does not count its
//   InputLayer), the variables numbered in the layer's own order, which is the order the
//   IR declares them in — and an empty `vars` group for the model itself. Each `vars`
//   group carries the layer's (or model's) name as an attribute `name`, as Keras 3.10 does.
//
// The inverse is compiler/import (buildGraph's `keras3Paths` reads the same layout), so an
// export imports back to the same graph and the same weights, bit for bit.

import { NncError, error } from '../../src/diagnostics.js';
import type { Json, JsonObject } from '../../src/formats/keras/config.js';
import { layerDef } from '../../src/ir/layers/index.js';
import { nodeWeights } from '../../src/ir/ops.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import type { Graph, Node, Shape } from '../../src/ir/types.js';
import { toSnakeCase } from '../naming.js';
import { type ExportedLayer, FLOAT32_POLICY, exportLayer } from './kerasLayers.js';

/** The Keras version whose layout is written (metadata.json's keras_version). */
export const KERAS_LAYOUT_VERSION = '3.10.0';

/** One `vars` group of model.weights.h5 and the datasets in it, in order. */
export interface WeightGroup {
  /** `layers/dense_1` ('' for the model's own group). */
  readonly path: string;
  /** The `name` attribute of its `vars` group. */
  readonly name: string;
  readonly variables: readonly { readonly key: string; readonly shape: readonly number[]; readonly data: Float32Array }[];
}

export interface KerasExport {
  readonly config: JsonObject;
  readonly metadata: JsonObject;
  readonly groups: readonly WeightGroup[];
}

/** Every layer's exported class and config, or one NncError listing every layer the format cannot express. */
export function exportLayers(graph: Graph, format: 'keras' | 'tfjs-layers'): Map<Node, ExportedLayer> {
  const layers = new Map<Node, ExportedLayer>();
  const errors: string[] = [];
  for (const node of graph.nodes) {
    if (node.kind === 'Input') continue;
    const result = exportLayer(graph, node, format);
    if ('errors' in result) errors.push(...result.errors);
    else layers.set(node, result);
  }
  if (errors.length > 0) throw new NncError(errors.map((m) => error(m)));
  return layers;
}

/** Whether the graph is a chain Keras can hold as a Sequential. */
export function isSequential(graph: Graph): boolean {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1 || graph.inputs[0] !== 0) return false;
  if (graph.outputs[0] !== graph.nodes.length - 1 || graph.nodes.length < 2) return false;
  return graph.nodes.every((n, i) => (i === 0 ? n.kind === 'Input' : n.kind !== 'Input' && n.inputs.length === 1 && n.inputs[0] === i - 1));
}

const shapeJson = (shape: Shape): Json => [...shape];

function layerEntry(layer: ExportedLayer, inputShapes: readonly Shape[]): Record<string, Json> {
  const entry: Record<string, Json> = { module: 'keras.layers', class_name: layer.className, config: layer.config, registered_name: null };
  if (!layer.builtAtInit) entry.build_config = { input_shape: inputShapes.length === 1 ? shapeJson(inputShapes[0]) : inputShapes.map(shapeJson) };
  return entry;
}

function inputLayer(node: Node): Record<string, Json> {
  return { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: shapeJson(node.shape), dtype: 'float32', sparse: false, ragged: false, name: node.name }, registered_name: null };
}

function kerasTensor(graph: Graph, id: number): Json {
  const node = graph.nodes[id];
  return { class_name: '__keras_tensor__', config: { shape: shapeJson(node.shape), dtype: 'float32', keras_history: [node.name, 0, 0] } };
}

/** Keras 3's config.json for the graph (without compile_config). */
export function kerasConfig(graph: Graph, layers: ReadonlyMap<Node, ExportedLayer>): JsonObject {
  const inputShapes = (node: Node) => node.inputs.map((id) => graph.nodes[id].shape);
  const firstInput = graph.nodes[graph.inputs[0]].shape;
  const buildShape = graph.inputs.length === 1 ? shapeJson(firstInput) : graph.inputs.map((id) => shapeJson(graph.nodes[id].shape));
  if (isSequential(graph)) {
    const entries = graph.nodes.map((node) => (node.kind === 'Input' ? inputLayer(node) : layerEntry(layers.get(node)!, inputShapes(node))));
    return {
      module: 'keras',
      class_name: 'Sequential',
      config: { name: graph.name, trainable: true, dtype: FLOAT32_POLICY, layers: entries, build_input_shape: buildShape },
      registered_name: null,
      build_config: { input_shape: buildShape },
    };
  }
  const entries = graph.nodes.map((node): Json => {
    if (node.kind === 'Input') return { ...inputLayer(node), name: node.name, inbound_nodes: [] };
    const args = node.inputs.map((id) => kerasTensor(graph, id));
    // A merge layer takes its tensors as one list argument.
    const call = { args: layerDef(node.kind)?.inputs === 'many' ? [args] : args, kwargs: {} };
    return { ...layerEntry(layers.get(node)!, inputShapes(node)), name: node.name, inbound_nodes: [call] };
  });
  const refs = (ids: readonly number[]) => ids.map((id) => [graph.nodes[id].name, 0, 0]);
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: graph.name, trainable: true, layers: entries, input_layers: refs(graph.inputs), output_layers: refs(graph.outputs) },
    registered_name: 'Functional',
    build_config: { input_shape: buildShape },
  };
}

function float32(tensor: HostTensor): Float32Array {
  return tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);
}

/** model.weights.h5's groups: one per layer (a Sequential's InputLayer aside), then the model's own. */
export function kerasWeightGroups(graph: Graph, weights: ReadonlyMap<string, HostTensor>): WeightGroup[] {
  const sequential = isSequential(graph);
  const counts = new Map<string, number>();
  const groups: WeightGroup[] = [];
  for (const node of graph.nodes) {
    if (sequential && node.kind === 'Input') continue;
    let name = toSnakeCase(node.kind === 'Input' ? 'InputLayer' : node.kind);
    const count = counts.get(name);
    counts.set(name, count === undefined ? 0 : count + 1);
    if (count !== undefined) name = `${name}_${count + 1}`;
    const variables = nodeWeights(graph, node).map((spec, i) => {
      const tensor = weights.get(`${node.name}/${spec.name}`);
      if (tensor === undefined) throw new NncError(`internal error: weight '${node.name}/${spec.name}' is missing; please report it`);
      return { key: String(i), shape: spec.shape, data: float32(tensor) };
    });
    groups.push({ path: `layers/${name}`, name: node.name, variables });
  }
  groups.push({ path: '', name: graph.name, variables: [] });
  return groups;
}

/** Keras's `date_saved`: `%Y-%m-%d@%H:%M:%S`, local time as Python's datetime.now() gives it. */
export function kerasDate(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}@${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** The three parts of a `.keras` file; `compile` becomes config.json's compile_config. */
export function exportKeras(graph: Graph, weights: ReadonlyMap<string, HostTensor>, options: { readonly compile?: JsonObject; readonly date?: Date } = {}): KerasExport {
  const layers = exportLayers(graph, 'keras');
  const config = kerasConfig(graph, layers);
  return {
    config: options.compile === undefined ? config : { ...config, compile_config: options.compile },
    metadata: { keras_version: KERAS_LAYOUT_VERSION, date_saved: kerasDate(options.date ?? new Date()) },
    groups: kerasWeightGroups(graph, weights),
  };
}
