/**
 * @file Reference implementations of every primitive on host arrays, written for clarity: this is
 * the semantics every pass and backend is tested against. Each op computes in f64 (JS numbers)
 * and stores into its output array, so f32 results are rounded once per op.
 */
import { linearLogitGradAll, linearLogitStatsRows } from '../linalg/linearLogits.js';
import { symmetricEigen } from '../linalg/symmetricEigen.js';
import type { DType, HostArray } from '@xent/core';
import {
  allocHost,
  gatherBlame,
  gatherIndexError,
  type ir,
  type LinearLogitPass,
  linearLogitSlots,
  scalarHelpers,
} from '@xent/core/internal';
import { stridedLoop } from './strided.js';

type Prim = ir.Prim;
type Shape = ir.Shape;

/** A computed value: its data (row-major, contiguous) and its type. */
export interface Value {
  readonly data: HostArray;
  readonly type: ir.TensorType;
}

/** Computes a primitive's output array from its inputs. */
export type CpuImpl<P extends Prim> = (
  inputs: readonly Value[],
  params: ir.PrimParamMap[P],
  out: ir.TensorType,
) => HostArray;

/** A linear-logit prim's sizes and parameters, and its inputs' data by the slots of its pass (undefined: absent). */
function linearLogitLaunch(inputs: readonly Value[], params: ir.LinearLogitParams, pass: LinearLogitPass) {
  const slots = linearLogitSlots(params.targets, pass);
  const data = (slot: number | undefined): HostArray | undefined =>
    slot === undefined ? undefined : (inputs[slot] as Value).data;
  const [h, w] = [inputs[slots.h], inputs[slots.w]] as [Value, Value];
  const [n, d] = h.type.shape as [number, number];
  return {
    shape: { ...params, n, d, v: w.type.shape[0] as number, dtype: h.type.dtype },
    h: h.data,
    w: w.data,
    b: data(slots.b) as HostArray,
    y: data(slots.y),
    stats: data(slots.stats),
    cotangent: data(slots.cotangent),
  };
}

const alloc = (t: ir.TensorType): HostArray =>
  allocHost(
    t.dtype,
    t.shape.reduce((a, b) => a * b, 1),
  );

const stridesOf = (shape: Shape): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
};

/** Calls `line` once per line of x along `axis` (its first element's offset, the axis's stride and length) to fill out's array. */
const alongAxis = (
  x: Value,
  axis: number,
  out: ir.TensorType,
  line: (dst: HostArray, base: number, stride: number, n: number) => void,
): HostArray => {
  const shape = x.type.shape;
  const strides = stridesOf(shape);
  const n = shape[axis] as number;
  const stride = strides[axis] as number;
  const dst = alloc(out);
  stridedLoop(
    shape.map((d, i) => (i === axis ? 1 : d)),
    strides,
    0,
    (_k, base) => {
      line(dst, base, stride, n);
    },
  );
  return dst;
};

const unary =
  (f: (x: number) => number): CpuImpl<Prim> =>
  ([x], _p, out) => {
    const src = (x as Value).data;
    const dst = alloc(out);
    for (let i = 0; i < dst.length; i++) dst[i] = f(src[i] as number);
    return dst;
  };

const binary =
  (f: (a: number, b: number) => number): CpuImpl<Prim> =>
  ([a, b], _p, out) => {
    const da = (a as Value).data;
    const db = (b as Value).data;
    const dst = alloc(out);
    for (let i = 0; i < dst.length; i++) dst[i] = f(da[i] as number, db[i] as number);
    return dst;
  };

/** i32 arithmetic wraps modulo 2³² (Math.imul keeps products exact before wrapping). */
const arith = (f: (a: number, b: number) => number, int: (a: number, b: number) => number): CpuImpl<Prim> => {
  const float = binary(f);
  const integer = binary(int);
  return (inputs, p, out) => (out.dtype === 'i32' ? integer(inputs, p, out) : float(inputs, p, out));
};

/** Copies `x` through a strided view: out[k] = x[base + Σ index·strides]. */
function view(x: Value, out: ir.TensorType, strides: readonly number[], base: number): HostArray {
  const dst = alloc(out);
  const src = x.data;
  stridedLoop(out.shape, strides, base, (k, off) => (dst[k] = src[off] as number));
  return dst;
}

