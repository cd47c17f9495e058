// Pooling over channels-last images.

import type { Pair } from '../attributes.js';
import { type ShapeResult, type ShapedInput, attr, defineLayer, resolvedAttr } from './define.js';
import { intOrPair, irPair, nullable, padding } from './paramTypes.js';
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

export const GlobalAveragePooling2D = defineLayer({
  kind: 'GlobalAveragePooling2D',
  attrs: {},
  inferShape(_attrs, [input]) {
    const rankError = requireRank('GlobalAveragePooling2D', input, 4, IMAGE);
    if (rankError) return { error: rankError };
    return { shape: [input.shape[0], input.shape[3]] };
  },
});
