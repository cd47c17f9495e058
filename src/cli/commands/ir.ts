import { NncError } from '../../diagnostics.js';
import { PASSES, checkPassName } from '../../../compiler/passes/pipeline.js';
import { optimizeGraph } from '../../driver/index.js';
import { printGraph } from '../../ir/printer.js';
import { type Command, EXIT_OK, MODEL_FLAG } from '../command.js';
import { loadModel } from '../loadModel.js';

export const irCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file, or a Keras (.keras, .h5) or TensorFlow.js (model.json) model, imported in memory', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    { name: 'after', type: 'string', metavar: 'PASS', description: `print the graph after an optimizer pass of the inference pipeline (${PASSES.map((p) => p.name).join(', ')})` },
    { name: 'training', type: 'boolean', description: 'with --after: the training build (only passes valid in training)' },
  ],
  async run({ positional, flags, io }) {
    const graph = await loadModel(positional[0], flags.model as string | undefined, io);
    const after = flags.after as string | undefined;
    if (after === undefined) {
      io.stdout(printGraph(graph));
      return EXIT_OK;
    }
    checkPassName(after);
    const mode = flags.training ? 'training' : 'inference';
    const result = optimizeGraph(graph, { mode });
    // Folding passes repeat until nothing changes; the graph after a pass's first run is
    // the pipeline up to and including that pass.
    const step = result.steps.find((s) => s.pass === after);
    if (!step) throw new NncError(`pass '${after}' does not run in a ${mode} build`);
    io.stdout(printGraph(step.graph));
    return EXIT_OK;
  },
};
