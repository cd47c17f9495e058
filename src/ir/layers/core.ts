// Layers that move or scale values without weights: Identity, Flatten, Reshape, Permute,
// Rescaling, ZeroPadding1D, ZeroPadding2D, Cropping2D, UpSampling2D.

import { elementCount, formatShape } from '../shape.js';
import type { Shape } from '../attributes.js';
import { type AttrType, Mismatch } from './arguments.js';
import { attr, defineLayer } from './define.js';
import { finite, intOrPair, oneOf, padding1D, permutation, targetShape, zeroPadding } from './paramTypes.js';
import { IMAGE, requireRank, sameShape, shapesEqual } from './shapeRules.js';

const featureDims = (shape: Shape) => shape.slice(1) as number[];
const alreadyShaped = (kind: string) => (_attrs: unknown, input: Shape, output: Shape) => (shapesEqual(output, input) ? `${kind} to the shape it already has is the identity` : null);

/** Keras's Identity: y = x. */
export const Identity = defineLayer({
  kind: 'Identity',
  attrs: {},
  inferShape: sameShape,
  traits: { identityAtInference: () => 'Identity is the identity' },
});

export const Flatten = defineLayer({
  kind: 'Flatten',
  attrs: {},
  inferShape(_attrs, [input]) {
    if (input.shape.length < 2) return { error: `Flatten expects an input with a feature dimension, but '${input.name}' is ${formatShape(input.shape)}` };
    const size = elementCount(featureDims(input.shape));
    if (size === null) return { error: `Flatten of '${input.name}' ${formatShape(input.shape)} would have more than 2^53 features` };
    return { shape: [input.shape[0], size] };
  },
  traits: { identityAtInference: alreadyShaped('Flatten') },
});

export const Reshape = defineLayer({
  kind: 'Reshape',
  positional: 1,
  attrs: {
    /** As written, without the batch dimension; at most one -1. */
    target_shape: attr(targetShape),
  },
  inferShape(attrs, [input]) {
    const size = elementCount(featureDims(input.shape));
    const known = attrs.target_shape.filter((d) => d !== -1);
    const target = elementCount(known);
    if (size === null || target === null) return { error: `Reshape of '${input.name}' ${formatShape(input.shape)} involves more than 2^53 elements` };
    const wildcard = attrs.target_shape.indexOf(-1);
    if (wildcard >= 0) {
      if (size % target !== 0) {
        return { error: `Reshape cannot reshape '${input.name}' ${formatShape(input.shape)} (${size} values) into [${attrs.target_shape.join(', ')}]: ${size} is not a multiple of ${target}` };
      }
      const resolved = attrs.target_shape.map((d) => (d === -1 ? size / target : d));
      return { shape: [input.shape[0], ...resolved] };
    }
    if (size !== target) {
      return { error: `Reshape cannot reshape '${input.name}' ${formatShape(input.shape)} (${size} values) into [${attrs.target_shape.join(', ')}] (${target} values)` };
    }
    return { shape: [input.shape[0], ...attrs.target_shape] };
  },
  traits: { identityAtInference: alreadyShaped('Reshape') },
});

/** `y = x · scale + offset`. */
export const Rescaling = defineLayer({
  kind: 'Rescaling',
  positional: 1,
  attrs: { scale: attr(finite), offset: attr(finite, 0) },
  inferShape: sameShape,
  traits: { identityAtInference: (a) => (a.scale === 1 && a.offset === 0 ? 'Rescaling(1, offset=0) is the identity' : null) },
});

export const ZeroPadding2D = defineLayer({
  kind: 'ZeroPadding2D',
  positional: 1,
  attrs: {
    /** `[[top, bottom], [left, right]]`. */
    padding: attr(zeroPadding, [
      [1, 1],
      [1, 1],
    ]),
  },
  inferShape(attrs, [input]) {
    const rankError = requireRank('ZeroPadding2D', input, 4, IMAGE);
    if (rankError) return { error: rankError };
    const [[top, bottom], [left, right]] = attrs.padding;
    const [batch, height, width, channels] = input.shape as readonly [null, number, number, number];
    return { shape: [batch, height + top + bottom, width + left + right, channels] };
  },
});

/** `[batch, steps, channels]`, the input of the 1-D layers. */
const SEQUENCE = 'a sequence [batch, steps, channels]';

