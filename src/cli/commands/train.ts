// `nnc train`: Keras `fit` on Fashion-MNIST or an .npz, then a test evaluation, the
// trained weights (safetensors) and optionally the history (JSON). See docs/training.md.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatCount, summarize } from '../../../compiler/summary.js';
import { registerGradients } from '../../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { BackendName } from '../../../runtime/backend.js';
import { initializeWeights } from '../../../runtime/initializers.js';
import { Model } from '../../../runtime/model.js';
import { TrainableModel } from '../../../runtime/train/trainableModel.js';
import { defaultLoss, outputActivation } from '../../../runtime/train/chooseLoss.js';
import { type DataCommand, type Dataset, type SplitSuffix, type TrainingData, fashionMnistData, fitFashionMnist, isIntegral, modelIo, npzData, npzSplit, readNpzArrays } from '../../../runtime/train/datasets.js';
import type { NpyArray } from '../../formats/npy.js';
import { type Evaluation, TrainingDiverged, evaluate, fit } from '../../../runtime/train/fit.js';
import { type TrainingHistory, historyJson, weightsMetadata } from '../../../runtime/train/history.js';
import { LOSSES, type LossName } from '../../../runtime/train/losses.js';
import { OPTIMIZERS, type OptimizerName, createOptimizer } from '../../../runtime/train/optimizers.js';
import { formatEvaluation, progressCallbacks } from '../../../runtime/train/progress.js';
import { NncError } from '../../diagnostics.js';
import { makeDirectory } from '../../../runtime/atomicWrite.js';
import { opCount } from '../../ir/graph.js';
import type { Graph } from '../../ir/types.js';
import type { HostTensor } from '../../ir/tensors.js';
import { UsageError } from '../args.js';
import { BACKEND_FLAG, type Command, EXIT_OK, type Io, MODEL_FLAG } from '../command.js';
import { optimizeModel, withWeights } from '../../driver/index.js';
import { describeFsError, readBytes, readWeightsFile, writeBytes, writeWeightsFile } from '../files.js';
import { commandWeights, isImportable, loadModel } from '../loadModel.js';

/** Keras's default learning rates. */
const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { sgd: 0.01, adam: 0.001, nadam: 0.001, rmsprop: 0.001 };

const FASHION_MNIST = 'fashion-mnist';

