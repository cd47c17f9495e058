// LayerNormalization, Permute, Cropping2D and ZeroPadding1D: shapes and parameter
// counts by Keras 3's rules, argument and shape errors with their exact messages, and
// predictions against tfjs-layers built with the same weights (LayerNormalization,
// Permute, Cropping2D) or a float64 hand computation (ZeroPadding1D, which tfjs-layers
// 4.22 lacks, and LayerNormalization once more).

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '../../../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../../../runtime/backends/node.js';
import { Model } from '../../../../runtime/model.js';
import { nodeWeights } from '../../../../src/ir/ops.js';
import { optimize } from '../../../../compiler/passes/pipeline.js';
import { graphFromJson, graphToJson } from '../../../../src/ir/json.js';
import { errorsOf, graphOf, modelWith, outputShape, paramsOf } from '../../../helpers/check.js';
import { hostMaxAbsDiff, randomInput, randomizedWeights } from '../../../helpers/models.js';
import { assertMatchesTfjsLayers } from '../../../helpers/tfjsLayers.js';
import { sgdBesideTfjsLayers } from '../../../helpers/sgdReference.js';

// --- shapes and parameter counts

test('LayerNormalization keeps the shape; gamma and beta span the normalized axes', (t) => {
  t.deepEqual(outputShape([10, 8], 'LayerNormalization'), [null, 10, 8]);
  t.deepEqual(paramsOf(modelWith([10, 8], 'LayerNormalization')), [16, 16, 0]); // 8 + 8, no moving statistics
  // Keras's docstring: axis=[1, 2, 3] on (5, 20, 30, 40) gives gamma and beta of (20, 30, 40).
  t.deepEqual(paramsOf(modelWith([20, 30, 40], 'LayerNormalization(axis=[1, 2, 3])')), [48_000, 48_000, 0]);
  t.deepEqual(paramsOf(modelWith([4, 5, 6], 'LayerNormalization(axis=[-3, -1])')), [48, 48, 0]); // 2 · 4 · 6
  t.deepEqual(paramsOf(modelWith([8], 'LayerNormalization(center=false)')), [8, 8, 0]);
  t.deepEqual(paramsOf(modelWith([8], 'LayerNormalization(scale=false, center=false)')), [0, 0, 0]);
  const node = graphOf(modelWith([4, 5, 6], 'LayerNormalization(axis=[-1, 1])')).nodes[1];
  t.is(node.name, 'layer_normalization');
  t.deepEqual(node.attrs, {
    axis: [1, 3], epsilon: 0.001, center: true, scale: true, rms_scaling: false,
    beta_initializer: { name: 'zeros', args: {} }, gamma_initializer: { name: 'ones', args: {} },
    beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
  });
});

test('LayerNormalization(rms_scaling=true): gamma only, whatever center and scale say (Keras 3 build)', (t) => {
  t.deepEqual(paramsOf(modelWith([10, 8], 'LayerNormalization(rms_scaling=true)')), [8, 8, 0]);
  t.deepEqual(paramsOf(modelWith([10, 8], 'LayerNormalization(rms_scaling=true, scale=false, center=false)')), [8, 8, 0]);
  t.deepEqual(paramsOf(modelWith([4, 5, 6], 'LayerNormalization(axis=[1, 3], rms_scaling=true)')), [24, 24, 0]); // 4 · 6
  const graph = graphOf(modelWith([4, 5, 6], 'LayerNormalization(axis=[1, 3], rms_scaling=true)'));
  t.deepEqual(nodeWeights(graph, graph.nodes[1]).map((w) => [w.name, w.shape]), [['gamma', [4, 6]]]);
  t.deepEqual(outputShape([4, 5, 6], 'LayerNormalization(rms_scaling=true)'), [null, 4, 5, 6]);
});

test('Permute reorders the feature axes, counted from 1', (t) => {
  t.deepEqual(outputShape([10, 64], 'Permute([2, 1])'), [null, 64, 10]); // Keras's docstring example
  t.deepEqual(outputShape([2, 3, 4], 'Permute([3, 1, 2])'), [null, 4, 2, 3]);
  t.deepEqual(paramsOf(modelWith([2, 3], 'Permute([2, 1])')), [0, 0, 0]);
  t.is(graphOf(modelWith([2, 3], 'Permute([2, 1])')).nodes[1].name, 'permute');
});

