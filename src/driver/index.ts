// The one driver: source → check → optimize → bundle. The API and every CLI command
// go through these stages instead of assembling the compiler's parts themselves, so a
// model is checked once, its weights are checked against it once, and its optimized
// form and fusion report come from one call. Platform-neutral: no Node module, no
// backend; running a model (verify, predict) and writing files sit above it.

export { checkSource, modelGraph, withWeights, type WeightedModel } from './check.js';
export { optimizeGraph, optimizeModel, type OptimizedModel } from './optimize.js';
