/** @file The validation layer: argument schemas, options objects, declared public functions. */
export * as s from './schemas.js';
export { checkArgs, declareSignature, type Params, publicFn, type Signature, signatureOf } from './publicFn.js';
export { describe } from './describe.js';
export { describeArg, type DTypeRule, type ErrorClass, type Schema, type SchemaSpec } from './schema.js';
export { didYouMean, type OptionsOf } from './options.js';
