// Training data on the host: examples as float32 rows, targets as float32 rows (class
// indices for the sparse crossentropy). Two sources:
//
//   fashion-mnist   runtime/data/fashionMnist.ts: 55,000 / 5,000 / 10,000, stratified,
//                   split seed 42 (independent of the training seed)
//   PATH.npz        x_train, y_train, optional x_val, y_val, x_test, y_test; without
//                   a validation pair, `validationSplit` holds out the *last* fraction
//                   of the training arrays before any shuffling, as Keras's
//                   `fit(validation_split=…)` does
//
// Every array is checked against the model before training starts: example shapes
// against the input, target shapes against the output and the loss, label ranges,
// dtypes, and matching counts; each problem is an NncError naming the array.

import { NncError } from '../../src/diagnostics.js';
import { formatShape } from '../../src/ir/shape.js';
import type { Graph } from '../../src/ir/types.js';
import { float32 } from '../../src/ir/tensors.js';
import { loadFashionMnist, type FashionMnistOptions, type Split } from '../data/fashionMnist.js';
import type { NpyArray } from '../../src/formats/npy.js';
import { readNpz } from '../../src/formats/npz.js';
import type { LossName } from './losses.js';
import { firstNonFinite } from '../../src/formats/bytes.js';
import { shapeSize } from '../../src/ir/shape.js';

/** Examples and their targets, row-major, one row per example. */
export interface Dataset {
  /** count × ∏xShape values. */
  readonly x: Float32Array;
  /** One example's shape (the model's input shape without the batch dimension). */
  readonly xShape: readonly number[];
  /** count × ∏yShape values: class indices for the sparse crossentropy, else targets shaped like the output. */
  readonly y: Float32Array;
  /** One target's shape: the output's shape without its last axis for class indices, else the output's shape. */
  readonly yShape: readonly number[];
  readonly count: number;
}

export interface TrainingData {
  /** Where the data came from, for messages and metadata. */
  readonly description: string;
  readonly train: Dataset;
  readonly validation: Dataset | null;
  readonly test: Dataset | null;
}

/** A split as read, before the model and loss decide how to interpret the targets. */
interface RawSplit {
  readonly x: NpyArray;
  readonly y: NpyArray;
  /** `train`, `val` or `test`: the suffix of the arrays' names. */
  readonly suffix: string;
}

/** What the model expects: one input and one output, shapes without the batch dimension. */
export interface ModelIo {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
}

export function modelIo(graph: Graph): ModelIo {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new NncError(`nnc train needs a model with one input and one output; '${graph.name}' has ${graph.inputs.length} input(s) and ${graph.outputs.length} output(s)`);
  }
  const concrete = (shape: readonly (number | null)[], what: string): number[] => {
    const dims = shape.slice(1);
    if (dims.some((d) => d === null)) throw new NncError(`the model's ${what} shape ${formatShape(shape)} has an unknown dimension besides the batch`);
    return dims as number[];
  };
  return { inputShape: concrete(graph.nodes[graph.inputs[0]].shape, 'input'), outputShape: concrete(graph.nodes[graph.outputs[0]].shape, 'output') };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

// ---------------------------------------------------------------------------
// Sources

/** Fashion-MNIST as three datasets with class-index targets. */
export async function fashionMnistData(options: FashionMnistOptions = {}): Promise<TrainingData> {
  const data = await loadFashionMnist(options);
  const toDataset = (split: Split): Dataset => ({ x: split.x, xShape: [28, 28], y: float32(split.y), yShape: [], count: split.count });
  return {
    description: `fashion-mnist (split seed ${data.seed})`,
    train: toDataset(data.train),
    validation: toDataset(data.validation),
    test: toDataset(data.test),
  };
}

/**
 * Checks Fashion-MNIST against the model and the loss. The images fit any input of
 * 784 values ([28, 28], [784], [28, 28, 1]): rows are row-major, as x.reshape would see them.
 */
