// fuse-batchnorm-into-preceding — inference builds only.
//
//   Dense/Conv2D/DepthwiseConv2D (W, b, linear) → BatchNormalization over its channels
//
//   With s = γ/√(σ² + ε) per output channel (γ = 1 when scale=false, β = 0 when center=false):
//     BN(x·W + b) = (x·W + b − μ)·s + β = x·(W·s) + ((b − μ)·s + β)
//   ⇒ W' = W · s  (each output channel's column / filter scaled),
//     b' = (b − μ)·s + β  (b = 0 if the layer had no bias); the BN disappears.
//
// Preconditions: the BN is the layer's only consumer and the layer's value is not a
// model output (others would see the scaled values), the layer's activation is linear
// (the BN must see x·W + b itself), and the BN normalizes exactly the channel axis.

import { GraphEditor } from '../../src/ir/rewrite.js';
import { weightKey } from '../../src/ir/types.js';
import { type Pass, type PassNote, article, batchNormAffine, copyWeights, isLinearLayer, kernelName, outputChannels, soleConsumer, weight64, deleteBatchNormWeights } from './pass.js';

export const fuseBatchNormIntoPreceding: Pass = {
  name: 'fuse-batchnorm-into-preceding',
  summary: "scales the weights of the Dense/Conv layer before a BatchNormalization (W' = W·s, b' = (b − μ)·s + β)",
  modes: ['inference'],
  run({ graph, weights }) {
    const editor = new GraphEditor(graph);
    const out = weights ? copyWeights(weights) : null;
    const notes: PassNote[] = [];
    for (const bn of graph.nodes) {
      if (bn.kind !== 'BatchNormalization') continue;
      const producer = graph.nodes[bn.inputs[0]];
      const kept = (detail: string) => notes.push({ pass: this.name, layer: bn.name, kind: bn.kind, action: 'kept', detail });
      if (!isLinearLayer(producer)) {
        kept(`not into the layer before: '${producer.name}' is ${article(producer.kind)}, not a Dense or convolution`);
        continue;
      }
      const consumer = soleConsumer(graph, (id) => editor.consumersOf(id), producer.id);
      if ('reason' in consumer) {
        kept(`not into '${producer.name}': ${consumer.reason}`);
        continue;
      }
      if (producer.attrs.activation.name !== 'linear') {
        kept(`not into '${producer.name}': it applies ${producer.attrs.activation.name} before the BN`);
        continue;
      }
      const channelAxis = bn.shape.length - 1;
      if (bn.attrs.axis.length !== 1 || bn.attrs.axis[0] !== channelAxis) {
        kept(`not into '${producer.name}': the BN normalizes axis [${bn.attrs.axis.join(', ')}], not '${producer.name}''s channel axis ${channelAxis}`);
        continue;
      }
      editor.update(producer.id, producer.kind, { ...producer.attrs, use_bias: true } as never);
      editor.bypass(bn.id);
      if (out) {
        const { scale, shift } = batchNormAffine(out, bn);
        const kernel = kernelName(producer);
        const w = weight64(out, producer.name, kernel);
        const channels = outputChannels(producer);
        // Every kernel layout here has the output channel innermost: Dense [in, out],
        // Conv2D [kh, kw, in, out], DepthwiseConv2D [kh, kw, in, m] with channel c·m + k.
        for (let i = 0; i < w.length; i++) w[i] *= scale[i % channels];
        const b = producer.attrs.use_bias ? weight64(out, producer.name, 'bias') : new Float64Array(channels);
        // b' = (b − μ)·s + β = b·s + (β − μ·s)
        for (let c = 0; c < channels; c++) b[c] = b[c] * scale[c] + shift[c];
        out.set(weightKey(producer.name, kernel), { shape: out.get(weightKey(producer.name, kernel))!.shape, data: w });
        out.set(weightKey(producer.name, 'bias'), { shape: [channels], data: b });
        deleteBatchNormWeights(out, bn.name);
      }
      notes.push({ pass: this.name, layer: bn.name, kind: bn.kind, action: 'folded', into: producer.name, detail: `folded into the weights of '${producer.name}' before it (W' = W·s, b' = (b − μ)·s + β)` });
    }
    return { graph: editor.build(), weights: out, notes };
  },
};
