// Pooling over channels-last images.

import type { Pair } from '../attributes.js';
import { type ShapeResult, type ShapedInput, attr, defineLayer, resolvedAttr } from './define.js';
import { bool, intOrPair, irPair, nullable, padding } from './paramTypes.js';
import { IMAGE, requireRank, spatial } from './shapeRules.js';

interface PoolAttrs {
  readonly pool_size: Pair;
  readonly strides: Pair;
  readonly padding: 'valid' | 'same';
}

function poolShape(kind: string, attrs: PoolAttrs, input: ShapedInput): ShapeResult {
  const rankError = requireRank(kind, input, 4, IMAGE);
  if (rankError) return { error: rankError };
  const size = spatial(kind, input, attrs.pool_size, attrs.strides, [1, 1], attrs.padding);
  if (typeof size === 'string') return { error: size };
  return { shape: [input.shape[0], size[0], size[1], input.shape[3]] };
}

const pooling = <K extends string>(kind: K, alias: string) =>
  defineLayer({
    kind,
    aliases: [alias],
    positional: 1,
    attrs: {
      pool_size: attr(intOrPair, [2, 2]),
      /** Written as null for "pool_size"; resolved. */
      strides: resolvedAttr(nullable(intOrPair), irPair(1), null),
      padding: attr(padding, 'valid'),
    },
    resolve: (args) => ({ pool_size: args.pool_size as Pair, strides: (args.strides as Pair | null) ?? (args.pool_size as Pair), padding: args.padding as 'valid' | 'same' }),
    inferShape: (attrs, [input]) => poolShape(kind, attrs, input),
  });

export const MaxPooling2D = pooling('MaxPooling2D', 'MaxPool2D');
export const AveragePooling2D = pooling('AveragePooling2D', 'AvgPool2D');

const globalPooling = <K extends string>(kind: K, alias: string) =>
  defineLayer({
    kind,
    aliases: [alias],
    attrs: { keepdims: attr(bool, false) },
    inferShape(attrs, [input]) {
      const rankError = requireRank(kind, input, 4, IMAGE);
      if (rankError) return { error: rankError };
      return { shape: attrs.keepdims ? [input.shape[0], 1, 1, input.shape[3]] : [input.shape[0], input.shape[3]] };
    },
  });

/** The mean over height and width; `keepdims=true` keeps them as size-1 axes ([b, 1, 1, c]). */
export const GlobalAveragePooling2D = globalPooling('GlobalAveragePooling2D', 'GlobalAvgPool2D');
/** The maximum over height and width; `keepdims` as GlobalAveragePooling2D. */
export const GlobalMaxPooling2D = globalPooling('GlobalMaxPooling2D', 'GlobalMaxPool2D');
