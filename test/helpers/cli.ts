// Runs the CLI in-process with captured output: fast, and what a user would see.

import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function nnc(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTTY: false });
  return { code, stdout, stderr };
}

/** Writes `text` to a fresh temporary `.nn` file and returns its path. */
export function nnFile(text: string, name = 'model.nn'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nnc-cli-')), name);
  writeFileSync(path, text);
  return path;
}

/** A fresh temporary directory, removed after the test file's last test. Call at a test file's top level. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  test.after.always(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
