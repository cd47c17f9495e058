// `npm run bench [-- --quick] [-- --models A,B] [-- SECTION...]`: runs the benchmark sections in order,
// prints their tables and writes them to RESULTS.md (bench/report.ts: bench/RESULTS.md
// for a full run, bench/out/RESULTS.md for a quick or partial one). To add a benchmark,
// write a BenchmarkSection (bench/section.ts) in its own file and append it to SECTIONS.

import os from 'node:os';
import { relative } from 'node:path';
import { compileSection } from './compile.js';
import { firstPredictionSection } from './firstPrediction.js';
import { frontendSection } from './frontend.js';
import { inferenceSection } from './inference.js';
import { PLANNED_MODELS } from './inferencePlan.js';
import { sourceRevision, writeResults } from './report.js';
import { type BenchmarkSection, type BenchmarkTable, formatTable } from './section.js';
import { reliabilitySection } from './reliability.js';
import { startupSection } from './startup.js';
import { trainingSection } from './training.js';
import { webBuildSection } from './webBuild.js';
import { downloadSection } from './download.js';
import { realQuantizationSection } from './realQuantization.js';
import { quantizationSection } from './quantization.js';
import { webglSection } from './webglStudy.js';

export const SECTIONS: readonly BenchmarkSection[] = [inferenceSection, compileSection, frontendSection, trainingSection, reliabilitySection, webBuildSection, downloadSection, quantizationSection, realQuantizationSection, firstPredictionSection, webglSection, startupSection];

/** `--models A,B`: the names, or an error message. */
function modelSelection(argv: readonly string[]): { models?: string[]; error?: string } {
  const at = argv.indexOf('--models');
  if (at < 0) return {};
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('-')) return { error: `--models needs a comma-separated list (models: ${PLANNED_MODELS.join(', ')})` };
  const models = value.split(',');
  const unknown = models.filter((m) => !PLANNED_MODELS.includes(m));
  if (unknown.length > 0) return { error: `unknown model ${unknown.map((n) => `'${n}'`).join(', ')} for --models (models: ${PLANNED_MODELS.join(', ')})` };
  return { models };
}

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const selection = modelSelection(argv);
  if (selection.error) {
    process.stderr.write(`bench: ${selection.error}\n`);
    return 2;
  }
  const models = selection.models;
  const rest = models ? argv.filter((_, i) => i !== argv.indexOf('--models') && i !== argv.indexOf('--models') + 1) : argv;
  const unknownFlag = rest.find((a) => a.startsWith('-') && a !== '--quick');
  if (unknownFlag) {
    process.stderr.write(`bench: unknown option '${unknownFlag}' (options: --quick, --models A,B; sections: ${SECTIONS.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  const wanted = rest.filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown section ${unknown.map((n) => `'${n}'`).join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  const sections = wanted.length === 0 ? SECTIONS : SECTIONS.filter((s) => wanted.includes(s.name));
  process.stdout.write(`nnc benchmarks${quick ? ' (quick)' : ''}: node ${process.version}, ${process.platform}/${process.arch}\n\n`);
  const started = new Date();
  const loadBefore = os.loadavg();
  const source = sourceRevision();
  const results: { name: string; tables: readonly BenchmarkTable[] }[] = [];
  for (const section of sections) {
    const result = await section.run({ quick, models });
    const tables: readonly BenchmarkTable[] = Array.isArray(result) ? result : [result as BenchmarkTable];
    for (const table of tables) process.stdout.write(formatTable(table) + '\n');
    results.push({ name: section.name, tables });
  }
  const written = writeResults({
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    quick,
    complete: sections.length === SECTIONS.length && !models,
    started,
    seconds: (Date.now() - started.getTime()) / 1000,
    loadBefore,
    loadAfter: os.loadavg(),
    source,
    sections: results,
  });
  process.stdout.write(`written: ${written.map((p) => relative(process.cwd(), p)).join(', ')}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
