/** @file All arbitraries, as the `arbitraries` namespace. */
export * from './values.js';
export * from './distributions.js';
export * from './groups.js';
