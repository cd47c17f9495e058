// BatchNormalization folded into SeparableConv2D (after it: the pointwise kernel; before
// it: the depthwise kernel, padding=valid), Conv2DTranspose (after it; before it only
// when 1×1 and stride 1) and a grouped Conv2D (both sides). Each optimized model is
// run against the unfolded one on the same inputs, and each refusal keeps its reason
// in the fusion report.

import test from 'ava';
import { fusionReport, formatFusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { countKind, foldOf, notesAbout, optimizeVerified, optimizeAndCompare } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});


const model = (dims: string, body: string) => graphOf(`model M {\n  input x: [${dims}]\n  ${body}\n}`);

test('SeparableConv2D → BN: folded into the pointwise kernel', async (t) => {
  const graph = model('7, 7, 3', 'SeparableConv2D(5, 3, padding=same, depth_multiplier=2, use_bias=false) -> BatchNormalization -> ReLU');
  const result = await optimizeAndCompare(t, graph);
  t.is(countKind(result.graph, 'BatchNormalization') + countKind(result.graph, 'Affine'), 0);
  t.is(foldOf(result, 'batch_normalization')?.pass, 'fuse-batchnorm-into-preceding');
  // The depthwise kernel is untouched; the pointwise one is scaled.
  t.deepEqual([...result.weights!.get('separable_conv2d/depthwise_kernel')!.data], [...randomizedWeights(graph, 2).get('separable_conv2d/depthwise_kernel')!.data]);
});

test('BN → SeparableConv2D (valid): folded into the depthwise kernel, the shift through both kernels into the bias', async (t) => {
  const graph = model('7, 7, 3', 'BatchNormalization -> SeparableConv2D(5, 3, depth_multiplier=2, activation=relu)');
  const result = await optimizeAndCompare(t, graph);
  t.is(countKind(result.graph, 'BatchNormalization') + countKind(result.graph, 'Affine'), 0);
  const note = foldOf(result, 'batch_normalization')!;
  t.is(note.pass, 'fold-batchnorm-into-following');
  t.is(note.detail, "folded into the depthwise kernel of 'separable_conv2d' after it (D' = diag(s)·D, b' = b + Pᵀ·(Σ D)·t)");
});

test('BN → SeparableConv2D (same): kept, with the reason in the fusion report', async (t) => {
  const graph = model('7, 7, 3', 'Conv2D(3, 1, activation=relu) -> BatchNormalization -> SeparableConv2D(5, 3, padding=same)');
  const result = await optimizeAndCompare(t, graph);
  const reason = "not into 'separable_conv2d': it pads its input with zeros (padding=same), and those zeros would not be normalized — folding would change the border outputs";
  t.true(notesAbout(result, 'batch_normalization').some((n) => n.action === 'kept' && n.detail === reason));
  t.is(countKind(result.graph, 'Affine'), 1);
  t.true(fusionReport(graph, result).batchNorms[0].reasons.includes(reason));
  t.true(formatFusionReport(fusionReport(graph, result)).includes('those zeros would not be normalized'));
});

test('Conv2DTranspose → BN: folded along the kernel\'s output-channel axis (the third)', async (t) => {
  const graph = model('4, 5, 3', 'Conv2DTranspose(6, 3, strides=2, padding=same) -> BatchNormalization -> ReLU');
  const result = await optimizeAndCompare(t, graph);
  t.is(countKind(result.graph, 'BatchNormalization') + countKind(result.graph, 'Affine'), 0);
  t.is(foldOf(result, 'batch_normalization')?.pass, 'fuse-batchnorm-into-preceding');
});

