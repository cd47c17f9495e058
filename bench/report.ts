// RESULTS.md: every table of a benchmark run as Markdown, with the machine it ran on
// (CPU, cores, memory, load), the versions (Node, TensorFlow.js packages, Chromium),
// the source revision, the exact command and the date; plus the files sections attach
// (speedup.svg).
//
// Where: a full run (`npm run bench`, every section, not quick) writes bench/RESULTS.md
// and its files next to it — the committed results the README quotes. A quick run or a
// run of some sections writes to bench/out/ instead (ignored by git), so a smoke test
// never overwrites a measurement.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH } from '../test/helpers/browser.js';
import type { BenchmarkTable } from './section.js';

export interface RunRecord {
  /** The command as typed, e.g. `npm run bench -- --quick`. */
  readonly command: string;
  readonly quick: boolean;
  /** True when every section ran. */
  readonly complete: boolean;
  readonly started: Date;
  readonly seconds: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  /** The checkout when the run started (`sourceRevision()`); the report says if it changed by the end. */
  readonly source: string;
  readonly sections: readonly { readonly name: string; readonly tables: readonly BenchmarkTable[] }[];
}

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function resultsDir(record: Pick<RunRecord, 'quick' | 'complete'>): string {
  return record.complete && !record.quick ? BENCH_DIR : join(BENCH_DIR, 'out');
}

function quiet(run: () => string): string | null {
  try {
    return run().trim();
  } catch {
    return null;
  }
}

function packageVersion(name: string): string {
  const file = join(ROOT, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'not installed';
}

function cpuModel(): string {
  const info = quiet(() => readFileSync('/proc/cpuinfo', 'utf8'));
  const model = info ? /^model name\s*:\s*(.+)$/m.exec(info)?.[1] : undefined;
  return model ?? os.cpus()[0]?.model ?? 'unknown';
}

/** `commit abc1234`, with ` with uncommitted changes` when tracked files differ from it. */
export function sourceRevision(): string {
  const revision = quiet(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }));
  const dirty = quiet(() => execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }));
  return revision ? `commit ${revision}${dirty ? ' with uncommitted changes' : ''}` : 'not a git checkout';
}

function machine(record: RunRecord): string[] {
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(', ');
  const now = sourceRevision();
  const chromium = quiet(() => execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const tfjs = ['tfjs-core', 'tfjs-backend-wasm', 'tfjs-backend-cpu', 'tfjs-backend-webgl', 'tfjs-layers'].map((p) => `${p} ${packageVersion(`@tensorflow/${p}`)}`).join(', ');
  return [
    `- CPU: ${cpuModel()}, ${os.cpus().length} cores; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
    `- Load average (1, 5, 15 min): ${load(record.loadBefore)} at the start, ${load(record.loadAfter)} at the end — the cores are shared with other jobs, so absolute times are noisy; compare figures within a row`,
    `- OS: ${os.type()} ${os.release()} (${process.platform}/${process.arch})`,
    `- Node ${process.version}; TensorFlow.js: ${tfjs}`,
    `- Chromium: ${chromium ?? `not found at ${CHROMIUM_PATH}`} (headless, WebGL through SwiftShader: software, on the CPU)`,
    `- Source: ${record.source}${now === record.source ? '' : ` at the start; ${now} at the end: the checkout changed during the run, so later sections may have run other code`}`,
  ];
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(table: BenchmarkTable): string {
  const lines = [`| ${table.columns.map(cell).join(' | ')} |`, `|${table.columns.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

export function renderResults(record: RunRecord): string {
  const minutes = record.seconds >= 90 ? `${(record.seconds / 60).toFixed(1)} min` : `${record.seconds.toFixed(0)} s`;
  const out: string[] = ['# nnc benchmarks', ''];
  if (record.quick) out.push('> **Quick run** (`--quick`): a smoke test of the benchmarks with few runs and few cells, not a measurement.', '');
  else if (!record.complete) out.push(`> **Partial run**: only ${record.sections.map((s) => `\`${s.name}\``).join(', ')}.`, '');
  out.push(`Made by \`${record.command}\` on ${record.started.toISOString().replace(/\.\d+Z$/, 'Z')}, in ${minutes}.`, '', '## Machine', '', ...machine(record), '');
  for (const section of record.sections) {
    out.push(`## ${section.name}`, '');
    for (const table of section.tables) {
      out.push(`### ${table.title}`, '', markdownTable(table), '');
      if (table.note) out.push(`_${table.note}_`, '');
      if (table.details) out.push(table.details, '');
    }
  }
  return out.join('\n');
}

/** Writes RESULTS.md and the attached files; returns the paths written. */
export function writeResults(record: RunRecord): string[] {
  const dir = resultsDir(record);
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, 'RESULTS.md')];
  writeFileSync(written[0], renderResults(record));
  for (const section of record.sections) {
    for (const table of section.tables) {
      for (const [name, content] of Object.entries(table.files ?? {})) {
        const path = join(dir, name);
        writeFileSync(path, content);
        written.push(path);
      }
    }
  }
  return written;
}
