// The platform-neutral core: everything that checks, summarizes, optimizes and prints
// a model, and reads or writes the tensor file formats, with no Node module, no
// esbuild and no tfjs backend. The same modules serve the CLI and a page (the
// playground bundles this entry for the browser; test/architecture/coreBundle.test.ts
// builds it with esbuild for platform 'browser').

export { checkSource, modelGraph, optimizeGraph, optimizeModel, withWeights, type OptimizedModel, type WeightedModel } from './driver/index.js';
export { check, pickModel, type CheckResult } from '../compiler/check.js';
export { summarize, formatSummary, formatCount, type Summary, type SummaryRow } from '../compiler/summary.js';
export { printGraph, type PrintGraphOptions } from '../compiler/print/printGraph.js';
export { formatSource, type FormatResult } from '../compiler/print/formatSource.js';
export { optimize, PASSES, type OptimizeOptions, type OptimizeResult } from '../compiler/passes/pipeline.js';
export { fusionReport, formatFusionReport, type FusionReport, type BatchNormOutcome } from '../compiler/passes/report.js';
export { NncError, Source, formatDiagnostic, formatDiagnostics, type Diagnostic } from './diagnostics.js';
export * from './ir/index.js';
export { checkWeightMap, expectedWeights } from './ir/weights.js';
export { readSafetensors, writeSafetensors } from './formats/safetensors.js';
export { readNpyFloat32, writeNpy } from './formats/npy.js';
export { importModel, filesFromMap, type ImportResult, type ModelFiles } from '../compiler/import/importModel.js';
