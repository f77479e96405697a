/** @file Type rules and shape helpers: broadcasting against its definition, axis handling, per-prim dtype and arity checks. */
import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { describe, expect, test } from 'vitest';
import { InternalError, XentError } from '@xent/core';
import { ir } from '@xent/core/internal';

const t = (shape: number[], dtype: ir.DType = 'f64'): ir.TensorType => ({ shape, dtype });

describe('broadcastShapes', () => {
  const dims = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 });

  test('agrees with the numpy rule, and is symmetric', () => {
    fc.assert(
      fc.property(dims, dims, (a, b) => {
        const r = ir.broadcastShapes('op', a, b);
        const rank = Math.max(a.length, b.length);
        const pad = (s: number[]) => [...Array<number>(rank - s.length).fill(1), ...s];
        const [pa, pb] = [pad(a), pad(b)];
        const ok = pa.every((d, i) => d === pb[i] || d === 1 || pb[i] === 1);
        expect(E.isRight(r)).toBe(ok);
        if (E.isRight(r)) {
          expect(r.right).toEqual(pa.map((d, i) => Math.max(d, pb[i] as number)));
          expect(ir.broadcastShapes('op', b, a)).toEqual(r);
        }
      }),
    );
  });
});

describe('normalizeAxes', () => {
  test('maps negative axes, sorts, rejects repeats and out-of-range axes', () => {
    expect(ir.normalizeAxes('op', 'axis', [-1, 0], 3)).toEqual(E.right([0, 2]));
    expect(E.isLeft(ir.normalizeAxes('op', 'axis', [1, -2], 3))).toBe(true);
    expect(E.isLeft(ir.normalizeAxes('op', 'axis', [3], 3))).toBe(true);
    expect(E.isLeft(ir.normalizeAxes('op', 'axis', [0.5], 3))).toBe(true);
  });
});

describe('type rules', () => {
  const floatOnly: ir.Prim[] = ['exp', 'log', 'log1p', 'expm1', 'sqrt', 'recip', 'sin', 'cos', 'tanh', 'floor', 'ceil'];

  test.each(floatOnly)('%s accepts floats and rejects i32 and bool', (prim) => {
    expect(E.isRight(ir.typeOf(prim, [t([2])], {}))).toBe(true);
    expect(ir.typeOf(prim, [t([2], 'i32')], {})).toEqual(
      E.left(ir.irError('DTypeMismatch', prim, 'x', 'a floating-point dtype (f32 or f64)', 'i32')),
    );
    expect(E.isLeft(ir.typeOf(prim, [t([2], 'bool')], {}))).toBe(true);
  });

  test('every primitive rejects a wrong number of inputs', () => {
    const wrong = ir.prims.filter((p) => p !== 'concat');
    for (const prim of wrong) {
      const inputs = Array.from({ length: 5 }, () => t([2]));
      expect(E.isLeft(ir.typeOf(prim, inputs, {}))).toBe(true);
    }
  });

  test('binary ops need equal shapes and dtypes (broadcasting happens above the IR)', () => {
    expect(E.isLeft(ir.typeOf('add', [t([2, 3]), t([3])], {}))).toBe(true);
    expect(E.isLeft(ir.typeOf('add', [t([2]), t([2], 'f32')], {}))).toBe(true);
    expect(ir.typeOf('less', [t([2]), t([2])], {})).toEqual(E.right(t([2], 'bool')));
  });

  test('an ill-typed node built by library code is an InternalError (a bug to report), not a user error', () => {
    const [a, b] = [ir.makeParamNode(t([2]), 'a'), ir.makeParamNode(t([3]), 'b')];
    expect(() => ir.op('add', {}, [a, b])).toThrow(InternalError);
    expect(() => ir.op('add', {}, [a, b])).toThrow(/^xent internal error \(please report\): /);
    expect(() => ir.op('add', {}, [a, b])).not.toThrow(XentError);
  });

  test('movement and contraction shapes', () => {
    expect(ir.typeOf('transpose', [t([2, 3, 4])], { perm: [2, 0, 1] })).toEqual(E.right(t([4, 2, 3])));
    expect(ir.typeOf('slice', [t([5, 4])], { start: [1, 0], end: [3, 4] })).toEqual(E.right(t([2, 4])));
    expect(ir.typeOf('pad', [t([2])], { lo: [1], hi: [2] })).toEqual(E.right(t([5])));
    expect(ir.typeOf('concat', [t([2, 1]), t([2, 3])], { axis: 1 })).toEqual(E.right(t([2, 4])));
    expect(ir.typeOf('matmul', [t([7, 2, 3]), t([7, 3, 5])], {})).toEqual(E.right(t([7, 2, 5])));
    expect(E.isLeft(ir.typeOf('matmul', [t([2, 3]), t([2, 3])], {}))).toBe(true);
    expect(ir.typeOf('gather', [t([4, 6]), t([4, 2], 'i32')], { axis: 1 })).toEqual(E.right(t([4, 2])));
    expect(E.isLeft(ir.typeOf('broadcast', [t([3])], { shape: [3, 2] }))).toBe(true);
    expect(E.isLeft(ir.typeOf('reshape', [t([3])], { shape: [2, 2] }))).toBe(true);
    expect(E.isLeft(ir.typeOf('sum', [t([3, 2])], { axes: [1, 0] }))).toBe(true);
  });
});