export const ZeroPadding1D = defineLayer({
  kind: 'ZeroPadding1D',
  positional: 1,
  attrs: {
    /** `[left, right]`: zeros added before and after the steps. */
    padding: attr(padding1D, [1, 1]),
  },
  inferShape(attrs, [input]) {
    const rankError = requireRank('ZeroPadding1D', input, 3, SEQUENCE);
    if (rankError) return { error: rankError };
    const [batch, steps, channels] = input.shape as readonly [null, number, number];
    return { shape: [batch, steps + attrs.padding[0] + attrs.padding[1], channels] };
  },
});

export const Cropping2D = defineLayer({
  kind: 'Cropping2D',
  positional: 1,
  attrs: {
    /** `[[top, bottom], [left, right]]`: rows and columns removed from each side. */
    cropping: attr(zeroPadding, [
      [0, 0],
      [0, 0],
    ]),
  },
  inferShape(attrs, [input]) {
    const rankError = requireRank('Cropping2D', input, 4, IMAGE);
    if (rankError) return { error: rankError };
    const [[top, bottom], [left, right]] = attrs.cropping;
    const [batch, height, width, channels] = input.shape as readonly [null, number, number, number];
    if (top + bottom >= height || left + right >= width) {
      return { error: `Cropping2D cropping [[${top}, ${bottom}], [${left}, ${right}]] leaves nothing of the ${height}x${width} input '${input.name}' ${formatShape(input.shape)}: each pair must sum to less than its dimension` };
    }
    return { shape: [batch, height - top - bottom, width - left - right, channels] };
  },
  traits: { identityAtInference: (a) => (a.cropping.every(([x, y]) => x === 0 && y === 0) ? 'Cropping2D by 0 is the identity' : null) },
});

/** Reorders the feature axes: output axis i (from 1) is input axis `dims[i − 1]`, as Keras counts them. */
export const Permute = defineLayer({
  kind: 'Permute',
  positional: 1,
  attrs: {
    /** A permutation of 1..rank − 1 (the batch axis stays first). */
    dims: attr(permutation),
  },
  inferShape(attrs, [input]) {
    const features = input.shape.length - 1;
    const sorted = [...attrs.dims].sort((a, b) => a - b);
    if (attrs.dims.length !== features || sorted.some((d, i) => d !== i + 1)) {
      const expected = Array.from({ length: features }, (_, i) => i + 1).join(', ');
      return { error: `Permute dims [${attrs.dims.join(', ')}] must be a permutation of [${expected}], the feature axes of '${input.name}' ${formatShape(input.shape)}` };
    }
    return { shape: [input.shape[0], ...attrs.dims.map((d) => input.shape[d])] };
  },
  traits: { identityAtInference: (a) => (a.dims.every((d, i) => d === i + 1) ? 'Permute in the same order is the identity' : null) },
});

type Interpolation = 'nearest' | 'bilinear';
const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear'];
/** Keras 3's other resize methods: named as such in the refusal, not as unknown words. */
const KERAS_ONLY_INTERPOLATIONS = ['bicubic', 'lanczos3', 'lanczos5'];
const base = oneOf('interpolation', INTERPOLATIONS);
const interpolation: AttrType<Interpolation> = {
  ...base,
  convert(v, diagnostics) {
    if (v.kind === 'string' && KERAS_ONLY_INTERPOLATIONS.includes(v.value)) return new Mismatch(`interpolation '${v.value}' is not supported (nnc has nearest and bilinear)`);
    return base.convert(v, diagnostics);
  },
};

/**
 * Keras 3's UpSampling2D: rows and columns repeated `size` times (nearest), or the image
 * resized bilinearly to `size` times its height and width with half-pixel centers
 * (`ops.image.resize`, as tf.image.resize computes it).
 */
export const UpSampling2D = defineLayer({
  kind: 'UpSampling2D',
  positional: 1,
  attrs: {
    size: attr(intOrPair, [2, 2]),
    interpolation: attr(interpolation, 'nearest'),
  },
  inferShape(attrs, [input]) {
    const rankError = requireRank('UpSampling2D', input, 4, IMAGE);
    if (rankError) return { error: rankError };
    const [batch, height, width, channels] = input.shape as readonly [null, number, number, number];
    return { shape: [batch, height * attrs.size[0], width * attrs.size[1], channels] };
  },
  traits: { identityAtInference: (a) => (a.size[0] === 1 && a.size[1] === 1 ? 'UpSampling2D(1) is the identity' : null) },
});
