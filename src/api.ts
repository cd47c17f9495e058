// The public API in Node: `const model = await compile(source, { weights, backend })`.

import { checkForRuntime, pickModel } from '../compiler/check.js';
import { registerGradients } from '../runtime/backends/gradients.js';
import { initNodeBackend } from '../runtime/backends/node.js';
import type { BackendName } from '../runtime/backend.js';
import { initializeWeights } from '../runtime/initializers.js';
import { Model } from '../runtime/model.js';
import { Source } from './diagnostics.js';
import type { Graph, WeightMap } from './ir/types.js';

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
  /** The source's name in diagnostics (e.g. its path). */
  readonly sourceName?: string;
}

/** Checks a `.nn` source and picks one model; throws NncError with every diagnostic when it has errors. */
export function compileGraph(source: string | Source, modelName?: string): Graph {
  return pickModel(checkForRuntime(source, typeof source === 'string' ? '<input>' : source.name), modelName, "the 'model' option");
}

/** Compiles a `.nn` source into a model running on TensorFlow.js. */
export async function compile(source: string | Source, options: CompileOptions = {}): Promise<Model> {
  const text = typeof source === 'string' ? new Source(source, options.sourceName ?? '<input>') : source;
  const graph = compileGraph(text, options.model);
  const backend = await initNodeBackend(options.backend);
  if (options.trainable) await registerGradients();
  const weights = options.weights ?? initializeWeights(graph, options.seed ?? 0);
  return new Model(graph, weights, backend, { trainable: options.trainable });
}
