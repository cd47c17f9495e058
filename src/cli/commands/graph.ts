import { graphSvg } from '../../../compiler/draw/graphSvg.js';
import { optimizeGraph } from '../../driver/index.js';
import { fusionReport } from '../../../compiler/passes/report.js';
import { UsageError } from '../args.js';
import { type Command, EXIT_OK, MODEL_FLAG, PASSES_FLAG } from '../command.js';
import { writeBytes } from '../files.js';
import { loadModel } from '../loadModel.js';

export const graphCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    { name: 'svg', type: 'string', metavar: 'OUT.svg', description: 'the picture to write' },
    { name: 'optimize', type: 'boolean', description: 'draw the graph as optimized for inference (folded layers marked)' },
    PASSES_FLAG,
  ],
  async run({ positional, flags, io }) {
    if (!flags.svg) throw new UsageError('--svg OUT.svg is required');
    const graph = await loadModel(positional[0], flags.model as string | undefined, io);
    const result = optimizeGraph(graph, { passes: flags.passes as string[] | undefined });
    const report = fusionReport(graph, result);
    const svg = flags.optimize
      ? graphSvg(result.graph, { report, role: 'optimized', title: `${graph.name} optimized: ${report.after.ops} ops (⊕ holds a folded BN)` })
      : graphSvg(graph, { report, role: 'original', title: `${graph.name}: ${report.before.ops} ops (dashed: folded away)` });
    writeBytes(flags.svg as string, new TextEncoder().encode(svg), 'picture');
    io.stdout(`wrote ${flags.svg}\n`);
    return EXIT_OK;
  },
};