test('Cropping2D: int, pair, and [[top, bottom], [left, right]]', (t) => {
  t.deepEqual(outputShape([28, 28, 3], 'Cropping2D'), [null, 28, 28, 3]); // default: nothing cropped
  t.deepEqual(outputShape([28, 28, 3], 'Cropping2D(2)'), [null, 24, 24, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'Cropping2D([1, 2])'), [null, 26, 24, 3]);
  t.deepEqual(outputShape([28, 28, 3], 'Cropping2D([[1, 2], [3, 4]])'), [null, 25, 21, 3]);
  t.deepEqual(paramsOf(modelWith([8, 8, 3], 'Cropping2D(1)')), [0, 0, 0]);
  t.is(graphOf(modelWith([8, 8, 3], 'Cropping2D(1)')).nodes[1].name, 'cropping2d');
});

test('ZeroPadding1D: int or [left, right]', (t) => {
  t.deepEqual(outputShape([10, 4], 'ZeroPadding1D'), [null, 12, 4]); // default 1 on each side
  t.deepEqual(outputShape([10, 4], 'ZeroPadding1D(3)'), [null, 16, 4]);
  t.deepEqual(outputShape([10, 4], 'ZeroPadding1D([0, 2])'), [null, 12, 4]);
  t.deepEqual(paramsOf(modelWith([10, 4], 'ZeroPadding1D(2)')), [0, 0, 0]);
  t.is(graphOf(modelWith([10, 4], 'ZeroPadding1D(2)')).nodes[1].name, 'zero_padding1d');
});

// --- diagnostics

test('LayerNormalization errors: the batch axis, axes out of range, repeated axes, a non-boolean rms_scaling', (t) => {
  t.deepEqual(errorsOf(modelWith([8], 'LayerNormalization(rms_scaling=1)')), [
    { message: "argument 'rms_scaling' of LayerNormalization expects true or false, found 1", line: 3, column: 34 },
  ]);
  t.deepEqual(errorsOf(modelWith([8], 'LayerNormalization(axis=0)')), [
    { message: 'LayerNormalization axis 0 is the batch axis of [None, 8]; choose a feature axis: 1..1 or -1..-1', line: 3, column: 27 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 8], 'LayerNormalization(axis=[1, 3])')), [
    { message: 'LayerNormalization axis 3 is out of range for an input of shape [None, 4, 8]: valid axes are 1..2 or -2..-1', line: 3, column: 27 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 8], 'LayerNormalization(axis=[2, -1])')), [
    { message: 'LayerNormalization axis -1 is listed twice (as 2)', line: 3, column: 27 },
  ]);
  t.deepEqual(errorsOf(modelWith([8], 'LayerNormalization(epsilon=0)')), [
    { message: "argument 'epsilon' of LayerNormalization expects a positive number, found 0", line: 3, column: 30 },
  ]);
});

test('Permute errors: not a permutation of the feature axes, or not axes at all', (t) => {
  t.deepEqual(errorsOf(modelWith([2, 3], 'Permute([1, 1])')), [
    { message: "Permute dims [1, 1] must be a permutation of [1, 2], the feature axes of 'x' [None, 2, 3]", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([2, 3], 'Permute([2, 1, 3])')), [
    { message: "Permute dims [2, 1, 3] must be a permutation of [1, 2], the feature axes of 'x' [None, 2, 3]", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([2, 3], 'Permute([0, 1])')), [
    { message: "argument 'dims' of Permute expects a list of axes counted from 1, found [0, 1]", line: 3, column: 11 },
  ]);
  t.deepEqual(errorsOf(modelWith([2, 3], 'Permute')), [{ message: "Permute is missing its required argument 'dims'", line: 3, column: 3 }]);
});

test('Cropping2D errors: cropping everything, a non-image input, a negative crop', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 6, 3], 'Cropping2D([[2, 2], [0, 0]])')), [
    { message: "Cropping2D cropping [[2, 2], [0, 0]] leaves nothing of the 4x6 input 'x' [None, 4, 6, 3]: each pair must sum to less than its dimension", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 6], 'Cropping2D(1)')), [
    { message: "Cropping2D expects an image [batch, height, width, channels] (rank 4, batch included), but 'x' is [None, 4, 6]", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 6, 3], 'Cropping2D(-1)')), [
    { message: "argument 'cropping' of Cropping2D expects a non-negative integer, a pair [h, w], or [[top, bottom], [left, right]], found -1", line: 3, column: 14 },
  ]);
});

