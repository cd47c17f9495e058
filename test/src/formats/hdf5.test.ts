// The HDF5 reader (jsfive behind src/formats/hdf5.ts) on files written by h5py
// (test/fixtures/keras/make_fixtures.py): float16, float64 and refused integer datasets,
// string-list attributes, and a damaged file as one clear error.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { openHdf5 } from '../../../src/formats/hdf5.js';
import { NncError } from '../../../src/diagnostics.js';

const bytes = new Uint8Array(readFileSync(new URL('../../fixtures/keras/dtypes.h5', import.meta.url)));

test('float16 datasets are read (what h5wasm cannot do in Node), widened exactly to float32', (t) => {
  const half = openHdf5(bytes, 'dtypes.h5').root.dataset('half')!;
  t.is(half.dtype, '<f2');
  t.deepEqual(half.shape, [2, 3]);
  // Every value is a float16, so float32 holds it exactly: 2^-24 is the smallest subnormal.
  t.deepEqual([...half.readFloat32()], [1.5, -2.25, 65504, 0, -0, 2 ** -24]);
});

test('float64 datasets are rounded to float32', (t) => {
  const values = openHdf5(bytes, 'dtypes.h5').root.dataset('double')!.readFloat32();
  t.deepEqual([...values], [Math.fround(0.1), -Infinity, 3]);
});

test('an integer dataset is refused as weights', (t) => {
  const error = t.throws(() => openHdf5(bytes, 'dtypes.h5').root.dataset('count')!.readFloat32(), { instanceOf: NncError });
  t.is(error.message, "HDF5 dataset '/count' in 'dtypes.h5' holds <i8 values; weights must be float16, float32 or float64");
});

test('string-list attributes and paths below a group', (t) => {
  const root = openHdf5(bytes, 'dtypes.h5').root;
  t.deepEqual(root.keys(), ['count', 'double', 'group', 'half']);
  t.deepEqual(root.group('group')!.attr('names'), ['a/kernel:0', 'a/bias:0']);
  t.is(root.group('half'), null);
  t.is(root.dataset('group'), null);
  t.is(root.groupAt('group/none'), null);
});

test('bytes that are not HDF5', (t) => {
  const error = t.throws(() => openHdf5(new TextEncoder().encode('{"not": "hdf5"}'), 'x.h5'), { instanceOf: NncError });
  t.is(error.message, "'x.h5' is not an HDF5 file (no HDF5 signature at its start)");
});
