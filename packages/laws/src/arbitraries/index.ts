/** @file All arbitraries, as the `arbitraries` namespace. */
export { broadcastPair, direction, type Domain, largest, shape, tensor, value, values, withLarge } from './values.js';
export {
  type ClassificationCase,
  classification,
  labels,
  logit,
  type LogitOptions,
  logitPair,
  oneHotRows,
  simplexPoint,
  simplexRows,
  type SimplexOptions,
  softmaxRow,
} from './distributions.js';
export { cyclicShift, flip, orthogonal, permutation, rotation2d, rotation3d } from './groups.js';
