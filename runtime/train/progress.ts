// Training progress for a terminal or a log. On a TTY, a bar per epoch is redrawn in
// place on stderr (at most every 100 ms): steps, running loss and accuracy, samples/s
// and ETA; it is erased when the epoch ends. Either way, one plain line per epoch and
// a final test line go to `out`, so a log or a pipe gets exactly those lines.

import type { BatchReport, EpochRecord, Evaluation, FitCallbacks } from './fit.js';

export interface ProgressOutput {
  /** Result lines: one per epoch, the test line. */
  out(text: string): void;
  /** The redrawn bar. */
  err(text: string): void;
  /** Whether `err` is a terminal. */
  readonly isTTY: boolean;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;
const CLEAR_LINE = '\r\x1b[K';

export function formatMetric(value: number): string {
  return value.toFixed(4);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return minutes < 60 ? `${minutes}m${String(rest).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** The bar line of a step: `epoch 3/10  1200/1719 [====>....]  loss 0.4123  accuracy 0.8543  1320 samples/s  ETA 12s`. */
export function formatBatch(report: BatchReport, epochs: number): string {
  const rate = report.seen / Math.max(report.seconds, 1e-9);
  const eta = (report.samples - report.seen) / rate;
  const width = String(report.steps).length;
  return [
    `epoch ${report.epoch}/${epochs}`,
    `${String(report.step).padStart(width)}/${report.steps} ${bar(report.step, report.steps)}`,
    `loss ${formatMetric(report.loss)}`,
    `accuracy ${formatMetric(report.accuracy)}`,
    `${Math.round(rate)} samples/s`,
    report.step < report.steps ? `ETA ${formatDuration(eta)}` : `${formatDuration(report.seconds)}`,
  ].join('  ');
}

/** `[=========>..........]`: `done` of `total` steps. */
export function bar(done: number, total: number): string {
  const filled = Math.floor((done / total) * BAR_WIDTH);
  if (filled >= BAR_WIDTH) return `[${'='.repeat(BAR_WIDTH)}]`;
  return `[${'='.repeat(filled)}>${'.'.repeat(BAR_WIDTH - filled - 1)}]`;
}

/** The plain line of an epoch: `epoch 1/10  loss 0.5873  accuracy 0.7957  val_loss …  val_accuracy …  41.3s  1335 samples/s`. */
export function formatEpoch(record: EpochRecord, epochs: number): string {
  const parts = [`epoch ${String(record.epoch).padStart(String(epochs).length)}/${epochs}`, `loss ${formatMetric(record.loss)}`, `accuracy ${formatMetric(record.accuracy)}`];
  if (record.val_loss !== undefined) parts.push(`val_loss ${formatMetric(record.val_loss)}`, `val_accuracy ${formatMetric(record.val_accuracy!)}`);
  parts.push(`${record.seconds.toFixed(1)}s`, `${Math.round(record.samples_per_second)} samples/s`);
  return parts.join('  ');
}

/** `test  loss 0.3412  accuracy 0.8790  (10000 examples)`; `label` names a variant. */
export function formatEvaluation(label: string, result: Evaluation): string {
  return `${label}  loss ${formatMetric(result.loss)}  accuracy ${formatMetric(result.accuracy)}  (${result.count} examples)`;
}

/** Fit callbacks that report to `output`. */
export function progressCallbacks(output: ProgressOutput, epochs: number, validating: boolean): FitCallbacks {
  let lastDraw = 0;
  let drawn = false;
  return {
    onBatchEnd(report) {
      if (!output.isTTY) return;
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && report.step < report.steps) return;
      lastDraw = now;
      drawn = true;
      output.err(CLEAR_LINE + formatBatch(report, epochs));
    },
    onTrainEnd(epoch) {
      if (!output.isTTY || !drawn) return;
      output.err(validating ? `${CLEAR_LINE}epoch ${epoch}/${epochs}  validating...` : CLEAR_LINE);
    },
    onEpochEnd(record) {
      if (output.isTTY && drawn) output.err(CLEAR_LINE);
      drawn = false;
      output.out(formatEpoch(record, epochs) + '\n');
    },
  };
}
