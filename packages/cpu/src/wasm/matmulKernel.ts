/**
 * @file WebAssembly SIMD matmul for f32: B is packed into panels of 8 columns ([K][8], zero-padded)
 * in scratch memory, then a 4×8 register-blocked micro-kernel (eight f32x4 accumulators) sweeps
 * each panel over the rows of A, so a panel stays in L1 while A's rows stream past it. With relaxed
 * SIMD each multiply-accumulate is one `relaxed_madd`.
 */
import type { MatmulKernel } from '@xent/core/internal';
import { type FunctionBuilder, pointerType } from './encoder.js';

const PANEL = 8;

/** Scratch bytes the packed B needs. */
export const matmulScratchBytes = (k: MatmulKernel): number => Math.ceil(k.n / PANEL) * k.k * PANEL * 4;

/**
 * f32 matmuls of at least 256 multiply-adds qualify (f64 and i32 stay on the JavaScript path): from
 * there the packed SIMD kernel beats the generated scalar loop (W4's 8×10×16 layers: 17 → 14 µs a step).
 */
export const matmulVectorisable = (k: MatmulKernel): boolean => k.dtype === 'f32' && k.m * k.n * k.k >= 256;

/** The number of 8-column panels: the range a matmul kernel is split over. */
export const matmulPanels = (k: MatmulKernel): number => Math.ceil(k.n / PANEL);

/**
 * Emits `(in…, out, scratch, lo, hi)`: the column panels [lo, hi) of C, every row and batch. Each
 * call packs only its own panels, so disjoint ranges can run on different threads. Inputs are the
 * addresses of the kernel's input slots (`addressParam`); `out` the output's; `scratch` that of
 * `matmulScratchBytes` bytes.
 * With `accumulate`, C += A·B instead of C = A·B; with `relaxed`, acc += a·b is one relaxed_madd.
 */