/** float → i32 truncates toward zero and saturates; NaN → 0. */
function toI32(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)));
}

/** Folds `x` over the reduced axes into per-output accumulators. */
function reduceInto(
  x: Value,
  axes: readonly number[],
  outSize: number,
  step: (outIndex: number, v: number) => void,
): void {
  const shape = x.type.shape;
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = stridesOf(kept).map((s, i) => (axes.includes(i) ? 0 : s));
  const src = x.data;
  if (outSize === 0) return;
  stridedLoop(shape, keptStrides, 0, (k, o) => {
    step(o, src[k] as number);
  });
}

function logsumexp(x: Value, axes: readonly number[], out: ir.TensorType): HostArray {
  const dst = alloc(out);
  const m = new Float64Array(dst.length).fill(-Infinity);
  const s = new Float64Array(dst.length);
  // Online (max, sum) update: merging v into (m, s) rescales s when the max moves.
  reduceInto(x, axes, dst.length, (o, v) => {
    const mo = m[o] as number;
    if (v === -Infinity) return;
    if (v > mo) {
      s[o] = (s[o] as number) * Math.exp(mo - v) + 1;
      m[o] = v;
    } else if (v === mo) {
      s[o] = (s[o] as number) + 1;
    } else {
      s[o] = (s[o] as number) + Math.exp(v - mo);
    }
  });
  for (let o = 0; o < dst.length; o++) {
    const mo = m[o] as number;
    dst[o] = mo === -Infinity && !Number.isNaN(s[o]) ? -Infinity : mo + Math.log(s[o] as number);
  }
  return dst;
}

