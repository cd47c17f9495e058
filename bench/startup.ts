// Start-up (issue 21 point 3): how long `nnc` takes, as a whole process, beside a bare
// Node start (`node -e 0`) measured in the same rounds. Targets: `nnc --help` and
// `nnc check examples/geron.nn` within 3× of bare Node, `nnc summary` within 4×.
//
// What is timed is `node bin/nnc.js ...`, what `npx nnc` runs, on the compiled output
// (the section builds dist/ first, so bin/nnc.js takes it; in a clone it also checks
// that no source is newer than the build, about 2 ms, which an installed package skips).
// Three more processes show what bounds `check`: chevrotain through its package entry
// (about 700 ES modules, lodash-es file by file: what the sources load), chevrotain as
// the one file dist/ imports (scripts/build.js, step 4), and the parser itself (that file
// plus the grammar's self-analysis in the NnParser constructor); no `.nn` file can be
// checked faster than the last.
//
// Rounds visit every process once, rotating which goes first (bench/timing.ts); each
// ratio is the median of the per-round ratios to that round's `node -e 0`.
//
//   npm run bench -- startup            npm run bench -- --quick startup

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchmarkSection, BenchmarkTable } from './section.js';
import { type InterleavedTiming, pairedRatio, timeInterleaved } from './timing.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface Process {
  readonly what: string;
  readonly args: readonly string[];
  readonly target?: number;
}

const PROCESSES: readonly Process[] = [
  { what: 'node -e 0', args: ['-e', '0'] },
  { what: 'nnc --help', args: ['bin/nnc.js', '--help'], target: 3 },
  { what: 'nnc check examples/geron.nn', args: ['bin/nnc.js', 'check', 'examples/geron.nn'], target: 3 },
  { what: 'nnc summary examples/geron.nn', args: ['bin/nnc.js', 'summary', 'examples/geron.nn'], target: 4 },
  { what: "chevrotain's package entry", args: ['--input-type=module', '-e', "import 'chevrotain'"] },
  { what: 'chevrotain, one file (dist/vendor)', args: ['--input-type=module', '-e', "import './dist/vendor/chevrotain.js'"] },
  { what: 'the parser (dist/grammar/parser.js)', args: ['--input-type=module', '-e', "import './dist/grammar/parser.js'"] },
];

/** Runs one process to its end; a failure stops the benchmark (a timing of an error is no timing). */
function runProcess(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`startup: 'node ${args.join(' ')}' exited with ${code}`))));
  });
}

const ms = (t: number) => t.toFixed(0);

export const startupSection: BenchmarkSection = {
  name: 'startup',
  async run({ quick }): Promise<BenchmarkTable> {
    const built = spawnSync(process.execPath, ['scripts/build.js'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('startup: npm run build failed');
    const runs = quick ? 5 : 40;
    const timings: InterleavedTiming[] = await timeInterleaved(
      PROCESSES.map((p) => () => runProcess(p.args)),
      { warmup: quick ? 1 : 3, runs },
    );
    const node = timings[0];
    const rows = PROCESSES.map((p, i) => {
      const t = timings[i];
      const ratio = pairedRatio(t, node);
      const verdict = p.target === undefined ? '' : ratio.median <= p.target ? 'met' : 'missed';
      return [
        p.what,
        ms(t.median),
        `${ms(t.p25)}–${ms(t.p75)}`,
        i === 0 ? '1' : ratio.median.toFixed(2),
        i === 0 ? '' : `${ratio.p25.toFixed(2)}–${ratio.p75.toFixed(2)}`,
        p.target === undefined ? '' : `≤ ${p.target}`,
        verdict,
      ];
    });
    return {
      title: 'Start-up: whole processes, beside a bare Node start',
      columns: ['process', 'median ms', 'p25–p75', '× node -e 0', 'p25–p75', 'target', ''],
      rows,
      note: `${runs} interleaved rounds after ${quick ? 1 : 3} warm-up; ratios are medians of per-round ratios`,
    };
  },
};
