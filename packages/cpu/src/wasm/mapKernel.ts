/**
 * @file WebAssembly SIMD for map kernels: the loop nest. The innermost loop (the innermost
 * reduction loop, or the innermost output loop; `plan.ts`) runs four f32 lanes at a time;
 * everything that does not depend on it runs as scalar f64/i32 code at the outermost loop where
 * its inputs are known (`values.ts`); outputs are stored per lane, or per row after a reduction.
 */
import type { MapKernel, ScalarExpr, WasmImportName } from '@xent/core/internal';
import type { FunctionBuilder } from './encoder.js';
import { bytes, constant, type Emit, loop, run } from './emit.js';
import { type Plan, plan } from './plan.js';
import { reductionCode } from './reductions.js';
import { KernelValues } from './values.js';

/** The kernel function's parameters: addresses of inputs then outputs (`addressParam`), then the outermost loop's [lo, hi). */
interface Params {
  readonly nIn: number;
  readonly lo: number;
  readonly hi: number;
}

/** Pushes the flat output index of the current row start (the output vars other than the inner one). */
function rowBase(k: MapKernel, p: Plan, values: KernelValues): Emit {
  const strides = k.shape.map((_, d) => k.shape.slice(d + 1).reduce((x, y) => x * y, 1));
  return (g) => {
    g.op('i32.const', 0);
    for (let d = 0; d < k.shape.length; d++) {
      if (d === p.inner) continue;
      g.op('local.get', values.varLocal.get(d) as number)
        .op('i32.const', strides[d] as number)
        .op('i32.mul')
        .op('i32.add');
    }
  };
}

/**
 * The inner loop of a kernel without reduction: four elements per step, then the tail one at a
 * time, each output stored from its lanes. It runs [lo, hi) when it is the outermost loop (lo a
 * multiple of 4), else [0, extent).
 */
function elementwiseLoop(f: FunctionBuilder, k: MapKernel, p: Plan, values: KernelValues, at: Params): Emit {
  const { iv } = values;
  const vec = values.vectorBody(true);
  const tail = values.vectorBody(false);
  const vOuts = k.outputs.map(vec.value);
  const tOuts = k.outputs.map(tail.value);
  const base = rowBase(k, p, values);
  const store = (g: FunctionBuilder, i: number, vector: boolean): void => {
    const int = (k.outputs[i] as ScalarExpr).dtype === 'i32';
    g.op('local.get', values.pointers[at.nIn + i] as number);
    base(g);
    g.op('local.get', iv).op('i32.add').op('i32.const', 2).op('i32.shl').offsetPointer();
    g.op('local.get', (vector ? vOuts : tOuts)[i] as number);
    if (vector) g.op('v128.store', 2, 0);
    else g.op(int ? 'i32x4.extract_lane' : 'f32x4.extract_lane', 0).op(int ? 'i32.store' : 'f32.store', 2, 0);
  };
  const outermost = p.inner === 0;
  const vecEnd = f.local('i32');
  return (g) => {
    if (outermost) g.op('local.get', at.hi).op('i32.const', -4).op('i32.and');
    else g.op('i32.const', p.extent - (p.extent % 4));
    g.op('local.set', vecEnd);
    loop(
      g,
      iv,
      outermost ? (h) => h.op('local.get', at.lo) : constant(0),
      (h) => h.op('local.get', vecEnd),
      4,
      (h) => {
        run(h, vec.code);
        k.outputs.forEach((_, i) => {
          store(h, i, true);
        });
      },
    );
    loop(
      g,
      iv,
      (h) => h.op('local.get', vecEnd),
      outermost ? (h) => h.op('local.get', at.hi) : constant(p.extent),
      1,
      (h) => {
        run(h, tail.code);
        k.outputs.forEach((_, i) => {
          store(h, i, false);
        });
      },
    );
  };
}

/** The stores of a reduction kernel's outputs, once per row from their scalar values. */
function rowStores(k: MapKernel, p: Plan, values: KernelValues, at: Params): Emit[] {
  const base = rowBase(k, p, values);
  return k.outputs.map((o, i) => {
    const v = values.scalar(o);
    return (g) => {
      g.op('local.get', values.pointers[at.nIn + i] as number);
      base(g);
      g.op('i32.const', Math.log2(bytes(o.dtype)))
        .op('i32.shl')
        .offsetPointer();
      g.op('local.get', v);
      if (o.dtype === 'f32') g.op('f32.demote_f64').op('f32.store', 2, 0);
      else if (o.dtype === 'f64') g.op('f64.store', 3, 0);
      else if (o.dtype === 'bool') g.op('i32.store8', 0, 0);
      else g.op('i32.store', 2, 0);
    };
  });
}

/**
 * Emits the kernel as one function `(in0, …, out0, …, lo, hi)` over buffer addresses; `lo`/`hi` bound
 * the outermost output loop (the whole of it when called with 0 and its extent). With `relaxed`,
 * the vector exp and log use relaxed SIMD multiply-adds.
 */
export function emitMapKernel(
  k: MapKernel,
  f: FunctionBuilder,
  importIndex: (name: WasmImportName) => number,
  relaxed: boolean,
): void {
  const p = plan(k) as Plan;
  const nIn = k.inputs.length;
  const at: Params = { nIn, lo: nIn + k.outputs.length, hi: nIn + k.outputs.length + 1 };
  const outDims = k.shape.length;
  const reduceShape = k.reduce?.shape ?? [];
  const extentOf = (v: number): number => (v < outDims ? (k.shape[v] as number) : (reduceShape[v - outDims] as number));
  const pointers = f.pointers([...Array(at.lo).keys()]);
  const values = new KernelValues(f, k, p, importIndex, relaxed, pointers);
  const { acc } = values;
  const reduction =
    k.reduce === undefined
      ? undefined
      : reductionCode(
          f,
          k.reduce.op,
          k.reduce.body,
          (contiguous) => values.vectorBody(contiguous),
          values.iv,
          p.extent,
          acc,
          importIndex,
          relaxed,
        );
  const inner = reduction === undefined ? elementwiseLoop(f, k, p, values, at) : reduction.loops;
  const stores = reduction === undefined ? [] : rowStores(k, p, values, at);

  const nest = (g: FunctionBuilder, depth: number): void => {
    run(g, values.pre[depth] as Emit[]);
    if (reduction !== undefined && depth === outDims) {
      g.op('f64.const', 0).op('local.set', acc);
      reduction.init(g);
    }
    if (depth === p.inner) inner(g);
    else {
      const outermost = depth === 0 && depth < outDims;
      loop(
        g,
        values.varLocal.get(depth) as number,
        outermost ? (h) => h.op('local.get', at.lo) : constant(0),
        outermost ? (h) => h.op('local.get', at.hi) : constant(extentOf(depth)),
        1,
        (h) => {
          nest(h, depth + 1);
        },
      );
    }
    if (reduction !== undefined && depth === outDims) {
      reduction.finish(g);
      // an f32 reduction's result, rounded as the reference stores it (core's `roundsToF32.acc`)
      if (k.reduce?.body.dtype === 'f32')
        g.op('local.get', acc).op('f32.demote_f64').op('f64.promote_f32').op('local.set', acc);
      run(g, values.epilogue);
      run(g, stores);
    }
  };
  nest(f, 0);
}
