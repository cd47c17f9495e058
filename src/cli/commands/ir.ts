import { printGraph } from '../../ir/printer.js';
import { type Command, EXIT_OK, MODEL_FLAG } from '../command.js';
import { loadModel } from '../loadModel.js';

export const irCommand: Command = {
  name: 'ir',
  summary: 'Print the IR of a model as text: one line per node with its inputs, attributes, shape and weights.',
  positionals: [{ name: 'FILE', description: 'a .nn file', arity: 'one' }],
  flags: [MODEL_FLAG],
  async run({ positional, flags, io }) {
    const graph = loadModel(positional[0], flags.model as string | undefined, io);
    io.stdout(printGraph(graph));
    return EXIT_OK;
  },
};
