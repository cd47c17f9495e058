import test from 'ava';
import fc from 'fast-check';
import { NncError } from '../../../src/diagnostics.js';
import type { HostTensor } from '../../../src/ir/tensors.js';
import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  parseSafetensorsHeader,
  readSafetensors,
  writeSafetensors,
} from '../../../src/formats/safetensors.js';

/** A safetensors file assembled by hand: u64 LE header length, the header text as given, then the data. */
function assemble(header: string, data: ArrayLike<number> = [], headerLength?: number): Uint8Array {
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? text.length), true);
  out.set(text, 8);
  out.set(Array.from(data), 8 + text.length);
  return out;
}

function f32Bytes(...values: number[]): number[] {
  return [...new Uint8Array(new Float32Array(values).buffer)];
}

function rejects(t: import('ava').ExecutionContext, bytes: Uint8Array, message: string): void {
  t.throws(() => readSafetensors(bytes, 'w.safetensors'), { instanceOf: NncError, message });
}

const tensor = (shape: number[], values: number[]): HostTensor => ({ shape, data: new Float32Array(values) });

// ---------------------------------------------------------------------------
// Layout

test('writeSafetensors lays out a file byte for byte as the format and Python write it', (t) => {
  const bytes = writeSafetensors(
    new Map([
      ['b', tensor([2], [1, -2])],
      ['a', { shape: [], data: new Float64Array([0.5]) }],
    ]),
    { metadata: { format: 'pt' } },
  );
  // 138 bytes of compact JSON, metadata first, tensors by name, padded with 6 spaces to 144.
  const header =
    '{"__metadata__":{"format":"pt"},' +
    '"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
    '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}' +
    '      ';
  const expected = [
    ...[0x90, 0, 0, 0, 0, 0, 0, 0], // 144, little-endian u64
    ...new TextEncoder().encode(header),
    ...[0x00, 0x00, 0x00, 0x3f], // a = 0.5
    ...[0x00, 0x00, 0x80, 0x3f], // b[0] = 1
    ...[0x00, 0x00, 0x00, 0xc0], // b[1] = -2
  ];
  t.deepEqual([...bytes], expected);
});

test('an empty file is an empty object padded to 8 bytes', (t) => {
  t.deepEqual([...writeSafetensors([])], [8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{}      ')]);
});

test('output is the same bytes whatever the insertion order, sorted by code point', (t) => {
  const entries: [string, HostTensor][] = [
    ['dense/kernel', tensor([2, 2], [1, 2, 3, 4])],
    ['conv/bias', tensor([1], [5])],
    ['Dense', tensor([1], [6])],
    ['dense/bias', tensor([2], [7, 8])],
  ];
  const forward = writeSafetensors(entries);
  const backward = writeSafetensors(new Map([...entries].reverse()));
  t.deepEqual(forward, backward);
  t.deepEqual([...parseSafetensorsHeader(forward, 'w').entries.keys()], ['Dense', 'conv/bias', 'dense/bias', 'dense/kernel']);
});

test('F16 output holds binary16 bits, rounded to nearest even', (t) => {
  const bytes = writeSafetensors([['h', { shape: [4], data: new Float64Array([1, -2, 1 + 2 ** -11, 65504]) }]], { dtype: 'F16' });
  const header = '{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}'; // 54 bytes, then 2 spaces
  t.deepEqual([...bytes.subarray(0, 8)], [56, 0, 0, 0, 0, 0, 0, 0]);
  t.deepEqual([...bytes.subarray(8, 64)], [...new TextEncoder().encode(`${header}  `)]);
  t.deepEqual([...bytes.subarray(64)], [0x00, 0x3c, 0x00, 0xc0, 0x00, 0x3c, 0xff, 0x7b]);
});

// ---------------------------------------------------------------------------
// Reading

test('a hand-assembled F16 file reads as float32', (t) => {
  const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x8000];
  const data = bits.flatMap((b) => [b & 0xff, b >> 8]);
  const bytes = assemble('{"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"__metadata__":{"source":"hand"}}', data);
  const { tensors, metadata } = readSafetensors(bytes, 'w.safetensors');
  const w = tensors.get('w')!;
  t.deepEqual(w.shape, [2, 3]);
  t.true(w.data instanceof Float32Array);
  t.deepEqual([...w.data], [1, -2, 65504, 2 ** -24, 0.333251953125, -0]);
  t.true(Object.is(w.data[5], -0));
  t.deepEqual({ ...metadata }, { source: 'hand' });
  t.is(Object.getPrototypeOf(metadata), null);
});

test('BF16 and F64 tensors read as float32', (t) => {
  const f64 = new Uint8Array(new Float64Array([0.1, -3]).buffer);
  const bytes = assemble(
    '{"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"d":{"dtype":"F64","shape":[2],"data_offsets":[4,20]}}',
    [0x80, 0x3f, 0x40, 0xc0, ...f64],
  );
  const { tensors } = readSafetensors(bytes, 'w.safetensors');
  t.deepEqual([...tensors.get('b')!.data], [1, -3]);
  t.deepEqual([...tensors.get('d')!.data], [Math.fround(0.1), -3]);
  t.true(tensors.get('d')!.data instanceof Float32Array);
});

test('round trip: F32 exactly, F16 to the nearest binary16, metadata and empty tensors included', (t) => {
  const input = new Map<string, HostTensor>([
    ['x', tensor([2, 3], [0.1, -0.2, 3e-8, 1e30, -0, 65519])],
    ['empty', tensor([0, 5], [])],
    ['scalar', tensor([], [42])],
  ]);
  const f32 = readSafetensors(writeSafetensors(input, { metadata: { a: '1', b: 'é' } }), 'w');
  t.deepEqual([...f32.tensors.keys()], ['empty', 'scalar', 'x']);
  for (const [name, original] of input) {
    t.deepEqual(f32.tensors.get(name)!.shape, original.shape);
    t.deepEqual(f32.tensors.get(name)!.data, original.data);
  }
  t.deepEqual({ ...f32.metadata }, { a: '1', b: 'é' });

  const small = new Map([['x', tensor([4], [0.1, -0.2, 3e-8, 65000])]]);
  const f16 = readSafetensors(writeSafetensors(small, { dtype: 'F16' }), 'w');
  t.deepEqual(
    [...f16.tensors.get('x')!.data],
    [0.1, -0.2, 3e-8, 65000].map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))),
  );
});

