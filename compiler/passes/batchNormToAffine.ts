// batchnorm-to-affine — inference builds only.
//
// A BatchNormalization no neighbour could absorb becomes one per-channel multiply-add:
//   y = γ·(x − μ)/√(σ² + ε) + β = x·s + t,  s = γ/√(σ² + ε),  t = β − μ·s
// an Affine op with weights `scale` = s and `offset` = t over the same axes: two
// elementwise kernels instead of the BN's six, and no square root at run time.

import { GraphEditor } from '../../src/ir/rewrite.js';
import { weightKey } from '../../src/ir/types.js';
import { type Pass, type PassNote, batchNormAffine, copyWeights, deleteBatchNormWeights } from './pass.js';

export const batchNormToAffine: Pass = {
  name: 'batchnorm-to-affine',
  summary: 'turns every remaining BatchNormalization into a per-channel multiply-add (x·s + t)',
  modes: ['inference'],
  run({ graph, weights }) {
    const editor = new GraphEditor(graph);
    const out = weights ? copyWeights(weights) : null;
    const notes: PassNote[] = [];
    for (const bn of graph.nodes) {
      if (bn.kind !== 'BatchNormalization') continue;
      editor.update(bn.id, 'Affine', { axis: bn.attrs.axis });
      if (out) {
        const { scale, shift } = batchNormAffine(out, bn);
        const shape = out.get(weightKey(bn.name, 'moving_mean'))!.shape;
        deleteBatchNormWeights(out, bn.name);
        out.set(weightKey(bn.name, 'scale'), { shape, data: scale });
        out.set(weightKey(bn.name, 'offset'), { shape, data: shift });
      }
      notes.push({ pass: this.name, layer: bn.name, kind: bn.kind, action: 'converted', into: bn.name, detail: 'became a per-channel multiply-add (Affine: x·s + t)' });
    }
    return { graph: editor.build(), weights: out, notes };
  },
};