export const cpuImpls: ir.PrimTable<{ [P in Prim]: CpuImpl<P> }> = {
  // ---- elementwise unary ----
  neg: unary((x) => -x),
  exp: unary(Math.exp),
  log: unary(Math.log),
  log1p: unary(Math.log1p),
  expm1: unary(Math.expm1),
  sqrt: unary(Math.sqrt),
  recip: unary((x) => 1 / x),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tanh: unary(Math.tanh),
  abs: unary(Math.abs),
  sign: unary(Math.sign),
  floor: unary(Math.floor),
  ceil: unary(Math.ceil),
  erf: unary(scalarHelpers.erf.js),
  erfc: unary(scalarHelpers.erfc.js),
  erfinv: unary(scalarHelpers.erfinv.js),
  lgamma: unary(scalarHelpers.lgamma.js),
  // ---- elementwise unary of an order ----
  polygamma: (inputs, { order }, out) => unary((v) => scalarHelpers.polygamma.js(order, v))(inputs, {}, out),
  // ---- elementwise binary ----
  add: arith(
    (a, b) => a + b,
    (a, b) => a + b,
  ),
  sub: arith(
    (a, b) => a - b,
    (a, b) => a - b,
  ),
  mul: arith((a, b) => a * b, Math.imul),
  div: binary((a, b) => a / b),
  pow: binary(Math.pow),
  maximum: binary(Math.max),
  minimum: binary(Math.min),
  less: binary((a, b) => (a < b ? 1 : 0)),
  lessEqual: binary((a, b) => (a <= b ? 1 : 0)),
  equal: binary((a, b) => (a === b ? 1 : 0)),
  notEqual: binary((a, b) => (a !== b ? 1 : 0)),
  // ---- select and convert ----
  where: ([c, a, b], _p, out) => {
    const dc = (c as Value).data;
    const da = (a as Value).data;
    const db = (b as Value).data;
    const dst = alloc(out);
    for (let i = 0; i < dst.length; i++) dst[i] = (dc[i] === 1 ? da[i] : db[i]) as number;
    return dst;
  },
  cast: ([x], { dtype }, out) => {
    const from: DType = (x as Value).type.dtype;
    if (dtype === 'i32' && (from === 'f32' || from === 'f64')) return unary(toI32)([x as Value], {}, out);
    if (dtype === 'bool') return unary((v) => (v !== 0 ? 1 : 0))([x as Value], {}, out);
    return unary((v) => v)([x as Value], {}, out);
  },
  // ---- reductions ----
  sum: ([x], { axes }, out) => {
    const acc = new Float64Array(alloc(out).length);
    const int = out.dtype === 'i32';
    reduceInto(
      x as Value,
      axes,
      acc.length,
      (o, v) => (acc[o] = int ? ((acc[o] as number) + v) | 0 : (acc[o] as number) + v),
    );
    const dst = alloc(out);
    dst.set(acc);
    return dst;
  },
  max: ([x], { axes }, out) => {
    const acc = new Float64Array(alloc(out).length).fill(out.dtype === 'i32' ? -2147483648 : -Infinity);
    reduceInto(x as Value, axes, acc.length, (o, v) => {
      const cur = acc[o] as number;
      acc[o] = Number.isNaN(cur) || Number.isNaN(v) ? NaN : Math.max(cur, v);
    });
    const dst = alloc(out);
    dst.set(acc);
    return dst;
  },
  logsumexp: ([x], { axes }, out) => logsumexp(x as Value, axes, out),
  // ---- movement ----
  reshape: ([x]) => (x as Value).data,
  broadcast: ([x], { shape }, out) => {
    const xs = (x as Value).type.shape;
    const lead = shape.length - xs.length;
    const inStrides = stridesOf(xs);
    const strides = shape.map((_, i) => (i < lead || xs[i - lead] === 1 ? 0 : (inStrides[i - lead] as number)));
    return view(x as Value, out, strides, 0);
  },
  transpose: ([x], { perm }, out) => {
    const inStrides = stridesOf((x as Value).type.shape);
    return view(
      x as Value,
      out,
      perm.map((p) => inStrides[p] as number),
      0,
    );
  },
  slice: ([x], { start }, out) => {
    const inStrides = stridesOf((x as Value).type.shape);
    const base = start.reduce((acc, s, i) => acc + s * (inStrides[i] as number), 0);
    return view(x as Value, out, inStrides, base);
  },
  pad: ([x], { lo }, out) => {
    const dst = alloc(out);
    const outStrides = stridesOf(out.shape);
    const base = lo.reduce((acc, l, i) => acc + l * (outStrides[i] as number), 0);
    const src = (x as Value).data;
    stridedLoop((x as Value).type.shape, outStrides, base, (k, off) => (dst[off] = src[k] as number));
    return dst;
  },
  flip: ([x], { axes }, out) => {
    const shape = (x as Value).type.shape;
    const inStrides = stridesOf(shape);
    const strides = inStrides.map((s, i) => (axes.includes(i) ? -s : s));
    const base = axes.reduce((acc, a) => acc + ((shape[a] as number) - 1) * (inStrides[a] as number), 0);
    return view(x as Value, out, strides, base);
  },
  concat: (inputs, { axis }, out) => {
    const dst = alloc(out);
    const outStrides = stridesOf(out.shape);
    let offset = 0;
    for (const x of inputs) {
      const src = x.data;
      stridedLoop(
        x.type.shape,
        outStrides,
        offset * (outStrides[axis] as number),
        (k, off) => (dst[off] = src[k] as number),
      );
      offset += x.type.shape[axis] as number;
    }
    return dst;
  },
  gather: ([x, idx], { axis }, out) => {
    const xv = x as Value;
    const iv = idx as Value;
    const n = xv.type.shape[axis] as number;
    const xStrides = stridesOf(xv.type.shape);
    const offStrides = xStrides.map((s, i) => (i === axis ? 0 : s));
    const dst = alloc(out);
    stridedLoop(out.shape, offStrides, 0, (k, off) => {
      const j = iv.data[k] as number;
      if (j < 0 || j >= n) throw gatherIndexError(n, j);
      dst[k] = xv.data[off + j * (xStrides[axis] as number)] as number;
    });
    return dst;
  },
  // ---- contraction and scan ----
  matmul: ([a, b], _p, out) => {
    const av = a as Value;
    const bv = b as Value;
    const r = av.type.shape.length;
    const [m, k] = av.type.shape.slice(r - 2) as [number, number];
    const n = bv.type.shape[r - 1] as number;
    const batch = out.shape.slice(0, r - 2).reduce((x, y) => x * y, 1);
    const dst = alloc(out);
    const int = out.dtype === 'i32';
    for (let t = 0; t < batch; t++) {
      const ao = t * m * k;
      const bo = t * k * n;
      const oo = t * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) {
            const x = av.data[ao + i * k + q] as number;
            const y = bv.data[bo + q * n + j] as number;
            s = int ? (s + Math.imul(x, y)) | 0 : s + x * y;
          }
          dst[oo + i * n + j] = s;
        }
      }
    }
    return dst;
  },
  cumsum: ([x], { axis, reverse }, out) => {
    const xv = x as Value;
    const int = out.dtype === 'i32';
    return alongAxis(xv, axis, out, (dst, base, stride, n) => {
      let s = 0;
      for (let t = 0; t < n; t++) {
        const off = base + (reverse ? n - 1 - t : t) * stride;
        s = int ? (s + (xv.data[off] as number)) | 0 : s + (xv.data[off] as number);
        dst[off] = s;
      }
    });
  },
  /** the online (max, Σ exp) pair along each line: the sum is rescaled when the max moves; equal maxima (±Inf) add 1 */
  logcumsumexp: ([x], { axis, reverse }, out) => {
    const xv = x as Value;
    return alongAxis(xv, axis, out, (dst, base, stride, n) => {
      let m = -Infinity;
      let s = 0;
      for (let t = 0; t < n; t++) {
        const off = base + (reverse ? n - 1 - t : t) * stride;
        const v = xv.data[off] as number;
        if (v > m) {
          s = s * Math.exp(m - v) + 1;
          m = v;
        } else if (v === m) s += 1;
        else if (v !== -Infinity) s += Math.exp(v - m);
        dst[off] = m === -Infinity && s === 0 ? -Infinity : m + Math.log(s);
      }
    });
  },
  argsort: ([x], { axis, descending }, out) => {
    const xv = x as Value;
    // ascending order with NaN the largest; descending reverses it; ties by index either way
    const ascending = (a: number, b: number): number =>
      Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a < b ? -1 : a > b ? 1 : 0;
    return alongAxis(xv, axis, out, (dst, base, stride, n) => {
      const key = (i: number): number => xv.data[base + i * stride] as number;
      const order = Array.from({ length: n }, (_, i) => i).sort(
        (i, j) => (descending ? -ascending(key(i), key(j)) : ascending(key(i), key(j))) || i - j,
      );
      order.forEach((i, t) => (dst[base + t * stride] = i));
    });
  },
  eigh: ([x], { output }, out) => {
    const xv = x as Value;
    const n = xv.type.shape[xv.type.shape.length - 1] as number;
    const batch = n === 0 ? 0 : xv.data.length / (n * n);
    const dst = alloc(out);
    const a = new Float64Array(n * n);
    const values = new Float64Array(n);
    const vectors = new Float64Array(n * n);
    for (let t = 0; t < batch; t++) {
      for (let i = 0; i < n * n; i++) a[i] = xv.data[t * n * n + i] as number;
      symmetricEigen(a, n, values, vectors);
      if (output === 'values') dst.set(values, t * n);
      else dst.set(vectors, t * n * n);
    }
    return dst;
  },
  linearLogitStats: (inputs, params, out) => {
    const { shape, h, w, b, y } = linearLogitLaunch(inputs, params, 'stats');
    const dst = alloc(out);
    linearLogitStatsRows(shape, h, w, b, y, dst);
    return dst;
  },
  linearLogitGrad: (inputs, params, out) => {
    const { shape, h, w, b, y, stats, cotangent } = linearLogitLaunch(inputs, params, 'grad');
    const dst = alloc(out);
    linearLogitGradAll(shape, h, w, b, y, stats as HostArray, cotangent as HostArray, dst);
    return dst;
  },
  // ---- sources and markers ----
  iota: (_inputs, { axis }, out) => {
    const dst = alloc(out);
    const dims = out.shape;
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const n = dims[axis] as number;
    for (let k = 0; k < dst.length; k++) dst[k] = Math.floor(k / inner) % n;
    return dst;
  },
  stopGradient: ([x]) => (x as Value).data,
  checkIndex: ([idx], { bound, fn = gatherBlame.fn, arg = gatherBlame.arg }) => {
    const data = (idx as Value).data;
    const bad = data.findIndex((j) => j < 0 || j >= bound);
    if (bad >= 0) throw gatherIndexError(bound, data[bad] as number, { fn, arg });
    return data;
  },
};
