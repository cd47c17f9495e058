import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { BackendName } from '../../../runtime/backend.js';
import { Model } from '../../../runtime/model.js';
import { evaluate } from '../../../runtime/train/fit.js';
import { LOSSES, type LossName } from '../../../runtime/train/losses.js';
import { formatCount } from '../../../compiler/summary.js';
import { opCount } from '../../ir/graph.js';
import { UsageError } from '../args.js';
import { BACKEND_FLAG, type Command, EXIT_OK, MODEL_FLAG, WEIGHTS_FLAG } from '../command.js';
import { loadModelOrBundle } from '../loadModelOrBundle.js';
import { loadEvaluationData } from './train.js';

export const evaluateCommand: Command = {
  positionals: [{ name: 'FILE|DIR', description: 'a .nn file (with --weights), a Keras or TensorFlow.js model, or a bundle directory', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    WEIGHTS_FLAG,
    { name: 'data', type: 'string', metavar: 'fashion-mnist|D.npz', description: 'the dataset, as for nnc train' },
    { name: 'split', type: 'string', metavar: 'NAME', choices: ['test', 'validation', 'train'], description: 'which split to evaluate', default: 'test' },
    { name: 'loss', type: 'string', metavar: 'NAME', choices: LOSSES, description: 'loss (default: as nnc train chooses it)' },
    BACKEND_FLAG,
  ],
  async run({ positional, flags, io }) {
    const target = positional[0];
    if (!flags.data) throw new UsageError('--data fashion-mnist|D.npz is required');
    const { graph, weights, bundle } = await loadModelOrBundle(target, flags, io);
    const what = bundle ? `bundle ${target}` : flags.weights ? `${graph.name} with ${flags.weights}` : `${graph.name} from ${target}`;
    const split = flags.split as 'test' | 'validation' | 'train';
    const { dataset, loss } = await loadEvaluationData(graph, flags.data as string, flags.loss as LossName | undefined, split, io);
    const backend = await initNodeBackend(flags.backend as BackendName);
    const model = new Model(graph, weights, backend, { weightsName: what });
    try {
      const result = await evaluate(model, dataset, loss);
      io.stdout(`${what}: ${split} accuracy ${result.accuracy.toFixed(4)}, ${loss} ${result.loss.toFixed(4)} (${formatCount(result.count)} examples, ${opCount(graph)} ops, ${backend})\n`);
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};