test('BN → Conv2DTranspose 1×1 stride 1: folded; 3×3 or strided: kept with the reason', async (t) => {
  const folded = await optimizeAndCompare(t, model('4, 5, 3', 'BatchNormalization -> Conv2DTranspose(6, 1)'));
  t.is(countKind(folded.graph, 'BatchNormalization') + countKind(folded.graph, 'Affine'), 0);
  t.is(foldOf(folded, 'batch_normalization')?.pass, 'fold-batchnorm-into-following');

  const graph = model('4, 5, 3', 'Conv2D(3, 1, activation=relu) -> BatchNormalization -> Conv2DTranspose(6, 2, strides=2)');
  const kept = await optimizeAndCompare(t, graph);
  const reason = "not into 'conv2d_transpose': a transposed convolution with kernel_size [2, 2] and strides [2, 2] gives its border and in-between pixels fewer kernel taps, so the BN's shift β − μ·s would not be one bias per channel — only a 1×1, stride-1 Conv2DTranspose folds";
  t.true(notesAbout(kept, 'batch_normalization').some((n) => n.action === 'kept' && n.detail === reason), JSON.stringify(notesAbout(kept, 'batch_normalization')));
  t.is(countKind(kept.graph, 'Affine'), 1);
  t.true(fusionReport(graph, kept).batchNorms[0].reasons.includes(reason));
});

test('Conv2DTranspose with output_padding or dilation_rate: a BN after it folds (the padded pixels hold the bias, which the fold maps as the BN would); a BN before a 1×1 one folds', async (t) => {
  for (const layer of ['Conv2DTranspose(6, 3, strides=2, output_padding=1)', 'Conv2DTranspose(6, 3, strides=2, padding=same, output_padding=1)', 'Conv2DTranspose(6, [3, 2], dilation_rate=[2, 3], padding=same)']) {
    const result = await optimizeAndCompare(t, model('4, 5, 3', `${layer} -> BatchNormalization -> ReLU`));
    t.is(countKind(result.graph, 'BatchNormalization') + countKind(result.graph, 'Affine'), 0, layer);
    t.is(foldOf(result, 'batch_normalization')?.pass, 'fuse-batchnorm-into-preceding', layer);
  }
  const before = await optimizeAndCompare(t, model('4, 5, 3', 'BatchNormalization -> Conv2DTranspose(6, 1, dilation_rate=2, output_padding=0)'));
  t.is(countKind(before.graph, 'BatchNormalization') + countKind(before.graph, 'Affine'), 0);
  t.is(foldOf(before, 'batch_normalization')?.pass, 'fold-batchnorm-into-following');
});

test('grouped Conv2D: a BN after it and a BN before it (valid) both fold', async (t) => {
  const after = await optimizeAndCompare(t, model('6, 6, 4', 'Conv2D(6, 3, groups=2, use_bias=false) -> BatchNormalization -> ReLU'));
  t.is(countKind(after.graph, 'BatchNormalization') + countKind(after.graph, 'Affine'), 0);
  t.is(foldOf(after, 'batch_normalization')?.pass, 'fuse-batchnorm-into-preceding');
  const before = await optimizeAndCompare(t, model('6, 6, 6', 'BatchNormalization -> Conv2D(4, 3, strides=2, groups=2)'));
  t.is(countKind(before.graph, 'BatchNormalization') + countKind(before.graph, 'Affine'), 0);
  t.is(foldOf(before, 'batch_normalization')?.pass, 'fold-batchnorm-into-following');
});

test('Rescaling with an offset before a SeparableConv2D or a grouped Conv2D: kept, with the reason', (t) => {
  for (const [layer, reason] of [
    ['SeparableConv2D(4, 3)', "not into the layer after: 'separable_conv2d' is a SeparableConv2D: an offset -1 before it is not folded"],
    ['Conv2D(4, 3, groups=2)', "not into the layer after: 'conv2d' is a grouped Conv2D: an offset -1 before it is not folded"],
  ]) {
    const graph = model('6, 6, 4', `Rescaling(0.5, offset=-1) -> ${layer}`);
    const result = optimizeVerified({ graph, weights: randomizedWeights(graph, 2) });
    const notes = notesAbout(result, 'rescaling').filter((n) => n.action === 'kept');
    t.true(notes.some((n) => n.detail.endsWith(reason)), JSON.stringify(notes));
  }
});
