/**
 * @file Seeded random tensors with JAX-style keys: a key names a reproducible stream; `split`
 * derives independent keys. Samples are concrete tensors (drawn on the host, outside any graph).
 */
import { fail, ValueError } from '../errors.js';
import { allocHost } from '../ir/dtype.js';
import { sizeOf } from '../ir/shape.js';
import { checkAllocation, overLimit } from '../limits.js';
import { tensor } from '../trace/create.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { atOrAbove, below, roundTo } from './floats.js';
import { openUnit, philox } from './philox.js';

/** A position in the space of random streams: a Philox key and a stream id. */
export interface RandomKey {
  readonly key: number;
  readonly stream: number;
}

const isWord = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

/** Whether `v` is a key (`{ key, stream }` of unsigned 32-bit integers, as `key`, `split` and `foldIn` make). */
const isKey = (v: unknown): v is RandomKey =>
  typeof v === 'object' &&
  v !== null &&
  isWord((v as { key?: unknown }).key) &&
  isWord((v as { stream?: unknown }).stream);

/** The most keys one `split` makes: each is a JS object (for more streams, `foldIn` an index). */
const MAX_SPLIT_KEYS = 2 ** 24;

const safeInteger = s.number({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true });
const floatDType = s.optional(s.oneOf(['f32', 'f64']));

/** The key for an integer seed (any safe integer; equal seeds give equal streams). */
export const key = publicFn('key', { seed: safeInteger }, (seed: number): RandomKey => {
  const [k, st] = philox(seed >>> 0, Math.floor(seed / 0x100000000) >>> 0, 0x5eed);
  return { key: k, stream: st };
});

/** A random key argument. */
const randomKey = s.custom('a random key (x.random.key)', isKey, () => key(0));

/** `n` (default 2) keys whose streams are independent of each other and of `k`'s (at most 2²⁴ keys). */
export const split = publicFn(
  'split',
  { key: randomKey, n: s.optional(s.number({ min: 1, integer: true })) },
  (k: RandomKey, n = 2): RandomKey[] => {
    if (n > MAX_SPLIT_KEYS)
      throw overLimit({
        fn: 'split',
        arg: 'n',
        requested: n,
        limit: MAX_SPLIT_KEYS,
        unit: 'keys',
        limitName: 'maxSplitKeys; for more streams, foldIn an index',
      });
    return Array.from({ length: n }, (_, i) => {
      const [a, b] = philox(i, k.stream ^ 0x8badf00d, k.key);
      return { key: a, stream: b };
    });
  },
);

/** A key derived from `k` and an integer `data` (a step number, a test index). */
export const foldIn = publicFn(
  'foldIn',
  { key: randomKey, data: safeInteger },
  (k: RandomKey, data: number): RandomKey => {
    const [a, b] = philox(data >>> 0, (k.stream ^ Math.floor(data / 0x100000000)) >>> 0, k.key ^ 0x2545f491);
    return { key: a, stream: b };
  },
);

/** Element i of the stream: a double uniform on (0, 1). */
function unitAt(k: RandomKey, i: number): number {
  const [w0, w1] = philox(i, k.stream, k.key);
  return openUnit(w0, w1);
}

/** A concrete tensor of `shape` whose element i is `draw(i)`, its size checked before anything is allocated. */
function sample<D extends 'f32' | 'f64'>(
  fn: string,
  shape: readonly number[],
  dtype: D,
  draw: (i: number) => number,
): Tensor<ShapeT, D> {
  const size = sizeOf(shape);
  checkAllocation(fn, size, dtype, 'shape');
  const out = allocHost(dtype, size);
  for (let i = 0; i < out.length; i++) out[i] = draw(i);
  return tensor(out, { shape, dtype });
}

export interface UniformOptions<D extends 'f32' | 'f64'> {
  readonly dtype?: D;
  readonly low?: number;
  readonly high?: number;
}

/**
 * Uniform on [low, high) (default [0, 1)), in the dtype: every sample is a finite value of the dtype
 * ≥ low and < high, for any finite bounds (±1.7e308 included).
 */
export const uniform = publicFn(
  'uniform',
  {
    key: randomKey,
    shape: s.shape,
    options: s.options({ dtype: floatDType, low: s.optional(s.finite()), high: s.optional(s.finite()) }),
  },
  uniformImpl,
);

