// fold-batchnorm-across-reshape — inference builds only.
//
//   BatchNormalization(axes A) → Flatten/Reshape → … → Dense (W, b)
//
// In inference the BN is y[p] = x[p]·s[c(p)] + t[c(p)] for each feature position p of
// its input (p counted row-major over the feature axes), where c(p) is p's index on the
// normalized axes A (row-major over A alone). Flatten and Reshape only renumber
// positions: the value at flat position p stays at flat position p. The Dense contracts
// the last axis of what reaches it, of size n, so its input element (r, i) is flat
// position p = r·n + i. When c(r·n + i) = c(i) for every row r (always when the Dense's
// input is [batch, n]), the BN is a scale and shift of the Dense's input rows:
//   (x·s_c + t_c)·W + b = x·(diag(s_c)·W) + (b + Wᵀ·t_c),   s_c[i] = s[c(i)], t_c[i] = t[c(i)]
//   ⇒ W'[i, j] = s[c(i)]·W[i, j],   b'_j = b_j + Σ_i W[i, j]·t[c(i)]
// The Flatten/Reshape chain stays (it is free); the BN goes. The usual cases:
//   BN(axis=[1, 2]) on [H, W] → Flatten → Dense:        c(i) = i
//   BN per channel on [H, W, C] → Flatten → Dense:      c(i) = i mod C   (a CNN head)
//
// Preconditions: the BN and every Flatten/Reshape on the way have one consumer and are
// not model outputs; the chain ends at a Dense; and the mapping is exact
// (c(r·n + i) = c(i) for every r, i). Otherwise the BN stays, with the reason.

import { absorbBatchNorm } from './batchNormAlgebra.js';
import { article } from './article.js';
import type { Node } from '../../src/ir/types.js';
import type { Pass } from './pass.js';
import { type BatchNormVisit, rewriteBatchNorms, soleConsumer } from './rewrite.js';

const isReshape = (node: Node) => node.kind === 'Flatten' || node.kind === 'Reshape';

/**
 * c(p) for every feature position p of a value shaped `shape` (batch first): the
 * position's row-major index over the normalized `axes` alone.
 */
export function channelOfPosition(shape: readonly (number | null)[], axes: readonly number[]): Int32Array {
  const dims = shape.slice(1) as number[];
  const size = dims.reduce((a, b) => a * b, 1);
  const channel = new Int32Array(size);
  // Each feature axis contributes (index on it) · (its stride among the normalized axes), or 0.
  const stride = new Array<number>(dims.length).fill(0);
  let step = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    if (!axes.includes(k + 1)) continue;
    stride[k] = step;
    step *= dims[k];
  }
  const index = new Array<number>(dims.length).fill(0);
  for (let p = 0, c = 0; p < size; p++) {
    channel[p] = c;
    // Advance the row-major index, adjusting c by the strides of the axes that move.
    for (let k = dims.length - 1; k >= 0; k--) {
      index[k]++;
      c += stride[k];
      if (index[k] < dims[k]) break;
      c -= stride[k] * dims[k];
      index[k] = 0;
    }
  }
  return channel;
}

/** Where a BN's value goes through Flatten/Reshape layers only: the chain and the layer it reaches, or why it cannot be followed. */
function followReshapes(v: BatchNormVisit): { chain: Node[]; end: Node } | { reason: string } {
  const chain: Node[] = [];
  let id = v.bn.id;
  for (;;) {
    const next = soleConsumer(v.editor, id);
    if ('reason' in next) return { reason: next.reason };
    if (!isReshape(next.node)) return { chain, end: next.node };
    chain.push(next.node);
    id = next.node.id;
  }
}

export const foldBatchNormAcrossReshape: Pass = {
  name: 'fold-batchnorm-across-reshape',
  summary: "folds a BatchNormalization across Flatten/Reshape into the Dense after them when each Dense input row meets one BN channel (W'[i] = s[c(i)]·W[i], b' = b + Wᵀ·t[c])",
  modes: ['inference'],
  run(state) {
    return rewriteBatchNorms(this, state, (v) => {
      const { bn, editor, kept } = v;
      const first = soleConsumer(editor, bn.id);
      // BNs whose value goes anywhere but into a Flatten/Reshape are fold-batchnorm-into-following's.
      if ('reason' in first || !isReshape(first.node)) return;
      const path = followReshapes(v);
      const via = `'${first.node.name}'`;
      if ('reason' in path) return kept(`not across ${via}: ${path.reason}`);
      const { chain, end } = path;
      const names = chain.map((n) => `'${n.name}'`).join(' → ');
      if (end.kind !== 'Dense') return kept(`not across ${names}: '${end.name}' after it is ${article(end.kind)}, not a Dense`);
      const last = chain[chain.length - 1];
      const n = last.shape[last.shape.length - 1] as number;
      const channelOf = channelOfPosition(bn.shape, bn.attrs.axis);
      for (let p = n; p < channelOf.length; p++) {
        if (channelOf[p] !== channelOf[p % n]) {
          const [r, i] = [Math.floor(p / n), p % n];
          return kept(
            `not across ${names} into '${end.name}': its input ${i} meets BN channel ${channelOf[i]} in row 0 but channel ${channelOf[p]} in row ${r}, so no single factor per input fits`,
          );
        }
      }
      const units = end.attrs.units;
      absorbBatchNorm(v, end, ({ scale, shift }) => {
        const rowScale = new Float64Array(n);
        for (let i = 0; i < n; i++) rowScale[i] = scale[channelOf[i]];
        return {
          factor: { values: rowScale, stride: units },
          // b'_j = b_j + Σ_i W[i, j]·t[c(i)], with W before this fold.
          updateBias: ({ bias, kernel }) => {
            const w = kernel();
            for (let i = 0; i < n; i++) {
              const t = shift[channelOf[i]];
              for (let j = 0; j < units; j++) bias[j] += w[i * units + j] * t;
            }
          },
        };
      });
      v.done('folded', end.name, `folded across ${names} into the weights of '${end.name}' (W'[i] = s[c(i)]·W[i], b' = b + Wᵀ·t[c]: input i meets BN channel c(i))`);
    });
  },
};
