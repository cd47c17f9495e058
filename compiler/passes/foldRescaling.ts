// fold-rescaling — inference builds only.
//
// Rescaling is y = x·a + o with scalars a and o; next to a linear layer it folds like a BN:
//   before Dense/conv (its only consumer):  (x·a + o)·W + b = x·(a·W) + (b + o·Σ_in W)
//     ⇒ W' = a·W,  b'_j = b_j + o·Σ_{i} W[i, j]   (convolutions: padding=valid only,
//        since padded zeros would not be rescaled)
//   after a linear-activation Dense/conv (its only consumer):  (x·W + b)·a + o
//     ⇒ W' = a·W,  b' = a·b + o

import { GraphEditor } from '../../src/ir/rewrite.js';
import type { Node } from '../../src/ir/types.js';
import { weightKey } from '../../src/ir/types.js';
import { type LinearKind, type Pass, type PassNote, copyWeights, isLinearLayer, kernelName, outputChannels, soleConsumer, weight64 } from './pass.js';

export const foldRescaling: Pass = {
  name: 'fold-rescaling',
  summary: 'folds a Rescaling into the Dense/conv next to it',
  modes: ['inference'],
  run({ graph, weights }) {
    const editor = new GraphEditor(graph);
    const out = weights ? copyWeights(weights) : null;
    const notes: PassNote[] = [];
    const touched = new Set<number>();
    for (const node of graph.nodes) {
      if (node.kind !== 'Rescaling') continue;
      const { scale: a, offset: o } = node.attrs;
      const kept = (detail: string) => notes.push({ pass: this.name, layer: node.name, kind: node.kind, action: 'kept', detail });
      const fold = (layer: Node & { kind: LinearKind }, before: boolean) => {
        touched.add(layer.id);
        editor.update(layer.id, layer.kind, { ...layer.attrs, use_bias: true } as never);
        editor.bypass(node.id);
        if (out) {
          const kernel = kernelName(layer);
          const w = weight64(out, layer.name, kernel);
          const channels = outputChannels(layer);
          const b = layer.attrs.use_bias ? weight64(out, layer.name, 'bias') : new Float64Array(channels);
          if (before) {
            for (let i = 0; i < w.length; i++) b[i % channels] += o * w[i];
          } else {
            for (let c = 0; c < channels; c++) b[c] = a * b[c] + o;
          }
          for (let i = 0; i < w.length; i++) w[i] *= a;
          out.set(weightKey(layer.name, kernel), { shape: out.get(weightKey(layer.name, kernel))!.shape, data: w });
          out.set(weightKey(layer.name, 'bias'), { shape: [channels], data: b });
        }
        notes.push({ pass: this.name, layer: node.name, kind: node.kind, action: 'folded', into: layer.name, detail: `folded into '${layer.name}' ${before ? 'after' : 'before'} it` });
      };

      const producer = graph.nodes[node.inputs[0]];
      const producerConsumer = soleConsumer(graph, (id) => editor.consumersOf(id), producer.id);
      if (isLinearLayer(producer) && 'node' in producerConsumer && producer.attrs.activation.name === 'linear' && !touched.has(producer.id)) {
        fold(producer, false);
        continue;
      }
      const consumer = soleConsumer(graph, (id) => editor.consumersOf(id), node.id);
      if ('reason' in consumer) {
        kept(consumer.reason);
        continue;
      }
      const layer = consumer.node;
      if (!isLinearLayer(layer)) {
        kept(`neither neighbour is a linear layer it can fold into`);
        continue;
      }
      if (layer.kind !== 'Dense' && layer.attrs.padding === 'same') {
        kept(`not into '${layer.name}': padding=same pads zeros that would not be rescaled`);
        continue;
      }
      if (touched.has(layer.id)) {
        kept(`'${layer.name}' already absorbed another Rescaling in this pass`);
        continue;
      }
      // The weights below are the inputs' channel sums, valid when the layer sees the rescaled value whole.
      fold(layer, true);
    }
    return { graph: editor.build(), weights: out, notes };
  },
};
