// fold-batchnorm-into-following — inference builds only.
//
//   BatchNormalization → Dense/Conv2D/DepthwiseConv2D (W, b)
//
// The BN is y = x·s + t per input channel (s = γ/√(σ² + ε), t = β − μ·s). The next
// layer is linear in its input, so
//   Dense:            (x·s + t)·W + b = x·(diag(s)·W) + (b + Wᵀ·t)
//                     ⇒ W'[i, j] = s_i·W[i, j],  b'_j = b_j + Σ_i W[i, j]·t_i
//   Conv2D:           W'[h, w, c, o] = s_c·W[h, w, c, o],  b'_o = b_o + Σ_{h,w,c} W[h, w, c, o]·t_c
//   DepthwiseConv2D:  W'[h, w, c, k] = s_c·W[h, w, c, k],  b'_{c·m+k} = b + Σ_{h,w} W[h, w, c, k]·t_c
// This is how a BN placed after an activation (Géron's models) or right after Flatten
// disappears. The layer's own activation is applied after, so it does not matter.
//
// Preconditions: the layer is the BN's only consumer and the BN's value is not a model
// output; the BN normalizes exactly the axis the layer contracts (the last one); and for
// convolutions, padding=valid — with padding=same the zeros padded around the input
// would not go through the BN, so border outputs would change: never folded.

import { GraphEditor } from '../../src/ir/rewrite.js';
import { weightKey } from '../../src/ir/types.js';
import { type Pass, type PassNote, article, batchNormAffine, copyWeights, isLinearLayer, kernelName, outputChannels, soleConsumer, weight64, deleteBatchNormWeights } from './pass.js';

export const foldBatchNormIntoFollowing: Pass = {
  name: 'fold-batchnorm-into-following',
  summary: "folds a BatchNormalization into the Dense/valid-padded conv after it (W' = diag(s)·W, b' = b + Wᵀ·t)",
  modes: ['inference'],
  run({ graph, weights }) {
    const editor = new GraphEditor(graph);
    const out = weights ? copyWeights(weights) : null;
    const notes: PassNote[] = [];
    for (const bn of graph.nodes) {
      if (bn.kind !== 'BatchNormalization') continue;
      const kept = (detail: string) => notes.push({ pass: this.name, layer: bn.name, kind: bn.kind, action: 'kept', detail });
      const consumer = soleConsumer(graph, (id) => editor.consumersOf(id), bn.id);
      if ('reason' in consumer) {
        kept(`not into the layer after: ${consumer.reason}`);
        continue;
      }
      const layer = consumer.node;
      if (!isLinearLayer(layer)) {
        kept(`not into the layer after: '${layer.name}' is ${article(layer.kind)}, not a Dense or convolution`);
        continue;
      }
      const lastAxis = bn.shape.length - 1;
      if (bn.attrs.axis.length !== 1 || bn.attrs.axis[0] !== lastAxis) {
        kept(`not into '${layer.name}': the BN normalizes axis [${bn.attrs.axis.join(', ')}], but '${layer.name}' contracts axis ${lastAxis}`);
        continue;
      }
      if (layer.kind !== 'Dense' && layer.attrs.padding === 'same') {
        kept(`not into '${layer.name}': it pads its input with zeros (padding=same), and those zeros would not be normalized — folding would change the border outputs`);
        continue;
      }
      editor.update(layer.id, layer.kind, { ...layer.attrs, use_bias: true } as never);
      editor.bypass(bn.id);
      if (out) {
        const { scale, shift } = batchNormAffine(out, bn);
        const kernel = kernelName(layer);
        const w = weight64(out, layer.name, kernel);
        const inChannels = scale.length;
        const outChannelCount = outputChannels(layer);
        // Innermost kernel dimension: output channels (Dense, Conv2D) or the depth multiplier (depthwise).
        const inner = layer.kind === 'DepthwiseConv2D' ? layer.attrs.depth_multiplier : outChannelCount;
        const b = layer.attrs.use_bias ? weight64(out, layer.name, 'bias') : new Float64Array(outChannelCount);
        const added = new Float64Array(outChannelCount);
        for (let i = 0; i < w.length; i++) {
          const c = Math.floor(i / inner) % inChannels;
          added[i % outChannelCount] += w[i] * shift[c];
          w[i] *= scale[c];
        }
        for (let o = 0; o < outChannelCount; o++) b[o] += added[o];
        out.set(weightKey(layer.name, kernel), { shape: out.get(weightKey(layer.name, kernel))!.shape, data: w });
        out.set(weightKey(layer.name, 'bias'), { shape: [outChannelCount], data: b });
        deleteBatchNormWeights(out, bn.name);
      }
      notes.push({ pass: this.name, layer: bn.name, kind: bn.kind, action: 'folded', into: layer.name, detail: `folded into the weights of '${layer.name}' after it (W' = diag(s)·W, b' = b + Wᵀ·t)` });
    }
    return { graph: editor.build(), weights: out, notes };
  },
};
