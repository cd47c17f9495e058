// batchnorm-to-affine — inference builds only.
//
// A BatchNormalization no neighbour could absorb becomes one per-channel multiply-add:
//   y = γ·(x − μ)/√(σ² + ε) + β = x·s + t,  s = γ/√(σ² + ε),  t = β − μ·s
// an Affine op with weights `scale` = s and `offset` = t over the same axes: two
// elementwise kernels instead of the BN's six, and no square root at run time.

import { weightKey } from '../../src/ir/tensors.js';
import { batchNormAffine, deleteBatchNormWeights } from './batchNormAlgebra.js';
import type { Pass } from './pass.js';
import { rewriteBatchNorms } from './rewrite.js';

export const batchNormToAffine: Pass = {
  name: 'batchnorm-to-affine',
  summary: 'turns every remaining BatchNormalization into a per-channel multiply-add (x·s + t)',
  modes: ['inference'],
  run(state) {
    return rewriteBatchNorms(this, state, ({ bn, editor, weights: out, done }) => {
      editor.update(bn.id, 'Affine', { axis: bn.attrs.axis, scale: true });
      if (out) {
        const { scale, shift } = batchNormAffine(out, bn);
        const shape = out.get(weightKey(bn.name, 'moving_mean'))!.shape;
        deleteBatchNormWeights(out, bn.name);
        out.set(weightKey(bn.name, 'scale'), { shape, data: scale });
        out.set(weightKey(bn.name, 'offset'), { shape, data: shift });
      }
      done('converted', bn.name, 'became a per-channel multiply-add (Affine: x·s + t)');
    });
  },
};
