// What a benchmark section is: a name (to select it on the command line) and a `run`
// that measures and returns a small table (or several). `bench/run.ts` lists the
// sections in order, prints their tables and writes them to RESULTS.md (bench/report.ts).

export interface BenchmarkOptions {
  /** Fewer runs and smaller inputs: a smoke run in seconds, not a measurement. */
  readonly quick: boolean;
  /** `--models A,B`: only these models' cells (sections without models ignore it). */
  readonly models?: readonly string[];
}

export interface BenchmarkTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** How the figures were obtained (runs, medians, machine notes). */
  readonly note?: string;
  /** Markdown printed after the table in RESULTS.md only (method, footnotes). */
  readonly details?: string;
  /** Files written next to RESULTS.md, by name (e.g. a chart: `speedup.svg`). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface BenchmarkSection {
  readonly name: string;
  run(options: BenchmarkOptions): Promise<BenchmarkTable | readonly BenchmarkTable[]>;
}

/** A table with right-aligned columns (figures line up on their last digit). */
export function formatTable(table: BenchmarkTable): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const out = [table.title, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)];
  if (table.note) out.push(`(${table.note})`);
  return out.join('\n') + '\n';
}
