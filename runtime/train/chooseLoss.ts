// The loss `nnc train` uses when none is given, from the targets and the model's last
// activation (Keras computes every loss on probabilities, from_logits=False):
//
//   targets are integer class indices, one per output row (shape = output without its
//   last axis, or that with a trailing 1), and the output has more than one unit
//                                                 → sparse_categorical_crossentropy
//   targets shaped like the output, output ends in softmax → categorical_crossentropy
//   targets shaped like the output, output ends in sigmoid → binary_crossentropy
//   targets shaped like the output, anything else          → mean_squared_error

import { NncError } from '../../src/diagnostics.js';
import { formatShape } from '../../src/ir/shape.js';
import type { ActivationName, Graph, Node } from '../../src/ir/types.js';
import type { LossName } from './losses.js';

/** Layers that pass their input's activation through unchanged (in inference). */
const TRANSPARENT = new Set<Node['kind']>(['Dropout', 'Flatten', 'Reshape']);

/** The activation the model's (first) output ends in, looking through Dropout, Flatten and Reshape. */
export function outputActivation(graph: Graph): ActivationName {
  let node = graph.nodes[graph.outputs[0]];
  while (TRANSPARENT.has(node.kind)) node = graph.nodes[node.inputs[0]];
  switch (node.kind) {
    case 'Dense':
    case 'Conv1D':
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
    case 'Conv2DTranspose':
    case 'Activation':
      return node.attrs.activation.name;
    case 'Softmax':
      return 'softmax';
    case 'ReLU':
      return 'relu';
    case 'ELU':
      return 'elu';
    case 'LeakyReLU':
      return 'leaky_relu';
    default:
      return 'linear';
  }
}

export interface LossChoice {
  readonly loss: LossName;
  /** Why, for the log: "labels are class indices and the output ends in softmax". */
  readonly reason: string;
}

/**
 * The default loss for targets of per-example shape `targetShape` (integral when every
 * value is an integer) and a model output of per-example shape `outputShape`.
 */
export function defaultLoss(targetShape: readonly number[], integral: boolean, outputShape: readonly number[], activation: ActivationName): LossChoice {
  const classAxes = outputShape.slice(0, -1);
  const units = outputShape[outputShape.length - 1];
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const classIndices = same(targetShape, classAxes) || same(targetShape, [...classAxes, 1]);
  if (classIndices && integral && units > 1) {
    return { loss: 'sparse_categorical_crossentropy', reason: `the targets are class indices and the output has ${units} units (${activation})` };
  }
  if (same(targetShape, outputShape) || (units === 1 && same(targetShape, classAxes))) {
    if (activation === 'softmax') return { loss: 'categorical_crossentropy', reason: 'the targets are shaped like the output, which ends in softmax' };
    if (activation === 'sigmoid') return { loss: 'binary_crossentropy', reason: 'the targets are shaped like the output, which ends in sigmoid' };
    return { loss: 'mean_squared_error', reason: `the targets are shaped like the output, which ends in ${activation}` };
  }
  throw new NncError(
    `targets of shape ${formatShape([null, ...targetShape])} fit neither the model's output ${formatShape([null, ...outputShape])} nor class indices ${formatShape([null, ...classAxes])}`,
  );
}
