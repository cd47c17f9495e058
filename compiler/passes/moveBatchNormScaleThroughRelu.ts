// move-batchnorm-scale-through-relu — inference builds only; after the folds, before
// batchnorm-to-affine.
//
//   BatchNormalization → relu → (per-channel pooling)* → Dense/Conv (every consumer)
//
// A BN no fold could absorb (DenseNet's BN → ReLU → Conv on a running concatenation) is
// y = x·s + t per channel (s = γ/√(σ² + ε), t = β − μ·s). ReLU is positively homogeneous,
// relu(a·z) = a·relu(z) for a > 0, so for every channel with s > 0
//   relu(x·s + t) = s·relu(x + t/s)
// and the factor s, applied after the ReLU, reaches the layers reading it. Everything
// between them treats each channel alone and commutes with a positive factor:
// GlobalAveragePooling / AveragePooling (means), GlobalMaxPooling / MaxPooling (max(s·z) =
// s·max(z) for s > 0), ZeroPadding (s·0 = 0). A linear layer L reading s·z is L with its
// kernel scaled along the input channels, whatever its padding (its padded zeros stay
// zeros: s·0 = 0), strides or dilation, and its bias unchanged:
//   Dense:            W'[c, o] = s_c·W[c, o]
//   Conv1D/Conv2D:    W'[…, c, o] = s_c·W[…, c, o]         (groups = 1)
//   DepthwiseConv2D:  W'[h, w, c, k] = s_c·W[h, w, c, k]
// What is left of the BN is a per-channel add, x + t/s (an Affine with scale=false): one
// elementwise kernel instead of two. The shift t cannot move anywhere: it is added before
// the ReLU clips, so it is no bias of any later layer.
//
// Not for s ≤ 0 in any channel: relu(−x) ≠ −relu(x), and s = 0 leaves nothing to divide
// by (relu(t) is a constant). Then the BN stays whole (batchnorm-to-affine). The signs
// are the weights' (s has γ's sign, +1 with scale=false), so a run without weights (`nnc
// summary --optimize`) moves only the BNs with scale=false and reports the others kept.
// Refused too, with the reason in the report: another activation than relu (relu6's clip
// at 6 would move to 6/s; leaky_relu is homogeneous too, but not taken here); the ReLU is
// a model output or has another consumer besides the chain; the BN normalizes another axis than the last;
// the chain ends elsewhere than at a Dense or one of the convolutions above (a
// Concatenate, an Add, a grouped convolution, SeparableConv2D, Conv2DTranspose).
//
// Exactness: the kernel product s·W and t/s are computed in float64 and stored as
// float32, like every fold; the ReLU's threshold moves from −t/s (x·s + t ≥ 0) to
// −(t/s) — the same point up to float32 rounding of t/s.

import { article } from './article.js';
import { batchNormAffine, deleteBatchNormWeights } from './batchNormAlgebra.js';
import { FoldedKernel } from './foldedKernel.js';
import { layerDef } from '../../src/ir/layers/index.js';
import { isLinearLayer, kernelName } from '../../src/ir/ops.js';
import { weightKey } from '../../src/ir/tensors.js';
import type { Node } from '../../src/ir/types.js';
import type { GraphEditor } from '../../src/ir/rewrite.js';
import type { Pass } from './pass.js';
import { rewriteBatchNorms, soleConsumer } from './rewrite.js';

/** Layers between the ReLU and the linear layer that act on each channel alone and commute with a factor s > 0. */
const CHANNELWISE = new Set(['GlobalAveragePooling2D', 'GlobalAveragePooling1D', 'AveragePooling2D', 'AveragePooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPooling1D', 'MaxPooling2D', 'MaxPooling1D', 'ZeroPadding2D', 'ZeroPadding1D']);

/** The kinds whose kernel is [..., in, out] (or [..., in, multiplier]): input channel c is every run of `inner` elements at index ⌊i / inner⌋ mod C. */
const TAKES_INPUT_FACTOR = new Set(['Dense', 'Conv1D', 'Conv2D', 'DepthwiseConv2D']);

type Target = { readonly layer: Node; readonly via: readonly string[] };

/** The linear layer each path from `id` ends at, through channelwise layers; or why one does not. */
function linearTargets(editor: GraphEditor, id: number): { targets: Target[] } | { reason: string } {
  const { graph } = editor;
  const from = graph.nodes[id];
  if (editor.isOutput(id)) return { reason: `'${from.name}' is a model output, so its value must stay as it is` };
  const targets: Target[] = [];
  for (const user of editor.consumersOf(id)) {
    let node = graph.nodes[user];
    const via: string[] = [];
    while (CHANNELWISE.has(node.kind)) {
      const next = soleConsumer(editor, node.id);
      if ('reason' in next) return { reason: next.reason };
      via.push(node.name);
      node = next.node;
    }
    if (!isLinearLayer(node) || !TAKES_INPUT_FACTOR.has(node.kind)) return { reason: `'${node.name}' is ${article(node.kind)}, not a Dense or convolution whose kernel could take the factor` };
    if ((node.kind === 'Conv2D' || node.kind === 'Conv1D') && node.attrs.groups > 1) return { reason: `'${node.name}' is a grouped convolution (groups=${node.attrs.groups})` };
    targets.push({ layer: node, via });
  }
  return { targets };
}

