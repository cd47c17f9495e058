// The one writer of every file nnc makes: the old content survives any failure, no
// temporary is left behind, folders are made one level at a time.

import test from 'ava';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFsError, leftoverSiblings, makeDirectory, replaceDirectory, writeFileAtomic } from '../../runtime/atomicWrite.js';
import { scratchDir } from '../helpers/cli.js';

const dir = scratchDir('nnc-atomic-');
const bundleNames = new Set(['a', 'b']);

test('writeFileAtomic replaces the content and leaves no temporary', (t) => {
  const path = join(dir, 'deep', 'er', 'f.bin');
  writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  writeFileAtomic(path, 'text');
  t.is(readFileSync(path, 'utf8'), 'text');
  t.deepEqual(leftoverSiblings(path), []);
});

test('a write that fails leaves the old file byte-identical and no temporary', (t) => {
  const path = join(dir, 'kept.bin');
  writeFileSync(path, 'old content');
  // A target that is a non-empty directory: the rename fails after the data is written.
  const blocked = join(dir, 'blocked');
  mkdirSync(join(blocked, 'inside'), { recursive: true });
  const error = t.throws(() => writeFileAtomic(blocked, 'new'));
  t.true(['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes((error as { code?: string }).code ?? ''), String(error));
  t.deepEqual(readdirSync(blocked), ['inside']);
  t.deepEqual(leftoverSiblings(blocked), []);
  t.is(readFileSync(path, 'utf8'), 'old content');
});

test('folders that cannot be made fail at once, naming the folder (no recursive mkdir spinning under /proc)', (t) => {
  const started = Date.now();
  const error = t.throws(() => makeDirectory('/proc/nnc-no-such/deeper'));
  t.is(describeFsError(error), "cannot make folder '/proc/nnc-no-such': no such file or directory");
  t.true(Date.now() - started < 5000);
  writeFileSync(join(dir, 'plain'), '');
  t.is(describeFsError(t.throws(() => makeDirectory(join(dir, 'plain', 'sub')))), 'a part of the path is not a directory');
});

test('replaceDirectory swaps a whole folder in, and refuses one holding other files', (t) => {
  const target = join(dir, 'bundle');
  replaceDirectory(target, [{ name: 'a', content: '1' }, { name: 'b', content: '2' }], bundleNames);
  replaceDirectory(target, [{ name: 'a', content: '3' }], bundleNames);
  t.deepEqual(readdirSync(target), ['a'], 'the new folder holds exactly the new files');
  t.is(readFileSync(join(target, 'a'), 'utf8'), '3');
  writeFileSync(join(target, 'notes.txt'), 'mine');
  const error = t.throws(() => replaceDirectory(target, [{ name: 'a', content: '4' }], bundleNames));
  t.is(error?.message, 'it holds other files (notes.txt)');
  t.is(readFileSync(join(target, 'notes.txt'), 'utf8'), 'mine');
  t.is(readFileSync(join(target, 'a'), 'utf8'), '3');
  t.deepEqual(leftoverSiblings(target), []);
});

test('a folder a killed writer left aside is put back before the next write', (t) => {
  const target = join(dir, 'interrupted');
  replaceDirectory(target, [{ name: 'a', content: 'previous' }], bundleNames);
  // What a kill between the two renames leaves: no target, the old folder aside under a
  // process id that no longer exists (2^22 + 1 is above Linux's pid_max default).
  const aside = join(dir, `.interrupted.${2 ** 22 + 1}.0123456789ab.old`);
  renameSync(target, aside);
  const staleTemporary = join(dir, `.interrupted.${2 ** 22 + 1}.ba9876543210.tmp`);
  mkdirSync(staleTemporary);
  // A write that then fails (the restored folder holds 'a', which this one may not replace)
  // still leaves the previous output in place.
  t.throws(() => replaceDirectory(target, [{ name: 'b', content: 'x' }], new Set(['b'])), { message: 'it holds other files (a)' });
  t.is(readFileSync(join(target, 'a'), 'utf8'), 'previous', 'the previous output is back in place');
  t.deepEqual(leftoverSiblings(target), [], 'the stale temporary is gone');
  replaceDirectory(target, [{ name: 'b', content: 'new' }], bundleNames);
  t.deepEqual(readdirSync(target), ['b']);
});
