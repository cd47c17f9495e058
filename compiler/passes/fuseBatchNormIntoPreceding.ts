// fuse-batchnorm-into-preceding — inference builds only.
//
//   Dense/Conv1D/Conv2D/DepthwiseConv2D/SeparableConv2D/Conv2DTranspose (W, b, linear)
//     → BatchNormalization over its channels
//
//   With s = γ/√(σ² + ε) per output channel (γ = 1 when scale=false, β = 0 when center=false):
//     BN(x·W + b) = (x·W + b − μ)·s + β = x·(W·s) + ((b − μ)·s + β)
//   ⇒ W' = W · s  (each output channel's column / filter scaled),
//     b' = (b − μ)·s + β  (b = 0 if the layer had no bias); the BN disappears.
//
// W is the kernel whose output channels are the layer's: SeparableConv2D's pointwise
// kernel [1, 1, in·m, filters] (the depthwise one comes before it, untouched);
// Conv2DTranspose's [kh, kw, filters, in] is scaled along its third axis; a grouped
// Conv2D's [kh, kw, in/groups, filters] along its last, as any Conv2D.
//
// Preconditions: the BN is the layer's only consumer and the layer's value is not a
// model output (others would see the scaled values), the layer's activation is linear
// (the BN must see x·W + b itself), and the BN normalizes exactly the channel axis.

import { article } from './article.js';
import { absorbBatchNorm } from './batchNormAlgebra.js';
import { isLinearLayer } from '../../src/ir/ops.js';
import { outputChannelStride } from './linearLayers.js';
import type { Pass } from './pass.js';
import { rewriteBatchNorms, soleConsumer } from './rewrite.js';

export const fuseBatchNormIntoPreceding: Pass = {
  name: 'fuse-batchnorm-into-preceding',
  summary: "scales the weights of the Dense/Conv layer before a BatchNormalization (W' = W·s, b' = (b − μ)·s + β)",
  modes: ['inference'],
  run(state) {
    return rewriteBatchNorms(this, state, (v) => {
      const { bn, graph, editor, kept } = v;
      const producer = graph.nodes[bn.inputs[0]];
      if (!isLinearLayer(producer)) return kept(`not into the layer before: '${producer.name}' is ${article(producer.kind)}, not a Dense or convolution`);
      const consumer = soleConsumer(editor, producer.id);
      if ('reason' in consumer) return kept(`not into '${producer.name}': ${consumer.reason}`);
      if (producer.attrs.activation.name !== 'linear') return kept(`not into '${producer.name}': it applies ${producer.attrs.activation.name} before the BN`);
      const channelAxis = bn.shape.length - 1;
      if (bn.attrs.axis.length !== 1 || bn.attrs.axis[0] !== channelAxis) {
        return kept(`not into '${producer.name}': the BN normalizes axis [${bn.attrs.axis.join(', ')}], not '${producer.name}''s channel axis ${channelAxis}`);
      }
      absorbBatchNorm(v, producer, ({ scale, shift }) => ({
        // The output channel is innermost in Dense [in, out], Conv1D [k, in, out], Conv2D [kh, kw, in, out],
        // DepthwiseConv2D [kh, kw, in, m] (channel c·m + k) and SeparableConv2D's
        // pointwise [1, 1, in·m, out]; Conv2DTranspose [kh, kw, out, in] has runs of `in`.
        factor: { values: scale, stride: outputChannelStride(graph, producer) },
        // b' = (b − μ)·s + β = b·s + (β − μ·s)
        updateBias: ({ bias }) => {
          for (let c = 0; c < bias.length; c++) bias[c] = bias[c] * scale[c] + shift[c];
        },
      }));
      v.done('folded', producer.name, `folded into the weights of '${producer.name}' before it (W' = W·s, b' = (b − μ)·s + β)`);
    });
  },
};