export const moveBatchNormScaleThroughRelu: Pass = {
  name: 'move-batchnorm-scale-through-relu',
  summary: 'moves the factor of a BatchNormalization before a ReLU into the layers after it (relu(x·s + t) = s·relu(x + t/s), s > 0), leaving a per-channel add',
  modes: ['inference'],
  run(state) {
    return rewriteBatchNorms(this, state, (v) => {
      const { bn, graph, editor, weights: out, kept } = v;
      // Only a BN whose one consumer is an activation layer is this pass's case (the
      // other passes already say why a BN read twice, or by a non-linear layer, stays).
      const consumer = soleConsumer(editor, bn.id);
      if ('reason' in consumer) return;
      const relu = consumer.node;
      const activation = layerDef(relu.kind)?.traits.activation?.(relu.attrs) ?? null;
      if (activation === null) return;
      if (activation.name !== 'relu') return kept(`its factor not moved through '${relu.name}': it computes ${activation.name}, and only relu (positively homogeneous, relu(s·z) = s·relu(z) for s > 0) lets a factor through`);
      const lastAxis = bn.shape.length - 1;
      if (bn.attrs.axis.length !== 1 || bn.attrs.axis[0] !== lastAxis) return kept(`its factor not moved through '${relu.name}': the BN normalizes axis [${bn.attrs.axis.join(', ')}], not the channels (axis ${lastAxis})`);
      const found = linearTargets(editor, relu.id);
      if ('reason' in found) return kept(`its factor not moved through '${relu.name}': ${found.reason}`);
      let affine: { scale: Float64Array; shift: Float64Array } | null = null;
      if (bn.attrs.scale) {
        if (!out) return kept(`its factor not moved through '${relu.name}': that needs every s = γ/√(σ² + ε) > 0, and this run has no weights`);
        affine = batchNormAffine(out, bn);
        const bad = affine.scale.findIndex((s) => !(s > 0));
        if (bad >= 0) return kept(`its factor not moved through '${relu.name}': channel ${bad} has s = γ/√(σ² + ε) = ${affine.scale[bad].toPrecision(3)} ≤ 0, and relu(x·s + t) = s·relu(x + t/s) needs s > 0`);
      }
      editor.update(bn.id, 'Affine', { axis: bn.attrs.axis, scale: false });
      if (out) {
        const { scale, shift } = affine ?? batchNormAffine(out, bn);
        const offset = new Float64Array(shift.length);
        for (let c = 0; c < shift.length; c++) offset[c] = shift[c] / scale[c];
        const shape = out.get(weightKey(bn.name, 'moving_mean'))!.shape;
        deleteBatchNormWeights(out, bn.name);
        out.set(weightKey(bn.name, 'offset'), { shape, data: offset });
        for (const { layer } of found.targets) {
          const key = weightKey(layer.name, kernelName(layer as Node & { kind: 'Dense' }));
          const kernel = out.get(key)!;
          // Input channel c owns each run of `inner` elements: the kernel's last axis (outputs, or the depth multiplier).
          const inner = kernel.shape[kernel.shape.length - 1];
          out.set(key, FoldedKernel.scale(kernel, { values: scale, stride: inner }));
        }
      }
      const into = found.targets.map(({ layer, via }) => `'${layer.name}'${via.length > 0 ? ` (through ${via.map((n) => `'${n}'`).join(', ')})` : ''}`).join(', ');
      // Why the add stays (docs/zoo.md has the algebra): t is added before the ReLU clips, and
      // the BN's input, when something else reads it too, must keep its values for that reader.
      const source = graph.nodes[bn.inputs[0]];
      const others = editor.consumersOf(source.id).filter((id) => id !== bn.id).map((id) => `'${graph.nodes[id].name}'`);
      const elsewhere = others.length > 0 ? `; and '${source.name}' is also read by ${others.join(', ')}, which need${others.length === 1 ? 's' : ''} it without this BN's s and t` : '';
      v.done(
        'converted',
        bn.name,
        `became a per-channel add (Affine: x + t/s): its factor s moved through '${relu.name}' into the weights of ${into} (relu(x·s + t) = s·relu(x + t/s), every s > 0; W' = diag(s)·W). The add t/s stays: it acts before the ReLU clips at x = −t/s, so no weight after it can hold it${elsewhere}`,
      );
    });
  },
};
