// `nnc export FILE --format keras|tfjs-layers --out PATH`: the model and its weights for
// Keras 3 (a `.keras` file, optionally with a compile config from `nnc train`'s flags) or
// for TensorFlow.js layers (a folder: model.json and its shards). Everything is built in
// memory and checked first — a layer the format cannot express is an error naming it, and
// nothing is written — then written atomically: the `.keras` through a temporary sibling,
// the folder assembled beside PATH and swapped in (runtime/atomicWrite.ts).

import { existsSync, readdirSync } from 'node:fs';
import { formatCount } from '../../../compiler/summary.js';
import { compileConfig } from '../../../compiler/export/compileConfig.js';
import { exportKeras } from '../../../compiler/export/kerasModel.js';
import { type TfjsDtype, exportTfjs } from '../../../compiler/export/tfjsModel.js';
import { describeFsError, replaceDirectory, writeFileAtomic } from '../../../runtime/atomicWrite.js';
import { kerasArchive } from '../../../runtime/export/kerasArchive.js';
import { nncVersion } from '../../../runtime/version.js';
import { NncError } from '../../diagnostics.js';
import { withWeights } from '../../driver/index.js';
import { UsageError } from '../args.js';
import { type Command, EXIT_OK, MODEL_FLAG, WEIGHTS_FLAG } from '../command.js';
import { isDirectory } from '../files.js';
import { commandWeights, loadModel } from '../loadModel.js';

// nnc train's names (runtime/train/optimizers.ts, losses.ts), repeated here so that the
// command does not load TensorFlow.js; test/cli/export.test.ts checks they are the same.
export const EXPORT_OPTIMIZERS = ['sgd', 'adam', 'nadam', 'rmsprop'] as const;
export const EXPORT_LOSSES = ['sparse_categorical_crossentropy', 'categorical_crossentropy', 'binary_crossentropy', 'mean_squared_error'] as const;
const DEFAULT_LEARNING_RATE: Record<string, number> = { sgd: 0.01, adam: 0.001, nadam: 0.001, rmsprop: 0.001 };

/** What a tfjs-layers folder may already hold: a previous export's files. */
const isTfjsFile = (name: string) => name === 'model.json' || /^group\d+-shard\d+of\d+\.bin$/.test(name);

