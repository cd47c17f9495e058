// fold-batchnorm-into-following — inference builds only.
//
//   BatchNormalization → Dense/Conv2D/DepthwiseConv2D (W, b)
//
// The BN is y = x·s + t per input channel (s = γ/√(σ² + ε), t = β − μ·s). The next
// layer is linear in its input, so
//   Dense:            (x·s + t)·W + b = x·(diag(s)·W) + (b + Wᵀ·t)
//                     ⇒ W'[i, j] = s_i·W[i, j],  b'_j = b_j + Σ_i W[i, j]·t_i
//   Conv1D:           W'[k, c, o] = s_c·W[k, c, o],  b'_o = b_o + Σ_{k,c} W[k, c, o]·t_c
//   Conv2D:           W'[h, w, c, o] = s_c·W[h, w, c, o],  b'_o = b_o + Σ_{h,w,c} W[h, w, c, o]·t_c
//   DepthwiseConv2D:  W'[h, w, c, k] = s_c·W[h, w, c, k],  b'_{c·m+k} = b + Σ_{h,w} W[h, w, c, k]·t_c
// This is how a BN placed after an activation (Géron's models) or right after Flatten
// disappears. The layer's own activation is applied after, so it does not matter.
//
// Preconditions: the layer is the BN's only consumer and the BN's value is not a model
// output; the BN normalizes exactly the axis the layer contracts (the last one); and for
// convolutions, padding=valid — with padding=same (or Conv1D's causal) the zeros padded
// around (before) the input would not go through the BN, so border (first) outputs would
// change: never folded. Nor into a grouped Conv1D (its kernel [k, in / g, f] holds
// input channel j·in/g + r in row r of group j's filters only; not one factor per row).
// A BN whose value goes into a Flatten or Reshape is fold-batchnorm-across-reshape's to
// decide.

import { article } from './article.js';
import { absorbBatchNorm } from './batchNormAlgebra.js';
import { isLinearLayer } from '../../src/ir/ops.js';
import { outputChannels } from './linearLayers.js';
import type { Pass } from './pass.js';
import { rewriteBatchNorms, soleConsumer } from './rewrite.js';

export const foldBatchNormIntoFollowing: Pass = {
  name: 'fold-batchnorm-into-following',
  summary: "folds a BatchNormalization into the Dense/valid-padded conv after it (W' = diag(s)·W, b' = b + Wᵀ·t)",
  modes: ['inference'],
  run(state) {
    return rewriteBatchNorms(this, state, (v) => {
      const { bn, graph, editor, kept } = v;
      const consumer = soleConsumer(editor, bn.id);
      if ('reason' in consumer) return kept(`not into the layer after: ${consumer.reason}`);
      const layer = consumer.node;
      if (layer.kind === 'Flatten' || layer.kind === 'Reshape') return;
      if (!isLinearLayer(layer)) return kept(`not into the layer after: '${layer.name}' is ${article(layer.kind)}, not a Dense or convolution`);
      const lastAxis = bn.shape.length - 1;
      if (bn.attrs.axis.length !== 1 || bn.attrs.axis[0] !== lastAxis) {
        return kept(`not into '${layer.name}': the BN normalizes axis [${bn.attrs.axis.join(', ')}], but '${layer.name}' contracts axis ${lastAxis}`);
      }
      if (layer.kind !== 'Dense' && layer.attrs.padding === 'same') {
        return kept(`not into '${layer.name}': it pads its input with zeros (padding=same), and those zeros would not be normalized — folding would change the border outputs`);
      }
      if (layer.kind === 'Conv1D' && layer.attrs.padding === 'causal') {
        return kept(`not into '${layer.name}': it pads its input with zeros before the first step (padding=causal), and those zeros would not be normalized — folding would change the first outputs`);
      }
      if (layer.kind === 'Conv1D' && layer.attrs.groups > 1) {
        return kept(`not into '${layer.name}': it is a grouped convolution (groups=${layer.attrs.groups}), whose kernel rows do not line up with the BN's channels`);
      }
      // Innermost kernel dimension: output channels (Dense, Conv1D, Conv2D) or the depth
      // multiplier (depthwise, whose input channel c feeds outputs c·m … c·m + m − 1).
      const depthwise = layer.kind === 'DepthwiseConv2D';
      const inner = depthwise ? layer.attrs.depth_multiplier : outputChannels(layer);
      absorbBatchNorm(v, layer, ({ scale, shift }) => ({
        factor: { values: scale, stride: inner },
        // b' = b + Wᵀ·t, with W before this fold.
        updateBias: ({ bias, kernel }) => {
          const w = kernel();
          const added = new Float64Array(bias.length);
          for (let i = 0; i < w.length; ) {
            for (let c = 0; c < scale.length; c++) {
              const t = shift[c];
              const first = depthwise ? c * inner : 0;
              for (let k = 0; k < inner; k++, i++) added[first + k] += w[i] * t;
            }
          }
          for (let o = 0; o < bias.length; o++) bias[o] += added[o];
        },
      }));
      v.done('folded', layer.name, `folded into the weights of '${layer.name}' after it (W' = diag(s)·W, b' = b + Wᵀ·t)`);
    });
  },
};
