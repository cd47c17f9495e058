// `npm run bench [-- --quick] [-- SECTION...]`: runs the benchmark sections in order and
// prints one table each. To add a benchmark, write a BenchmarkSection (bench/section.ts)
// in its own file and append it to SECTIONS.

import { frontendSection } from './frontend.js';
import { type BenchmarkSection, formatTable } from './section.js';
import { trainingSection } from './training.js';

export const SECTIONS: readonly BenchmarkSection[] = [frontendSection, trainingSection];

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const unknownFlag = argv.find((a) => a.startsWith('-') && a !== '--quick');
  if (unknownFlag) {
    process.stderr.write(`bench: unknown option '${unknownFlag}' (options: --quick; sections: ${SECTIONS.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  const wanted = argv.filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown section ${unknown.map((n) => `'${n}'`).join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  const sections = wanted.length === 0 ? SECTIONS : SECTIONS.filter((s) => wanted.includes(s.name));
  process.stdout.write(`nnc benchmarks${quick ? ' (quick)' : ''}: node ${process.version}, ${process.platform}/${process.arch}\n\n`);
  for (const section of sections) {
    process.stdout.write(formatTable(await section.run({ quick })) + '\n');
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
