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

/** The median of unsorted values. */
export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

/**
 * Times several runners side by side: after `warmup` rounds, each of `runs` rounds visits
 * every runner once, starting with a different one each round (round r starts at runner
 * r mod n), so a load spike on a shared machine, a GC pause or a cache effect lands on
 * all of them alike. With `rewarm`, a visit runs its runner twice and times the second
 * run: the first brings its weights back into the CPU caches the other runners evicted,
 * as for an application that calls one model repeatedly. Returns one Timing per runner,
 * in the order given.
 */
export async function timeInterleaved(
  runners: readonly (() => Promise<unknown>)[],
  options: { warmup?: number; runs?: number; rewarm?: boolean } = {},
): Promise<InterleavedTiming[]> {
  const warmup = options.warmup ?? 5;
  const runs = options.runs ?? 30;
  const n = runners.length;
  for (let round = 0; round < warmup; round++) for (let i = 0; i < n; i++) await runners[(round + i) % n]();
  const samples = runners.map((): number[] => []);
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < n; i++) {
      const which = (round + i) % n;
      if (options.rewarm) await runners[which]();
      const start = performance.now();
      await runners[which]();
      samples[which].push(performance.now() - start);
    }
  }
  return samples.map(timingOf);
}

/** Median, quartiles and minimum of samples kept in round order. */
export function timingOf(samples: readonly number[]): InterleavedTiming {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p25: quantile(s, 0.25), p75: quantile(s, 0.75), min: s[0], runs: s.length, samples };
}

export interface InterleavedTiming extends Timing {
  /** Every timed run in ms, in round order: samples[r] of two runners come from the same round. */
  readonly samples: readonly number[];
}

/**
 * The ratio of two runners timed side by side, round by round: median (and p25, p75) of
 * top.samples[r] / bottom.samples[r]. Both runs of a round share the machine's load at
 * that moment, so on a busy machine this is steadier than a ratio of two medians.
 */
export function pairedRatio(top: InterleavedTiming, bottom: InterleavedTiming): { median: number; p25: number; p75: number } {
  const ratios = top.samples.map((t, r) => t / bottom.samples[r]).sort((a, b) => a - b);
  return { median: quantile(ratios, 0.5), p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75) };
}