export const trainCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file, or a Keras or TensorFlow.js model (trained on from its own weights)', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    { name: 'data', type: 'string', metavar: 'fashion-mnist|D.npz', description: 'training data: fashion-mnist, or an .npz with x_train, y_train [, x_val, y_val, x_test, y_test]' },
    { name: 'epochs', type: 'positive-int', metavar: 'N', description: 'passes over the training data', default: 1 },
    { name: 'batch-size', type: 'positive-int', metavar: 'B', description: 'examples per step (the last batch may be smaller)', default: 32 },
    { name: 'optimizer', type: 'string', metavar: 'NAME', choices: OPTIMIZERS, description: 'optimizer, with Keras 3 update rules', default: 'sgd' },
    { name: 'lr', type: 'number', metavar: 'X', description: "learning rate [default: Keras's: sgd 0.01, adam, nadam and rmsprop 0.001]" },
    { name: 'momentum', type: 'number', metavar: 'X', description: 'momentum of sgd and rmsprop', default: 0 },
    { name: 'loss', type: 'string', metavar: 'NAME', choices: LOSSES, description: 'loss [default: from the targets and the output activation, see docs/training.md]' },
    { name: 'seed', type: 'non-negative-int', metavar: 'N', description: 'seed of the initial weights, the shuffles and Dropout', default: 0 },
    { name: 'validation-split', type: 'number', metavar: 'F', description: 'hold out the last fraction F of an .npz without x_val, y_val for validation (Keras validation_split)' },
    { name: 'initial-weights', type: 'string', metavar: 'W.safetensors', description: 'start from these weights instead of initializing with --seed' },
    { name: 'out', type: 'string', metavar: 'W.safetensors', description: 'where to write the trained weights' },
    { name: 'history', type: 'string', metavar: 'H.json', description: 'write the per-epoch history and the test result as JSON' },
    { name: 'check-optimized', type: 'boolean', description: 'also evaluate the optimized inference graph on the test set' },
    BACKEND_FLAG,
  ],
  async run({ positional, flags, io }) {
    const file = positional[0];
    const out = flags.out as string | undefined;
    const dataFlag = flags.data as string | undefined;
    if (!dataFlag) throw new UsageError(`--data is required: ${FASHION_MNIST} or a D.npz file`);
    if (!out) throw new UsageError('--out W.safetensors is required');
    const optimizerName = flags.optimizer as OptimizerName;
    const learningRate = (flags.lr as number | undefined) ?? DEFAULT_LEARNING_RATE[optimizerName];
    if (!(learningRate > 0)) throw new UsageError(`option --lr must be a positive number, found ${learningRate}`);
    const momentum = flags.momentum as number;
    if (!(momentum >= 0 && momentum < 1)) throw new UsageError(`option --momentum must be in [0, 1), found ${momentum}`);
    if (momentum !== 0 && (optimizerName === 'adam' || optimizerName === 'nadam')) throw new UsageError(`option --momentum applies to sgd and rmsprop, not ${optimizerName}`);
    const validationSplit = flags['validation-split'] as number | undefined;
    if (validationSplit !== undefined && !(validationSplit > 0 && validationSplit < 1)) {
      throw new UsageError(`option --validation-split must be a fraction in (0, 1), found ${validationSplit}`);
    }
    if (validationSplit !== undefined && dataFlag === FASHION_MNIST) {
      throw new UsageError(`${FASHION_MNIST} has its own validation set (5,000 examples); leave out --validation-split`);
    }

    const historyPath = flags.history as string | undefined;
    // A long run must not end in an unwritable path: check before training.
    checkWritable(out, 'weights file');
    if (historyPath) checkWritable(historyPath, 'history file');

    const graph = await loadModel(file, flags.model as string | undefined, io);
    const { data, loss, lossReason } = await loadData(graph, dataFlag, flags.loss as LossName | undefined, validationSplit, io);
    const seed = flags.seed as number;
    // An imported Keras or TensorFlow.js model starts from its own trained weights (fine-tuning).
    const initialPath = (flags['initial-weights'] as string | undefined) ?? (isImportable(file) ? file : undefined);
    const initialWeights = initialPath === undefined ? initializeWeights(graph, seed) : initialPath === file ? (await commandWeights(file, {}))!.weights : readWeightsFile(initialPath);

    const backend = await initNodeBackend(flags.backend as BackendName);
    await registerGradients();
    const epochs = flags.epochs as number;
    const batchSize = flags['batch-size'] as number;
    const counts = { train: data.train.count, validation: data.validation?.count ?? 0, test: data.test?.count ?? 0 };
    io.stderr(
      [
        `model ${graph.name} (${file}): ${formatCount(summarize(graph).totalParams)} parameters, ${initialPath ? `weights from ${initialPath}` : `initialized with seed ${seed}`}`,
        `data ${data.description}: ${counts.train} train, ${counts.validation} validation, ${counts.test} test`,
        `loss ${loss}${lossReason ? ` (default: ${lossReason})` : ''}; optimizer ${optimizerName} lr ${learningRate}${momentum ? ` momentum ${momentum}` : ''}; batch ${batchSize}; ${epochs} epoch${epochs > 1 ? 's' : ''}; seed ${seed}; backend ${backend}`,
      ].join('\n') + '\n',
    );
    if (!data.validation) io.stderr(`note: no validation data (give x_val, y_val in the .npz, or --validation-split F)\n`);

    const model = new TrainableModel(graph, initialWeights, backend, { weightsName: initialPath ?? 'the initial weights' });
    const optimizer = createOptimizer(optimizerName, { learningRate, momentum });
    try {
      const progress = { out: io.stdout, err: io.stderr, isTTY: io.isTTY };
      // A diverged run writes nothing: the last good weights file stays as it was.
      const diverged = (why: string) => new NncError(`nnc train ${file}: ${why}; ${out} not written (lower --lr, now ${learningRate})`);
      let history;
      try {
        history = await fit(model, data.train, data.validation, { epochs, batchSize, loss, optimizer, seed, callbacks: progressCallbacks(progress, epochs, data.validation !== null) });
      } catch (e) {
        if (e instanceof TrainingDiverged) throw diverged(e.message);
        throw e;
      }
      const trained = await model.getWeights();
      let test: Evaluation | null = null;
      let testOptimized: Evaluation | null = null;
      if (data.test) {
        test = await evaluate(model, data.test, loss);
        io.stdout(formatEvaluation('test', test) + '\n');
        if (flags['check-optimized']) testOptimized = await evaluateOptimized(graph, trained, data, loss, backend, test, io);
      } else {
        io.stderr('note: no test data (give x_test, y_test in the .npz)\n');
      }
      const record: TrainingHistory = {
        model: graph.name,
        file,
        data: data.description,
        examples: counts,
        loss,
        optimizer: { name: optimizerName, learning_rate: learningRate, momentum },
        batch_size: batchSize,
        epochs,
        seed,
        backend,
        initial_weights: initialPath ?? `init (seed ${seed})`,
        history,
        test,
        test_optimized: testOptimized,
      };
      writeWeightsFile(out, trained, weightsMetadata(record));
      io.stderr(`wrote ${out}: ${trained.size} tensors\n`);
      if (historyPath) {
        writeBytes(historyPath, new TextEncoder().encode(historyJson(record)), 'history file');
        io.stderr(`wrote ${historyPath}\n`);
      }
    } finally {
      optimizer.dispose();
      model.dispose();
    }
    return EXIT_OK;
  },
};

