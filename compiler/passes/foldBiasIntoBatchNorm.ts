// fold-bias-into-batchnorm — valid in training and inference builds.
//
//   Dense/Conv2D/DepthwiseConv2D (bias b, linear) → BatchNormalization over its channels
//
//   inference:  BN(x + b) = γ·(x + b − μ)/√(σ² + ε) + β = γ·(x − (μ − b))/√(σ² + ε) + β
//               ⇒ μ' = μ − b, and the layer drops its bias (use_bias=false);
//   training:   the batch mean of x + b is mean(x) + b, so BN subtracts b anyway:
//               the bias never reached the output and only cost parameters.
//
// The new mean keeps the mean and bias it came from (`minusBias`): a bundle built from a
// quantized source stores their codes and computes μ' at load (runtime/bundle/batchNormCodes.ts).
//
// Preconditions: the BN is the layer's only consumer, the layer's value is not a model
// output, its activation is linear (b must be added right before the BN), and the BN
// normalizes exactly the channel axis. In a training build a BN with trainable=false
// runs in inference mode, where the bias is a trained parameter: left alone.

import type { HostTensor } from '../../src/ir/tensors.js';
import { weightKey } from '../../src/ir/tensors.js';
import { isLinearLayer } from '../../src/ir/ops.js';
import type { Pass } from './pass.js';
import { rewriteNodes, soleConsumer } from './rewrite.js';
import { weight64 } from './weightEdits.js';

export const foldBiasIntoBatchNorm: Pass = {
  name: 'fold-bias-into-batchnorm',
  summary: "drops the bias of a Dense/Conv layer whose only consumer is a BatchNormalization (moving_mean' = moving_mean − bias)",
  modes: ['inference', 'training'],
  run(state, mode) {
    return rewriteNodes(this, state, true, (layer, { editor, weights: out, note }) => {
      if (!isLinearLayer(layer) || !layer.attrs.use_bias) return;
      const consumer = soleConsumer(editor, layer.id);
      if (!('node' in consumer) || consumer.node.kind !== 'BatchNormalization') return;
      const bn = consumer.node;
      const channelAxis = bn.shape.length - 1;
      if (bn.attrs.axis.length !== 1 || bn.attrs.axis[0] !== channelAxis) {
        return note(bn, 'kept', `bias of '${layer.name}' kept: the BN normalizes axis [${bn.attrs.axis.join(', ')}], not the channel axis ${channelAxis}`);
      }
      if (layer.attrs.activation.name !== 'linear') return note(bn, 'kept', `bias of '${layer.name}' kept: '${layer.name}' applies ${layer.attrs.activation.name} after adding it`);
      if (mode === 'training' && !bn.trainable) {
        return note(bn, 'kept', `bias of '${layer.name}' kept: the BN has trainable=false, so it runs in inference mode while training and the bias is a trained parameter`);
      }
      editor.update(layer.id, layer.kind, { ...layer.attrs, use_bias: false } as never);
      if (out) {
        const bias = weight64(out, layer.name, 'bias');
        const mean = weight64(out, bn.name, 'moving_mean');
        for (let i = 0; i < mean.length; i++) mean[i] -= bias[i];
        // The mean and bias it came from stay on it (a bundle may store their codes: runtime/bundle/batchNormCodes.ts).
        const before = { mean: out.get(weightKey(bn.name, 'moving_mean'))!, bias: out.get(weightKey(layer.name, 'bias'))! };
        const updated: HostTensor & { minusBias: typeof before } = { shape: before.mean.shape, data: mean, minusBias: before };
        out.set(weightKey(bn.name, 'moving_mean'), updated);
        out.delete(weightKey(layer.name, 'bias'));
      }
      note(layer, 'folded', `bias of '${layer.name}' folded into the moving mean of '${bn.name}' (use_bias=false)`, bn.name);
    });
  },
};
