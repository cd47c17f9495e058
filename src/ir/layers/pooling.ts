// Pooling over channels-last images.

import type { Pair } from '../attributes.js';
import { type ShapeResult, type ShapedInput, addedLater, attr, defineLayer, resolvedAttr } from './define.js';
import { bool, intOrPair, intOrSingle, irInt, irPair, nullable, padding } from './paramTypes.js';
import { SEQUENCE, outputSteps } from './sequenceRules.js';
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

// 1-D pooling over channels-last sequences [batch, steps, channels].

const pooling1d = <K extends string>(kind: K, alias: string) =>
  defineLayer({
    kind,
    aliases: [alias],
    positional: 1,
    attrs: {
      pool_size: attr(intOrSingle, 2),
      /** Written as null for "pool_size"; resolved. */
      strides: resolvedAttr(nullable(intOrSingle), irInt(1), null),
      padding: attr(padding, 'valid'),
    },
    resolve: (args) => ({ pool_size: args.pool_size as number, strides: (args.strides as number | null) ?? (args.pool_size as number), padding: args.padding as 'valid' | 'same' }),
    inferShape(attrs, [input]) {
      const rankError = requireRank(kind, input, 3, SEQUENCE);
      if (rankError) return { error: rankError };
      const steps = outputSteps(kind, input, attrs.pool_size, attrs.strides, 1, attrs.padding);
      if (typeof steps === 'string') return { error: steps };
      return { shape: [input.shape[0], steps, input.shape[2]] };
    },
  });

export const MaxPooling1D = pooling1d('MaxPooling1D', 'MaxPool1D');
export const AveragePooling1D = pooling1d('AveragePooling1D', 'AvgPool1D');

/**
 * The mean or maximum over the steps of a sequence (rank 3) or the height and width of an
 * image (rank 4): [batch, channels], or with `keepdims=true` the pooled axes kept as size 1.
 */
const globalPooling = <K extends string>(kind: K, alias: string, rank: 3 | 4, keepdimsSince?: string) =>
  defineLayer({
    kind,
    aliases: [alias],
    attrs: { keepdims: keepdimsSince === undefined ? attr(bool, false) : addedLater(attr(bool, false), keepdimsSince, false) },
    inferShape(attrs, [input]) {
      const rankError = requireRank(kind, input, rank, rank === 3 ? SEQUENCE : IMAGE);
      if (rankError) return { error: rankError };
      const [batch, ...pooled] = input.shape;
      const channels = pooled.pop() as number;
      return { shape: attrs.keepdims ? [batch, ...pooled.map(() => 1), channels] : [batch, channels] };
    },
  });

export const GlobalAveragePooling1D = globalPooling('GlobalAveragePooling1D', 'GlobalAvgPool1D', 3);
export const GlobalMaxPooling1D = globalPooling('GlobalMaxPooling1D', 'GlobalMaxPool1D', 3);
/** The mean over height and width; `keepdims=true` keeps them as size-1 axes ([b, 1, 1, c]). */
export const GlobalAveragePooling2D = globalPooling('GlobalAveragePooling2D', 'GlobalAvgPool2D', 4, 'commit 12cf920 (keepdims on the global poolings)');
/** The maximum over height and width; `keepdims` as GlobalAveragePooling2D. */
export const GlobalMaxPooling2D = globalPooling('GlobalMaxPooling2D', 'GlobalMaxPool2D', 4);
