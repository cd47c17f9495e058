// What users import from nnc.
export { compile, compileGraph, type CompileOptions } from './api.js';
export { check, type CheckResult } from '../compiler/check.js';
export { summarize, formatSummary, type Summary } from '../compiler/summary.js';
export { Model, type InputLike } from '../runtime/model.js';
export { NncError, Source, formatDiagnostic, formatDiagnostics, type Diagnostic } from './diagnostics.js';
export * from './ir/index.js';
export { createOptimizer, OPTIMIZERS, type Optimizer, type OptimizerName } from '../runtime/train/optimizers.js';
export { LOSSES, type LossName } from '../runtime/train/losses.js';
export { optimize, PASSES } from '../compiler/passes/pipeline.js';
export { fusionReport, formatFusionReport } from '../compiler/passes/report.js';
