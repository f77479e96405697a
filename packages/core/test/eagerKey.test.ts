/** @file The eager cache key: plain data keyed exactly, graphs keyed by structure, wiring, scalar values and leaf types. */
import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { describe, expect, test } from 'vitest';
import { ir } from '@xent/core/internal';
import * as x from 'xent';
import { eagerGraph, plainKey } from '../src/trace/eagerKey.js';
import { evaluateNodes } from '../src/trace/tensor.js';

const { build: B } = ir;
const data = (values: readonly number[], shape: readonly number[] = [values.length]): ir.ConstNode =>
  B.constant(Float64Array.from(values), shape, 'f64');
const keyOf = (outputs: readonly ir.Node[]): string => (eagerGraph(outputs) as { key: string }).key;

/** Plain data whose keys must tell every two values apart that `Object.is` does, at any depth. */
const plainArb: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, null, undefined, true, false, '', '0', 'null'),
    fc.double(),
    fc.string(),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** Equality by `Object.is` at the leaves, arrays by elements, objects by their sets of keys. */
function sameData(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameData(v, b[i]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const [ka, kb] = [Object.keys(a).sort(), Object.keys(b).sort()];
    const [ra, rb] = [a as Record<string, unknown>, b as Record<string, unknown>];
    return sameData(ka, kb) && ka.every((k) => sameData(ra[k], rb[k]));
  }
  return Object.is(a, b);
}

describe('plainKey', () => {
  test('two plain values have equal keys exactly when they are the same data', () => {
    fc.assert(
      fc.property(plainArb, plainArb, (a, b) => {
        expect(plainKey(a) === plainKey(b)).toBe(sameData(a, b));
        expect(plainKey(a)).toBe(plainKey(structuredClone(a)));
      }),
    );
  });

  test('keys do not depend on the order object keys were written in', () => {
    expect(plainKey({ axes: [0], keepDims: true })).toBe(plainKey({ keepDims: true, axes: [0] }));
  });

  test('anything but plain data, at any depth, has no key', () => {
    class Params {
      readonly axes = [0];
    }
    class Row extends Array<number> {}
    for (const v of [
      () => 1,
      Symbol('s'),
      1n,
      new Params(),
      new Map(),
      new Date(0),
      new Float32Array(2),
      Row.from([1]),
      [1, () => 2],
      { a: { b: new Set() } },
    ]) {
      expect(plainKey(v)).toBeUndefined();
    }
  });
});

describe('eagerGraph', () => {
  const [a, b] = [data([1, 2, 3]), data([4, 5, 6])];

  test('the same structure over other values of the same types has the same key', () => {
    expect(keyOf([B.add(a, B.exp(b))])).toBe(keyOf([B.add(data([7, 8, 9]), B.exp(data([0, 0, 1])))]));
  });

  test('wiring, sharing, leaf types, scalar values, params and outputs are all in the key', () => {
    const variants = [
      B.add(B.mul(a, b), B.mul(b, a)),
      B.add(B.mul(a, b), B.mul(a, a)),
      B.add(B.mul(a, b), B.mul(b, b)),
      B.add(a, a),
      B.add(a, b),
      B.exp(a),
      B.exp(B.constant(Float32Array.from([1, 2, 3]), [3], 'f32')),
      B.add(data([1, 2, 3, 4], [2, 2]), data([1, 2, 3, 4], [2, 2])),
      B.add(data([1, 2, 3, 4], [4]), data([1, 2, 3, 4], [4])),
      ...[0, -0, Number.NaN, Infinity, 1].map((c) => B.add(a, B.broadcast(B.scalar(c, 'f64'), [3]))),
      B.op('sum', { axes: [0] }, [data([1, 2, 3, 4], [2, 2])]),
      B.op('sum', { axes: [1] }, [data([1, 2, 3, 4], [2, 2])]),
    ];
    const keys = variants.map((n) => keyOf([n]));
    expect(new Set(keys).size).toBe(keys.length);
    const [e, s] = [B.exp(a), B.sin(a)];
    expect(keyOf([e, s])).not.toBe(keyOf([s, e]));
    // the same nodes, other outputs
    const y = B.sin(e);
    expect(new Set([keyOf([y, e]), keyOf([y, y]), keyOf([y])]).size).toBe(3);
  });

  test('the leaves are the non-scalar constants in key order; scalars stay in the key', () => {
    const g = eagerGraph([B.add(B.mul(b, B.broadcast(B.scalar(2, 'f64'), [3])), a)]);
    expect(g?.leaves).toEqual([b, a]);
    expect(g?.key).toContain('f64:2');
  });

  test('graphs with parameters or custom calls have no key', () => {
    const p = ir.makeParamNode({ shape: [3], dtype: 'f64' });
    expect(eagerGraph([B.exp(p)])).toBeUndefined();
    const rule: ir.CustomRule = {
      id: -1,
      name: 'identity',
      type: (types) => E.right(types[0] as ir.TensorType),
      expand: (inputs) => inputs[0] as ir.Node,
      vjp: (_inputs, ct) => [ct],
    };
    expect(eagerGraph([B.exp(B.customCall(rule, [a]))])).toBeUndefined();
  });

  test('graphs keyed alike but wired differently evaluate to their own values, one after the other', () => {
    x.setDefaultBackend(x.backends.cpu);
    const graphs = [B.add(B.mul(a, b), B.mul(b, a)), B.add(B.mul(a, b), B.mul(a, a)), B.add(B.mul(a, b), B.mul(b, b))];
    const values = graphs.map((g) => (evaluateNodes([g])[0] as ir.ConstNode).value);
    expect(values.map((v) => Array.from(v as Float64Array))).toEqual([
      [8, 20, 36],
      [5, 14, 27],
      [20, 35, 54],
    ]);
  });
});
