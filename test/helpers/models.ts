// Shared helpers for runtime tests: compile examples, make weights with non-trivial
// BatchNormalization statistics, and compare tensors.

import { readFileSync } from 'node:fs';
import { compileGraph } from '../../src/api.js';
import type { Graph } from '../../src/ir/types.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { Random } from '../../runtime/random.js';

export const EXAMPLES = ['geron', 'geron_bn_before_activation', 'tagger', 'tiny_resnet', 'mobilenet_block'] as const;

/** The graph of examples/NAME.nn (found from this file, whatever the working directory). */
export function exampleGraph(name: string): Graph {
  return compileGraph(readFileSync(new URL(`../../examples/${name}.nn`, import.meta.url), 'utf8'));
}

export function graphOf(source: string): Graph {
  return compileGraph(source);
}

/**
 * Initial weights with BatchNormalization statistics and affine parameters drawn at
 * random (gamma, variance in [0.5, 1.5); beta, mean ~ N(0, 0.3²)), so that BN changes
 * the numbers and a wrong formula cannot pass unnoticed.
 */
export function randomizedWeights(graph: Graph, seed = 1): Map<string, HostTensor> {
  const weights = initializeWeights(graph, seed);
  const random = new Random(seed).fork('bn-statistics');
  for (const [key, tensor] of weights) {
    const variable = key.slice(key.lastIndexOf('/') + 1);
    const data = new Float32Array(tensor.data.length);
    if (variable === 'gamma' || variable === 'moving_variance') for (let i = 0; i < data.length; i++) data[i] = 0.5 + random.uniform();
    else if (variable === 'beta' || variable === 'moving_mean' || variable === 'bias') for (let i = 0; i < data.length; i++) data[i] = 0.3 * random.normal();
    else continue;
    weights.set(key, { shape: tensor.shape, data });
  }
  return weights;
}

// Browser-safe comparison helpers (test/helpers/compare.ts), re-exported: the WebGL
// benchmark page bundles tfjsLayers.ts, which must not pull in this file's Node imports.
export { LAYERS_TOLERANCE, assertMatches, maxAbsDiff, randomInput } from './compare.js';

/** runtime/verify.ts's maxAbsDifference, under the name the tests use. */
export { maxAbsDifference as hostMaxAbsDiff } from '../../runtime/verify.js';
