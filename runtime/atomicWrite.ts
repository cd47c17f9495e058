// Every file nnc writes goes through here (Node only: it uses node:fs). The invariant:
// at any moment, a reader of `path` sees the previous content or the complete new one —
// never a truncated or half-written file — whatever happens to the writer (an error,
// a full disk, a SIGKILL).
//
// - A file is written to a unique temporary sibling (same folder, so same file system),
//   flushed to disk, then renamed over `path`: rename(2) is atomic.
// - A directory (a bundle) is assembled in a temporary sibling folder. If `path` does
//   not exist it is renamed into place; otherwise the old folder is renamed aside, the
//   new one renamed in, and the old one removed. Between those two renames (a few
//   microseconds) `path` is absent and the old folder, complete, sits at `.NAME.old-…`
//   next to it: "the previous output intact, or none". A failure puts the old one back.
// - Leftover temporaries of a killed writer start with `.NAME.` and end in `.tmp` or
//   `.old`; the next write to the same path puts back a folder left aside while `path`
//   is absent, and removes the rest, once their process is gone.
//
// Folders are made one level at a time, so a path where they cannot be made (under
// /proc, say) fails at once instead of spinning in mkdirSync's recursive mode.

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Makes `dir` and its missing parents, one `mkdir` per missing level; throws the first failure, with the folder as `folder`. */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    try {
      if (statSync(current).isDirectory()) break;
      throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR' });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      // Made meanwhile by another writer: fine, if it is a directory.
      if ((e as { code?: string }).code === 'EEXIST' && statSync(level).isDirectory()) continue;
      throw Object.assign(e as Error, { folder: level });
    }
  }
}

/** A file-system error in words, for messages: the folder that could not be made, then the reason. */
export function describeFsError(e: unknown): string {
  const folder = (e as { folder?: string }).folder;
  const reason = reasonOf(e);
  return folder !== undefined ? `cannot make folder '${folder}': ${reason}` : reason;
}

function reasonOf(e: unknown): string {
  switch ((e as { code?: string }).code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    case 'EFBIG':
      return 'file too large (a size limit of the system or the file system)';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** `.NAME.<pid>.<random>.<suffix>` next to `path`: hidden, unique, recognizably ours. */
function siblingName(path: string, suffix: 'tmp' | 'old'): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * Cleans up after a killed writer of `path` (its process is gone): a folder it had moved
 * aside while `path` is absent is put back first (it is the previous output), then its
 * other temporaries are removed.
 */
function removeStaleSiblings(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.[0-9a-f]{12}\.(tmp|old)$/.exec(name.slice(prefix.length));
    if (!match || Number(match[1]) === process.pid || processAlive(Number(match[1]))) continue;
    const stale = join(dirname(path), name);
    if (match[2] === 'old' && !existsSync(path)) renameSync(stale, path);
    else rmSync(stale, { recursive: true, force: true });
  }
}

function writeAll(file: string, content: Uint8Array | string): void {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const fd = openSync(file, 'wx', 0o666);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `content` to `path` atomically (temporary sibling, flush, rename). Makes missing folders. */
export function writeFileAtomic(path: string, content: Uint8Array | string): void {
  makeDirectory(dirname(path));
  removeStaleSiblings(path);
  const temporary = siblingName(path, 'tmp');
  try {
    writeAll(temporary, content);
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
}

export interface DirectoryFile {
  /** A plain file name inside the directory. */
  readonly name: string;
  readonly content: Uint8Array | string;
}

/**
 * Replaces the directory `path` with one holding exactly `files`, atomically as far as
 * POSIX allows (see the header). `replaceable` names the files an existing `path` may
 * hold: anything else in it is refused (it would be lost with the old folder), with an
 * error whose `code` is 'ENOTEMPTY' and whose `files` lists what is in the way.
 */
export function replaceDirectory(path: string, files: readonly DirectoryFile[], replaceable: ReadonlySet<string>): void {
  const target = resolve(path);
  makeDirectory(dirname(target));
  removeStaleSiblings(target);
  let exists = false;
  try {
    const stat = lstatSync(target);
    if (!stat.isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: 'ENOTDIR' });
    exists = true;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  if (exists) {
    const foreign = readdirSync(target).filter((name) => !replaceable.has(name));
    if (foreign.length > 0) throw Object.assign(new Error(`it holds other files (${foreign.sort().join(', ')})`), { code: 'ENOTEMPTY', files: foreign });
  }
  const temporary = siblingName(target, 'tmp');
  try {
    mkdirSync(temporary);
    for (const file of files) writeAll(join(temporary, file.name), file.content);
    flushDirectory(temporary);
  } catch (e) {
    rmSync(temporary, { recursive: true, force: true });
    throw e;
  }
  if (!exists) {
    try {
      renameSync(temporary, target);
    } catch (e) {
      rmSync(temporary, { recursive: true, force: true });
      throw e;
    }
    return;
  }
  const old = siblingName(target, 'old');
  try {
    renameSync(target, old);
  } catch (e) {
    rmSync(temporary, { recursive: true, force: true });
    throw e;
  }
  try {
    renameSync(temporary, target);
  } catch (e) {
    renameSync(old, target);
    rmSync(temporary, { recursive: true, force: true });
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/** fsync on a directory: its entries reach the disk before the rename that publishes it. */
function flushDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    closeSync(fd);
  }
}

/** For tests: the temporaries next to `path` (should be none after any write ends). */
export function leftoverSiblings(path: string): string[] {
  const prefix = `.${basename(path)}.`;
  return readdirSync(dirname(resolve(path))).filter((name) => name.startsWith(prefix) && /\.(tmp|old)$/.test(name));
}