/** Throws unless `path` can be written: its directory exists (or can be made) and is writable, and `path` is not a directory. */
function checkWritable(path: string, what: string): void {
  try {
    makeDirectory(dirname(path));
    accessSync(dirname(path), constants.W_OK);
    if (existsSync(path) && statSync(path).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
  } catch (e) {
    throw new NncError(`cannot write ${what} '${path}': ${describeFsError(e)}`);
  }
}

/** Reads and checks the data, and settles the loss (the flag, or the default for the targets). */
export async function loadData(graph: Graph, dataFlag: string, lossFlag: LossName | undefined, validationSplit: number | undefined, io: Io): Promise<{ data: TrainingData; loss: LossName; lossReason: string | null }> {
  const shapes = modelIo(graph);
  let data: TrainingData;
  let settled: { loss: LossName; lossReason: string | null };
  if (dataFlag === FASHION_MNIST) {
    settled = fashionMnistLoss(lossFlag);
    data = fitFashionMnist(await fashionMnistData({ onProgress: (message) => io.stderr(message + '\n') }), shapes, settled.loss);
  } else {
    const arrays = readNpzFile(dataFlag, 'nnc train', 'train');
    settled = npzLoss(graph, arrays.get('y_train')!, lossFlag, shapes.outputShape);
    data = npzData(arrays, dataFlag, shapes, settled.loss, validationSplit ?? 0);
  }
  warnLoss(graph, settled.loss, io);
  return { data, ...settled };
}

/** `nnc evaluate`'s data: one split, checked with messages that name nnc evaluate (an .npz needs only that split's arrays). */
export async function loadEvaluationData(graph: Graph, dataFlag: string, lossFlag: LossName | undefined, split: 'train' | 'validation' | 'test', io: Io): Promise<{ dataset: Dataset; description: string; loss: LossName }> {
  const command = 'nnc evaluate';
  const shapes = modelIo(graph, command);
  let result: { dataset: Dataset | null; description: string; loss: LossName };
  if (dataFlag === FASHION_MNIST) {
    const { loss } = fashionMnistLoss(lossFlag);
    const data = fitFashionMnist(await fashionMnistData({ onProgress: (message) => io.stderr(message + '\n') }), shapes, loss);
    result = { dataset: split === 'train' ? data.train : data[split], description: data.description, loss };
  } else {
    const suffix = split === 'validation' ? 'val' : split;
    const arrays = readNpzFile(dataFlag, command, suffix);
    const { loss } = npzLoss(graph, arrays.get(`y_${suffix}`)!, lossFlag, shapes.outputShape);
    result = { dataset: npzSplit(arrays, dataFlag, shapes, loss, suffix, command), description: dataFlag, loss };
  }
  if (!result.dataset) throw new NncError(`${command}: ${result.description} has no ${split} split`);
  warnLoss(graph, result.loss, io);
  return { ...result, dataset: result.dataset };
}

function fashionMnistLoss(lossFlag: LossName | undefined): { loss: LossName; lossReason: string | null } {
  return { loss: lossFlag ?? 'sparse_categorical_crossentropy', lossReason: lossFlag ? null : 'fashion-mnist labels are class indices' };
}

function readNpzFile(dataFlag: string, command: DataCommand, suffix: SplitSuffix) {
  if (!dataFlag.endsWith('.npz')) throw new UsageError(`--data expects ${FASHION_MNIST} or a .npz file, found '${dataFlag}'`);
  return readNpzArrays(readBytes(dataFlag, 'data file'), dataFlag, command, suffix);
}

function npzLoss(graph: Graph, targets: NpyArray, lossFlag: LossName | undefined, outputShape: readonly number[]): { loss: LossName; lossReason: string | null } {
  if (lossFlag) return { loss: lossFlag, lossReason: null };
  const { loss, reason } = defaultLoss(targets.shape.slice(1), isIntegral(targets), outputShape, outputActivation(graph));
  return { loss, lossReason: reason };
}

function warnLoss(graph: Graph, loss: LossName, io: Io): void {
  const activation = outputActivation(graph);
  const probabilistic = loss === 'mean_squared_error' || (loss === 'binary_crossentropy' ? activation === 'sigmoid' : activation === 'softmax');
  if (!probabilistic) {
    io.stderr(`warning: ${loss} is computed on probabilities (Keras's from_logits=False), but model '${graph.name}' ends in ${activation}; end it in ${loss === 'binary_crossentropy' ? 'sigmoid' : 'softmax'}\n`);
  }
}

/** The test set through the optimized inference graph, on the trained weights; prints the comparison. */
async function evaluateOptimized(graph: Graph, trained: Map<string, HostTensor>, data: TrainingData, loss: LossName, backend: BackendName, test: Evaluation, io: Io): Promise<Evaluation> {
  const optimized = optimizeModel(withWeights(graph, trained, 'the trained weights'), {});
  const model = new Model(optimized.graph, optimized.weights, backend, { weightsName: 'the optimized weights' });
  try {
    const result = await evaluate(model, data.test!, loss);
    const points = Math.abs(result.accuracy - test.accuracy) * 100;
    io.stdout(`${formatEvaluation(`test (optimized graph, ${opCount(graph)} → ${opCount(optimized.graph)} ops)`, result)}  Δaccuracy ${points.toFixed(2)} points\n`);
    return result;
  } finally {
    model.dispose();
  }
}
