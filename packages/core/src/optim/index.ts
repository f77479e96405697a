/** @file x.optim: optimizers over pytrees of parameters (sgd, adam, adamw) and global-norm gradient clipping. */
export { sgd, type SgdOptions } from './sgd.js';
export { adam, adamw, type AdamOptions, type AdamWOptions } from './adam.js';
export { clipByGlobalNorm, globalNorm } from './clip.js';
export type { Hyper } from './hyper.js';
export type {
  AdamState,
  HyperOverrides,
  Optimizer,
  OptimizerKinds,
  OptimizerName,
  OptimizerState,
  SgdState,
} from './optimizer.js';