test('float64 data is rounded to float32 when written', (t) => {
  const bytes = writeSafetensors([['x', { shape: [2], data: new Float64Array([0.1, 1 / 3]) }]]);
  t.deepEqual([...readSafetensors(bytes, 'w').tensors.get('x')!.data], [Math.fround(0.1), Math.fround(1 / 3)]);
});

test('Python-style space padding and an unpadded header both parse; dataOffset is 8 + N', (t) => {
  const header = '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
  const unpadded = parseSafetensorsHeader(assemble(header, f32Bytes(1)), 'w');
  const padded = parseSafetensorsHeader(assemble(`${header}         `, f32Bytes(1)), 'w');
  t.is(unpadded.dataOffset, 8 + header.length);
  t.is(padded.dataOffset, 8 + header.length + 9);
  t.deepEqual(unpadded.entries.get('x'), { dtype: 'F32', shape: [1], begin: 0, end: 4 });
});

test('tensors are copied out: unaligned input works and later edits to it do not show', (t) => {
  const file = writeSafetensors([['x', tensor([3], [1, 2, 3])]]);
  const shifted = new Uint8Array(file.length + 1);
  shifted.set(file, 1);
  const view = shifted.subarray(1); // byteOffset 1: a Float32Array over it would throw
  const { tensors } = readSafetensors(view, 'w');
  const x = tensors.get('x')!.data;
  t.not(x.buffer, shifted.buffer);
  shifted.fill(0xff, shifted.length - 12);
  t.deepEqual([...x], [1, 2, 3]);
});

// ---------------------------------------------------------------------------
// Rejections

test('a file shorter than the 8-byte length is rejected', (t) => {
  rejects(t, new Uint8Array(5), 'w.safetensors: file is 5 bytes, too short for a safetensors file (it starts with an 8-byte header length)');
});

test('a header length beyond the file is rejected as truncated', (t) => {
  rejects(t, assemble('{}', [], 1000), 'w.safetensors: header length is 1000 bytes but only 2 bytes follow the 8-byte length: the file is truncated');
});

test('a header length above 100 MB is rejected before anything else', (t) => {
  rejects(t, assemble('{}', [], 2 ** 40), 'w.safetensors: header length is 1099511627776 bytes, above the 100000000-byte limit: not a safetensors file, or a corrupt one');
});

