/**
 * @file @xent/losses: losses, entropies, divergences and representation regularisers, each a
 * composition of xent primitives (no kernels of its own), grouped as `losses`, `entropy`, `divergence`.
 */
export * as losses from './losses.js';
export * as entropy from './entropy.js';
export * as divergence from './divergence.js';
export * as equivariance from './equivariance.js';
export { EmaTeacher } from './representation/ema.js';
export type { BatchOf, Reduction, Reduced, LossOf, ReductionOptions } from './types.js';
