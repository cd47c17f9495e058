// Killing `nnc build` (SIGKILL, a child process) at chosen moments, and what it leaves:
// the folder must hold the old bundle or a complete new one that `nnc run DIR` accepts,
// or — killed in the instant between the two renames of the swap — no folder, with the
// old bundle complete beside it (src/formats/atomicWrite.ts). Shared by
// test/cli/killDuringBuild.test.ts (a few points) and bench/reliability.ts (hundreds).

import { spawn } from 'node:child_process';
import { isBundleFile } from '../../runtime/bundle/write.js';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpy } from '../../src/formats/npy.js';
import { main } from '../../src/cli/main.js';

/** The CLI in-process (not ./cli.js, which registers ava hooks: the benchmark runs this too). */
async function nnc(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), isTTY: false });
  return { code, stdout, stderr };
}

const BIN = fileURLToPath(new URL('../../bin/nnc.js', import.meta.url));

export type KillOutcome = 'old' | 'new' | 'absent, old set aside' | 'build finished';

export interface KillPoint {
  readonly afterMs: number;
  readonly from: 'start' | 'report';
  readonly outcome: KillOutcome | null;
  /** Why the folder was neither old nor new (null when it was). */
  readonly failure: string | null;
}

export interface KillSweep {
  readonly buildMs: number;
  readonly points: readonly KillPoint[];
}

const SOURCE = 'model Tiny {\n  input x: [4]\n  Dense(8, activation=relu)\n  BatchNormalization\n  Dense(3, activation=softmax)\n}\n';

/** Runs the CLI in a child process; `killAfterMs` sends SIGKILL then. Resolves with the exit code (null when killed) and the time taken. */
interface Kill {
  /** Milliseconds after the start, or after the first line the build prints (its report, before bundling). */
  readonly afterMs: number;
  readonly from: 'start' | 'report';
}

function runChild(args: readonly string[], kill?: Kill): Promise<{ code: number | null; ms: number; reportMs: number; wroteMs: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let reportMs = NaN;
    let wroteMs = NaN;
    let timer: NodeJS.Timeout | null = null;
    const killIn = (ms: number) => (timer = setTimeout(() => child.kill('SIGKILL'), ms));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      const now = performance.now() - started;
      if (Number.isNaN(reportMs)) {
        reportMs = now;
        if (kill?.from === 'report') killIn(kill.afterMs);
      }
      if (Number.isNaN(wroteMs) && String(chunk).includes('wrote bundle')) wroteMs = now;
    });
    if (kill?.from === 'start') killIn(kill.afterMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, ms: performance.now() - started, reportMs, wroteMs, stderr });
    });
  });
}

/**
 * `count` kills, timed from one uninterrupted build (measured first): half spread evenly
 * from the start to its first printed line (loading, checking, optimizing), half evenly
 * from that line to 1.3 times the time it took to report the bundle written (bundling,
 * writing, swapping; timed from the line, so that a slower start on a loaded machine
 * does not shift them all before the write).
 */
/** Kills between two uninterrupted builds that re-time the sweep. */
const RECALIBRATE = 20;

export async function killDuringBuild(count: number, onPoint?: (point: KillPoint, index: number) => void): Promise<KillSweep> {
  const dir = mkdtempSync(join(tmpdir(), 'nnc-kill-'));
  try {
    const file = join(dir, 'tiny.nn');
    writeFileSync(file, SOURCE);
    const input = join(dir, 'x.npy');
    writeFileSync(input, writeNpy({ shape: [2, 4], data: new Float32Array([1, 2, 3, 4, -1, 0, 0.5, 2]) }));
    for (const seed of ['1', '2']) {
      const init = await nnc('init', file, '--seed', seed, '--out', join(dir, `w${seed}.safetensors`));
      if (init.code !== 0) throw new Error(init.stderr);
    }
    const build = (weights: string, out: string) => ['build', file, '--weights', join(dir, weights), '--out', out, '--no-verify'];
    const old = join(dir, 'old');
    const oldBuild = await nnc(...build('w1.safetensors', old));
    if (oldBuild.code !== 0) throw new Error(oldBuild.stderr);
    // An uninterrupted build times the kills; timed again every RECALIBRATE kills, so
    // that a machine whose load changes during a long sweep still gets kills after the
    // write (otherwise every kill of a slowed-down build lands before it).
    const calibrate = async () => {
      const run = await runChild(build('w2.safetensors', join(dir, 'new')));
      if (run.code !== 0 || Number.isNaN(run.wroteMs)) throw new Error(run.stderr);
      return run;
    };
    let fresh = await calibrate();
    const firstMs = fresh.ms;
    const oldJson = readFileSync(join(old, 'model.json'), 'utf8');
    const newJson = readFileSync(join(dir, 'new', 'model.json'), 'utf8');

    const points: KillPoint[] = [];
    for (let i = 0; i < count; i++) {
      if (i > 0 && i % RECALIBRATE === 0) fresh = await calibrate();
      const out = join(dir, `out${i}`, 'bundle');
      cpSync(old, out, { recursive: true });
      const early = Math.ceil(count / 2);
      const kill: Kill = i < early ? { afterMs: (fresh.reportMs * (i + 0.5)) / early, from: 'start' } : { afterMs: (1.3 * (fresh.wroteMs - fresh.reportMs) * (i - early + 0.5)) / (count - early), from: 'report' };
      const child = await runChild(build('w2.safetensors', out), kill);
      const point = { ...kill, ...(await inspect(out, input, oldJson, newJson, child.code)) };
      points.push(point);
      onPoint?.(point, i);
      rmSync(dirname(out), { recursive: true, force: true });
    }
    return { buildMs: firstMs, points };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inspect(out: string, input: string, oldJson: string, newJson: string, code: number | null): Promise<{ outcome: KillOutcome | null; failure: string | null }> {
  if (code !== null) {
    // The build ended before the kill: it must have succeeded, and left the new bundle.
    if (code !== 0) return { outcome: null, failure: `the build exited with ${code}` };
  }
  if (!existsSync(out)) {
    const aside = readdirSync(dirname(out)).filter((name) => name.startsWith(`.${basename(out)}.`) && name.endsWith('.old'));
    if (aside.length !== 1) return { outcome: null, failure: `no bundle folder, and ${aside.length} folders set aside` };
    const json = readFileSync(join(dirname(out), aside[0], 'model.json'), 'utf8');
    const run = await nnc('run', join(dirname(out), aside[0]), '--input', input);
    return json === oldJson && run.code === 0 ? { outcome: 'absent, old set aside', failure: null } : { outcome: null, failure: `the folder set aside is not the old bundle: ${run.stderr}` };
  }
  const run = await nnc('run', out, '--input', input);
  if (run.code !== 0) return { outcome: null, failure: `nnc run refuses what is left: ${run.stderr.trim()}` };
  const json = readFileSync(join(out, 'model.json'), 'utf8');
  const outcome: KillOutcome | null = json === oldJson ? 'old' : json === newJson ? (code === 0 ? 'build finished' : 'new') : null;
  const extra = readdirSync(out).filter((name) => !isBundleFile(name));
  if (extra.length > 0) return { outcome: null, failure: `the folder holds other files: ${extra.join(', ')}` };
  return outcome ? { outcome, failure: null } : { outcome: null, failure: 'model.json is neither the old nor the new one' };
}