test('a header that is not a JSON object is rejected', (t) => {
  rejects(t, assemble(' {}'), "w.safetensors: header does not start with '{': not a safetensors file");
  rejects(t, assemble(''), "w.safetensors: header does not start with '{': not a safetensors file");
  const bad = assemble('{"x":1,}');
  t.throws(() => readSafetensors(bad, 'w.safetensors'), { instanceOf: NncError, message: /^w\.safetensors: header is not valid JSON: / });
  const invalidUtf8 = assemble('{"x": "  "}');
  invalidUtf8[15] = 0xc3; // a lead byte followed by a space
  rejects(t, invalidUtf8, 'w.safetensors: header is not valid UTF-8');
});

test('unknown and unsupported dtypes are named', (t) => {
  rejects(
    t,
    assemble('{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', new Array(8).fill(0)),
    "w.safetensors: tensor 'x' has dtype I64, which nnc does not read (supported: F32, F16, F64, BF16)",
  );
  rejects(
    t,
    assemble('{"x":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}', f32Bytes(1)),
    `w.safetensors: tensor 'x' has unknown dtype "F33" (supported: F32, F16, F64, BF16)`,
  );
});

test('malformed entries, shapes and offsets are rejected', (t) => {
  const data = f32Bytes(1, 2);
  rejects(t, assemble('{"x":[1,2]}', data), `w.safetensors: tensor 'x': expected an object with "dtype", "shape" and "data_offsets", found [1,2]`);
  rejects(t, assemble('{"x":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]}}', data), "w.safetensors: tensor 'x': \"shape\" dimensions must be non-negative integers, found -1");
  rejects(t, assemble('{"x":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}', data), "w.safetensors: tensor 'x': \"shape\" dimensions must be non-negative integers, found 2.5");
  rejects(t, assemble('{"x":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}', data), `w.safetensors: tensor 'x': "shape" expected an array of dimensions, found "2"`);
  rejects(t, assemble('{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', data), `w.safetensors: tensor 'x': "data_offsets" must be [begin, end] with integers 0 <= begin <= end, found [8,0]`);
  rejects(t, assemble('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', data), `w.safetensors: tensor 'x': "data_offsets" must be [begin, end] with integers 0 <= begin <= end, found [0]`);
  rejects(t, assemble('{"__metadata__":{"n":1}}'), 'w.safetensors: metadata \'n\' must be a string, found 1');
});

test('a byte range beyond the data section is rejected', (t) => {
  rejects(
    t,
    assemble('{"dense/kernel":{"dtype":"F32","shape":[784,300],"data_offsets":[0,940800]}}', new Array(1000).fill(0)),
    "w.safetensors: tensor 'dense/kernel' claims bytes 0..940800 but the data section has 1000 bytes",
  );
});

