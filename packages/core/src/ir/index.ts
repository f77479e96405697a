/** @file The IR: dtypes, shapes, primitives, hash-consed nodes, type rules, graphs, printer. */
export * from './dtype.js';
export * from './shape.js';
export * from './irError.js';
export * from './prim.js';
export * from './primInfo.js';
export * from './node.js';
export type { ScanLoop } from './scanLoop.js';
export * from './typeRules.js';
export * as build from './build.js';
export { tryOp, op, withInputs } from './build.js';
export * from './graph.js';
export * from './printer.js';
export * from './parse.js';
