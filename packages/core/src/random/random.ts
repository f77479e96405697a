/**
 * @file Seeded random tensors with JAX-style keys: a key names a reproducible stream; `split`
 * derives independent keys. Samples are concrete tensors (drawn on the host, outside any graph).
 */
import { fail, ShapeError, ValueError } from '../errors.js';
import { allocHost, type DType, isFloat } from '../ir/dtype.js';
import { formatShape, isValidDim, sizeOf } from '../ir/shape.js';
import { describe, requireTensor } from '../trace/apply.js';
import { tensor } from '../trace/create.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { openUnit, philox } from './philox.js';

/** A position in the space of random streams: a Philox key and a stream id. */
export interface RandomKey {
  readonly key: number;
  readonly stream: number;
}

/** The key for an integer seed (any safe integer; equal seeds give equal streams). */
export function key(seed: number): RandomKey {
  if (!Number.isSafeInteger(seed)) fail(ValueError, 'random.key', 'seed', 'a safe integer', describe(seed));
  const [k, s] = philox(seed >>> 0, Math.floor(seed / 0x100000000) >>> 0, 0x5eed);
  return { key: k, stream: s };
}

function requireKey(fn: string, k: unknown): RandomKey {
  const r = k as RandomKey;
  if (typeof k !== 'object' || k === null || !Number.isInteger(r.key) || !Number.isInteger(r.stream))
    fail(ValueError, fn, 'key', 'a key from random.key or random.split', describe(k));
  return r;
}

/** `n` (default 2) keys whose streams are independent of each other and of `k`'s. */
export function split(k: RandomKey, n = 2): RandomKey[] {
  const parent = requireKey('random.split', k);
  if (!Number.isInteger(n) || n < 1) fail(ValueError, 'random.split', 'n', 'a positive integer', describe(n));
  return Array.from({ length: n }, (_, i) => {
    const [a, b] = philox(i, parent.stream ^ 0x8badf00d, parent.key);
    return { key: a, stream: b };
  });
}

/** A key derived from `k` and an integer `data` (a step number, a test index). */
export function foldIn(k: RandomKey, data: number): RandomKey {
  const parent = requireKey('random.foldIn', k);
  if (!Number.isSafeInteger(data)) fail(ValueError, 'random.foldIn', 'data', 'a safe integer', describe(data));
  const [a, b] = philox(data >>> 0, (parent.stream ^ Math.floor(data / 0x100000000)) >>> 0, parent.key ^ 0x2545f491);
  return { key: a, stream: b };
}

/** Element i of the stream: a double uniform on (0, 1). */
function unitAt(k: RandomKey, i: number): number {
  const [w0, w1] = philox(i, k.stream, k.key);
  return openUnit(w0, w1);
}

function checkShape(fn: string, shape: readonly number[]): readonly number[] {
  if (!Array.isArray(shape) || !shape.every(isValidDim))
    fail(ShapeError, fn, 'shape', 'an array of non-negative integer dims', describe(shape));
  return shape;
}

function floatDType(fn: string, dtype: DType | undefined): 'f32' | 'f64' {
  const d = dtype ?? 'f32';
  if (!isFloat(d)) fail(ValueError, fn, 'dtype', "'f32' or 'f64'", describe(d));
  return d;
}

function sample<const S extends readonly number[], D extends 'f32' | 'f64'>(
  fn: string,
  k: RandomKey,
  shape: S,
  dtype: D,
  draw: (i: number) => number,
): Tensor<ShapeT, D> {
  requireKey(fn, k);
  const dims = checkShape(fn, shape);
  const out = allocHost(dtype, sizeOf(dims));
  for (let i = 0; i < out.length; i++) out[i] = draw(i);
  return tensor(out, { shape: dims, dtype });
}

export interface UniformOptions<D extends 'f32' | 'f64'> {
  readonly dtype?: D;
  readonly low?: number;
  readonly high?: number;
}

