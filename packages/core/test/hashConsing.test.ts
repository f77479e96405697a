/** @file Hash-consing laws: structurally equal nodes are one object; graphs order inputs before users. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ir } from '@xent/core/internal';

const { build: B } = ir;
const param = (shape: number[] = [2, 3]) => ir.makeParamNode({ shape, dtype: 'f64' });

describe('hash-consing', () => {
  test('building the same expression twice gives the same node', () => {
    const p = param();
    const a = B.exp(B.add(p, B.full([2, 3], 1, 'f64')));
    const b = B.exp(B.add(p, B.full([2, 3], 1, 'f64')));
    expect(a).toBe(b);
    expect(B.op('sum', { axes: [1] }, [a])).toBe(B.op('sum', { axes: [1] }, [b]));
  });

  test('different params, inputs or parameters give different nodes', () => {
    const p = param();
    expect(B.op('sum', { axes: [0] }, [p])).not.toBe(B.op('sum', { axes: [1] }, [p]));
    expect(B.exp(p)).not.toBe(B.exp(param()));
    expect(B.add(p, B.exp(p))).not.toBe(B.add(B.exp(p), p));
  });

  test('scalar constants are shared by value; 0 and −0 stay distinct; arrays are unique', () => {
    fc.assert(
      fc.property(fc.double(), (v) => {
        expect(B.scalar(v, 'f64')).toBe(B.scalar(v, 'f64'));
      }),
    );
    expect(B.scalar(0, 'f64')).not.toBe(B.scalar(-0, 'f64'));
    expect(B.scalar(1, 'f64')).not.toBe(B.scalar(1, 'f32'));
    const data = new Float64Array([1, 2]);
    expect(B.constant(data, [2], 'f64')).not.toBe(B.constant(data, [2], 'f64'));
  });

  test('nodes are frozen', () => {
    const n = B.exp(param());
    expect(Object.isFrozen(n)).toBe(true);
  });

  test('symbolic marks exactly the nodes that depend on a parameter', () => {
    const p = param();
    const c = B.full([2, 3], 2, 'f64');
    expect(B.mul(p, c).symbolic).toBe(true);
    expect(B.exp(c).symbolic).toBe(false);
  });
});

describe('graphs', () => {
  test('toposort lists inputs before users and each node once', () => {
    const p = param();
    const e = B.exp(p);
    const out = B.add(B.mul(e, e), B.sin(e));
    const order = ir.toposort([out, e]);
    expect(new Set(order).size).toBe(order.length);
    order.forEach((n, i) => {
      n.inputs.forEach((input) => {
        expect(order.indexOf(input)).toBeLessThan(i);
      });
    });
  });

  test('substitute rebuilds only what depends on the replaced nodes', () => {
    const p = param();
    const q = param();
    const c = B.exp(B.full([2, 3], 1, 'f64'));
    const out = B.add(B.exp(p), c);
    const [swapped] = ir.substitute([out], new Map([[p, q]]));
    expect(swapped).toBe(B.add(B.exp(q), c));
    expect(ir.substitute([c], new Map([[p, q]]))[0]).toBe(c);
  });

  test('makeGraph keeps exactly the nodes the outputs use', () => {
    const p = param();
    const used = B.exp(p);
    B.sin(p);
    const g = ir.makeGraph([p], [used]);
    expect(g.nodes).toEqual([used]);
  });
});
