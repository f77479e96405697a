/**
 * @file @xent/laws: fast-check arbitraries and laws for losses, and `certify(loss)`. Each law returns
 * a fast-check property, usable with `fc.assert` in any test suite.
 */
export * as arbitraries from './arbitraries/index.js';
export {
  batchedGradient,
  convex,
  type ConvexOptions,
  gradientMatchesFiniteDifferences,
  hessianSymmetric,
  jvpMatchesVjp,
  type TensorFunction,
  vjpDotProduct,
} from './laws/gradient.js';
export {
  boundedAbove,
  boundedBelow,
  classPermutationInvariant,
  type ClassificationLoss,
  finiteAtExtremes,
  nonNegative,
  properScoringRule,
  type ProperOptions,
  shiftInvariant,
  symmetricLoss,
} from './laws/classification.js';
export * from './laws/measures.js';
export * from './laws/generic.js';
export {
  chunkInvariant,
  type ChunkInvariantOptions,
  inputImmutable,
  type KernelLawOptions,
  outputPrecision,
  type OutputPrecisionOptions,
  raggedSizes,
  type RaggedSizesOptions,
} from './laws/kernels.js';
export { roundTo, type StorageDType, ulpDistance, ulpOf } from './ulps.js';
export { float, integer, type Operand, tensorOf } from './laws/operands.js';
export {
  certify,
  lawNames,
  laws,
  type AnyProperty,
  type CertifyOptions,
  type Checked,
  type Fn,
  type LawContext,
  type LawEntry,
  type LawName,
  type LawResult,
  type LawStatus,
  type Report,
} from './certify/certify.js';
export { formatReport, reportJson } from './certify/report.js';
export { kinds, operandsFor, signatures, type InputOptions, type Kind } from './certify/kinds.js';
export { close, type Tolerance } from './numeric.js';
export * from './engines/index.js';
