// `nnc import SRC --out DIR`: a Keras `.keras` / `.h5` or a TensorFlow.js `model.json`
// → DIR/model.nn (printed by the language's printer) and DIR/weights.safetensors (keyed
// `<layer>/<variable>`), with the summary and what was converted or dropped. Everything is
// written into a fresh folder beside DIR and renamed into place last, so an error leaves
// nothing behind.

import { chmodSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ImportResult } from '../../../compiler/import/importModel.js';
import { formatCount, formatSummary, summarize } from '../../../compiler/summary.js';
import { NncError } from '../../diagnostics.js';
import { writeSafetensors } from '../../formats/safetensors.js';
import { sourcePrecisionMetadata } from '../../formats/sourcePrecision.js';
import { UsageError } from '../args.js';
import { type Command, EXIT_OK, type Io } from '../command.js';
import { describeFsError, isDirectory } from '../files.js';
import { importFile } from '../loadModel.js';

/** Prints what the import converted and dropped, then the summary. */
export function reportImport(result: ImportResult, source: string, io: Io): void {
  const { graph, notes, layers, weights } = result;
  const values = [...weights.values()].reduce((n, t) => n + t.data.length, 0);
  io.stdout(`Imported ${source}: ${notes[0] ?? result.format}\n`);
  io.stdout(`  converted ${layers.length} Keras layer${layers.length === 1 ? '' : 's'} into model ${graph.name} (${weights.size} weights, ${formatCount(values)} values)\n`);
  for (const note of notes.slice(1)) io.stdout(`  ${note}\n`);
  io.stdout('\n' + formatSummary(summarize(graph)));
}

export const importCommand: Command = {
  positionals: [{ name: 'SRC', description: 'a .keras or .h5 file, or a model.json with its shards beside it', arity: 'one' }],
  flags: [{ name: 'out', type: 'string', metavar: 'DIR', description: 'the folder to write model.nn and weights.safetensors into (new or empty)' }],
  async run({ positional, flags, io }) {
    const out = flags.out as string | undefined;
    if (!out) throw new UsageError('--out DIR is required');
    if (existsSync(out) && (!isDirectory(out) || readdirSync(out).length > 0)) throw new UsageError(`--out ${out} exists and is not an empty folder; choose a new one`);
    const result = await importFile(positional[0]);
    // The source's precision rides along (src/formats/sourcePrecision.ts): nnc build keeps it from model.nn too.
    const precision = sourcePrecisionMetadata(result.sourceDtypes, result.sourceQuantization);
    const weights = writeSafetensors(result.weights, { dtype: 'F32', metadata: { format: 'pt', source: basename(positional[0]), importedBy: 'nnc import', ...precision } });

    // Written beside DIR, then renamed: DIR appears complete or not at all.
    const target = resolve(out);
    let staging: string;
    try {
      staging = mkdtempSync(join(dirname(target), `.${basename(target)}.nnc-import-`));
    } catch (e) {
      throw new NncError(`cannot write into '${dirname(target)}': ${describeFsError(e)}`);
    }
    try {
      chmodSync(staging, 0o755); // mkdtemp makes it private; DIR is an ordinary folder
      writeFileSync(join(staging, 'model.nn'), result.source);
      writeFileSync(join(staging, 'weights.safetensors'), weights);
      if (existsSync(target)) rmdirSync(target);
      renameSync(staging, target);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw new NncError(`cannot write '${out}': ${describeFsError(e)}`);
    }
    reportImport(result, positional[0], io);
    io.stdout(`\nwrote ${join(out, 'model.nn')} and ${join(out, 'weights.safetensors')}\n`);
    return EXIT_OK;
  },
};
