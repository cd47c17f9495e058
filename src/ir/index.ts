// The IR's public surface.
export * from './types.js';
export * from './graph.js';
export * from './ops.js';
export * from './shape.js';
export * from './printer.js';
export * from './verify.js';
export * from './tensors.js';
