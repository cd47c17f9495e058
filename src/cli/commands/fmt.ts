// `nnc fmt FILE... [--check | --write]`: .nn files in their canonical layout
// (compiler/print/formatSource.ts). A directory stands for the .nn files under it.
// A file with syntax errors is never rewritten: its errors are printed, exit 1.

import { chmodSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatSource } from '../../../compiler/print/formatSource.js';
import { NncError, Source, formatDiagnostics } from '../../diagnostics.js';
import { UsageError } from '../args.js';
import { type Command, EXIT_ERRORS, EXIT_OK } from '../command.js';
import { describeFsError, isDirectory, readText } from '../files.js';

export const fmtCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file, or a directory of them (several may be given)', arity: 'many' }],
  flags: [
    { name: 'check', type: 'boolean', description: 'print the files that are not formatted, exit 1 if there are any; change nothing' },
    { name: 'write', type: 'boolean', description: 'rewrite the files that are not formatted, in place' },
  ],
  async run({ positional, flags, io }) {
    if (flags.check && flags.write) throw new UsageError('--check and --write cannot be combined: --check changes nothing, --write formats');
    const mode = flags.check ? 'check' : flags.write ? 'write' : 'print';
    let failed = false;
    /** Reports an unreadable, unparsable or unwritable file: one more failure, the other files are still formatted. */
    const fail = (e: unknown) => {
      if (!(e instanceof NncError)) throw e;
      io.stderr(formatDiagnostics(e.diagnostics) + '\n');
      failed = true;
    };
    const paths = positional.flatMap((path) => {
      try {
        return expand(path);
      } catch (e) {
        fail(e);
        return [];
      }
    });
    const changed: string[] = [];
    for (const path of paths) {
      let text: string;
      let formatted: string | null;
      try {
        text = readText(path);
        const result = formatSource(new Source(text, path));
        formatted = result.text;
        if (formatted === null) throw new NncError(result.diagnostics);
      } catch (e) {
        fail(e);
        continue;
      }
      if (mode === 'print') {
        io.stdout(formatted);
        continue;
      }
      if (formatted === text) continue;
      try {
        if (mode === 'write') writeAtomically(path, formatted);
        changed.push(path);
        io.stdout(`${path}\n`);
      } catch (e) {
        fail(e);
      }
    }
    if (mode === 'check' && changed.length > 0) {
      io.stderr(`${changed.length} of ${paths.length} ${plural(paths.length, 'file')} ${changed.length === 1 ? 'is' : 'are'} not formatted; run 'nnc fmt --write' to format ${changed.length === 1 ? 'it' : 'them'}\n`);
      return EXIT_ERRORS;
    }
    if (mode === 'write' && changed.length > 0) io.stderr(`formatted ${changed.length} of ${paths.length} ${plural(paths.length, 'file')}\n`);
    return failed ? EXIT_ERRORS : EXIT_OK;
  },
};

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** A directory becomes the .nn files under it, sorted (hidden folders and node_modules skipped); a file stays itself. */
function expand(path: string): string[] {
  if (!isDirectory(path)) return [path];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(child);
      } else if (entry.name.endsWith('.nn')) {
        found.push(child);
      }
    }
  };
  walk(path);
  if (found.length === 0) throw new NncError(`no .nn files in directory '${path}'`);
  return found;
}

/**
 * Replaces the file's contents through a temporary file in the same folder and a
 * rename, so a failure never leaves a half-written file; the file keeps its mode.
 */
function writeAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.nnc-fmt-${process.pid}.tmp`);
  try {
    const mode = statSync(path).mode & 0o7777;
    writeFileSync(temporary, text);
    chmodSync(temporary, mode);
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw new NncError(`cannot write '${path}': ${describeFsError(e)}`);
  }
}
