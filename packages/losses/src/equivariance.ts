/** @file The `equivariance` namespace: groups, representations, symmetry penalties, group and frame averaging, invariant features. */
export * from './equivariance/groups.js';
export * from './equivariance/reps.js';
export * from './equivariance/penalties.js';
export * from './equivariance/averaging.js';
export * from './equivariance/features.js';
