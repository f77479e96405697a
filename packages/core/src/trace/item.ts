/** @file Reading the one value of a one-element tensor as a JS number or boolean. */
import { fail, ShapeError } from '../errors.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import type { ShapeT } from './shapeTypes.js';
import { hostValue, type Tensor } from './tensor.js';

function itemImpl(t: Tensor<ShapeT, 'bool'>): boolean;
function itemImpl(t: Tensor): number;
function itemImpl(t: Tensor): number | boolean {
  const value = hostValue(t, 'item');
  if (value.length !== 1) fail(ShapeError, 'item', 't', 'a tensor with one element', `shape [${t.shape.join(', ')}]`);
  return t.dtype === 'bool' ? value[0] === 1 : (value[0] as number);
}

/** The value of a one-element tensor: a number (a boolean for bool tensors). */
export const item = publicFn('item', { t: s.tensor() }, itemImpl);