function uniformImpl<const S extends readonly number[], D extends 'f32' | 'f64' = 'f32'>(
  k: RandomKey,
  shape: S,
  options: UniformOptions<D> = {},
): Tensor<ShapeT, D> {
  const fn = 'uniform';
  const dtype = (options.dtype ?? 'f32') as D;
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  for (const [arg, v] of [
    ['low', low],
    ['high', high],
  ] as const) {
    if (!Number.isFinite(roundTo(v, dtype))) fail(ValueError, fn, arg, `a number within the ${dtype} range`, String(v));
  }
  // the dtype's values a sample may take: from the first ≥ low to the last < high
  const first = atOrAbove(low, dtype);
  const last = below(high, dtype);
  if (!(first <= last))
    fail(ValueError, fn, 'high', `a bound above low (${low}) with an ${dtype} value in [low, high)`, String(high));
  const span = high - low;
  // lo + (hi − lo)·u overflows when hi − lo does (bounds ±1e308): then lo + h·u + h·u with h = hi/2 − lo/2
  const half = high / 2 - low / 2;
  const value = Number.isFinite(span)
    ? (u: number): number => low + span * u
    : (u: number): number => low + half * u + half * u;
  return sample(fn, shape, dtype, (i) => {
    const r = roundTo(value(unitAt(k, i)), dtype);
    return r < first ? first : r > last ? last : r;
  });
}

/** Standard normal samples (Box–Muller on two uniforms per element), times `scale` plus `mean`. */
export const normal = publicFn(
  'normal',
  {
    key: randomKey,
    shape: s.shape,
    options: s.options({ dtype: floatDType, mean: s.optional(s.finite()), scale: s.optional(s.finite({ min: 0 })) }),
  },
  normalImpl,
);

function normalImpl<const S extends readonly number[], D extends 'f32' | 'f64' = 'f32'>(
  k: RandomKey,
  shape: S,
  options: { readonly dtype?: D; readonly mean?: number; readonly scale?: number } = {},
): Tensor<ShapeT, D> {
  const mu = options.mean ?? 0;
  const scale = options.scale ?? 1;
  return sample('normal', shape, (options.dtype ?? 'f32') as D, (i) => {
    const r = Math.sqrt(-2 * Math.log(unitAt(k, 2 * i)));
    return mu + scale * r * Math.cos(2 * Math.PI * unitAt(k, 2 * i + 1));
  });
}

/** Standard Gumbel samples −log(−log u). */
export const gumbel = publicFn(
  'gumbel',
  { key: randomKey, shape: s.shape, options: s.options({ dtype: floatDType }) },
  gumbelImpl,
);

function gumbelImpl<const S extends readonly number[], D extends 'f32' | 'f64' = 'f32'>(
  k: RandomKey,
  shape: S,
  options: { readonly dtype?: D } = {},
): Tensor<ShapeT, D> {
  return sample('gumbel', shape, (options.dtype ?? 'f32') as D, (i) => -Math.log(-Math.log(unitAt(k, i))));
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates), as i32. */
export const permutation = publicFn(
  'permutation',
  { key: randomKey, n: s.number({ min: 0, integer: true }) },
  (k: RandomKey, n: number): Tensor<[number], 'i32'> => {
    checkAllocation('permutation', n, 'i32', 'n');
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(unitAt(k, i) * (i + 1));
      const t = out[i] as number;
      out[i] = out[j] as number;
      out[j] = t;
    }
    return tensor(out);
  },
);

/**
 * Class indices drawn from softmax(logits) along the last axis (Gumbel-max), one per row: i32 of
 * the logits' shape without the class axis. −Inf logits are never drawn; a row of all −Inf is an error.
 */
export const categorical = publicFn(
  'categorical',
  { key: randomKey, logits: s.tensor({ dtype: 'float', rank: [1, Infinity] }) },
  (k: RandomKey, logits: Tensor): Tensor<ShapeT, 'i32'> => {
    const fn = 'categorical';
    const classes = logits.shape[logits.rank - 1] as number;
    const values = logits.data() as ArrayLike<number>;
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
    return tensor(out, { shape: logits.shape.slice(0, -1), dtype: 'i32' });
  },
);
