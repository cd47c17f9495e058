// The public API in Node: `const model = await compile(source, { weights, backend })`.

import { registerGradients } from '../runtime/backends/gradients.js';
import { initNodeBackend } from '../runtime/backends/node.js';
import type { BackendName } from '../runtime/backend.js';
import { initializeWeights } from '../runtime/initializers.js';
import { Model } from '../runtime/model.js';
import { TrainableModel } from '../runtime/train/trainableModel.js';
import { NncError, Source } from './diagnostics.js';
import { checkSource, modelGraph, optimizeModel, withWeights } from './driver/index.js';
import type { Graph } from './ir/types.js';
import type { WeightMap } from './ir/tensors.js';

export interface CompileOptions {
  /** The model to compile when the source defines several. */
  readonly model?: string;
  /** Weights keyed `<layer>/<variable>`; without them the model starts from its initializers, drawn with `seed`. */
  readonly weights?: WeightMap;
  /** Seed for initial weights when no weights are given (default 0). */
  readonly seed?: number;
  /** tfjs backend: `wasm` (default in Node) or `cpu`. */
  readonly backend?: BackendName;
  /** Keep weights as variables, for training. */
  readonly trainable?: boolean;
  /** Run the inference optimizer first (folds BatchNormalization, fuses activations); not with `trainable`. */
  readonly optimize?: boolean;
  /** The source's name in diagnostics (e.g. its path). */
  readonly sourceName?: string;
}

/** Checks a `.nn` source and picks one model; throws NncError with every diagnostic when it has errors. */
export function compileGraph(source: string | Source, modelName?: string): Graph {
  return modelGraph(checkSource(source), modelName, "the 'model' option");
}

/** Compiles a `.nn` source into a model running on TensorFlow.js; with `trainable: true`, a model with training steps. */
export async function compile(source: string | Source, options: CompileOptions & { readonly trainable: true }): Promise<TrainableModel>;
export async function compile(source: string | Source, options?: CompileOptions): Promise<Model>;
export async function compile(source: string | Source, options: CompileOptions = {}): Promise<Model> {
  if (options.trainable && options.optimize) throw new NncError("compile: 'optimize' makes an inference model; it cannot be combined with 'trainable'");
  const text = typeof source === 'string' ? new Source(source, options.sourceName ?? '<input>') : source;
  const graph = compileGraph(text, options.model);
  const backend = await initNodeBackend(options.backend);
  if (options.trainable) await registerGradients();
  let model = withWeights(graph, options.weights ?? initializeWeights(graph, options.seed ?? 0), 'the weights');
  if (options.optimize) model = optimizeModel(model);
  return options.trainable ? new TrainableModel(model.graph, model.weights, backend) : new Model(model.graph, model.weights, backend);
}