/** Uniform on the open interval (low, high) (default (0, 1)). */
export function uniform<const S extends readonly number[], D extends 'f32' | 'f64' = 'f32'>(
  k: RandomKey,
  shape: S,
  options: UniformOptions<D> = {},
): Tensor<ShapeT, D> {
  const fn = 'random.uniform';
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low))
    fail(ValueError, fn, 'low, high', 'finite bounds with low < high', `${describe(low)}, ${describe(high)}`);
  return sample(fn, k, shape, floatDType(fn, options.dtype) as D, (i) => low + (high - low) * unitAt(k, i));
}

/** Standard normal samples (Box–Muller on two uniforms per element), times `scale` plus `mean`. */
export function normal<const S extends readonly number[], D extends 'f32' | 'f64' = 'f32'>(
  k: RandomKey,
  shape: S,
  options: { readonly dtype?: D; readonly mean?: number; readonly scale?: number } = {},
): Tensor<ShapeT, D> {
  const fn = 'random.normal';
  const mu = options.mean ?? 0;
  const scale = options.scale ?? 1;
  if (!Number.isFinite(mu) || !(scale >= 0) || !Number.isFinite(scale))
    fail(ValueError, fn, 'mean, scale', 'a finite mean and a finite scale ≥ 0', `${describe(mu)}, ${describe(scale)}`);
  return sample(fn, k, shape, floatDType(fn, options.dtype) as D, (i) => {
    const r = Math.sqrt(-2 * Math.log(unitAt(k, 2 * i)));
    return mu + scale * r * Math.cos(2 * Math.PI * unitAt(k, 2 * i + 1));
  });
}

/** Standard Gumbel samples −log(−log u). */
export function gumbel<const S extends readonly number[], D extends 'f32' | 'f64' = 'f32'>(
  k: RandomKey,
  shape: S,
  options: { readonly dtype?: D } = {},
): Tensor<ShapeT, D> {
  const fn = 'random.gumbel';
  return sample(fn, k, shape, floatDType(fn, options.dtype) as D, (i) => -Math.log(-Math.log(unitAt(k, i))));
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates), as i32. */
export function permutation(k: RandomKey, n: number): Tensor<[number], 'i32'> {
  const fn = 'random.permutation';
  requireKey(fn, k);
  if (!isValidDim(n)) fail(ValueError, fn, 'n', 'a non-negative integer', describe(n));
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(unitAt(k, i) * (i + 1));
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return tensor(out);
}

/**
 * Class indices drawn from softmax(logits) along the last axis (Gumbel-max), one per row: i32 of
 * the logits' shape without the class axis. −Inf logits are never drawn; a row of all −Inf is an error.
 */
export function categorical(k: RandomKey, logits: Tensor): Tensor<ShapeT, 'i32'> {
  const fn = 'random.categorical';
  requireKey(fn, k);
  const z = requireTensor(fn, 'logits', logits);
  if (!isFloat(z.dtype) || z.rank < 1)
    fail(ValueError, fn, 'logits', 'a float tensor with a class axis', `${z.dtype} ${formatShape(z.shape)}`);
  const classes = z.shape[z.rank - 1] as number;
  const values = z.data() as ArrayLike<number>;
  const rows = classes === 0 ? 0 : values.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < classes; c++) {
      const v = values[r * classes + c] as number;
      if (Number.isNaN(v) || v === Infinity)
        fail(ValueError, fn, 'logits', 'logits < +Inf and not NaN', `${v} in row ${r}`);
      const score = v - Math.log(-Math.log(unitAt(k, r * classes + c)));
      if (score > best) {
        best = score;
        arg = c;
      }
    }
    if (arg < 0) fail(ValueError, fn, 'logits', 'rows with at least one finite logit', `row ${r} all −Inf`);
    out[r] = arg;
  }
  return tensor(out, { shape: z.shape.slice(0, -1), dtype: 'i32' });
}