export function emitMatmulKernel(k: MatmulKernel, f: FunctionBuilder, accumulate: boolean, relaxed: boolean): void {
  const nIn = k.inputs.length;
  const out = nIn;
  const scratch = nIn + 1;
  const lo = nIn + 2;
  const hi = nIn + 3;
  const { m, n } = k;
  const kk = k.k;
  const rank = k.batch.length;
  const [aRow, aCol] = [k.a.strides[rank] ?? 0, k.a.strides[rank + 1] ?? 0];
  const [bRow, bCol] = [k.b.strides[rank] ?? 0, k.b.strides[rank + 1] ?? 0];
  const batchSize = k.batch.reduce((p, q) => p * q, 1);
  const pointer = f.pointers([...Array(lo).keys()]);
  const [t, p, q, c, i, tmp] = Array.from({ length: 6 }, () => f.local('i32')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [aBase, bBase, cBase, aPtr, bPtr] = Array.from({ length: 5 }, () => f.local(pointerType(f.address))) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const b0 = f.local('v128');
  const b1 = f.local('v128');
  const av = f.local('v128');
  /** acc += av·b (relaxed: relaxed_madd(av, b, acc)) */
  const multiplyAdd = (acc: number, b: number): void => {
    if (relaxed) f.op('local.get', av).op('local.get', b).op('local.get', acc).op('f32x4.relaxed_madd');
    else f.op('local.get', acc).op('local.get', av).op('local.get', b).op('f32x4.mul').op('f32x4.add');
    f.op('local.set', acc);
  };

  /** for (v = start; v < end; v += step) body — start/end push i32s. */
  const loop = (v: number, start: () => void, end: () => void, step: number, body: () => void): void => {
    start();
    f.op('local.set', v).op('block').op('loop');
    f.op('local.get', v);
    end();
    f.op('i32.ge_s').op('br_if', 1);
    body();
    f.op('local.get', v).op('i32.const', step).op('i32.add').op('local.set', v).op('br', 0).op('end').op('end');
  };
  const konst = (v: number) => (): void => void f.op('i32.const', v);
  const get = (v: number) => (): void => void f.op('local.get', v);

  /** Address of a batch's operand start: slot address + 4·(offset + Σ batch index·stride). */
  const batchBase = (slot: number, offset: number, strides: readonly number[], target: number): void => {
    f.op('local.get', pointer[slot] as number).op('i32.const', 4 * offset);
    const inner = k.batch.map((_, d) => k.batch.slice(d + 1).reduce((x, y) => x * y, 1));
    k.batch.forEach((dim, d) => {
      // ((t / inner[d]) mod dim)·stride·4
      f.op('local.get', t)
        .op('i32.const', inner[d] as number)
        .op('i32.div_s')
        .op('i32.const', dim)
        .op('i32.rem_s');
      f.op('i32.const', 4 * (strides[d] ?? 0))
        .op('i32.mul')
        .op('i32.add');
    });
    f.offsetPointer().op('local.set', target);
  };

  loop(t, konst(0), konst(batchSize), 1, () => {
    batchBase(k.a.slot, k.a.offset, k.a.strides, aBase);
    batchBase(k.b.slot, k.b.offset, k.b.strides, bBase);
    f.op('local.get', pointer[out] as number)
      .op('local.get', t)
      .op('i32.const', m * n * 4)
      .op('i32.mul')
      .offsetPointer()
      .op('local.set', cBase);
    // Pack B: scratch[(p·K + q)·8 + c] = B[q, 8p + c] (0 past column n).
    loop(p, get(lo), get(hi), 1, () => {
      loop(q, konst(0), konst(kk), 1, () => {
        loop(c, konst(0), konst(PANEL), 1, () => {
          f.op('local.get', pointer[scratch] as number);
          f.op('local.get', p).op('i32.const', kk).op('i32.mul').op('local.get', q).op('i32.add');
          f.op('i32.const', PANEL)
            .op('i32.mul')
            .op('local.get', c)
            .op('i32.add')
            .op('i32.const', 2)
            .op('i32.shl')
            .offsetPointer();
          // column j = 8p + c; value B[q, j] or 0
          f.op('local.get', p)
            .op('i32.const', PANEL)
            .op('i32.mul')
            .op('local.get', c)
            .op('i32.add')
            .op('local.set', tmp);
          // select(B[q, min(j, n − 1)], 0, j < n)
          f.op('local.get', bBase);
          f.op('local.get', q)
            .op('i32.const', 4 * bRow)
            .op('i32.mul');
          f.op('local.get', tmp)
            .op('i32.const', n - 1)
            .op('local.get', tmp)
            .op('i32.const', n)
            .op('i32.lt_s')
            .op('select');
          f.op('i32.const', 4 * bCol)
            .op('i32.mul')
            .op('i32.add')
            .offsetPointer()
            .op('f32.load', 2, 0);
          f.op('f32.const', 0);
          f.op('local.get', tmp).op('i32.const', n).op('i32.lt_s').op('select');
          f.op('f32.store', 2, 0);
        });
      });
    });
    // Every row of panels [lo, hi): blocks of 4 rows, then single rows.
    loop(p, get(lo), get(hi), 1, () => {
      const fullPanel = (): void =>
        void f
          .op('local.get', p)
          .op('i32.const', PANEL)
          .op('i32.mul')
          .op('i32.const', PANEL)
          .op('i32.add')
          .op('i32.const', n)
          .op('i32.le_s');
      const block = (rows: number): void => {
        for (let a = 0; a < 2 * rows; a++)
          f.op('v128.const', ...new Array<number>(16).fill(0)).op('local.set', acc[a] as number);
        // aPtr = aBase + 4·i·aRow; bPtr = scratch + 4·p·K·8
        f.op('local.get', aBase)
          .op('local.get', i)
          .op('i32.const', 4 * aRow)
          .op('i32.mul')
          .offsetPointer()
          .op('local.set', aPtr);
        f.op('local.get', pointer[scratch] as number)
          .op('local.get', p)
          .op('i32.const', kk * PANEL * 4)
          .op('i32.mul')
          .offsetPointer()
          .op('local.set', bPtr);
        loop(q, konst(0), konst(kk), 1, () => {
          f.op('local.get', bPtr).op('v128.load', 4, 0).op('local.set', b0);
          f.op('local.get', bPtr).op('v128.load', 4, 16).op('local.set', b1);
          for (let row = 0; row < rows; row++) {
            f.op('local.get', aPtr)
              .op('v128.load32_splat', 2, 4 * aRow * row)
              .op('local.set', av);
            multiplyAdd(acc[2 * row] as number, b0);
            multiplyAdd(acc[2 * row + 1] as number, b1);
          }
          f.op('local.get', aPtr)
            .op('i32.const', 4 * aCol)
            .offsetPointer()
            .op('local.set', aPtr);
          f.op('local.get', bPtr)
            .op('i32.const', PANEL * 4)
            .offsetPointer()
            .op('local.set', bPtr);
        });
        // store rows: whole panel as two vectors, or column by column at the edge
        for (let row = 0; row < rows; row++) {
          const rowAddr = (): void => {
            f.op('local.get', cBase)
              .op('local.get', i)
              .op('i32.const', row)
              .op('i32.add')
              .op('i32.const', 4 * n)
              .op('i32.mul');
            f.op('local.get', p)
              .op('i32.const', PANEL * 4)
              .op('i32.mul')
              .op('i32.add')
              .offsetPointer();
          };
          fullPanel();
          f.op('if');
          for (const half of [0, 1]) {
            rowAddr();
            f.op('local.get', acc[2 * row + half] as number);
            if (accumulate) {
              rowAddr();
              f.op('v128.load', 4, 16 * half).op('f32x4.add');
            }
            f.op('v128.store', 4, 16 * half);
          }
          f.op('else');
          for (let col = 0; col < PANEL; col++) {
            f.op('local.get', p)
              .op('i32.const', PANEL)
              .op('i32.mul')
              .op('i32.const', col)
              .op('i32.add')
              .op('i32.const', n)
              .op('i32.lt_s');
            f.op('if');
            rowAddr();
            f.op('local.get', acc[2 * row + (col >> 2)] as number).op('f32x4.extract_lane', col & 3);
            if (accumulate) {
              rowAddr();
              f.op('f32.load', 2, 4 * col).op('f32.add');
            }
            f.op('f32.store', 2, 4 * col);
            f.op('end');
          }
          f.op('end');
        }
      };
      // rows in blocks of 4, then one at a time
      loop(i, konst(0), konst(m - (m % 4)), 4, () => {
        block(4);
      });
      loop(i, konst(m - (m % 4)), konst(m), 1, () => {
        block(1);
      });
    });
  });
}
