import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { NncError } from '../../../src/diagnostics.js';
import { type NpyArray, type NpyWritable, parseNpyHeader, readNpy, readNpyFloat32, writeNpy } from '../../../src/formats/npy.js';

const FIXTURES = 'test/fixtures/io'; // written by NumPy 2.4: test/fixtures/io/generate.py

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}/${name}`));
}

/** A .npy file assembled by hand: magic, version, header length, the header text verbatim, the data. */
function assemble(header: string, data: ArrayLike<number> = [], version = 1): Uint8Array {
  const text = version === 3 ? new TextEncoder().encode(header) : Uint8Array.from(header, (c) => c.charCodeAt(0));
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(Array.from(data), prefix + text.length);
  return out;
}

const dict = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;

function rejects(t: ExecutionContext, bytes: Uint8Array, message: string | RegExp): void {
  t.throws(() => readNpy(bytes, 'x.npy'), { instanceOf: NncError, message });
}

// ---------------------------------------------------------------------------
// Files NumPy wrote

test('reads NumPy files: float32 C order, big-endian float64, int64, bool, a uint8 scalar', (t) => {
  t.deepEqual(readNpy(fixture('f4_2x3.npy'), 'f'), { dtype: 'float32', shape: [2, 3], data: new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]) });
  t.deepEqual(readNpy(fixture('f8_be.npy'), 'f'), { dtype: 'float64', shape: [3], data: new Float64Array([1.5, -2, 1e300]) });
  t.deepEqual(readNpy(fixture('i8.npy'), 'f'), { dtype: 'int64', shape: [5], data: new Float64Array([-(2 ** 53), -1, 0, 7, 2 ** 53]) });
  t.deepEqual(readNpy(fixture('b1.npy'), 'f'), { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) });
  t.deepEqual(readNpy(fixture('u1_scalar.npy'), 'f'), { dtype: 'uint8', shape: [], data: new Uint8Array([200]) });
});

test('reads format versions 2.0 and 3.0', (t) => {
  const expected = { dtype: 'float32', shape: [2, 3], data: new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]) };
  t.is(parseNpyHeader(fixture('f4_v2.npy'), 'f').version, 2);
  t.is(parseNpyHeader(fixture('f4_v3.npy'), 'f').version, 3);
  t.deepEqual(readNpy(fixture('f4_v2.npy'), 'f'), expected);
  t.deepEqual(readNpy(fixture('f4_v3.npy'), 'f'), expected);
  t.deepEqual(readNpy(assemble(dict('<f4', '(1,)'), [0, 0, 0x80, 0x3f], 3), 'f').data, new Float32Array([1]));
});

test('a Fortran-ordered file NumPy wrote is refused with the fix', (t) => {
  t.throws(() => readNpy(fixture('fortran.npy'), 'fortran.npy'), {
    instanceOf: NncError,
    message: 'fortran.npy: fortran_order=True is not supported: save with np.ascontiguousarray',
  });
});

// ---------------------------------------------------------------------------
// Writing

test('writeNpy writes the header NumPy writes, byte for byte', (t) => {
  const cases: [NpyWritable, string, number][] = [
    // dict, then 21 − len('2') = 20 growth spaces, then alignment spaces, then '\n' at byte 127.
    [{ shape: [2, 3], data: new Float32Array(6) }, `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }${' '.repeat(20 + 38)}\n`, 24],
    [{ shape: [3], data: new Int32Array(3) }, `{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }${' '.repeat(20 + 40)}\n`, 12],
    // A scalar: no growth room; 10 + 55 + 1 = 66 bytes pad to 128.
    [{ shape: [], data: new Float64Array(1) }, `{'descr': '<f8', 'fortran_order': False, 'shape': (), }${' '.repeat(62)}\n`, 8],
    [{ shape: [12345, 1], data: new Uint8Array(12345) }, `{'descr': '|u1', 'fortran_order': False, 'shape': (12345, 1), }${' '.repeat(16 + 38)}\n`, 12345],
  ];
  for (const [array, header, dataBytes] of cases) {
    const bytes = writeNpy(array);
    t.is(bytes.length, 128 + dataBytes);
    t.deepEqual([...bytes.subarray(0, 10)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
    t.is(String.fromCharCode(...bytes.subarray(10, 128)), header);
  }
});

test('writeNpy reproduces NumPy files exactly', (t) => {
  t.deepEqual(writeNpy({ shape: [2, 3], data: new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]) }), fixture('f4_2x3.npy'));
  t.deepEqual(writeNpy({ shape: [], data: new Uint8Array([200]) }), fixture('u1_scalar.npy'));
  t.deepEqual(writeNpy({ shape: [3], data: new Uint8Array([1, 0, 1]), dtype: 'bool' }), fixture('b1.npy'));
  t.deepEqual(writeNpy({ shape: [5], data: new Float64Array([-(2 ** 53), -1, 0, 7, 2 ** 53]), dtype: 'int64' }), fixture('i8.npy'));
});

test('every dtype round-trips through writeNpy and readNpy', (t) => {
  const arrays: NpyArray[] = [
    { dtype: 'float32', shape: [2, 2], data: new Float32Array([1.5, -0, Infinity, 3e-40]) },
    { dtype: 'float64', shape: [3], data: new Float64Array([0.1, -1e300, NaN]) },
    { dtype: 'int8', shape: [2], data: new Int8Array([-128, 127]) },
    { dtype: 'uint8', shape: [2, 1], data: new Uint8Array([0, 255]) },
    { dtype: 'int16', shape: [2], data: new Int16Array([-32768, 32767]) },
    { dtype: 'uint16', shape: [2], data: new Uint16Array([0, 65535]) },
    { dtype: 'int32', shape: [2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
    { dtype: 'uint32', shape: [2], data: new Uint32Array([0, 2 ** 32 - 1]) },
    { dtype: 'int64', shape: [4], data: new Float64Array([-(2 ** 63), -(2 ** 53) - 2, 2 ** 53 + 2, 2 ** 62]) },
    { dtype: 'uint64', shape: [3], data: new Float64Array([0, 2 ** 53 + 2, 2 ** 64 - 2 ** 11]) },
    { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
    { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) },
  ];
  for (const array of arrays) t.deepEqual(readNpy(writeNpy(array), 'x.npy'), array, array.dtype);
});

test('writeNpy refuses data that does not fit its dtype or shape', (t) => {
  const fails = (array: NpyWritable, message: string) => t.throws(() => writeNpy(array), { instanceOf: NncError, message });
  fails({ shape: [2, 2], data: new Float32Array(3) }, 'writeNpy: shape (2, 2) holds 4 elements but data has 3');
  fails({ shape: [1], data: new Float64Array([2 ** 63]), dtype: 'int64' }, 'writeNpy: int64 data holds 9223372036854776000 at index 0, which is not a int64 value');
  fails({ shape: [1], data: new Float64Array([1.5]), dtype: 'uint64' }, 'writeNpy: uint64 data holds 1.5 at index 0, which is not a uint64 value');
  fails({ shape: [1], data: new Int32Array([1]), dtype: 'int64' }, 'writeNpy: int64 data must be a Float64Array');
  fails({ shape: [2], data: new Uint8Array([1, 2]), dtype: 'bool' }, 'writeNpy: bool data holds 2 at index 1; expected 0 or 1');
  fails({ shape: [1], data: new Float32Array(1), dtype: 'float64' }, 'writeNpy: float64 data must be a Float64Array, found Float32Array');
});

// ---------------------------------------------------------------------------
// Byte order and integers

test('big-endian and little-endian descrs read the same values', (t) => {
  const cases: [string, number[], number[]][] = [
    ['>f4', [0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0], [1, -2]],
    ['<f4', [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0], [1, -2]],
    ['>i2', [0xff, 0xfe, 0x01, 0x00], [-2, 256]],
    ['<u2', [0xfe, 0xff, 0x00, 0x01], [65534, 256]],
    ['>u8', [0, 0, 0, 0, 0, 0, 0x01, 0x00], [256]],
    ['>i8', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], [-2]],
    ['>f8', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], [1.5]],
    ['|i1', [0xff, 0x7f], [-1, 127]],
    ['<u1', [0xff], [255]],
  ];
  for (const [descr, bytes, values] of cases) {
    const itemsize = bytes.length / values.length;
    const array = readNpy(assemble(dict(descr, `(${values.length},)`), bytes), 'x.npy');
    t.deepEqual([...array.data], values, descr);
    t.is(array.data.BYTES_PER_ELEMENT, itemsize === 8 ? 8 : itemsize, descr);
  }
});

test('64-bit integers are read only when a double holds them exactly', (t) => {
  const int64 = (value: bigint) => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, value, true);
    return [...bytes];
  };
  const read = (descr: string, values: bigint[]) => readNpy(assemble(dict(descr, `(${values.length},)`), values.flatMap(int64)), 'x.npy');
  t.deepEqual([...read('<i8', [2n ** 60n, -(2n ** 63n), 2n ** 53n + 2n]).data], [2 ** 60, -(2 ** 63), 2 ** 53 + 2]);
  t.throws(() => read('<i8', [0n, 2n ** 53n + 1n]), {
    instanceOf: NncError,
    message: 'x.npy: int64 value 9007199254740993 at index 1 is not exactly representable as a float64 (nearest is 9007199254740992)',
  });
  t.throws(() => read('<u8', [-1n]), {
    instanceOf: NncError,
    message: 'x.npy: uint64 value 18446744073709551615 at index 0 is not exactly representable as a float64 (nearest is 18446744073709551616)',
  });
});

test('bool bytes other than 0 read as true', (t) => {
  t.deepEqual(readNpy(assemble(dict('|b1', '(3,)'), [0, 1, 7]), 'x.npy').data, new Uint8Array([0, 1, 1]));
});

// ---------------------------------------------------------------------------
// readNpyFloat32

test('readNpyFloat32 returns a HostTensor for float32 in either byte order', (t) => {
  t.deepEqual(readNpyFloat32(fixture('f4_2x3.npy'), 'x.npy'), { shape: [2, 3], data: new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]) });
  t.deepEqual(readNpyFloat32(assemble(dict('>f4', '(1,)'), [0x3f, 0x80, 0, 0]), 'x.npy'), { shape: [1], data: new Float32Array([1]) });
});

test('readNpyFloat32 says what the file holds and how to convert it', (t) => {
  const fails = (bytes: Uint8Array, what: string, message: string) => t.throws(() => readNpyFloat32(bytes, what), { instanceOf: NncError, message });
  fails(fixture('i8.npy'), 'x.npy', "x.npy holds int64 ('<i8'); nnc needs float32: x.astype(np.float32)");
  fails(fixture('f8_be.npy'), 'data/inputs.npy', "data/inputs.npy holds float64 ('>f8'); nnc needs float32: inputs.astype(np.float32)");
  fails(assemble(dict('<f2', '(1,)'), [0, 0x3c]), 'x.npy', "x.npy holds float16 ('<f2'); nnc needs float32: x.astype(np.float32)");
  fails(assemble(dict('|b1', '(1,)'), [1]), '2.npy', "2.npy holds bool ('|b1'); nnc needs float32: x.astype(np.float32)");
});

// ---------------------------------------------------------------------------
// Rejections

test('bad magic, unknown versions and short files are rejected', (t) => {
  rejects(t, new TextEncoder().encode('PK\x03\x04 not numpy'), 'x.npy: not a .npy file (it does not start with "\\x93NUMPY")');
  rejects(t, new Uint8Array([0x93, 0x4e, 0x55]), 'x.npy: file is 3 bytes, too short for a .npy header (at least 10)');
  const v4 = assemble(dict('<f4', '()'), [0, 0, 0, 0]);
  v4[6] = 4;
  rejects(t, v4, 'x.npy: .npy format version 4.0 is not supported (1.0, 2.0 and 3.0 are)');
  const v2Short = assemble(dict('<f4', '()'), [], 2).subarray(0, 11);
  rejects(t, v2Short, 'x.npy: file is 11 bytes, too short for a version 2.0 header (at least 12)');
});

test('a truncated header says how many bytes it claims and how many follow', (t) => {
  rejects(t, assemble(dict('<f4', '(2, 3)')).subarray(0, 40), 'x.npy: header claims 60 bytes but only 30 bytes follow: the file is truncated');
});

test('truncated or oversized data says how many bytes were expected and found', (t) => {
  rejects(
    t,
    assemble(dict('<f4', '(2, 3)'), new Array(20).fill(0)),
    "x.npy: shape (2, 3) of '<f4' needs 24 bytes of data after the 70-byte header, found 20 bytes: the file is truncated",
  );
  rejects(
    t,
    assemble(dict('<f4', '(1,)'), new Array(5).fill(0)),
    "x.npy: shape (1,) of '<f4' needs 4 bytes of data after the 68-byte header, found 5 bytes: the file has extra bytes",
  );
  // 10^30 elements: compared exactly, never allocated.
  rejects(
    t,
    assemble(dict('<f8', '(1000000000000000, 1000000000000000)'), [0]),
    "x.npy: shape (1000000000000000, 1000000000000000) of '<f8' needs 8000000000000000000000000000000 bytes of data after the 100-byte header, found 1 byte: the file is truncated",
  );
});

test('unsupported dtypes are named: object, structured, float16, complex, strings, datetimes', (t) => {
  rejects(t, assemble(dict('|O', '(1,)'), new Array(8).fill(0)), "x.npy: holds Python objects (dtype 'O'), which .npy stores as pickles; nnc reads numeric arrays only");
  rejects(
    t,
    assemble(`{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,), }\n`, new Array(8).fill(0)),
    "x.npy: structured dtypes (records with named fields) are not supported, found descr [('x', '<f4'), ('y', '<i4')]",
  );
  const supported = 'float32, float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool';
  rejects(t, assemble(dict('<f2', '(1,)'), [0, 0]), `x.npy: dtype float16 ('<f2') is not supported (supported: ${supported})`);
  rejects(t, assemble(dict('<c8', '(1,)'), new Array(8).fill(0)), `x.npy: dtype complex64 ('<c8') is not supported (supported: ${supported})`);
  rejects(t, assemble(dict('<U3', '(1,)'), new Array(12).fill(0)), `x.npy: dtype str ('<U3') is not supported (supported: ${supported})`);
  rejects(t, assemble(dict('<M8[ns]', '(1,)'), new Array(8).fill(0)), `x.npy: dtype datetime64[ns] ('<M8[ns]') is not supported (supported: ${supported})`);
  rejects(t, assemble(dict('float32', '(1,)'), [0, 0, 0, 0]), "x.npy: descr 'float32' is not a NumPy dtype string");
  rejects(t, assemble(dict('|f4', '(1,)'), [0, 0, 0, 0]), "x.npy: descr '|f4' must say its byte order ('<' little-endian or '>' big-endian) for a 4-byte type");
});

test('malformed headers are rejected with what was found', (t) => {
  rejects(t, assemble("{'descr': '<f4', 'fortran_order': False}\n"), "x.npy: header lacks 'shape'");
  rejects(t, assemble("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}\n", [0, 0, 0, 0]), "x.npy: header has an unexpected key 'extra'");
  rejects(t, assemble(dict('<f4', '[2, 3]')), "x.npy: 'shape' must be a tuple of integers, found [2, 3]");
  rejects(t, assemble(dict('<f4', '(3)')), "x.npy: 'shape' must be a tuple of integers, found 3"); // (3) is an int in Python
  rejects(t, assemble(dict('<f4', "(2, 'a')")), "x.npy: 'shape' must be a tuple of integers, found (2, 'a')");
  rejects(t, assemble(dict('<f4', '(-1,)')), "x.npy: 'shape' dimensions must be non-negative integers, found (-1,)");
  rejects(t, assemble(dict('<f4', '()', '0')), "x.npy: 'fortran_order' must be True or False, found 0");
  rejects(t, assemble("['descr']\n"), "x.npy: header must be a dict, found ['descr']");
  rejects(t, assemble("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), \n"), /^x\.npy: header is not a valid Python literal: unexpected end of header at character \d+$/);
  rejects(t, assemble(`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(5000)}`), 'x.npy: header is not a valid Python literal: literal nested more than 16 deep at character 66');
  rejects(t, assemble(dict('<f4', '(2, 3)', 'True'), new Array(24).fill(0)), 'x.npy: fortran_order=True is not supported: save with np.ascontiguousarray');
  const invalidUtf8 = assemble(dict('<f4', '()'), [0, 0, 0, 0], 3);
  invalidUtf8[12] = 0xff;
  rejects(t, invalidUtf8, 'x.npy: header is not valid UTF-8');
});

test('headers from older writers parse: double quotes, Python 2 longs, no trailing comma or newline', (t) => {
  const header = `{"descr": "<f4", "fortran_order": False, "shape": (2L, 1L)}`;
  t.deepEqual(readNpy(assemble(header, new Array(8).fill(0)), 'x.npy').shape, [2, 1]);
});

test('data is copied out of the input, which may be unaligned', (t) => {
  const file = writeNpy({ shape: [2], data: new Float64Array([1, 2]) });
  const shifted = new Uint8Array(file.length + 3);
  shifted.set(file, 3);
  const { data } = readNpy(shifted.subarray(3), 'x.npy');
  shifted.fill(0, 3 + 128);
  t.deepEqual(data, new Float64Array([1, 2]));
});
