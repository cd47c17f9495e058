import { existsSync } from 'node:fs';
import { formatFusionReport } from '../../../compiler/passes/report.js';
import { formatCount, summarize } from '../../../compiler/summary.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { BackendName } from '../../../runtime/backend.js';
import { checkBundleTarget, makeBundle, writeBundle } from '../../../runtime/bundle/write.js';
import type { BundleDtype } from '../../../runtime/bundle/manifest.js';
import type { Granularity } from '../../../runtime/bundle/quantize.js';
import { formatDtypePlan, planDtypes } from '../../../runtime/bundle/dtypePlan.js';
import { compareModels, formatComparison, randomInputs } from '../../../runtime/verify.js';
import { NncError } from '../../diagnostics.js';
import { opCount } from '../../ir/graph.js';
import { optimizeModel, type WeightedModel, withWeights } from '../../driver/index.js';
import { UsageError } from '../args.js';
import { BACKEND_FLAG, type Command, EXIT_OK, MODEL_FLAG, PASSES_FLAG, WEIGHTS_FLAG } from '../command.js';
import { isDirectory } from '../files.js';
import { commandWeights, loadModel } from '../loadModel.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * The build's safety net against a wrong fold, not a precision audit (`nnc verify` is,
 * at 1e-5): trained weights on N(0, 1) inputs show float32 rounding differences up to
 * ~1e-5 between two correct graphs, while a wrong fold is off by orders of magnitude more.
 */
const BUILD_TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

export const buildCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file, or a Keras (.keras, .h5) or TensorFlow.js (model.json) model, imported in memory', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    WEIGHTS_FLAG,
    { name: 'out', type: 'string', metavar: 'DIR', description: 'the bundle directory' },
    { name: 'optimize', type: 'boolean', description: 'run the optimizer (--no-optimize to bundle the graph as written)', default: true },
    PASSES_FLAG,
    { name: 'dtype', type: 'string', metavar: 'TYPE', choices: ['float32', 'float16', 'uint16', 'uint8'], description: 'weights precision in the bundle (float16: half the download; uint16, uint8: kernels quantized; decoded to float32 on load) [default: the source\'s, tensor by tensor: a quantized TensorFlow.js model stays quantized; else float32]' },
    { name: 'quantization', type: 'string', metavar: 'HOW', choices: ['per-channel', 'per-tensor'], description: 'quantized kernels: a scale and zero point per output channel, or one per tensor', default: 'per-channel' },
    { name: 'verify', type: 'boolean', description: 'check the optimized graph against the original on random inputs before writing (--no-verify to skip)', default: true },
    BACKEND_FLAG,
  ],
  async run({ positional, flags, io }) {
    const graph = await loadModel(positional[0], flags.model as string | undefined, io);
    const given = await commandWeights(positional[0], flags);
    if (given === null) throw new UsageError('--weights W.safetensors is required (make initial weights with nnc init, or train with nnc train)');
    if (!flags.out) throw new UsageError('--out DIR is required');
    if (existsSync(flags.out as string) && !isDirectory(flags.out as string)) throw new UsageError(`--out ${flags.out} is a file; a bundle is a directory (model.json, weights.safetensors, model.js)`);
    checkBundleTarget(flags.out as string);
    const model = withWeights(graph, given.weights, given.weightsName);

    let result: WeightedModel = model;
    if (flags.optimize) {
      const optimized = optimizeModel(model, { passes: flags.passes as string[] | undefined });
      io.stdout(formatFusionReport(optimized.report));
      if (flags.verify) {
        const backend = await initNodeBackend(flags.backend as BackendName);
        const comparison = await compareModels(model, optimized, randomInputs(graph, 2, 8, 0), backend, BUILD_TOLERANCE);
        io.stdout(formatComparison('verify (2 random batches of 8)', comparison, BUILD_TOLERANCE) + '\n');
        if (!comparison.within) throw new NncError('the optimized graph does not compute the same function; no bundle written (rerun with --passes to find the pass, or --no-optimize)');
      }
      result = optimized;
    } else {
      const batchNorms = graph.nodes.filter((n) => n.kind === 'BatchNormalization').length;
      const { totalParams } = summarize(graph);
      io.stdout(`Fusion report: model ${graph.name}: optimizer off (--no-optimize); bundled as written: ${opCount(graph)} ops, ${formatCount(totalParams)} parameters, ${batchNorms} BatchNormalization layer${batchNorms === 1 ? '' : 's'} kept\n`);
    }
    // The bundle's outputs keep the model's names, whatever layer the optimizer left at each.
    const outputNames = graph.outputs.map((id) => graph.nodes[id].name);
    const plan = planDtypes(result.weights, { dtype: flags.dtype as BundleDtype | undefined, quantization: flags.quantization as Granularity, sourceDtypes: given.sourceDtypes, sourceQuantization: given.sourceQuantization });
    const files = await makeBundle(result.graph, result.weights, { plan, outputNames, sourceQuantization: given.sourceQuantization });
    const written = writeBundle(flags.out as string, files);
    io.stdout(`weights dtype, by tensor:\n${formatDtypePlan(files.plan).join('\n')}\n`);
    io.stdout(`wrote bundle ${flags.out} (${files.manifest.weights.dtype} weights):\n`);
    for (const file of written) io.stdout(`  ${file.path.padEnd(40)} ${kib(file.bytes).padStart(12)}\n`);
    return EXIT_OK;
  },
};
