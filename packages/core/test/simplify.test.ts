/** @file Each simplify rule: the pattern rewrites to exactly the expected (hash-consed) node; nothing else changes. */
import { describe, expect, test } from 'vitest';
import { dce, ir, simplify, simplifyRules, verify } from '@xent/core/internal';

const { build: B } = ir;
const p = ir.makeParamNode({ shape: [2, 3], dtype: 'f64' }, 'x');
const one = B.full([2, 3], 1, 'f64');
const zero = B.full([2, 3], 0, 'f64');
const row = ir.makeParamNode({ shape: [1, 3], dtype: 'f64' }, 'row');

/** The simplified output of a one-output graph over p. */
const simplified = (out: ir.Node): ir.Node => simplify(ir.makeGraph([p, row], [out])).outputs[0] as ir.Node;

const cases: Record<keyof typeof simplifyRules, [before: ir.Node, after: ir.Node]> = {
  addZero: [B.add(zero, B.exp(p)), B.exp(p)],
  subZero: [B.sub(B.exp(p), zero), B.exp(p)],
  mulOne: [B.mul(B.exp(p), one), B.exp(p)],
  divOne: [B.div(p, one), p],
  negNeg: [B.neg(B.neg(B.sin(p))), B.sin(p)],
  reshapeReshape: [
    B.op('reshape', { shape: [3, 2] }, [B.op('reshape', { shape: [6] }, [p])]),
    B.op('reshape', { shape: [3, 2] }, [p]),
  ],
  transposeTranspose: [B.transpose(B.transpose(p, [1, 0]), [1, 0]), p],
  broadcastBroadcast: [
    B.op('broadcast', { shape: [4, 2, 3] }, [B.op('broadcast', { shape: [2, 3] }, [row])]),
    B.op('broadcast', { shape: [4, 2, 3] }, [row]),
  ],
  broadcastReshape: [
    B.op('broadcast', { shape: [2, 3] }, [B.op('reshape', { shape: [1, 1] }, [B.scalar(1.5, 'f64')])]),
    B.full([2, 3], 1.5, 'f64'),
  ],
  constantFold: [B.mul(B.scalar(0.1, 'f32'), B.scalar(3, 'f32')), B.scalar(Math.fround(Math.fround(0.1) * 3), 'f32')],
  elementwiseOfBroadcasts: [B.exp(B.broadcast(row, [4, 1, 3])), B.broadcast(B.exp(row), [4, 1, 3])],
  castIdentity: [B.op('cast', { dtype: 'f64' }, [p]), p],
  reduceUnitAxes: [B.op('logsumexp', { axes: [1] }, [B.reshape(p, [2, 1, 3])]), p],
  outerMatmul: [
    B.op('matmul', {}, [B.reshape(p, [2, 3, 1]), B.reshape(p, [2, 1, 3])]),
    B.mul(B.broadcast(B.reshape(p, [2, 3, 1]), [2, 3, 3]), B.broadcast(B.reshape(p, [2, 1, 3]), [2, 3, 3])),
  ],
  maxOfShift: [
    B.op('max', { axes: [1] }, [B.sub(B.exp(p), B.full([2, 3], 2.5, 'f64'))]),
    B.sub(B.op('max', { axes: [1] }, [B.exp(p)]), B.full([2], 2.5, 'f64')),
  ],
};

describe.each(Object.keys(cases) as (keyof typeof cases)[])('rule %s', (name) => {
  const [before, after] = cases[name];

  test('rewrites its pattern', () => {
    expect(before).not.toBe(after);
    expect(simplified(before)).toBe(after);
  });
});

test('rules leave other graphs alone', () => {
  const out = B.add(B.mul(B.exp(p), B.full([2, 3], 2, 'f64')), B.sin(p));
  expect(simplified(out)).toBe(out);
});

test('simplify keeps the node list topological and dce drops what became unused', () => {
  const g = simplify(ir.makeGraph([p], [B.mul(B.neg(B.neg(p)), one)]));
  expect(g.outputs[0]).toBe(p);
  expect(verify(g)._tag).toBe('Right');
  expect(dce(g).nodes).toEqual([]);
});

test('broadcastReshape leaves reshapes that move dims alone', () => {
  const v = ir.makeParamNode({ shape: [3], dtype: 'f64' });
  const column = B.op('broadcast', { shape: [3, 4] }, [B.op('reshape', { shape: [3, 1] }, [v])]);
  expect(simplify(ir.makeGraph([v], [column])).outputs[0]).toBe(column);
});

describe('maxOfShift', () => {
  const maxOf = (t: ir.Node, axes: number[]): ir.Node => B.op('max', { axes }, [t]);
  /** The row max guarded as logSoftmax guards it: where(m = −∞, 0, m), m a constant for the gradient. */
  const guardedRowMax = B.op('stopGradient', {}, [B.reshape(maxOf(p, [1]), [2, 1])]);
  const guard = B.where(
    B.equal(guardedRowMax, B.full([2, 1], -Infinity, 'f64')),
    B.full([2, 1], 0, 'f64'),
    guardedRowMax,
  );

  test('the max of logits shifted by their guarded row max is that row max, shifted (no second pass)', () => {
    const shifted = B.sub(p, B.broadcast(guard, [2, 3]));
    expect(simplified(maxOf(shifted, [1]))).toBe(B.sub(maxOf(p, [1]), B.reshape(guard, [2])));
  });

  test.each<[string, ir.Node]>([
    ['a shift that may be −∞ (x = −∞ would make the difference NaN)', B.sub(p, B.full([2, 3], -Infinity, 'f64'))],
    ['an unguarded row max (−∞ on an all −∞ row)', B.sub(p, B.broadcast(B.reshape(maxOf(p, [1]), [2, 1]), [2, 3]))],
    ['a shift that varies along the reduced axis', B.sub(p, B.broadcast(row, [2, 3]))],
  ])('leaves %s alone', (_name, shifted) => {
    const out = maxOf(shifted, [1]);
    expect(simplified(out)).toBe(out);
  });

  test('leaves integers alone (a wrapping difference is not monotone)', () => {
    const i = ir.makeParamNode({ shape: [2, 3], dtype: 'i32' }, 'i');
    const out = maxOf(B.sub(i, B.full([2, 3], 7, 'i32')), [1]);
    expect(simplify(ir.makeGraph([i], [out])).outputs[0]).toBe(out);
  });
});
