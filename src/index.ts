// What users import from nnc in Node: the platform-neutral core (src/core.ts: check,
// summarize, optimize, the IR, the file formats) plus compiling onto a TensorFlow.js
// backend, models, and training. A page imports 'nnc/core' instead.
export * from './core.js';
export { compile, compileGraph, type CompileOptions } from './api.js';
export { Model, type InputLike } from '../runtime/model.js';
export { TrainableModel } from '../runtime/train/trainableModel.js';
export { createOptimizer, OPTIMIZERS, type Optimizer, type OptimizerName } from '../runtime/train/optimizers.js';
export { LOSSES, type LossName } from '../runtime/train/losses.js';
