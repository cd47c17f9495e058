// The fusion report of a build: what happened to each BatchNormalization and why,
// the other rewrites, and ops and parameters before and after.

import { formatCount, summarize } from '../summary.js';
import { opCount } from '../../src/ir/graph.js';
import type { Graph } from '../../src/ir/types.js';
import type { OptimizeResult } from './pipeline.js';
import type { PassNote } from './pass.js';

export interface BatchNormOutcome {
  readonly layer: string;
  /** `folded` into a neighbour, `converted` to an Affine, or `kept` as a BatchNormalization (training builds). */
  readonly outcome: 'folded' | 'converted' | 'kept';
  /** For `converted`: what is left at run time, a multiply-add (x·s + t) or only an add (x + t/s, its factor moved through a ReLU into the layers after it). */
  readonly left?: 'multiply-add' | 'add';
  readonly into: string | null;
  readonly detail: string;
  /** Why other options were not taken. */
  readonly reasons: readonly string[];
}

export interface FusionReport {
  readonly model: string;
  readonly mode: 'inference' | 'training';
  readonly batchNorms: readonly BatchNormOutcome[];
  /** Other rewrites: removed identities, fused activations, folded biases and rescalings. */
  readonly changes: readonly PassNote[];
  readonly before: { readonly ops: number; readonly params: number };
  readonly after: { readonly ops: number; readonly params: number };
}

function size(graph: Graph) {
  return { ops: opCount(graph), params: summarize(graph).totalParams };
}

export function fusionReport(original: Graph, result: OptimizeResult): FusionReport {
  const notes = result.steps.flatMap((s) => s.notes);
  const batchNorms: BatchNormOutcome[] = [];
  for (const node of original.nodes) {
    if (node.kind !== 'BatchNormalization') continue;
    const mine = notes.filter((n) => n.layer === node.name && n.kind === 'BatchNormalization');
    // (A bias folded into this BN is a note about the Dense/Conv, not about the BN.)
    const final = mine.find((n) => n.action === 'folded') ?? mine.find((n) => n.action === 'converted');
    const reasons = [...new Set(mine.filter((n) => n.action === 'kept').map((n) => n.detail))];
    batchNorms.push(
      final
        ? final.action === 'folded'
          ? { layer: node.name, outcome: 'folded', into: final.into ?? null, detail: final.detail, reasons }
          : { layer: node.name, outcome: 'converted', left: final.pass === 'move-batchnorm-scale-through-relu' ? 'add' : 'multiply-add', into: final.into ?? null, detail: final.detail, reasons }
        : { layer: node.name, outcome: 'kept', into: null, detail: result.mode === 'training' ? 'kept: a training build normalizes with batch statistics, which weights cannot hold' : 'kept', reasons },
    );
  }
  const seen = new Set<string>();
  const changes = notes.filter((n) => {
    if (n.kind === 'BatchNormalization' || n.action === 'kept') return false;
    const key = `${n.pass}:${n.layer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { model: original.name, mode: result.mode, batchNorms, changes, before: size(original), after: size(result.graph) };
}

/** `121 BatchNormalizations: 59 folded, 62 reduced to a per-channel add (...)`: folded always, the other outcomes when some BN has them. */
function batchNormTotals(batchNorms: readonly BatchNormOutcome[]): string {
  const n = batchNorms.length;
  const count = (f: (b: BatchNormOutcome) => boolean) => batchNorms.filter(f).length;
  const parts = [`${formatCount(count((b) => b.outcome === 'folded'))} folded`];
  const others: [number, string][] = [
    [count((b) => b.left === 'add'), 'reduced to a per-channel add (its factor moved through a ReLU)'],
    [count((b) => b.left === 'multiply-add'), 'left as a per-channel multiply-add'],
    [count((b) => b.outcome === 'kept'), 'kept'],
  ];
  for (const [k, what] of others) if (k > 0) parts.push(`${formatCount(k)} ${what}`);
  return `${formatCount(n)} BatchNormalization${n === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export function formatFusionReport(report: FusionReport): string {
  const lines = [`Fusion report: model ${report.model} (${report.mode} build)`];
  const width = Math.max(10, ...report.batchNorms.map((b) => b.layer.length), ...report.changes.map((c) => c.layer.length)) + 2;
  if (report.batchNorms.length === 0) lines.push('  no BatchNormalization layers');
  else lines.push(`  ${batchNormTotals(report.batchNorms)}:`);
  for (const bn of report.batchNorms) {
    lines.push(`    ${bn.layer.padEnd(width)}${bn.detail}`);
    for (const reason of bn.reasons) lines.push(`    ${''.padEnd(width)}  · ${reason}`);
  }
  if (report.changes.length > 0) {
    lines.push('  other rewrites:');
    for (const c of report.changes) lines.push(`    ${c.layer.padEnd(width)}${c.action === 'removed' ? 'removed: ' : ''}${c.detail}`);
  }
  lines.push(`  before: ${formatCount(report.before.ops)} ops, ${formatCount(report.before.params)} parameters`);
  lines.push(`  after:  ${formatCount(report.after.ops)} ops, ${formatCount(report.after.params)} parameters`);
  return lines.join('\n') + '\n';
}