test('a byte range of the wrong length for its shape is rejected', (t) => {
  rejects(
    t,
    assemble('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f32Bytes(1, 2)),
    "w.safetensors: tensor 'x' has shape [3] F32, which needs 12 bytes, but data_offsets 0..8 span 8 bytes",
  );
});

test('a header claiming terabytes is rejected by size, without allocating', (t) => {
  // 10^18 elements of 4 bytes: compared exactly against the 8-byte data section, never multiplied out in floats.
  rejects(
    t,
    assemble('{"x":{"dtype":"F32","shape":[1000000,1000000,1000000],"data_offsets":[0,8]}}', f32Bytes(1, 2)),
    "w.safetensors: tensor 'x' has shape [1000000, 1000000, 1000000] F32, which needs 4000000000000000000 bytes, but data_offsets 0..8 span 8 bytes",
  );
  rejects(
    t,
    assemble('{"x":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4000000000000]}}', f32Bytes(1, 2)),
    "w.safetensors: tensor 'x' claims bytes 0..4000000000000 but the data section has 8 bytes",
  );
  // Offsets beyond 2^53 cannot be exact, so they are not integers we accept.
  rejects(
    t,
    assemble('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}', f32Bytes(1)),
    `w.safetensors: tensor 'x': "data_offsets" must be [begin, end] with integers 0 <= begin <= end, found [0,18446744073709552000]`,
  );
});

test('overlapping ranges are rejected', (t) => {
  rejects(
    t,
    assemble('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f32Bytes(1, 2, 3)),
    "w.safetensors: tensors 'a' (bytes 0..8) and 'b' (bytes 4..12) overlap",
  );
  rejects(
    t,
    assemble('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32Bytes(1, 2)),
    "w.safetensors: tensors 'a' (bytes 0..8) and 'b' (bytes 0..8) overlap",
  );
});

test('gaps and uncovered bytes are rejected', (t) => {
  rejects(
    t,
    assemble('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f32Bytes(1, 2, 3)),
    "w.safetensors: bytes 4..8 of the data section belong to no tensor (between 'a' and 'b')",
  );
  rejects(
    t,
    assemble('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32Bytes(1, 2)),
    "w.safetensors: bytes 0..4 of the data section belong to no tensor (before 'a')",
  );
  rejects(
    t,
    assemble('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32Bytes(1, 2)),
    "w.safetensors: bytes 4..8 of the data section belong to no tensor (after 'a')",
  );
  rejects(t, assemble('{}', [1, 2]), 'w.safetensors: bytes 0..2 of the data section belong to no tensor (the header lists no tensors)');
});

test('__proto__, constructor and prototype are refused as tensor names and metadata keys', (t) => {
  const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  for (const name of ['__proto__', 'constructor', 'prototype']) {
    rejects(t, assemble(`{"${name}":${entry}}`, f32Bytes(1)), `w.safetensors: tensor name '${name}' is not allowed (it is a reserved JavaScript property name)`);
  }
  rejects(
    t,
    assemble(`{"__metadata__":{"__proto__":"x"},"a":${entry}}`, f32Bytes(1)),
    "w.safetensors: metadata key '__proto__' is not allowed (it is a reserved JavaScript property name)",
  );
  t.is(({} as Record<string, unknown>).dtype, undefined); // nothing leaked into Object.prototype
});

test('non-finite values are rejected with the tensor and index, unless allowed', (t) => {
  const nan = assemble('{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', f32Bytes(1, 2, 3, NaN));
  rejects(t, nan, "w.safetensors: tensor 'w' holds NaN at index 3 (element [1, 1]); weights must be finite");
  t.true(Number.isNaN(readSafetensors(nan, 'w', { allowNonFinite: true }).tensors.get('w')!.data[3]));

  const infinity = assemble('{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', [0, 0x3c, 0, 0xfc]);
  rejects(t, infinity, "w.safetensors: tensor 'h' holds -Infinity at index 1; weights must be finite");

  const huge = assemble('{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', [...new Uint8Array(new Float64Array([1e39]).buffer)]);
  rejects(t, huge, "w.safetensors: tensor 'd' holds 1e+39 at index 0, beyond the float32 range");
});

test('the writer refuses what the reader would refuse', (t) => {
  const fails = (fn: () => unknown, message: string) => t.throws(fn, { instanceOf: NncError, message });
  fails(() => writeSafetensors([['x', tensor([1], [1])], ['x', tensor([1], [2])]]), "writeSafetensors: tensor 'x' is given twice");
  fails(() => writeSafetensors([['__metadata__', tensor([1], [1])]]), "writeSafetensors: '__metadata__' cannot be a tensor name");
  fails(() => writeSafetensors([['__proto__', tensor([1], [1])]]), "writeSafetensors: '__proto__' cannot be a tensor name");
  fails(() => writeSafetensors([['x', tensor([2, 2], [1, 2, 3])]]), "writeSafetensors: tensor 'x' has shape [2, 2] but 3 values");
  fails(() => writeSafetensors([['x', tensor([-1], [])]]), "writeSafetensors: tensor 'x': shape dimensions must be non-negative integers, found -1");
  fails(() => writeSafetensors([['x', tensor([2], [1, 70000])]], { dtype: 'F16' }), "writeSafetensors: tensor 'x' holds 70000 at index 1, beyond the float16 range (±65504)");
  fails(
    () => writeSafetensors([['x', { shape: [1], data: new Float64Array([1e39]) }]]),
    "writeSafetensors: tensor 'x' holds 1e+39 at index 0, beyond the float32 range (±3.4028235e38)",
  );
  fails(() => writeSafetensors([], { metadata: { constructor: 'x' } }), "writeSafetensors: 'constructor' cannot be a metadata key");
});

test('property: any set of finite float32 tensors survives a round trip unchanged', (t) => {
  const name = fc.string({ minLength: 0, maxLength: 12 }).filter((s) => !['__metadata__', '__proto__', 'constructor', 'prototype'].includes(s));
  const shaped = fc
    .array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })
    .chain((shape) =>
      fc
        .array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
        .map((values) => ({ shape, data: new Float32Array(values) })),
    );
  fc.assert(
    fc.property(fc.dictionary(name, shaped, { maxKeys: 5, noNullPrototype: true }), (record) => {
      const input = new Map(Object.entries(record));
      const { tensors } = readSafetensors(writeSafetensors(input), 'w');
      t.deepEqual(new Map([...tensors].sort()), new Map([...input].sort()));
    }),
    { numRuns: 200, seed: 7 },
  );
});
