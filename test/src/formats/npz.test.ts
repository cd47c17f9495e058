import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { NncError } from '../../../src/diagnostics.js';
import { crc32 } from '../../../src/formats/crc32.js';
import { writeNpy } from '../../../src/formats/npy.js';
import { readNpz, writeNpz } from '../../../src/formats/npz.js';
import { type ZipEntrySpec, buildZip } from './zipBuilder.js';

const A = { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } as const;
const B = { dtype: 'int32', shape: [3], data: new Int32Array([10, 20, 30]) } as const;

const npyA = writeNpy(A);
const npyB = writeNpy(B);

function rejects(t: ExecutionContext, bytes: Uint8Array, message: string | RegExp): void {
  t.throws(() => readNpz(bytes, 'w.npz'), { instanceOf: NncError, message });
}

function zip(entries: ZipEntrySpec[], spec = {}): Uint8Array {
  return buildZip(entries, spec);
}

// ---------------------------------------------------------------------------
// Archives NumPy wrote (test/fixtures/io/generate.py)

test('reads np.savez (stored, with ZIP64 local headers) and np.savez_compressed (deflate)', (t) => {
  for (const file of ['stored.npz', 'compressed.npz']) {
    const arrays = readNpz(new Uint8Array(readFileSync(`test/fixtures/io/${file}`)), file);
    t.deepEqual([...arrays.keys()], ['a', 'b'], file);
    t.deepEqual(arrays.get('a'), { ...A, shape: [2, 2] }, file);
    t.deepEqual(arrays.get('b'), { ...B, shape: [3] }, file);
  }
});

test("NumPy's stored entries are the .npy bytes writeNpy writes", (t) => {
  // stored.npz holds a.npy at 30 + 5 (name) + 20 (ZIP64 extra) = 55, for 144 bytes.
  const stored = new Uint8Array(readFileSync('test/fixtures/io/stored.npz'));
  t.deepEqual(stored.subarray(55, 55 + 144), npyA);
});

// ---------------------------------------------------------------------------
// Round trips and layouts

test('writeNpz then readNpz returns the arrays, stored or compressed, and is reproducible', (t) => {
  for (const compress of [false, true]) {
    const bytes = writeNpz({ a: A, b: B, 'ünï': { shape: [], data: new Float64Array([0.5]) } }, { compress });
    t.deepEqual(bytes, writeNpz({ a: A, b: B, 'ünï': { shape: [], data: new Float64Array([0.5]) } }, { compress }));
    const arrays = readNpz(bytes, 'w.npz');
    t.deepEqual([...arrays.keys()], ['a', 'b', 'ünï']);
    t.deepEqual(arrays.get('a'), { ...A, shape: [2, 2] });
    t.deepEqual(arrays.get('ünï'), { dtype: 'float64', shape: [], data: new Float64Array([0.5]) });
  }
  t.true(writeNpz({ z: { shape: [1000], data: new Float32Array(1000) } }, { compress: true }).length < 300);
  t.is(readNpz(writeNpz({}), 'empty.npz').size, 0);
});

test('writeNpz lays out a stored entry as APPNOTE 4.3.7 and 4.3.12 describe', (t) => {
  const bytes = writeNpz({ b: B });
  const view = new DataView(bytes.buffer);
  const crc = crc32(npyB);
  // Local header: signature, version 2.0, flags 0, stored, 00:00 1980-01-01, CRC, sizes, name length 5, no extra.
  t.deepEqual(
    [view.getUint32(0, true), view.getUint16(4, true), view.getUint16(6, true), view.getUint16(8, true), view.getUint16(10, true), view.getUint16(12, true)],
    [0x04034b50, 20, 0, 0, 0, 0x0021],
  );
  t.deepEqual([view.getUint32(14, true), view.getUint32(18, true), view.getUint32(22, true), view.getUint16(26, true), view.getUint16(28, true)], [crc, 140, 140, 5, 0]);
  t.is(new TextDecoder().decode(bytes.subarray(30, 35)), 'b.npy');
  t.deepEqual(bytes.subarray(35, 175), npyB);
  // Central directory at 175, 46 + 5 bytes; end record at 226, 22 bytes.
  t.is(view.getUint32(175, true), 0x02014b50);
  t.deepEqual([view.getUint32(175 + 16, true), view.getUint32(175 + 42, true)], [crc, 0]);
  t.deepEqual(
    [view.getUint32(226, true), view.getUint16(226 + 10, true), view.getUint32(226 + 12, true), view.getUint32(226 + 16, true), view.getUint16(226 + 20, true)],
    [0x06054b50, 1, 51, 175, 0],
  );
  t.is(bytes.length, 248);
});

// ---------------------------------------------------------------------------
// ZIP64 and other valid forms

