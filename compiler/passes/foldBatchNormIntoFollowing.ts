// fold-batchnorm-into-following — inference builds only.
//
//   BatchNormalization → Dense/Conv2D/DepthwiseConv2D/SeparableConv2D/Conv2DTranspose (W, b)
//
// The BN is y = x·s + t per input channel (s = γ/√(σ² + ε), t = β − μ·s). The next
// layer is linear in its input, so
//   Dense:            (x·s + t)·W + b = x·(diag(s)·W) + (b + Wᵀ·t)
//                     ⇒ W'[i, j] = s_i·W[i, j],  b'_j = b_j + Σ_i W[i, j]·t_i
//   Conv1D:           W'[k, c, o] = s_c·W[k, c, o],  b'_o = b_o + Σ_{k,c} W[k, c, o]·t_c
//   Conv2D:           W'[h, w, c, o] = s_c·W[h, w, c, o],  b'_o = b_o + Σ_{h,w,c} W[h, w, c, o]·t_c
//   DepthwiseConv2D:  W'[h, w, c, k] = s_c·W[h, w, c, k],  b'_{c·m+k} = b + Σ_{h,w} W[h, w, c, k]·t_c
//   Conv2D, groups g (I = in/g inputs and F = filters/g outputs per group; output o is
//   in group ⌊o/F⌋, reading input channels ⌊o/F⌋·I + i):
//                     W'[h, w, i, o] = s_{⌊o/F⌋·I+i}·W[h, w, i, o],
//                     b'_o = b_o + Σ_{h,w,i} W[h, w, i, o]·t_{⌊o/F⌋·I+i}
//   SeparableConv2D (depthwise D [kh, kw, in, m], then pointwise P [1, 1, in·m, out]):
//                     the BN folds into D, whose output c·m + k reads only input c:
//                     D'[h, w, c, k] = s_c·D[h, w, c, k],
//                     b'_o = b_o + Σ_{c,k} P[c·m + k, o]·(Σ_{h,w} D[h, w, c, k])·t_c
//   Conv2DTranspose (W [kh, kw, out, in]): W'[h, w, o, c] = s_c·W[h, w, o, c]; the shift
//                     t spreads through the kernel to a bias only when every output
//                     pixel receives every tap exactly once: kernel 1×1 and strides 1,
//                     b'_o = b_o + Σ_c W[0, 0, o, c]·t_c. Otherwise (a 3×3 or a strided
//                     transposed conv: border and in-between pixels receive fewer
//                     taps) the BN is kept: the fold would be exact only when t = 0,
//                     and the passes decide from the graph alone (they also run on a
//                     graph without weights: `nnc summary --optimize`).
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
import { weightKey } from '../../src/ir/tensors.js';
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
      if (layer.kind === 'Conv2DTranspose') {
        const [kh, kw] = layer.attrs.kernel_size;
        const [sh, sw] = layer.attrs.strides;
        if (kh !== 1 || kw !== 1 || sh !== 1 || sw !== 1) {
          return kept(`not into '${layer.name}': a transposed convolution with kernel_size [${kh}, ${kw}] and strides [${sh}, ${sw}] gives its border and in-between pixels fewer kernel taps, so the BN's shift β − μ·s would not be one bias per channel — only a 1×1, stride-1 Conv2DTranspose folds`);
        }
        absorbBatchNorm(v, layer, ({ scale, shift }) => ({
          // W [kh, kw, out, in]: the input channel is innermost.
          factor: { values: scale, stride: 1 },
          // b'_o = b_o + Σ_{h,w,c} W[h, w, o, c]·t_c (a 1×1 kernel).
          updateBias: ({ bias, kernel }) => {
            const w = kernel();
            const inputs = scale.length;
            for (let i = 0; i < w.length; i++) bias[Math.floor(i / inputs) % bias.length] += w[i] * shift[i % inputs];
          },
        }));
        return v.done('folded', layer.name, `folded into the weights of '${layer.name}' after it (W'[h, w, o, c] = s_c·W[h, w, o, c], b' = b + Σ W·t)`);
      }
      if (layer.kind === 'SeparableConv2D') {
        const m = layer.attrs.depth_multiplier;
        const pointwiseKey = weightKey(layer.name, 'pointwise_kernel');
        absorbBatchNorm(v, layer, ({ scale, shift }) => ({
          kernel: 'depthwise_kernel',
          factor: { values: scale, stride: m },
          // b'_o = b_o + Σ_{c,k} P[c·m + k, o]·(Σ_{h,w} D[h, w, c, k])·t_c, with D and P before this fold.
          updateBias: ({ bias, kernel }) => {
            const depthwise = kernel();
            const channels = scale.length * m;
            const spread = new Float64Array(channels);
            for (let i = 0; i < depthwise.length; i++) spread[i % channels] += depthwise[i];
            const pointwise = v.weights!.get(pointwiseKey)!.data;
            for (let j = 0; j < channels; j++) {
              const through = spread[j] * shift[Math.floor(j / m)];
              for (let o = 0; o < bias.length; o++) bias[o] += pointwise[j * bias.length + o] * through;
            }
          },
        }));
        return v.done('folded', layer.name, `folded into the depthwise kernel of '${layer.name}' after it (D' = diag(s)·D, b' = b + Pᵀ·(Σ D)·t)`);
      }
      // Innermost kernel dimension: output channels (Dense, Conv1D, Conv2D) or the depth
      // multiplier (depthwise, whose input channel c feeds outputs c·m … c·m + m − 1).
      const depthwise = layer.kind === 'DepthwiseConv2D';
      const groups = layer.kind === 'Conv2D' ? layer.attrs.groups : 1;
      const inner = depthwise ? layer.attrs.depth_multiplier : outputChannels(layer);
      absorbBatchNorm(v, layer, ({ scale, shift }) => {
        if (groups > 1) {
          // One [in/g, filters] block per kernel position, repeated: factor[i·filters + o] = s of the input channel (i, o) reads.
          const perGroupIn = scale.length / groups;
          const perGroupOut = inner / groups;
          const input = (i: number, o: number) => Math.floor(o / perGroupOut) * perGroupIn + i;
          const values = new Float64Array(perGroupIn * inner);
          for (let i = 0; i < perGroupIn; i++) for (let o = 0; o < inner; o++) values[i * inner + o] = scale[input(i, o)];
          return {
            factor: { values, stride: 1 },
            updateBias: ({ bias, kernel }) => {
              const w = kernel();
              for (let e = 0; e < w.length; e++) {
                const o = e % inner;
                bias[o] += w[e] * shift[input(Math.floor(e / inner) % perGroupIn, o)];
              }
            },
          };
        }
        return {
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
        };
      });
      v.done('folded', layer.name, `folded into the weights of '${layer.name}' after it (W' = diag(s)·W, b' = b + Wᵀ·t)`);
    });
  },
};
