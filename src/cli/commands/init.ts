import { initializeWeights } from '../../../runtime/initializers.js';
import { formatCount, summarize } from '../../../compiler/summary.js';
import { UsageError } from '../args.js';
import { type Command, EXIT_OK, MODEL_FLAG } from '../command.js';
import { writeWeightsFile } from '../files.js';
import { loadModel } from '../loadModel.js';

export const initCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    { name: 'seed', type: 'non-negative-int', metavar: 'N', description: 'seed for the initializers', default: 0 },
    { name: 'out', type: 'string', metavar: 'W.safetensors', description: 'where to write the weights' },
  ],
  async run({ positional, flags, io }) {
    const graph = await loadModel(positional[0], flags.model as string | undefined, io);
    const out = flags.out as string | undefined;
    if (!out) throw new UsageError('--out W.safetensors is required');
    const seed = flags.seed as number;
    const weights = initializeWeights(graph, seed);
    writeWeightsFile(out, weights, { model: graph.name, seed: String(seed) });
    io.stdout(`wrote ${out}: ${weights.size} tensors, ${formatCount(summarize(graph).totalParams)} parameters of model ${graph.name} (seed ${seed})\n`);
    return EXIT_OK;
  },
};