test('ZIP64 extras in local headers, in the central directory, and a ZIP64 end record all read', (t) => {
  const forms: [string, ZipEntrySpec[], object][] = [
    ['local', [{ name: 'a.npy', content: npyA, zip64Local: true }, { name: 'b.npy', content: npyB, method: 8, zip64Local: true }], {}],
    ['central', [{ name: 'a.npy', content: npyA, zip64Central: true }, { name: 'b.npy', content: npyB, zip64Central: true, zip64Local: true }], {}],
    ['end record', [{ name: 'a.npy', content: npyA }, { name: 'b.npy', content: npyB, method: 8 }], { zip64End: true }],
  ];
  for (const [form, entries, spec] of forms) {
    const arrays = readNpz(zip(entries, spec), 'w.npz');
    t.deepEqual(arrays.get('a')?.data, A.data, form);
    t.deepEqual(arrays.get('b')?.data, B.data, form);
  }
});

test('an archive comment and bytes before the first entry are fine', (t) => {
  const bytes = zip([{ name: 'a.npy', content: npyA }], { comment: 'made by hand PK\x05\x06' });
  t.deepEqual(readNpz(bytes, 'w.npz').get('a')?.data, A.data);
  const prefixed = zip([{ name: 'a.npy', content: npyA }], { prefix: new Uint8Array(7) });
  t.deepEqual(readNpz(prefixed, 'w.npz').get('a')?.data, A.data);
});

test('a data-descriptor entry (flag bit 3) is checked against the central directory only', (t) => {
  // Writers streaming to a pipe leave the local CRC and sizes zero; the ones here are real, which is also allowed.
  const bytes = zip([{ name: 'a.npy', content: npyA, flags: 0x0008 }]);
  t.deepEqual(readNpz(bytes, 'w.npz').get('a')?.data, A.data);
});

// ---------------------------------------------------------------------------
// Rejections

test('a truncated archive is rejected', (t) => {
  const whole = writeNpz({ a: A, b: B });
  rejects(t, whole.subarray(0, whole.length - 10), 'w.npz: no ZIP end-of-central-directory record: not an .npz archive, or a truncated one');
  rejects(t, whole.subarray(0, 100), 'w.npz: no ZIP end-of-central-directory record: not an .npz archive, or a truncated one');
  rejects(t, new Uint8Array(0), 'w.npz: no ZIP end-of-central-directory record: not an .npz archive, or a truncated one');
  // Only the front is missing: the end record now points past the central directory's real place.
  rejects(t, whole.subarray(50), /^w\.npz: the central directory claims bytes \d+\.\.\d+ but the archive has \d+ bytes before its end record: the archive is truncated or corrupt$/);
});

test('a bad CRC-32 is caught, stored or deflated', (t) => {
  const stored = writeNpz({ a: A });
  stored[30 + 5 + 128] ^= 1; // the first data byte of a.npy
  rejects(t, stored, /^w\.npz: entry 'a\.npy' fails its CRC-32 check \(computed 0x[0-9a-f]{8}, the archive says 0x[0-9a-f]{8}\): the archive is corrupt$/);
  rejects(
    t,
    zip([{ name: 'a.npy', content: npyA, method: 8, crc: 0x12345678 }]),
    `w.npz: entry 'a.npy' fails its CRC-32 check (computed 0x${crc32(npyA).toString(16).padStart(8, '0')}, the archive says 0x12345678): the archive is corrupt`,
  );
});

test('encrypted entries and unknown compression methods are rejected', (t) => {
  rejects(t, zip([{ name: 'a.npy', content: npyA, flags: 0x0001 }]), "w.npz: entry 'a.npy' is encrypted, which is not supported");
  rejects(t, zip([{ name: 'a.npy', content: npyA, method: 12 }]), "w.npz: entry 'a.npy' uses compression method 12; only stored (0) and deflate (8) are supported");
});

test('duplicate names, unsafe paths and non-.npy entries are rejected', (t) => {
  rejects(t, zip([{ name: 'a.npy', content: npyA }, { name: 'a.npy', content: npyB }]), "w.npz: entry 'a.npy' appears twice");
  rejects(t, zip([{ name: '../a.npy', content: npyA }]), "w.npz: entry '../a.npy' has an unsafe path ('..' or absolute)");
  rejects(t, zip([{ name: 'x/../../a.npy', content: npyA }]), "w.npz: entry 'x/../../a.npy' has an unsafe path ('..' or absolute)");
  rejects(t, zip([{ name: '/etc/a.npy', content: npyA }]), "w.npz: entry '/etc/a.npy' has an unsafe path ('..' or absolute)");
  rejects(t, zip([{ name: 'notes.txt', content: new Uint8Array(3) }]), "w.npz: entry 'notes.txt' is not a .npy file; an .npz archive holds only .npy arrays");
});

test('entries claiming more bytes than the archive has are rejected', (t) => {
  rejects(
    t,
    zip([{ name: 'a.npy', content: npyA, compressedSize: 1_000_000, uncompressedSize: 1_000_000 }]),
    /^w\.npz: entry 'a\.npy' claims 1000000 bytes of data but the archive has \d+ bytes$/,
  );
  rejects(
    t,
    zip([{ name: 'a.npy', content: npyA, compressedSize: 200, uncompressedSize: 200 }]),
    "w.npz: entry 'a.npy' claims bytes 35..235 but its data must end by byte 179, where the central directory starts: the archive is truncated or corrupt",
  );
  const huge = zip([{ name: 'a.npy', content: npyA, zip64Central: true }]);
  // Patch the ZIP64 extra's uncompressed size (first field after the 4-byte tag) to 2^60.
  const extraAt = huge.length - 22 - 24;
  new DataView(huge.buffer).setBigUint64(extraAt, 2n ** 60n, true);
  rejects(t, huge, /^w\.npz: entry 'a\.npy' claims an uncompressed size of 1152921504606846976, beyond the end of the \d+-byte archive$/);
});

