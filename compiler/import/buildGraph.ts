// A Keras model config (any Keras version's, or TensorFlow.js's) → the IR graph, with
// every layer checked by the language itself: each Keras layer becomes the `.nn` call
// that means the same (layers.ts), bound by the layer table's signature
// (`bindArguments`), turned into attributes by `signature.attrs` and shaped by
// `inferShape` — the very steps lowering takes for `.nn` text — so the imported graph is
// the graph the printed `.nn` compiles to.
//
// Nested models (a model used as a layer of another) are flattened: their layers join the
// graph where the model was called, its inputs replaced by what the caller passed. Naming
// rule: a nested layer keeps its Keras name unless another layer anywhere in the model has
// the same name; then it is `<nested model>.<layer>` (e.g. `base.dense`). Names never
// change at the top level. A layer applied more than once (shared weights) is refused by
// name: the language gives every call its own weights.

import { type Diagnostic, type Location, Source } from '../../src/diagnostics.js';
import { type Json, type KerasLayer, type KerasModel, type TensorRef, isObject } from '../../src/formats/keras/config.js';
import { type Arg, dtypeProblem, translateLayer } from '../../src/formats/keras/layers.js';
import { ImportErrors, type ImportedLayer } from '../../src/formats/keras/weights.js';
import { GraphBuilder } from '../../src/ir/graph.js';
import { declaredWeights, inferShape } from '../../src/ir/ops.js';
import type { Graph, NodeId, Shape } from '../../src/ir/types.js';
import { bindArguments } from '../../src/ir/layers/arguments.js';
import { lookupLayer } from '../layers/table.js';
import { toSnakeCase } from '../naming.js';
import { toIdentifier } from '../print/text.js';
import type { Arguments, Value } from '../values.js';

export interface ConvertedModel {
  readonly graph: Graph;
  readonly layers: readonly ImportedLayer[];
  readonly notes: readonly string[];
}


type Produced = NodeId | null; // null: the producer could not be imported (already reported)

export function buildGraph(model: KerasModel): ConvertedModel {
  const flattener = new Flattener(model);
  const outputs = flattener.emit(model, null, [], '', true);
  if (flattener.errors.length > 0) throw new ImportErrors(flattener.errors);
  const name = toIdentifier(model.name);
  if (name !== model.name) flattener.notes.push(`model name '${model.name}' is written '${name}' (a .nn model name is an identifier)`);
  const graph = flattener.builder.build(name, flattener.graphInputs, outputs as NodeId[]);
  return { graph, layers: flattener.layers, notes: flattener.notes };
}

class Flattener {
  readonly builder = new GraphBuilder();
  readonly errors: string[] = [];
  readonly notes: string[] = [];
  readonly layers: ImportedLayer[] = [];
  readonly graphInputs: NodeId[] = [];
  readonly #nameCounts = new Map<string, number>();
  readonly #used = new Set<string>();
  readonly #source = new Source('', 'keras config');
  readonly #loc: Location = { source: this.#source, start: 0, end: 0 };

  constructor(top: KerasModel) {
    const count = (model: KerasModel, nested: boolean): void => {
      for (const layer of model.layers) {
        if (layer.model) count(layer.model, true);
        else if (!(nested && layer.className === 'InputLayer')) this.#nameCounts.set(layer.name, (this.#nameCounts.get(layer.name) ?? 0) + 1);
      }
    };
    count(top, false);
  }

