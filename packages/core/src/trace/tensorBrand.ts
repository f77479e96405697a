/** @file The mark every Tensor carries, so that argument checks recognise one without importing the class (no import cycle). */
import type { Tensor } from './tensor.js';

/** Set on Tensor's prototype; module-private, so an object that only looks like a tensor does not have it. */
export const tensorBrand: unique symbol = Symbol('xent.Tensor');

/** True for tensors made by xent (a duck-typed object with `node`, `shape` and `dtype` is not one). */
export const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && tensorBrand in v;