export function fitFashionMnist(data: TrainingData, io: ModelIo, loss: LossName): TrainingData {
  if (shapeSize(io.inputShape) !== 784) {
    throw new NncError(`fashion-mnist images are 28×28 (784 values), but the model's input is ${formatShape([null, ...io.inputShape])}`);
  }
  if (loss !== 'sparse_categorical_crossentropy') {
    throw new NncError(`fashion-mnist labels are class indices 0..9: use --loss sparse_categorical_crossentropy, not ${loss}`);
  }
  if (!sameShape(io.outputShape, [10])) {
    throw new NncError(`fashion-mnist has 10 classes, but the model's output is ${formatShape([null, ...io.outputShape])}; end the model with Dense(10, activation=softmax)`);
  }
  const view = (set: Dataset | null): Dataset | null => set && { ...set, xShape: io.inputShape };
  return { ...data, train: view(data.train)!, validation: view(data.validation), test: view(data.test) };
}

/** The arrays of an .npz archive, by name (x_train, y_train, ...). */
export function readNpzArrays(bytes: Uint8Array, path: string): Map<string, NpyArray> {
  const arrays = readNpz(bytes, path);
  if (!arrays.has('x_train') || !arrays.has('y_train')) {
    const missing = ['x_train', 'y_train'].filter((name) => !arrays.has(name)).join(' and ');
    throw new NncError(`${path} has no ${missing} (it holds: ${[...arrays.keys()].join(', ') || 'no arrays'}); nnc train needs x_train and y_train, and optionally x_val, y_val, x_test, y_test`);
  }
  return arrays;
}

/**
 * The arrays of an .npz archive (from readNpzArrays), checked and converted for `loss`
 * (see the header). `validationSplit` in [0, 1) holds out the last fraction of
 * x_train, y_train when the archive has no x_val, y_val.
 */
export function npzData(arrays: ReadonlyMap<string, NpyArray>, path: string, io: ModelIo, loss: LossName, validationSplit = 0): TrainingData {
  const pair = (suffix: string): RawSplit | null => {
    const x = arrays.get(`x_${suffix}`);
    const y = arrays.get(`y_${suffix}`);
    if (!x && !y) return null;
    if (!x || !y) throw new NncError(`${path} has ${x ? `x_${suffix} but no y_${suffix}` : `y_${suffix} but no x_${suffix}`}; they come in pairs`);
    return { x, y, suffix };
  };
  const train = pair('train');
  if (!train) throw new NncError(`${path} has no x_train and y_train`);
  const validation = pair('val');
  const test = pair('test');
  if (validation && validationSplit > 0) {
    throw new NncError(`${path} has its own validation arrays (x_val, y_val); leave out --validation-split`);
  }
  const convert = (split: RawSplit) => toDataset(split, path, io, loss);
  let trainSet = convert(train);
  let validationSet = validation ? convert(validation) : null;
  if (!validation && validationSplit > 0) ({ train: trainSet, validation: validationSet } = holdOutLast(trainSet, validationSplit, path));
  return { description: path, train: trainSet, validation: validationSet, test: test ? convert(test) : null };
}

/** Whether every value of an array is an integer (class indices can be stored as floats). */
export function isIntegral(array: NpyArray): boolean {
  if (!(array.data instanceof Float32Array || array.data instanceof Float64Array)) return true;
  for (let i = 0; i < array.data.length; i++) if (!Number.isInteger(array.data[i])) return false;
  return true;
}

/** Keras's `validation_split`: the last ⌊count · fraction⌋ examples, taken before shuffling. */
export function holdOutLast(data: Dataset, fraction: number, what = 'the training data'): { train: Dataset; validation: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw new NncError(`--validation-split must be in (0, 1), found ${fraction}`);
  const held = Math.floor(data.count * fraction);
  const kept = data.count - held;
  if (held === 0 || kept === 0) {
    throw new NncError(`--validation-split ${fraction} of the ${data.count} examples of ${what} leaves ${held === 0 ? 'no validation' : 'no training'} examples`);
  }
  const xRow = shapeSize(data.xShape);
  const yRow = shapeSize(data.yShape);
  const slice = (from: number, to: number): Dataset => ({
    x: data.x.subarray(from * xRow, to * xRow),
    xShape: data.xShape,
    y: data.y.subarray(from * yRow, to * yRow),
    yShape: data.yShape,
    count: to - from,
  });
  return { train: slice(0, kept), validation: slice(kept, data.count) };
}

// ---------------------------------------------------------------------------
// Checks

const NUMERIC_DTYPES = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

