// split-batchnorm-across-concatenate: a BN after a channel Concatenate of linear layers
// folds into each of them on its slice of channels; the optimized graph computes the
// original's function (runtime/verify.ts on random inputs; a float64 hand computation
// of the folded weights), and each refusal keeps its reason in the notes and the report.

import test, { type ExecutionContext } from 'ava';
import type { OptimizeResult } from '../../../compiler/passes/pipeline.js';
import { formatFusionReport, fusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { Graph } from '../../../src/ir/types.js';
import { graphOf, randomizedWeights } from '../../helpers/models.js';
import { countKind, foldOf, kinds, optimizeAndCompare } from '../../helpers/optimizer.js';

const SPLIT = 'split-batchnorm-across-concatenate';

test.before(async () => {
  await initNodeBackend('wasm');
});


/** The one BN's reasons in the fusion report, after checking it ended as an Affine. */
function keptReasons(t: ExecutionContext, graph: Graph, result: OptimizeResult): readonly string[] {
  const outcome = fusionReport(graph, result).batchNorms[0];
  t.is(outcome.outcome, 'converted');
  return outcome.reasons;
}

test('two Dense layers → Concatenate → BN: each absorbs its slice; the weights by hand in float64', async (t) => {
  const graph = graphOf(`model M { input x: [5]
    a = x -> Dense(3)
    b = x -> Dense(4, use_bias=false)
    (a, b) -> Concatenate -> BatchNormalization }`);
  const weights = randomizedWeights(graph, 2);
  const result = await optimizeAndCompare(t, graph, weights);
  t.deepEqual(kinds(result.graph), ['Input', 'Dense', 'Dense', 'Concatenate']);
  const fold = foldOf(result, 'batch_normalization')!;
  t.deepEqual([fold.pass, fold.into], [SPLIT, 'concatenate']);
  t.is(fold.detail, "split across 'concatenate' into the weights of 'dense', 'dense_1' before it, each on its slice of channels (Wₘ' = Wₘ·sₘ, bₘ' = bₘ·sₘ + tₘ)");
  t.regex(formatFusionReport(fusionReport(graph, result)), /batch_normalization {2,}split across 'concatenate' into the weights of 'dense', 'dense_1'/);
  // W'[i, c] = W[i, c]·s[o + c], b'[c] = b[c]·s[o + c] + t[o + c], s and t from the BN in float64.
  const bn = (v: string) => weights.get(`batch_normalization/${v}`)!.data;
  const s = Array.from({ length: 7 }, (_, c) => bn('gamma')[c] / Math.sqrt(bn('moving_variance')[c] + 0.001));
  const shift = s.map((sc, c) => bn('beta')[c] - bn('moving_mean')[c] * sc);
  let worst = 0;
  for (const [layer, units, offset, hasBias] of [['dense', 3, 0, true], ['dense_1', 4, 3, false]] as const) {
    const kernel = weights.get(`${layer}/kernel`)!.data;
    const folded = result.weights!.get(`${layer}/kernel`)!.data;
    const bias = result.weights!.get(`${layer}/bias`)!.data;
    for (let c = 0; c < units; c++) {
      for (let i = 0; i < 5; i++) worst = Math.max(worst, Math.abs(folded[i * units + c] - kernel[i * units + c] * s[offset + c]));
      const b = hasBias ? weights.get(`${layer}/bias`)!.data[c] : 0;
      worst = Math.max(worst, Math.abs(bias[c] - (b * s[offset + c] + shift[offset + c])));
    }
  }
  // 1e-6: the stored bias is float32 (values of order 1); the kernel is float64.
  t.true(worst < 1e-6, `max abs error ${worst}`);
});

test('Conv2D and DepthwiseConv2D → Concatenate → BN: folded into both', async (t) => {
  const graph = graphOf(`model M { input x: [6, 6, 2]
    a = x -> Conv2D(3, 3, padding=same)
    b = x -> DepthwiseConv2D(3, depth_multiplier=2, padding=same)
    (a, b) -> Concatenate -> BatchNormalization -> ReLU }`);
  const result = await optimizeAndCompare(t, graph);
  t.is(foldOf(result, 'batch_normalization')?.pass, SPLIT);
  t.is(countKind(result.graph, 'BatchNormalization') + countKind(result.graph, 'Affine'), 0);
});

test('refused: an input with an activation, with the reason in the report', async (t) => {
  const graph = graphOf(`model M { input x: [5]
    a = x -> Dense(3)
    b = x -> Dense(4, activation=relu)
    (a, b) -> Concatenate -> BatchNormalization }`);
  const result = await optimizeAndCompare(t, graph);
  const reasons = keptReasons(t, graph, result);
  t.true(reasons.includes("not split across 'concatenate': its input 'dense_1' applies relu before the BN"), JSON.stringify(reasons));
  t.regex(formatFusionReport(fusionReport(graph, result)), /· not split across 'concatenate': its input 'dense_1' applies relu before the BN/);
});

test('refused: an input that is not a linear layer, one read elsewhere, a Concatenate read elsewhere', async (t) => {
  const input = graphOf(`model M { input x: [5]
    a = x -> Dense(3)
    (a, x) -> Concatenate -> BatchNormalization }`);
  t.true(keptReasons(t, input, await optimizeAndCompare(t, input)).includes("not split across 'concatenate': its input 'x' is an Input, not a Dense or convolution"));
  const shared = graphOf(`model M { input x: [5]
    a = x -> Dense(3)
    b = x -> Dense(4)
    n = (a, b) -> Concatenate -> BatchNormalization
    output n, b }`);
  t.true(keptReasons(t, shared, await optimizeAndCompare(t, shared)).includes("not split across 'concatenate': 'dense_1' is a model output, so its value must stay as it is"));
  const twice = graphOf(`model M { input x: [5]
    a = x -> Dense(3)
    c = (a, a) -> Concatenate
    n = c -> BatchNormalization
    output n, c }`);
  t.true(keptReasons(t, twice, await optimizeAndCompare(t, twice)).includes("not split across 'concatenate': 'concatenate' is a model output, so its value must stay as it is"));
});

test('refused: a Concatenate on another axis than the channels', async (t) => {
  const graph = graphOf(`model M { input x: [2, 5]
    a = x -> Dense(3)
    b = x -> Dense(3)
    (a, b) -> Concatenate(axis=1) -> BatchNormalization }`);
  const result = await optimizeAndCompare(t, graph);
  t.true(keptReasons(t, graph, result).includes("not split across 'concatenate': it joins axis 1, not the channel axis 2 of its inputs"));
});
