// The platform-neutral core, `import ... from 'nnc/core'`: checking `.nn` text, the IR
// and its printer, the Keras summary, the optimizer and its report. Nothing here (or
// below it) imports `node:` modules, TensorFlow.js or esbuild, so a page or a worker can
// bundle it; running and bundling models is the full entry's (src/index.ts).
// test/package/pack.test.ts checks that importing it loads none of them.
export { check, type CheckResult } from '../compiler/check.js';
export { summarize, formatSummary, type Summary } from '../compiler/summary.js';
export { optimize, PASSES, type OptimizeOptions, type OptimizeResult } from '../compiler/passes/pipeline.js';
export { fusionReport, formatFusionReport, type FusionReport } from '../compiler/passes/report.js';
export { NncError, Source, formatDiagnostic, formatDiagnostics, type Diagnostic } from './diagnostics.js';
export * from './ir/index.js';
