// split-batchnorm-across-concatenate — inference builds only.
//
//   L₁ (W₁, b₁, linear) ─┐
//   …                    ├→ Concatenate(channels) → BatchNormalization over the channels
//   Lₖ (Wₖ, bₖ, linear) ─┘
//
// The BN acts on each channel alone, and the Concatenate puts Lₘ's Cₘ channels at
// [oₘ, oₘ + Cₘ) (oₘ = C₁ + … + Cₘ₋₁), so with sₘ, tₘ the BN's s and t on that slice
// (s = γ/√(σ² + ε), t = β − μ·s):
//   BN(concat(y₁, …, yₖ)) = concat(y₁·s₁ + t₁, …, yₖ·sₖ + tₖ)
// and each yₘ = xₘ·Wₘ + bₘ, so yₘ·sₘ + tₘ = xₘ·(Wₘ·sₘ) + (bₘ·sₘ + tₘ):
//   ⇒ Wₘ' = Wₘ·sₘ (each output channel scaled),  bₘ' = bₘ·sₘ + tₘ;  the BN disappears.
// This is fuse-batchnorm-into-preceding once per input, each on its slice (an
// Inception or DenseNet block's BN after a join of convolutions).
//
// Preconditions: the Concatenate's only consumer is the BN and it is not a model output;
// it joins the last (channel) axis and the BN normalizes exactly that axis; and every
// input is a Dense/Conv2D/DepthwiseConv2D with a linear activation whose only consumer
// is the Concatenate (once) and whose value is not a model output. All inputs fold or
// none does; a refusal names the first input that cannot.

import { article } from './article.js';
import { batchNormAffine, deleteBatchNormWeights } from './batchNormAlgebra.js';
import { foldIntoLinear } from './foldIntoLinear.js';
import { isLinearLayer } from '../../src/ir/ops.js';
import type { LinearKind } from '../../src/ir/layers/index.js';
import type { Node } from '../../src/ir/types.js';
import { outputChannels } from './linearLayers.js';
import type { Pass } from './pass.js';
import { rewriteBatchNorms, soleConsumer } from './rewrite.js';

type LinearNode = Node & { kind: LinearKind };

export const splitBatchNormAcrossConcatenate: Pass = {
  name: 'split-batchnorm-across-concatenate',
  summary: "splits a BatchNormalization after a channel Concatenate into the Dense/Conv layers it joins, each on its slice of channels (Wₘ' = Wₘ·sₘ, bₘ' = bₘ·sₘ + tₘ)",
  modes: ['inference'],
  run(state) {
    return rewriteBatchNorms(this, state, (v) => {
      const { bn, graph, editor, kept } = v;
      const concat = graph.nodes[bn.inputs[0]];
      // BNs after anything else are fuse-batchnorm-into-preceding's.
      if (concat.kind !== 'Concatenate') return;
      const across = `not split across '${concat.name}'`;
      const joined = soleConsumer(editor, concat.id);
      if ('reason' in joined) return kept(`${across}: ${joined.reason}`);
      const channelAxis = bn.shape.length - 1;
      if (concat.attrs.axis !== channelAxis) return kept(`${across}: it joins axis ${concat.attrs.axis}, not the channel axis ${channelAxis} of its inputs`);
      if (bn.attrs.axis.length !== 1 || bn.attrs.axis[0] !== channelAxis) return kept(`${across}: the BN normalizes axis [${bn.attrs.axis.join(', ')}], not the channel axis ${channelAxis}`);
      const producers: LinearNode[] = [];
      for (const id of concat.inputs) {
        const producer = graph.nodes[id];
        if (!isLinearLayer(producer)) return kept(`${across}: its input '${producer.name}' is ${article(producer.kind)}, not a Dense or convolution`);
        const consumer = soleConsumer(editor, producer.id);
        if ('reason' in consumer) return kept(`${across}: ${consumer.reason}`);
        if (producer.attrs.activation.name !== 'linear') return kept(`${across}: its input '${producer.name}' applies ${producer.attrs.activation.name} before the BN`);
        producers.push(producer);
      }
      for (const p of producers) editor.update(p.id, p.kind, { ...p.attrs, use_bias: true } as never);
      editor.bypass(bn.id);
      const out = v.weights;
      if (out) {
        const { scale, shift } = batchNormAffine(out, bn);
        let offset = 0;
        for (const producer of producers) {
          const channels = outputChannels(producer);
          const s = scale.slice(offset, offset + channels);
          const t = shift.slice(offset, offset + channels);
          offset += channels;
          // Output channels are innermost in every kernel layout (Dense, Conv2D, DepthwiseConv2D's c·m + k).
          foldIntoLinear(out, producer, { values: s, stride: 1 }, ({ bias }) => {
            for (let c = 0; c < channels; c++) bias[c] = bias[c] * s[c] + t[c];
          });
        }
        deleteBatchNormWeights(out, bn.name);
      }
      const names = producers.map((p) => `'${p.name}'`).join(', ');
      v.done('folded', concat.name, `split across '${concat.name}' into the weights of ${names} before it, each on its slice of channels (Wₘ' = Wₘ·sₘ, bₘ' = bₘ·sₘ + tₘ)`);
    });
  },
};