test('ZeroPadding1D errors: a non-sequence input, a bad padding', (t) => {
  t.deepEqual(errorsOf(modelWith([4, 6, 3], 'ZeroPadding1D')), [
    { message: "ZeroPadding1D expects a sequence [batch, steps, channels] (rank 3, batch included), but 'x' is [None, 4, 6, 3]", line: 3, column: 3 },
  ]);
  t.deepEqual(errorsOf(modelWith([4, 6], 'ZeroPadding1D([1, 2, 3])')), [
    { message: "argument 'padding' of ZeroPadding1D expects a non-negative integer or a pair [left, right] of non-negative integers, found [1, 2, 3]", line: 3, column: 17 },
  ]);
});

// --- predictions

function againstTfjsLayers(t: import('ava').ExecutionContext, source: string, training = false): void {
  const graph = graphOf(source);
  const weights = randomizedWeights(graph);
  assertMatchesTfjsLayers(t, graph, weights, { backend: 'cpu', x: 4, training });
}

test.serial('LayerNormalization equals tfjs-layers: last axis, several axes, without beta, and in training mode', async (t) => {
  await initNodeBackend('cpu');
  againstTfjsLayers(t, modelWith([5, 6], 'LayerNormalization -> Dense(3)'));
  againstTfjsLayers(t, modelWith([4, 5, 6], 'LayerNormalization(axis=[1, 3], epsilon=0.01)'));
  againstTfjsLayers(t, modelWith([4, 5, 6], 'LayerNormalization(axis=[1, 2, 3], center=false)'));
  againstTfjsLayers(t, modelWith([6], 'Dense(6) -> LayerNormalization -> Dense(3)'), true);
});

test.serial('Permute and Cropping2D equal tfjs-layers', async (t) => {
  await initNodeBackend('cpu');
  againstTfjsLayers(t, modelWith([2, 3, 4], 'Permute([3, 1, 2]) -> Dense(2)'));
  againstTfjsLayers(t, modelWith([7, 6, 2], 'Cropping2D([[1, 2], [0, 3]]) -> Conv2D(3, 2)'));
  againstTfjsLayers(t, modelWith([7, 6, 2], 'Cropping2D(1) -> Permute([3, 2, 1])'));
});

test.serial('LayerNormalization over axes [1, 3] equals a float64 hand computation', async (t) => {
  await initNodeBackend('cpu');
  const graph = graphOf(modelWith([2, 3, 2], 'LayerNormalization(axis=[1, 3], epsilon=0.01)'));
  const weights = randomizedWeights(graph);
  const gamma = weights.get('layer_normalization/gamma')!.data; // [2, 2]: axes 1 and 3
  const beta = weights.get('layer_normalization/beta')!.data;
  const x = randomInput(graph, 2);
  const xs = x.dataSync();
  const ys = (new Model(graph, weights, 'cpu').predict(x) as tf.Tensor).dataSync();
  // x[b, i, j, k]: normalized over i and k for each (b, j).
  const at = (b: number, i: number, j: number, k: number) => ((b * 2 + i) * 3 + j) * 2 + k;
  let worst = 0;
  for (let b = 0; b < 2; b++) {
    for (let j = 0; j < 3; j++) {
      const group = [0, 1].flatMap((i) => [0, 1].map((k) => ({ i, k, v: xs[at(b, i, j, k)] })));
      const mean = group.reduce((s, g) => s + g.v, 0) / 4;
      const variance = group.reduce((s, g) => s + (g.v - mean) ** 2, 0) / 4;
      for (const { i, k, v } of group) {
        const expected = (gamma[i * 2 + k] * (v - mean)) / Math.sqrt(variance + 0.01) + beta[i * 2 + k];
        worst = Math.max(worst, Math.abs(ys[at(b, i, j, k)] - expected));
      }
    }
  }
  // 1e-5: float32 arithmetic against float64 on values of order 1.
  t.true(worst < 1e-5, `max abs error ${worst}`);
});

/**
 * Keras 3's rms_scaling (keras/src/ops/nn.py `_layer_normalization`, read at keras-team/keras
 * 12c5b99 and dc10f26): y = x · γ / √(var + ε), the variance biased and taken around the mean
 * over `axis`, x itself not centred, no β. Float64, per sample over the axes [1, 3] of
 * [b, 2, 3, 2] (groups of four values for each (b, j)).
 */
