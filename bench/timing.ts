// Timing helpers shared by the benchmarks and `npm start`: warm up, then time repeated
// runs and report the median and spread. Each run reads its result back (awaits the
// data), so asynchronous backends are timed to completion.

export interface Timing {
  readonly median: number;
  /** 25th and 75th percentiles, in ms. */
  readonly p25: number;
  readonly p75: number;
  readonly min: number;
  readonly runs: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export async function time(run: () => Promise<unknown>, options: { warmup?: number; runs?: number } = {}): Promise<Timing> {
  const warmup = options.warmup ?? 5;
  const runs = options.runs ?? 30;
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: quantile(samples, 0.5), p25: quantile(samples, 0.25), p75: quantile(samples, 0.75), min: samples[0], runs };
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}