export const exportCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file, or a Keras (.keras, .h5) or TensorFlow.js (model.json) model', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    WEIGHTS_FLAG,
    { name: 'format', type: 'string', metavar: 'FORMAT', choices: ['keras', 'tfjs-layers'], description: 'keras: a Keras 3 .keras file; tfjs-layers: a TensorFlow.js layers model folder' },
    { name: 'out', type: 'string', metavar: 'PATH', description: 'the .keras file, or the folder for model.json and its shards' },
    { name: 'dtype', type: 'string', metavar: 'TYPE', choices: ['float32', 'float16'], description: 'tfjs-layers weights precision (float16: half the download, widened on load)', default: 'float32' },
    { name: 'compile', type: 'boolean', description: 'keras: add a compile config (optimizer, learning rate, loss, accuracy) so fit() continues in Keras' },
    { name: 'optimizer', type: 'string', metavar: 'NAME', choices: EXPORT_OPTIMIZERS, description: 'with --compile: the optimizer, as nnc train', default: 'sgd' },
    { name: 'lr', type: 'number', metavar: 'X', description: "with --compile: the learning rate [default: Keras's: sgd 0.01, the others 0.001]" },
    { name: 'momentum', type: 'number', metavar: 'X', description: 'with --compile: momentum of sgd and rmsprop', default: 0 },
    { name: 'loss', type: 'string', metavar: 'NAME', choices: EXPORT_LOSSES, description: 'with --compile: the loss (required with --compile)' },
  ],
  async run({ positional, flags, io }) {
    const file = positional[0];
    const format = flags.format as 'keras' | 'tfjs-layers' | undefined;
    const out = flags.out as string | undefined;
    if (!format) throw new UsageError('--format is required: keras or tfjs-layers');
    if (!out) throw new UsageError(format === 'keras' ? '--out M.keras is required' : '--out DIR is required');
    if (format === 'keras' && !out.endsWith('.keras')) throw new UsageError(`--out ${out}: a Keras 3 file must end in .keras (keras.saving.load_model refuses other names)`);
    if (format === 'keras' && flags.dtype !== 'float32') throw new UsageError('--dtype float16 is for --format tfjs-layers; a .keras file holds float32 weights');
    const compiling = flags.compile === true;
    if (!compiling && (flags.loss !== undefined || flags.lr !== undefined)) throw new UsageError('--loss and --lr go with --compile');
    if (compiling && format !== 'keras') throw new UsageError('--compile is for --format keras (a tfjs-layers model.json carries no training configuration here)');
    if (compiling && flags.loss === undefined) throw new UsageError(`--compile needs --loss NAME (${EXPORT_LOSSES.join(', ')})`);
    const optimizer = flags.optimizer as string;
    const learningRate = (flags.lr as number | undefined) ?? DEFAULT_LEARNING_RATE[optimizer];
    if (!(learningRate > 0)) throw new UsageError(`option --lr must be a positive number, found ${learningRate}`);
    const momentum = flags.momentum as number;
    if (!(momentum >= 0 && momentum < 1)) throw new UsageError(`option --momentum must be in [0, 1), found ${momentum}`);
    if (momentum !== 0 && (optimizer === 'adam' || optimizer === 'nadam')) throw new UsageError(`option --momentum applies to sgd and rmsprop, not ${optimizer}`);
    if (format === 'keras' && existsSync(out) && isDirectory(out)) throw new UsageError(`--out ${out} is a directory; give the .keras file's path`);
    if (format === 'tfjs-layers' && existsSync(out) && !isDirectory(out)) throw new UsageError(`--out ${out} is a file; a TensorFlow.js layers model is a folder (model.json and its shards)`);

    const graph = await loadModel(file, flags.model as string | undefined, io);
    const given = await commandWeights(file, flags);
    if (given === null) throw new UsageError('--weights W.safetensors is required for a .nn file (make initial weights with nnc init, or train with nnc train)');
    const { weights } = withWeights(graph, given.weights, given.weightsName);

    if (format === 'keras') {
      const compile = compiling ? compileConfig({ optimizer, learningRate, momentum, loss: flags.loss as string }) : undefined;
      const parts = exportKeras(graph, weights, { compile });
      const bytes = await kerasArchive(parts);
      try {
        writeFileAtomic(out, bytes);
      } catch (e) {
        throw new NncError(`cannot write '${out}': ${describeFsError(e)}`);
      }
      const values = parts.groups.reduce((n, g) => n + g.variables.reduce((m, v) => m + v.data.length, 0), 0);
      const layers = parts.groups.length - 1;
      io.stdout(`wrote ${out}: Keras 3 ${(parts.config as { class_name: string }).class_name} '${graph.name}', ${layers} layer${layers === 1 ? '' : 's'}, ${formatCount(values)} weight values${compile ? `, compiled (${optimizer} lr ${learningRate}, ${flags.loss})` : ''}\n`);
      return EXIT_OK;
    }

    const result = exportTfjs(graph, weights, { dtype: flags.dtype as TfjsDtype, generator: `nnc ${nncVersion()}` });
    const files = [{ name: 'model.json', content: JSON.stringify(result.modelJson) }, ...result.shards.map((s) => ({ name: s.name, content: s.bytes }))];
    try {
      const existing = existsSync(out) ? readdirSync(out).filter(isTfjsFile) : [];
      replaceDirectory(out, files, new Set(existing));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOTEMPTY') throw new NncError(`--out ${out} holds other files than a TensorFlow.js model (${((e as { files?: string[] }).files ?? []).sort().join(', ')}); choose a new folder`);
      throw new NncError(`cannot write '${out}': ${describeFsError(e)}`);
    }
    const bytes = result.shards.reduce((n, s) => n + s.bytes.length, 0);
    io.stdout(`wrote ${out}: TensorFlow.js layers model '${graph.name}' (model.json, ${result.shards.length} shard${result.shards.length === 1 ? '' : 's'}, ${formatCount(bytes)} bytes of ${flags.dtype} weights)\n`);
    return EXIT_OK;
  },
};
