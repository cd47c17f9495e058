// Shape rules the layer definitions share: ranks, sliding windows, axes.

import type { Pair, Padding, Shape } from '../attributes.js';
import { formatShape } from '../shape.js';
import type { ShapeResult, ShapedInput } from './define.js';

export function sameShape(_attrs: unknown, inputs: readonly ShapedInput[]): ShapeResult {
  return { shape: inputs[0].shape };
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function requireRank(kind: string, input: ShapedInput, rank: number, what: string): string | null {
  if (input.shape.length === rank) return null;
  return `${kind} expects ${what} (rank ${rank}, batch included), but '${input.name}' is ${formatShape(input.shape)}`;
}

export const IMAGE = 'an image [batch, height, width, channels]';

/** Keras's `conv_output_length` (and pooling's): the spatial size after a window slides over `size`. */
export function windowOutputSize(size: number, window: number, stride: number, dilation: number, padding: Padding): number {
  const effective = (window - 1) * dilation + 1;
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - effective) / stride) + 1;
}

/** Output height and width of a window sliding over an image, or why it does not fit. */
export function spatial(kind: string, input: ShapedInput, window: Pair, strides: Pair, dilation: Pair, padding: Padding): readonly [number, number] | string {
  const [, height, width] = input.shape as readonly [null, number, number, number];
  const outH = windowOutputSize(height, window[0], strides[0], dilation[0], padding);
  const outW = windowOutputSize(width, window[1], strides[1], dilation[1], padding);
  if (outH < 1 || outW < 1) {
    const effH = (window[0] - 1) * dilation[0] + 1;
    const effW = (window[1] - 1) * dilation[1] + 1;
    if (!Number.isSafeInteger(effH) || !Number.isSafeInteger(effW)) {
      return `${kind} window [${window.join(', ')}] with dilation_rate [${dilation.join(', ')}] spans more than 2^53 - 1 pixels: it does not fit in the ${height}x${width} input '${input.name}' ${formatShape(input.shape)}`;
    }
    return `${kind} window ${effH}x${effW} does not fit in the ${height}x${width} input '${input.name}' ${formatShape(input.shape)} with padding=valid (output would be ${outH}x${outW})`;
  }
  return [outH, outW];
}

/** Resolves possibly negative axes against a rank (batch axis included); rejects the batch axis and repeats. */
export function resolveAxes(kind: string, written: readonly number[], shape: Shape): readonly number[] | { error: string } {
  const rank = shape.length;
  if (rank < 2) return { error: `${kind} needs a feature axis, but its input ${formatShape(shape)} has only the batch axis` };
  const resolved: number[] = [];
  for (const axis of written) {
    const r = axis < 0 ? axis + rank : axis;
    if (r === 0) return { error: `${kind} axis ${axis} is the batch axis of ${formatShape(shape)}; choose a feature axis: 1..${rank - 1} or -${rank - 1}..-1` };
    if (r < 0 || r >= rank) return { error: `${kind} axis ${axis} is out of range for an input of shape ${formatShape(shape)}: valid axes are 1..${rank - 1} or -${rank - 1}..-1` };
    if (resolved.includes(r)) return { error: `${kind} axis ${axis} is listed twice (as ${r})` };
    resolved.push(r);
  }
  return resolved.sort((a, b) => a - b);
}

/** Resolved axes must be distinct, ascending, within the rank and not the batch axis. */
export function checkAxes(kind: string, axes: readonly number[], input: ShapedInput): string | null {
  const rank = input.shape.length;
  for (const axis of axes) {
    if (!Number.isInteger(axis) || axis < 1 || axis >= rank) {
      return `${kind} axis ${axis} is out of range for '${input.name}' ${formatShape(input.shape)}: valid axes are 1..${rank - 1} (or -${rank - 1}..-1)`;
    }
  }
  for (let i = 1; i < axes.length; i++) {
    if (axes[i] <= axes[i - 1]) return `${kind} axes must be distinct and ascending once resolved, found [${axes.join(', ')}]`;
  }
  return null;
}

/** The sizes of the given axes of a shape: the shape of a per-axis variable (BatchNormalization's). */
export function axesShape(axes: readonly number[], shape: Shape): number[] {
  return axes.map((a) => shape[a] as number);
}