function rmsScaledByHand(xs: ArrayLike<number>, gamma: ArrayLike<number>, epsilon: number, batch: number): Float64Array {
  const at = (b: number, i: number, j: number, k: number) => ((b * 2 + i) * 3 + j) * 2 + k;
  const out = new Float64Array(batch * 12);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < 3; j++) {
      const cells = [0, 1].flatMap((i) => [0, 1].map((k) => [i, k] as const));
      const mean = cells.reduce((s, [i, k]) => s + xs[at(b, i, j, k)], 0) / 4;
      const variance = cells.reduce((s, [i, k]) => s + (xs[at(b, i, j, k)] - mean) ** 2, 0) / 4;
      for (const [i, k] of cells) out[at(b, i, j, k)] = (xs[at(b, i, j, k)] * gamma[i * 2 + k]) / Math.sqrt(variance + epsilon);
    }
  }
  return out;
}

test.serial('LayerNormalization(rms_scaling=true) over axes [1, 3] equals a float64 hand computation of Keras 3\'s formula', async (t) => {
  await initNodeBackend('cpu');
  const graph = graphOf(modelWith([2, 3, 2], 'LayerNormalization(axis=[1, 3], epsilon=0.01, rms_scaling=true)'));
  const weights = randomizedWeights(graph);
  const gamma = weights.get('layer_normalization/gamma')!.data;
  // An offset input: the mean is far from 0, so x against x − mean, and var against mean(x²), differ by much.
  const x = tf.add(randomInput(graph, 3), 2);
  const expected = rmsScaledByHand(x.dataSync(), gamma, 0.01, 3);
  const ys = Array.from((new Model(graph, weights, 'cpu').predict(x) as tf.Tensor).dataSync());
  const worst = ys.reduce((m, y, i) => Math.max(m, Math.abs(y - expected[i])), 0);
  // 1e-5: float32 arithmetic against float64 on values of order 1–10.
  t.true(worst < 1e-5, `max abs error ${worst}`);
  // The formula matters: the mean-and-variance form gives other numbers.
  const centred = Array.from((new Model(graphOf(modelWith([2, 3, 2], 'LayerNormalization(axis=[1, 3], epsilon=0.01, center=false)')), new Map([['layer_normalization/gamma', weights.get('layer_normalization/gamma')!]]), 'cpu').predict(x) as tf.Tensor).dataSync());
  t.true(centred.reduce((m, y, i) => Math.max(m, Math.abs(y - expected[i])), 0) > 0.5);
});

test.serial('LayerNormalization(rms_scaling=true) trains: one SGD step equals float64 central differences of the loss', async (t) => {
  const backend = await initNodeBackend('cpu');
  await registerGradients();
  // Dense(4) → LayerNormalization(rms_scaling) → Dense(3, softmax), batch 5.
  const graph = graphOf(modelWith([3], 'Dense(4) -> LayerNormalization(rms_scaling=true, epsilon=0.01) -> Dense(3, activation=softmax)'));
  const weights = randomizedWeights(graph, 4);
  const x = Array.from(randomInput(graph, 5, 9).dataSync(), (v) => v + 1);
  const labels = [0, 1, 2, 1, 0];
  const host = new Map([...weights].map(([k, v]) => [k, Array.from(v.data)]));
  const loss = (w: Map<string, number[]>) => {
    const [k1, b1, gamma, k2, b2] = ['dense/kernel', 'dense/bias', 'layer_normalization/gamma', 'dense_1/kernel', 'dense_1/bias'].map((k) => w.get(k)!);
    let total = 0;
    for (let n = 0; n < 5; n++) {
      const h = [0, 1, 2, 3].map((u) => b1[u] + [0, 1, 2].reduce((s, j) => s + x[n * 3 + j] * k1[j * 4 + u], 0));
      const mean = h.reduce((s, v) => s + v, 0) / 4;
      const variance = h.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
      const z = h.map((v, u) => (v * gamma[u]) / Math.sqrt(variance + 0.01));
      const logits = [0, 1, 2].map((c) => z.reduce((s, v, u) => s + v * k2[u * 3 + c], b2[c]));
      const max = Math.max(...logits);
      total -= logits[labels[n]] - max - Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
    }
    return total / 5;
  };
  const { TrainableModel } = await import('../../../../runtime/train/trainableModel.js');
  const { createOptimizer } = await import('../../../../runtime/train/optimizers.js');
  const model = new TrainableModel(graph, weights, backend);
  const optimizer = createOptimizer('sgd', { learningRate: 1 });
  const xs = tf.tensor2d(x, [5, 3]);
  const ys = tf.tensor1d(labels, 'float32');
  const result = model.trainStep('sparse_categorical_crossentropy', optimizer).run(xs, ys, 0);
  // 1e-6: the float32 forward pass against float64.
  t.true(Math.abs(result.loss.dataSync()[0] - loss(host)) < 1e-6);
  const after = await model.getWeights();
  let checked = 0;
  for (const [key, values] of host) {
    for (let i = 0; i < values.length; i++) {
      const shifted = (delta: number) => loss(new Map([...host, [key, values.map((v, k) => (k === i ? v + delta : v))]]));
      const finiteDifference = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
      const step = values[i] - after.get(key)!.data[i];
      // 1e-5: float32 gradients against float64 central differences (error ~1e-10).
      t.true(Math.abs(finiteDifference - step) < 1e-5, `${key}[${i}]: finite difference ${finiteDifference}, step ${step}`);
      checked++;
    }
  }
  t.is(checked, 3 * 4 + 4 + 4 + 4 * 3 + 3);
  tf.dispose([xs, ys, result.loss, result.correct]);
  optimizer.dispose();
  model.dispose();
});

