// Shape rules of the 1-D layers (Conv1D, the 1-D poolings): a window sliding over the
// steps of a channels-last sequence [batch, steps, channels].

import { formatShape } from '../shape.js';
import type { AttrsError, ShapedInput } from './define.js';
import { windowOutputSize } from './shapeRules.js';

export const SEQUENCE = 'a sequence [batch, steps, channels]';

/**
 * The number of output steps of a window sliding over the input's steps, or why it does
 * not fit. `causal` pads (window − 1)·dilation zeros before the first step, then slides
 * as `valid`: ⌊(L − 1) / stride⌋ + 1 = ⌈L / stride⌉ steps, as `same` gives.
 */
export function outputSteps(kind: string, input: ShapedInput, window: number, stride: number, dilation: number, padding: 'valid' | 'same' | 'causal'): number | string {
  const steps = input.shape[1] as number;
  const out = windowOutputSize(steps, window, stride, dilation, padding === 'causal' ? 'same' : padding);
  if (out >= 1) return out;
  const effective = (window - 1) * dilation + 1;
  if (!Number.isSafeInteger(effective)) {
    return `${kind} window ${window} with dilation_rate ${dilation} spans more than 2^53 - 1 steps: it does not fit in the ${steps}-step input '${input.name}' ${formatShape(input.shape)}`;
  }
  return `${kind} window of ${effective} steps does not fit in the ${steps}-step input '${input.name}' ${formatShape(input.shape)} with padding=valid (output would have ${out} steps)`;
}

/** Keras refuses strides > 1 together with dilation > 1. */
export function strideWithDilation(kind: string, stride: number, dilation: number): AttrsError | null {
  if (stride > 1 && dilation > 1) return { error: `${kind} cannot combine strides ${stride} with dilation_rate ${dilation}: one of them must be 1`, param: 'dilation_rate' };
  return null;
}
