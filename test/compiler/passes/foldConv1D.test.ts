// BatchNormalization folded into Conv1D: after it (W' = W·s, b' = (b − μ)·s + β, any
// padding), before it when padding=valid (W'[k, c, o] = s_c·W[k, c, o],
// b'_o = b_o + Σ_{k,c} W[k, c, o]·t_c), refused with its reason before a same or causal
// Conv1D or a grouped one. Each optimized graph is run against the unfolded one on the
// same inputs.

import test from 'ava';
import { fusionReport } from '../../../compiler/passes/report.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { Graph } from '../../../src/ir/types.js';
import { graphOf } from '../../helpers/check.js';
import { randomizedWeights } from '../../helpers/models.js';
import { countKind, equivalence, identityBatchNorms, optimizeVerified } from '../../helpers/optimizer.js';

test.before(async () => {
  await initNodeBackend('wasm');
});

interface Case {
  readonly source: string;
  /** Per BN: [outcome, into, reasons]. */
  readonly outcomes: readonly (readonly [string, string | null, readonly string[]])[];
  readonly affines: number;
}

const model = (...layers: string[]) => `model M {\n  input x: [19, 4]\n${layers.map((l) => `  ${l}\n`).join('')}}\n`;

const CASES: Record<string, Case> = {
  'BN after a causal, dilated Conv1D without bias: into its kernel': {
    source: model('Conv1D(6, 3, padding=causal, dilation_rate=2, use_bias=false)', 'BatchNormalization', 'ReLU', 'GlobalAveragePooling1D'),
    outcomes: [['folded', 'conv1d', []]],
    affines: 0,
  },
  'BN before a valid, strided Conv1D: into the kernel after it': {
    source: model('Conv1D(4, 2, activation=relu)', 'BatchNormalization', 'Conv1D(5, 3, strides=2)', 'GlobalMaxPooling1D'),
    outcomes: [['folded', 'conv1d_1', ["bias of 'conv1d' kept: 'conv1d' applies relu after adding it", "not into 'conv1d': it applies relu before the BN"]]],
    affines: 0,
  },
  'BN before a dilated valid Conv1D reached through the input: folded after': {
    source: model('BatchNormalization', 'Conv1D(5, 4, dilation_rate=3)', 'Flatten'),
    outcomes: [['folded', 'conv1d', ["not into the layer before: 'x' is an Input, not a Dense or convolution"]]],
    affines: 0,
  },
  'BN after a grouped Conv1D: into its kernel, one factor per output channel': {
    source: model('Conv1D(6, 3, groups=2)', 'BatchNormalization', 'GlobalAveragePooling1D'),
    outcomes: [['folded', 'conv1d', []]],
    affines: 0,
  },
  'BN before a grouped valid Conv1D: refused, left as an Affine': {
    source: model('BatchNormalization', 'Conv1D(6, 2, groups=2)', 'Flatten'),
    outcomes: [
      [
        'converted',
        'batch_normalization',
        [
          "not into the layer before: 'x' is an Input, not a Dense or convolution",
          "not into 'conv1d': it is a grouped convolution (groups=2), whose kernel rows do not line up with the BN's channels",
        ],
      ],
    ],
    affines: 1,
  },
  'BN before a same or causal Conv1D: refused, left as an Affine, the reasons kept': {
    source: model('Conv1D(4, 2, activation=relu)', 'BatchNormalization', 'Conv1D(5, 3, padding=same)', 'ReLU', 'BatchNormalization', 'Conv1D(2, 3, padding=causal)', 'GlobalAveragePooling1D'),
    outcomes: [
      [
        'converted',
        'batch_normalization',
        [
          "bias of 'conv1d' kept: 'conv1d' applies relu after adding it",
          "not into 'conv1d': it applies relu before the BN",
          "not into 'conv1d_1': it pads its input with zeros (padding=same), and those zeros would not be normalized — folding would change the border outputs",
        ],
      ],
      [
        'converted',
        'batch_normalization_1',
        [
          "not into the layer before: 're_lu' is a ReLU, not a Dense or convolution",
          "not into 'conv1d_2': it pads its input with zeros before the first step (padding=causal), and those zeros would not be normalized — folding would change the first outputs",
        ],
      ],
    ],
    affines: 2,
  },
};

for (const [name, c] of Object.entries(CASES)) {
  test(name, async (t) => {
    const graph: Graph = graphOf(c.source);
    const weights = randomizedWeights(graph, 13);
    const result = optimizeVerified({ graph, weights });
    const report = fusionReport(graph, result);
    t.deepEqual(
      report.batchNorms.map((b) => [b.outcome, b.into, b.reasons]),
      c.outcomes.map(([outcome, into, reasons]) => [outcome, into, reasons]),
    );
    t.is(countKind(result.graph, 'BatchNormalization'), 0);
    t.is(countKind(result.graph, 'Affine'), c.affines);
    // 1e-5 + 1e-5·|y| (DEFAULT_TOLERANCE), on 2 batches of 8.
    const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! });
    t.true(comparison.within, `max abs ${comparison.maxAbsError}, max rel ${comparison.maxRelError}`);
    const blind = await equivalence({ graph, weights }, { graph, weights: identityBatchNorms(graph, weights) });
    t.false(blind.within, 'the BN statistics change the outputs beyond the tolerance');
  });
}

// Rescaling folds like a BN: its offset cannot reach the zeros a causal Conv1D pads.
for (const [padding, expected] of [
  ['valid', ['folded', "folded into 'conv1d' after it"]],
  ['causal', ['kept', "not into the layer before: 'x' is an Input, not a Dense or convolution; not into the layer after: 'conv1d' pads zeros (padding=causal) that would not get the offset 1"]],
] as const) {
  test(`Rescaling(0.5, offset=1) before a ${padding} grouped Conv1D: ${expected[0]}`, async (t) => {
    const graph = graphOf(model('Rescaling(0.5, offset=1)', `Conv1D(4, 3, padding=${padding}, groups=2, use_bias=false)`, 'Flatten'));
    const weights = randomizedWeights(graph, 2);
    const result = optimizeVerified({ graph, weights });
    const notes = result.steps.flatMap((s) => s.notes).filter((n) => n.layer === 'rescaling');
    t.deepEqual(notes.map((n) => [n.action, n.detail]), [[...expected]]);
    const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! });
    t.true(comparison.within, `max abs ${comparison.maxAbsError}, max rel ${comparison.maxRelError}`);
  });
}