test.serial('ZeroPadding1D puts zeros before and after the steps and keeps the values exactly', async (t) => {
  await initNodeBackend('cpu');
  const graph = graphOf(modelWith([3, 2], 'ZeroPadding1D([1, 2])'));
  const x = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
  const y = new Model(graph, new Map(), 'cpu').predict(x) as tf.Tensor;
  t.deepEqual(y.shape, [1, 6, 2]);
  t.deepEqual([...y.dataSync()], [0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0]);
});

test.serial("LayerNormalization trains: three SGD steps give tfjs-layers' trainOnBatch gamma, beta and kernels", async (t) => {
  await initNodeBackend('cpu');
  await registerGradients();
  const graph = graphOf(modelWith([3, 4], 'Permute([2, 1]) -> LayerNormalization(axis=[1, 2]) -> Flatten -> Dense(5, activation=softmax)'));
  const weights = randomizedWeights(graph);
  const { after, checked } = await sgdBesideTfjsLayers(t, graph, weights, { backend: 'cpu', learningRate: 0.1, steps: 3, batchSize: 8, firstSeed: 20, label: (k, i) => (k * 3 + i) % 5 });
  // layer_normalization gamma and beta, dense kernel and bias.
  t.is(checked, 4);
  // gamma moved: the comparison is not between two untouched copies.
  t.true(hostMaxAbsDiff(after.get('layer_normalization/gamma')!.data, weights.get('layer_normalization/gamma')!.data) > 1e-4);
});

test('in a bundle (JSON) the four layers round-trip (rms_scaling too), and a bad permutation is refused', (t) => {
  const graph = graphOf(modelWith([6, 4], 'ZeroPadding1D([1, 2]) -> Reshape([9, 4, 1]) -> Cropping2D([[1, 0], [0, 1]]) -> Permute([2, 1, 3]) -> LayerNormalization(axis=[1, 3]) -> LayerNormalization(rms_scaling=true)'));
  const json = graphToJson(graph);
  t.deepEqual(graphFromJson(JSON.parse(JSON.stringify(json))), graphFromJson(json));
  t.deepEqual(graphToJson(graphFromJson(JSON.parse(JSON.stringify(json)))), json);
  const edited = (kind: string, attrs: Record<string, unknown>) => {
    const copy = JSON.parse(JSON.stringify(json)) as { nodes: { kind: string; attrs: Record<string, unknown> }[] };
    const node = copy.nodes.find((n) => n.kind === kind)!;
    Object.assign(node.attrs, attrs);
    return copy;
  };
  t.throws(() => graphFromJson(edited('LayerNormalization', { rms_scaling: 'yes' })), { message: `node 5 'layer_normalization' (LayerNormalization) attribute 'rms_scaling' must be true or false, found "yes"` });
  t.throws(() => graphFromJson(edited('Permute', { dims: [1, 1, 3] })), { message: /Permute dims \[1, 1, 3\] must be a permutation of \[1, 2, 3\]/ });
});

test('Cropping2D(0) and Permute in order are identities the optimizer removes', (t) => {
  const graph = graphOf(modelWith([4, 4, 2], 'Cropping2D(0) -> Permute([1, 2, 3]) -> Permute([2, 1, 3]) -> Dense(2)'));
  const result = optimize({ graph, weights: null });
  t.deepEqual(result.graph.nodes.map((n) => n.kind), ['Input', 'Permute', 'Dense']);
  const removed = result.steps.flatMap((s) => s.notes).filter((n) => n.action === 'removed').map((n) => [n.layer, n.detail]);
  t.deepEqual(removed, [
    ['cropping2d', 'Cropping2D by 0 is the identity'],
    ['permute', 'Permute in the same order is the identity'],
  ]);
});