test('zip bombs are bounded by the declared size', (t) => {
  const zeros = new Uint8Array(1_000_000);
  const compressed = new Uint8Array(deflateRawSync(zeros));
  // Declared far beyond what deflate can produce from these bytes.
  rejects(
    t,
    zip([{ name: 'z.npy', content: zeros, method: 8, uncompressedSize: 2 ** 31 }]),
    `w.npz: entry 'z.npy' claims to inflate ${compressed.length} bytes to 2147483648 bytes, beyond what deflate can produce`,
  );
  // Declared small: inflation stops at the declared size instead of producing a megabyte.
  rejects(t, zip([{ name: 'z.npy', content: zeros, method: 8, uncompressedSize: 1000 }]), "w.npz: entry 'z.npy' inflates to more than the 1000 bytes the central directory declares");
  rejects(
    t,
    zip([{ name: 'a.npy', content: npyA, method: 8, uncompressedSize: npyA.length + 10 }]),
    `w.npz: entry 'a.npy' inflates to ${npyA.length} bytes but the central directory declares ${npyA.length + 10} bytes`,
  );
  rejects(t, zip([{ name: 'a.npy', content: npyA, method: 8, data: new Uint8Array([0xff, 0xff, 0xff]) }]), /^w\.npz: entry 'a\.npy' holds corrupt deflate data \(.+\)$/);
});

test('overlapping entries are rejected', (t) => {
  // b.npy's whole local record sits inside a.npy's data: two names, one set of bytes.
  const inner = zip([{ name: 'b.npy', content: npyB }]).subarray(0, 30 + 5 + npyB.length);
  const bytes = zip([
    { name: 'a.npy', content: inner },
    { name: 'b.npy', content: npyB, data: new Uint8Array(0), compressedSize: npyB.length, offset: 35 },
  ]);
  rejects(t, bytes, "w.npz: entries 'a.npy' and 'b.npy' overlap");
});

test('local headers must agree with the central directory', (t) => {
  rejects(t, zip([{ name: 'a.npy', content: npyA, localName: 'b.npy' }]), "w.npz: entry 'a.npy': the local header names 'b.npy': the archive is corrupt");
  rejects(t, zip([{ name: 'a.npy', content: npyA, offset: 3 }]), "w.npz: entry 'a.npy': no local header at byte 3: the archive is corrupt");
  const sizes = zip([{ name: 'a.npy', content: npyA, zip64Local: true }]);
  new DataView(sizes.buffer).setBigUint64(30 + 5 + 4, 999n, true); // the local ZIP64 uncompressed size
  rejects(t, sizes, "w.npz: entry 'a.npy': the local header says 144 bytes (999 uncompressed) but the central directory says 144 (144): the archive is corrupt");
});

test('a broken central directory or end record is rejected', (t) => {
  const bytes = writeNpz({ a: A });
  const view = new DataView(bytes.buffer);
  const end = bytes.length - 22;
  const manyEntries = bytes.slice();
  new DataView(manyEntries.buffer).setUint16(end + 10, 500, true);
  rejects(t, manyEntries, 'w.npz: the archive claims 500 entries but its 51-byte central directory cannot hold them');
  const badSignature = bytes.slice();
  badSignature[view.getUint32(end + 16, true)] = 0;
  rejects(t, badSignature, 'w.npz: central directory entry 0 is missing or corrupt (at byte 179)');
  const split = bytes.slice();
  new DataView(split.buffer).setUint16(end + 4, 1, true);
  rejects(t, split, 'w.npz: multi-disk (split) ZIP archives are not supported');
  const zip64 = zip([{ name: 'a.npy', content: npyA }], { zip64End: true });
  new DataView(zip64.buffer).setBigUint64(zip64.length - 22 - 20 + 8, 3n, true); // the locator's record offset
  rejects(t, zip64, 'w.npz: the ZIP64 end-of-central-directory locator points to no ZIP64 record: the archive is corrupt');
});

test('errors inside an entry name the archive and the entry', (t) => {
  const truncated = writeNpy(A).subarray(0, 140);
  rejects(t, zip([{ name: 'a.npy', content: truncated }]), "w.npz/a.npy: shape (2, 2) of '<f4' needs 16 bytes of data after the 128-byte header, found 12 bytes: the file is truncated");
});

test('writeNpz refuses keys the reader would refuse', (t) => {
  for (const key of ['', '../x', '/x']) {
    t.throws(() => writeNpz({ [key]: A }), { instanceOf: NncError, message: `writeNpz: '${key}' cannot name an entry (empty, absolute or with '..')` });
  }
});