  /** Emits a model's layers; `bound` replaces its inputs when it is nested. Returns its outputs. */
  emit(model: KerasModel, bound: readonly Produced[] | null, nesting: readonly string[], keras3Prefix: string, trainable: boolean): Produced[] {
    const tensors = new Map<string, Produced>();
    const key = (ref: TensorRef) => `${ref.layer}\u0000${ref.node}\u0000${ref.tensor}`;
    const byName = new Map(model.layers.map((l) => [l.name, l]));
    const paths = keras3Paths(model, keras3Prefix);

    model.inputs.forEach((ref, i) => {
      const layer = byName.get(ref.layer);
      if (!layer || layer.className !== 'InputLayer') {
        this.errors.push(`model '${model.name}' lists '${ref.layer}' as an input, but it is not an InputLayer of the model`);
        tensors.set(key(ref), null);
        return;
      }
      tensors.set(key(ref), bound === null ? this.#input(layer) : (bound[i] ?? null));
    });

    const pending = model.layers.filter((l) => l.className !== 'InputLayer');
    let progress = true;
    while (pending.length > 0 && progress) {
      progress = false;
      for (let i = 0; i < pending.length; i++) {
        const layer = pending[i];
        const call = layer.calls[0];
        if (call !== undefined && !call.inputs.every((ref) => tensors.has(key(ref)))) continue;
        pending.splice(i--, 1);
        progress = true;
        if (call === undefined) {
          this.notes.push(`layer '${layer.name}' of '${model.name}' is never called; it is left out`);
          continue;
        }
        const outputs = this.#layer(layer, call.inputs.map((ref) => tensors.get(key(ref)) as Produced), call.kwargs, nesting, paths.get(layer) ?? '', trainable);
        outputs.forEach((id, t) => tensors.set(key({ layer: layer.name, node: 0, tensor: t }), id));
      }
    }
    for (const layer of pending) {
      const missing = layer.calls[0].inputs.filter((ref) => !tensors.has(key(ref))).map((ref) => `'${ref.layer}'`);
      this.errors.push(`layer '${layer.name}' takes its input from ${missing.join(', ')}, which no layer of model '${model.name}' produces`);
    }
    return model.outputs.map((ref) => {
      const id = tensors.get(key(ref));
      if (id === undefined) this.errors.push(`model '${model.name}' lists '${ref.layer}' (call ${ref.node}, output ${ref.tensor}) as an output, but no such tensor exists`);
      return id ?? null;
    });
  }

  #input(layer: KerasLayer): Produced {
    const shape = layer.config.batch_shape ?? layer.config.batch_input_shape;
    const problems: string[] = [];
    if (!Array.isArray(shape) || shape.length < 2) {
      this.errors.push(`input '${layer.name}' declares no shape (batch_shape or batch_input_shape)`);
      return null;
    }
    const dims = shape.slice(1);
    if (!dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 1)) problems.push(`its shape ${JSON.stringify(shape)} has unknown or invalid dimensions; nnc needs every dimension but the batch fixed`);
    const dtype = layer.config.dtype;
    if (dtype !== undefined && dtype !== null && dtype !== 'float32' && dtypeProblem(dtype) !== null) problems.push(`it takes ${JSON.stringify(isObject(dtype) ? (dtype.config ?? dtype) : dtype)} values; nnc inputs are float32`);
    if (layer.config.sparse === true || layer.config.ragged === true) problems.push('sparse and ragged inputs are not supported');
    if (problems.length > 0) {
      this.errors.push(...problems.map((p) => `input '${layer.name}': ${p}`));
      return null;
    }
    if (shape[0] !== null) this.notes.push(`input '${layer.name}': the batch size ${String(shape[0])} fixed in the source is left free`);
    const name = this.#claim(layer.name, []);
    if (name === null) return null;
    const id = this.builder.add({ kind: 'Input', name, inputs: [], attrs: {}, shape: [null, ...(dims as number[])] }).id;
    this.graphInputs.push(id);
    return id;
  }

  #claim(kerasName: string, nesting: readonly string[]): string | null {
    if (kerasName === '' || kerasName.includes('/')) {
      this.errors.push(`layer name ${JSON.stringify(kerasName)} cannot be kept: nnc names are non-empty and have no '/' (weights are keyed '<layer>/<variable>')`);
      return null;
    }
    let name = kerasName;
    if (nesting.length > 0 && (this.#nameCounts.get(kerasName) ?? 0) > 1) {
      name = `${nesting[nesting.length - 1]}.${kerasName}`;
      this.notes.push(`layer '${kerasName}' of nested model '${nesting[nesting.length - 1]}' is named '${name}' (another layer is named '${kerasName}')`);
    }
    if (this.#used.has(name)) {
      this.errors.push(`layer name '${name}' is used twice in the flattened model; rename one of the layers in Keras`);
      return null;
    }
    this.#used.add(name);
    return name;
  }

  #layer(layer: KerasLayer, inputs: readonly Produced[], kwargs: Readonly<Record<string, Json>>, nesting: readonly string[], keras3Path: string, outerTrainable: boolean): Produced[] {
    const where = `layer '${layer.name}'`;
    if (layer.calls.length > 1) {
      this.errors.push(`${where} is applied ${layer.calls.length} times (shared weights), which nnc cannot express: every .nn layer call has its own weights`);
      return [null];
    }
    for (const [k, v] of Object.entries(kwargs)) {
      if (k === 'training' || (k === 'mask' && v === null)) continue;
      this.errors.push(`${where} is called with ${k}=${JSON.stringify(v)}, which nnc cannot express`);
      return [null];
    }
    const trainable = outerTrainable && layer.config.trainable !== false;
    if (layer.model) {
      if (inputs.length !== layer.model.inputs.length) {
        this.errors.push(`nested model '${layer.name}' is called with ${inputs.length} inputs but has ${layer.model.inputs.length}`);
        return [null];
      }
      return this.emit(layer.model, inputs, [...nesting, layer.name], keras3Path, trainable && layer.model.trainable);
    }
    const translated = translateLayer(layer.name, layer.className, layer.module, layer.registeredName, layer.config);
    const dtype = dtypeProblem(layer.config.dtype);
    if ('errors' in translated) {
      this.errors.push(...translated.errors);
      return [null];
    }
    if (dtype !== null) {
      this.errors.push(`${where} (${layer.className}): ${dtype}`);
      return [null];
    }
    if (inputs.includes(null)) return [null];
    this.notes.push(...translated.notes);
    const signature = lookupLayer(translated.kind)!;
    if (signature.inputs === 'one' && inputs.length !== 1) {
      this.errors.push(`${where} (${layer.className}) takes one input, found ${inputs.length}`);
      return [null];
    }
    if (signature.inputs === 'many' && inputs.length < 2) {
      this.errors.push(`${where} (${layer.className}) merges two or more inputs, found ${inputs.length}`);
      return [null];
    }
    const name = this.#claim(layer.name, nesting);
    if (name === null) return [null];
    const diagnostics: Diagnostic[] = [];
    const args: Arguments = { positional: [], keyword: Object.entries({ ...translated.args, name, trainable }).map(([k, v]) => ({ key: k, keyLoc: this.#loc, value: this.#value(v) })) };
    const bound = bindArguments(signature, args, this.#loc, diagnostics);
    if (bound === null) {
      this.errors.push(...diagnostics.map((d) => `${where} (${layer.className}): ${d.message}`));
      return [null];
    }
    const producers = (inputs as NodeId[]).map((id) => this.builder.node(id));
    const inputShapes: Shape[] = producers.map((p) => p.shape);
    const attrs = signature.attrs(bound, inputShapes);
    if ('error' in attrs && typeof attrs.error === 'string') {
      this.errors.push(`${where} (${layer.className}): ${attrs.error}`);
      return [null];
    }
    const result = inferShape(translated.kind, attrs, producers.map((p) => ({ name: p.name, shape: p.shape })));
    if ('error' in result) {
      this.errors.push(`${where} (${layer.className}): ${result.error}`);
      return [null];
    }
    const node = this.builder.add({ kind: translated.kind, name, inputs: inputs as NodeId[], attrs: attrs as never, shape: result.shape, trainable });
    this.layers.push({ name, kerasName: layer.name, className: layer.className, nesting, keras3Path, weights: declaredWeights(node.kind, node.attrs, inputShapes, trainable) });
    return [node.id];
  }

  #value(arg: Arg): Value {
    const loc = this.#loc;
    if (arg === null) return { kind: 'null', loc };
    if (typeof arg === 'number') return { kind: 'number', value: arg, loc };
    if (typeof arg === 'string') return { kind: 'string', value: arg, quoted: true, loc };
    if (typeof arg === 'boolean') return { kind: 'bool', value: arg, loc };
    if (Array.isArray(arg)) return { kind: 'list', items: arg.map((a) => this.#value(a)), loc };
    const call = arg as { call: string; args: Record<string, Arg> };
    return { kind: 'call', name: call.call, args: { positional: [], keyword: Object.entries(call.args).map(([k, v]) => ({ key: k, keyLoc: loc, value: this.#value(v) })) }, loc };
  }
}

/**
 * Keras 3's weight groups for a model's layers (saving_lib's `_save_container_state`):
 * `<prefix>/layers/<class in snake_case>` with `_1`, `_2`, ... by order among layers of
 * the same class — not the layer's name. A Sequential's `layers` leaves out its
 * InputLayer; a Functional's includes them (they count only among themselves).
 */
function keras3Paths(model: KerasModel, prefix: string): Map<KerasLayer, string> {
  const used = new Map<string, number>();
  const paths = new Map<KerasLayer, string>();
  for (const layer of model.layers) {
    if (model.className === 'Sequential' && layer.className === 'InputLayer') continue;
    const className = layer.model ? layer.model.className : layer.className;
    let name = toSnakeCase(className);
    const count = used.get(name);
    used.set(name, count === undefined ? 0 : count + 1);
    if (count !== undefined) name = `${name}_${count + 1}`;
    paths.set(layer, `${prefix === '' ? '' : `${prefix}/`}layers/${name}`);
  }
  return paths;
}

