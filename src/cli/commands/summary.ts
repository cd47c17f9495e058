import { optimizeGraph } from '../../driver/index.js';
import { formatSummary, summarize } from '../../../compiler/summary.js';
import { type Command, EXIT_OK, MODEL_FLAG, PASSES_FLAG } from '../command.js';
import { loadModel } from '../loadModel.js';

export const summaryCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    { name: 'json', type: 'boolean', description: 'print the same figures as JSON' },
    { name: 'optimize', type: 'boolean', description: 'summarize the graph as optimized for inference' },
    PASSES_FLAG,
  ],
  async run({ positional, flags, io }) {
    let graph = await loadModel(positional[0], flags.model as string | undefined, io);
    if (flags.optimize) graph = optimizeGraph(graph, { passes: flags.passes as string[] | undefined }).graph;
    const summary = summarize(graph);
    io.stdout(flags.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
    return EXIT_OK;
  },
};
