/**
 * @file The values of a vectorised map kernel's expressions, as locals: scalar code at the loop
 * depth where its inputs are known (core's `placement`), lane splats of it, and the vector bodies
 * of the inner loop (lanes i..i+3, or element i in every lane for the tail).
 */
import { InternalError } from '@xent/core';
import {
  lit,
  type MapKernel,
  needsF32Rounding,
  type Placement,
  placement,
  type ScalarExpr,
  type WasmImportName,
} from '@xent/core/internal';
import type { FunctionBuilder } from './encoder.js';
import { type Emit, isFloat } from './emit.js';
import { opContext, wasmOps } from './ops.js';
import { type Plan, substituteVar } from './plan.js';

/** A vector body's values and code (lanes i..i+3 when contiguous, else element i in every lane). */
export interface VectorBody {
  readonly value: (e: ScalarExpr) => number;
  readonly code: Emit[];
}

export class KernelValues {
  /** The local of each loop var (output loops first, then reduction loops). */
  readonly varLocal: ReadonlyMap<number, number>;
  /** The reduction's f64 accumulator (rounded to f32 when finished, for an f32 reduction). */
  readonly acc: number;
  /** The inner (vectorised) loop var's local. */
  readonly iv: number;
  /** Scalar code by loop depth (0: before every loop; d: inside loop d). */
  readonly pre: Emit[][];
  /** Scalar code that reads the accumulator: after the reduction loops, at the output depth. */
  readonly epilogue: Emit[] = [];
  private readonly scalars = new Map<ScalarExpr, number>();
  private readonly splats = new Map<ScalarExpr, number>();
  private readonly place: (e: ScalarExpr) => Placement;

  constructor(
    private readonly f: FunctionBuilder,
    k: MapKernel,
    private readonly p: Plan,
    private readonly importIndex: (name: WasmImportName) => number,
    private readonly relaxed: boolean,
    /** The local holding the address of each input then output (`FunctionBuilder.pointers`). */
    readonly pointers: readonly number[],
  ) {
    const outDims = k.shape.length;
    const loops = outDims + (k.reduce?.shape.length ?? 0);
    this.varLocal = new Map([...Array(loops).keys()].map((v) => [v, f.local('i32')]));
    this.acc = f.local('f64');
    this.iv = this.varLocal.get(p.inner) as number;
    this.pre = Array.from({ length: loops + 1 }, () => []);
    // loop var v is the (v + 1)-th loop; the accumulator is known after the reduction loops
    this.place = placement((v) => v + 1, outDims);
  }

  private emitAt(e: ScalarExpr, emit: Emit): void {
    const { depth, afterReduction } = this.place(e);
    (afterReduction ? this.epilogue : (this.pre[depth] as Emit[])).push(emit);
  }

  /** The local holding `e`'s scalar value (f64 for floats, i32 for integers and bools). */
  scalar(e: ScalarExpr): number {
    if (e.op === 'var') return this.varLocal.get(e.imm) as number;
    if (e.op === 'acc') return this.acc;
    const known = this.scalars.get(e);
    if (known !== undefined) return known;
    const args = e.args.map((a) => this.scalar(a));
    const out = this.f.local(isFloat(e.dtype) ? 'f64' : 'i32');
    this.scalars.set(e, out);
    this.emitAt(e, (g) => {
      wasmOps[e.op].scalar({
        ...opContext(g, e, args),
        call: (name) => g.op('call', this.importIndex(name)),
        pointer: (i) => this.pointers[i] as number,
      });
      if (needsF32Rounding(e)) g.op('f32.demote_f64').op('f64.promote_f32');
      g.op('local.set', out);
    });
    return out;
  }

  /** The local holding `e`'s scalar value in every lane. */
  private splat(e: ScalarExpr): number {
    const known = this.splats.get(e);
    if (known !== undefined) return known;
    const s = this.scalar(e);
    const out = this.f.local('v128');
    this.splats.set(e, out);
    this.emitAt(e, (g) => {
      if (isFloat(e.dtype)) g.op('local.get', s).op('f32.demote_f64').op('f32x4.splat');
      else if (e.dtype === 'bool') g.op('i32.const', 0).op('local.get', s).op('i32.sub').op('i32x4.splat');
      else g.op('local.get', s).op('i32x4.splat');
      g.op('local.set', out);
    });
    return out;
  }

  /** A fresh vector body of the inner loop: values that depend on its var, and the code computing them. */
  vectorBody(contiguous: boolean): VectorBody {
    const { f, p, iv } = this;
    const memo = new Map<ScalarExpr, number>();
    const code: Emit[] = [];
    const value = (e: ScalarExpr): number => {
      if (!p.dependsInner(e)) return this.splat(e);
      const known = memo.get(e);
      if (known !== undefined) return known;
      if (e.op === 'load') {
        const base = this.scalar(substituteVar(e.args[0] as ScalarExpr, p.inner, lit(0, 'i32')));
        const out = f.local('v128');
        memo.set(e, out);
        code.push((g) => {
          g.op('local.get', this.pointers[e.imm] as number)
            .op('local.get', base)
            .op('local.get', iv)
            .op('i32.add');
          g.op('i32.const', 2).op('i32.shl').offsetPointer();
          g.op(contiguous ? 'v128.load' : 'v128.load32_splat', 2, 0).op('local.set', out);
        });
        return out;
      }
      if (e.op === 'var') {
        const out = f.local('v128');
        memo.set(e, out);
        code.push((g) => {
          g.op('local.get', iv).op('i32x4.splat');
          if (contiguous) g.pushConstant([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).op('i32x4.add');
          g.op('local.set', out);
        });
        return out;
      }
      const form = wasmOps[e.op].vector;
      if (form === null) throw new InternalError(`no vector form for ${e.op}`);
      const args = e.args.map(value);
      const out = f.local('v128');
      memo.set(e, out);
      code.push((g) => {
        form({ ...opContext(g, e, args), relaxed: this.relaxed });
        g.op('local.set', out);
      });
      return out;
    };
    return { value, code };
  }
}
