import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { BackendName } from '../../../runtime/backend.js';
import { initializeWeights } from '../../../runtime/initializers.js';
import { type Tolerance, compareModels, formatComparison, randomInputs } from '../../../runtime/verify.js';
import { optimizeModel, withWeights } from '../../driver/index.js';
import { BACKEND_FLAG, type Command, EXIT_ERRORS, EXIT_OK, MODEL_FLAG, PASSES_FLAG, WEIGHTS_FLAG } from '../command.js';
import { commandWeights, loadModel } from '../loadModel.js';
import { readInputs } from './run.js';
import { opCount } from '../../ir/graph.js';
import { formatCount } from '../../../compiler/summary.js';
import { shapeSize } from '../../ir/shape.js';
import type { Graph } from '../../ir/types.js';
import { UsageError } from '../args.js';

/** What the random inputs may hold in all: 2^28 float32 values, 1 GiB. */
const MAX_RANDOM_VALUES = 2 ** 28;

/** Refuses --samples × --batch that would not fit in memory, before anything is allocated. */
function checkRandomInputSize(graph: Graph, samples: number, batch: number): void {
  const perExample = graph.inputs.reduce((sum, id) => sum + shapeSize(graph.nodes[id].shape.slice(1) as number[]), 0);
  const total = samples * batch * perExample;
  if (total > MAX_RANDOM_VALUES) {
    throw new UsageError(
      `--samples ${samples} × --batch ${batch} random examples of ${formatCount(perExample)} values each are ${formatCount(total)} values, more than the ${formatCount(MAX_RANDOM_VALUES)} (1 GiB of float32) nnc verify generates; use a smaller --samples or --batch`,
    );
  }
}

export const verifyCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file, or a Keras (.keras, .h5) or TensorFlow.js (model.json) model, imported in memory', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    WEIGHTS_FLAG,
    { name: 'input', type: 'list', metavar: 'x.npy', description: 'also compare on these inputs' },
    { name: 'samples', type: 'positive-int', metavar: 'N', description: 'random input batches', default: 4 },
    { name: 'batch', type: 'positive-int', metavar: 'B', description: 'batch size of the random inputs', default: 8 },
    { name: 'seed', type: 'non-negative-int', metavar: 'N', description: 'seed for random inputs (and initial weights without --weights)', default: 0 },
    { name: 'atol', type: 'number', metavar: 'X', description: 'absolute tolerance', default: 1e-5 },
    { name: 'rtol', type: 'number', metavar: 'X', description: 'relative tolerance', default: 1e-5 },
    PASSES_FLAG,
    BACKEND_FLAG,
  ],
  async run({ positional, flags, io }) {
    for (const name of ['atol', 'rtol']) {
      // A negative tolerance would make every comparison fail, or with |y| pass nonsense.
      if (!((flags[name] as number) >= 0)) throw new UsageError(`option --${name} must be a non-negative number, found ${flags[name]}`);
    }
    const graph = await loadModel(positional[0], flags.model as string | undefined, io);
    checkRandomInputSize(graph, flags.samples as number, flags.batch as number);
    const seed = flags.seed as number;
    let model;
    const given = await commandWeights(positional[0], flags);
    if (given !== null) {
      model = withWeights(graph, given.weights, given.weightsName);
    } else {
      io.stderr(`note: no --weights given: verifying with initial weights (seed ${seed}); BatchNormalization statistics are then trivial\n`);
      model = withWeights(graph, initializeWeights(graph, seed), 'the initial weights');
    }
    const optimized = optimizeModel(model, { passes: flags.passes as string[] | undefined });
    const backend = await initNodeBackend(flags.backend as BackendName);
    const tolerance: Tolerance = { atol: flags.atol as number, rtol: flags.rtol as number };
    const pairs = [model, optimized] as const;
    io.stdout(`verify ${graph.name} on ${backend}: ${opCount(graph)} ops before, ${opCount(optimized.graph)} after optimization\n`);
    let ok = true;
    if (flags.input) {
      const given = await compareModels(pairs[0], pairs[1], [readInputs(graph, flags.input as string[])], backend, tolerance);
      io.stdout(formatComparison(`  given input`, given, tolerance) + '\n');
      ok &&= given.within;
    }
    const random = await compareModels(pairs[0], pairs[1], randomInputs(graph, flags.samples as number, flags.batch as number, seed), backend, tolerance);
    io.stdout(formatComparison(`  ${flags.samples} random batches of ${flags.batch}`, random, tolerance) + '\n');
    ok &&= random.within;
    io.stdout(ok ? 'equivalent within tolerance\n' : 'NOT equivalent: the optimized graph computes a different function\n');
    return ok ? EXIT_OK : EXIT_ERRORS;
  },
};
