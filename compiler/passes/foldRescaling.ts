// fold-rescaling — inference builds only.
//
// Rescaling is y = x·a + o with scalars a and o; next to a linear layer it folds like a BN:
//   before Dense/conv (its only consumer):  (x·a + o)·W + b = x·(a·W) + (b + o·Σ_in W)
//     ⇒ W' = a·W,  b'_j = b_j + o·Σ_{i} W[i, j]   (a convolution with padding=same, or
//        Conv1D's causal, pads zeros the Rescaling never saw: 0·a + o = o ≠ 0 unless
//        o = 0, so with an offset only padding=valid folds; Rescaling(1/255) before any
//        conv folds; a grouped Conv1D too, every input channel getting the same o)
//   after a linear-activation Dense/conv (its only consumer):  (x·W + b)·a + o
//     ⇒ W' = a·W,  b' = a·b + o

import type { Node } from '../../src/ir/types.js';
import { article } from './article.js';
import { foldIntoLinear } from './foldIntoLinear.js';
import type { LinearKind } from '../../src/ir/layers/index.js';
import { isLinearLayer } from '../../src/ir/ops.js';
import type { Pass } from './pass.js';
import { rewriteNodes, soleConsumer } from './rewrite.js';

export const foldRescaling: Pass = {
  name: 'fold-rescaling',
  summary: 'folds a Rescaling into the Dense/conv next to it',
  modes: ['inference'],
  run(state) {
    const touched = new Set<number>();
    return rewriteNodes(this, state, true, (node, { graph, editor, weights: out, note }) => {
      if (node.kind !== 'Rescaling') return;
      const { scale: a, offset: o } = node.attrs;
      const fold = (layer: Node & { kind: LinearKind }, before: boolean) => {
        touched.add(layer.id);
        editor.update(layer.id, layer.kind, { ...layer.attrs, use_bias: true } as never);
        editor.bypass(node.id);
        if (out) {
          foldIntoLinear(out, layer, { values: a, stride: 1 }, ({ bias, kernel }) => {
            const channels = bias.length;
            if (before) {
              const w = kernel();
              for (let row = 0; row < w.length; row += channels) {
                for (let c = 0; c < channels; c++) bias[c] += o * w[row + c];
              }
            } else {
              for (let c = 0; c < channels; c++) bias[c] = a * bias[c] + o;
            }
          });
        }
        note(node, 'folded', `folded into '${layer.name}' ${before ? 'after' : 'before'} it`, layer.name);
      };

      // Into the layer before it: that layer must feed only this Rescaling and add its
      // bias last (linear activation).
      const producer = graph.nodes[node.inputs[0]];
      const notPrevious = whyNotIntoPrevious(producer);
      if (notPrevious === null) {
        fold(producer as Node & { kind: LinearKind }, false);
        return;
      }
      // Into the layer after it: its only consumer, which sees the rescaled value whole.
      const notNext = whyNotIntoNext();
      if (notNext === null) {
        fold(graph.nodes[editor.consumersOf(node.id)[0]] as Node & { kind: LinearKind }, true);
        return;
      }
      note(node, 'kept', `not into the layer before: ${notPrevious}; not into the layer after: ${notNext}`);

      function whyNotIntoPrevious(layer: Node): string | null {
        if (!isLinearLayer(layer)) return `'${layer.name}' is ${article(layer.kind)}, not a Dense or convolution`;
        const consumer = soleConsumer(editor, layer.id);
        if ('reason' in consumer) return consumer.reason;
        if (layer.attrs.activation.name !== 'linear') return `'${layer.name}' applies ${layer.attrs.activation.name} before the Rescaling`;
        if (touched.has(layer.id)) return `'${layer.name}' already absorbed another Rescaling in this pass`;
        return null;
      }
      function whyNotIntoNext(): string | null {
        const consumer = soleConsumer(editor, node.id);
        if ('reason' in consumer) return consumer.reason;
        const layer = consumer.node;
        if (!isLinearLayer(layer)) return `'${layer.name}' is ${article(layer.kind)}, not a Dense or convolution`;
        if (layer.kind !== 'Dense' && layer.attrs.padding !== 'valid' && o !== 0) return `'${layer.name}' pads zeros (padding=${layer.attrs.padding}) that would not get the offset ${o}`;
        // b' = b + o·Σ_in W holds for kernels whose every row feeds every output channel.
        const grouped = layer.kind === 'Conv2D' && layer.attrs.groups > 1;
        if (o !== 0 && (grouped || layer.kind === 'SeparableConv2D' || layer.kind === 'Conv2DTranspose')) return `'${layer.name}' is ${article(grouped ? 'grouped Conv2D' : layer.kind)}: an offset ${o} before it is not folded`;
        if (touched.has(layer.id)) return `'${layer.name}' already absorbed another Rescaling in this pass`;
        return null;
      }
    });
  },
};
