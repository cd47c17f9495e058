// Front-end speed: `check` (parse, lower, infer shapes) then `summarize`, on deep models
// of 100, 1,000 and 10,000 layers (issue 2 point 10: 10,000 layers well under a second).
//
//   model Deep { input x: [64]
//     repeat N { Dense(64, use_bias=false) -> BatchNormalization -> ReLU } }
//
// has 1 input + 3N layers. Each size is run once to warm up, then timed several times;
// the median is reported. Run with `npm run bench` (or `npm run bench -- --quick`).

import { check } from '../compiler/check.js';
import { formatCount, summarize } from '../compiler/summary.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';
import { median } from './timing.js';

export interface FrontendFigure {
  /** Layers including the input: 1 + 3 × repeats. */
  readonly layers: number;
  readonly totalParams: number;
  readonly runs: number;
  /** Medians, in milliseconds. */
  readonly checkMs: number;
  readonly summarizeMs: number;
  readonly totalMs: number;
}

export interface FrontendOptions {
  /** Repeat counts to time; default 33, 333, 3333 (100, 1,000 and 10,000 layers). */
  readonly repeats?: readonly number[];
  /** Timed runs per size (after one warm-up); default 7. */
  readonly runs?: number;
}

/** The Deep model of the issue with `repeats` blocks of Dense → BatchNormalization → ReLU. */
export function deepModel(repeats: number): string {
  return `model Deep {\n  input x: [64]\n  repeat ${repeats} { Dense(64, use_bias=false) -> BatchNormalization -> ReLU }\n}\n`;
}

/** Times check + summarize of each size; throws if the model does not check clean. */
export async function benchFrontend(options: FrontendOptions = {}): Promise<FrontendFigure[]> {
  const repeats = options.repeats ?? [33, 333, 3333];
  const runs = Math.max(1, options.runs ?? 7);
  const figures: FrontendFigure[] = [];
  for (const count of repeats) {
    const text = deepModel(count);
    const checkTimes: number[] = [];
    const summarizeTimes: number[] = [];
    let totalParams = 0;
    let layers = 0;
    for (let run = 0; run <= runs; run++) {
      const started = performance.now();
      const result = check(text, 'deep.nn');
      const checked = performance.now();
      const graph = result.models.get('Deep');
      if (!graph || result.diagnostics.length > 0) throw new Error(`the ${count}-repeat Deep model did not check clean`);
      const summary = summarize(graph);
      const summarized = performance.now();
      totalParams = summary.totalParams;
      layers = graph.nodes.length;
      if (run === 0) continue; // warm-up: JIT compilation, not the front end
      checkTimes.push(checked - started);
      summarizeTimes.push(summarized - checked);
      // Let the event loop breathe between runs (and the GC run outside the timed span).
      await new Promise((resolve) => setImmediate(resolve));
    }
    figures.push({
      layers,
      totalParams,
      runs,
      checkMs: median(checkTimes),
      summarizeMs: median(summarizeTimes),
      totalMs: median(checkTimes.map((c, i) => c + summarizeTimes[i])),
    });
  }
  return figures;
}

export const frontendSection: BenchmarkSection = {
  name: 'frontend',
  async run({ quick }): Promise<BenchmarkTable> {
    const figures = await benchFrontend({ runs: quick ? 3 : 11 });
    return {
      title: 'Front end: check + summarize of the Deep model (Dense → BN → ReLU, repeated)',
      columns: ['layers', 'params', 'check ms', 'summarize ms', 'total ms'],
      rows: figures.map((f) => [formatCount(f.layers), formatCount(f.totalParams), f.checkMs.toFixed(1), f.summarizeMs.toFixed(1), f.totalMs.toFixed(1)]),
      note: `median of ${figures[0]?.runs ?? 0} runs after one warm-up`,
    };
  },
};