/** The target shape per example that `loss` needs: class indices drop the output's last axis. */
export function targetShape(loss: LossName, outputShape: readonly number[]): readonly number[] {
  return loss === 'sparse_categorical_crossentropy' ? outputShape.slice(0, -1) : outputShape;
}

function toDataset(split: RawSplit, path: string, io: ModelIo, loss: LossName): Dataset {
  const xName = `x_${split.suffix}`;
  const yName = `y_${split.suffix}`;
  for (const [name, array] of [[xName, split.x], [yName, split.y]] as const) {
    if (!NUMERIC_DTYPES.has(array.dtype)) throw new NncError(`${path}: ${name} holds ${array.dtype}; nnc train needs numbers`);
    if (array.shape.length === 0) throw new NncError(`${path}: ${name} is a scalar; it needs one row per example`);
  }
  const count = split.x.shape[0];
  if (count === 0) throw new NncError(`${path}: ${xName} has no examples`);
  const xShape = split.x.shape.slice(1);
  if (!sameShape(xShape, io.inputShape)) {
    const hint = shapeSize(xShape) === shapeSize(io.inputShape) ? ` (same size: reshape it to [${count}, ${io.inputShape.join(', ')}])` : '';
    throw new NncError(`${path}: ${xName} has shape ${formatShape(split.x.shape)}, but the model's input expects ${formatShape([null, ...io.inputShape])}${hint}`);
  }
  if (split.y.shape[0] !== count) {
    throw new NncError(`${path}: ${xName} has ${count} examples but ${yName} has ${split.y.shape[0]}`);
  }
  const expected = targetShape(loss, io.outputShape);
  let yShape = split.y.shape.slice(1);
  // Keras accepts class indices shaped [N, 1] as well as [N]; likewise one target per example for a one-unit output.
  if (!sameShape(yShape, expected) && shapeSize(yShape) === shapeSize(expected) && (yShape.length === expected.length + 1 || yShape.length + 1 === expected.length) && [...yShape, ...expected].includes(1)) {
    yShape = [...expected];
  }
  if (!sameShape(yShape, expected)) {
    const what = loss === 'sparse_categorical_crossentropy' ? `class indices shaped ${formatShape([null, ...expected])}` : `targets shaped like the output, ${formatShape([null, ...expected])}`;
    const hint = loss === 'sparse_categorical_crossentropy' && sameShape(split.y.shape.slice(1), io.outputShape) ? ' (these look one-hot: use --loss categorical_crossentropy)' : loss !== 'sparse_categorical_crossentropy' && sameShape(split.y.shape.slice(1), targetShape('sparse_categorical_crossentropy', io.outputShape)) ? ' (these look like class indices: use --loss sparse_categorical_crossentropy)' : '';
    throw new NncError(`${path}: ${yName} has shape ${formatShape(split.y.shape)}, but ${loss} needs ${what}${hint}`);
  }
  const x = float32(split.x.data);
  const xBad = firstNonFinite(x);
  if (xBad >= 0) throw new NncError(`${path}: ${xName} holds ${x[xBad]} at flat index ${xBad}; examples must be finite numbers`);
  const y = float32(split.y.data);
  checkTargets(y, split.y, yName, path, loss, io.outputShape);
  return { x, xShape, y, yShape, count };
}

function checkTargets(y: Float32Array, array: NpyArray, name: string, path: string, loss: LossName, outputShape: readonly number[]): void {
  const bad = firstNonFinite(y);
  if (bad >= 0) throw new NncError(`${path}: ${name} holds ${y[bad]} at flat index ${bad}; targets must be finite numbers`);
  if (loss === 'sparse_categorical_crossentropy') {
    const classes = outputShape[outputShape.length - 1];
    for (let i = 0; i < y.length; i++) {
      const label = array.data[i];
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        const why = Number.isInteger(label) ? `out of range: the model's output has ${classes} classes, so labels are 0..${classes - 1}` : 'not a class index (an integer)';
        throw new NncError(`${path}: ${name} holds label ${label} at index ${i}, ${why}`);
      }
    }
  } else if (loss === 'binary_crossentropy' || loss === 'categorical_crossentropy') {
    for (let i = 0; i < y.length; i++) {
      if (y[i] < 0 || y[i] > 1) throw new NncError(`${path}: ${name} holds ${y[i]} at flat index ${i}; ${loss} needs targets in [0, 1]`);
    }
  }
}
