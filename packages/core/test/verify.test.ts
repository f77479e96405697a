/** @file verify rejects malformed graphs and the parser rejects malformed text. */
import { either as E } from 'fp-ts';
import { describe, expect, test } from 'vitest';
import { printGraph } from '@xent/core';
import { ir, parseGraph, verify } from '@xent/core/internal';

const { build: B } = ir;
const p = ir.makeParamNode({ shape: [3], dtype: 'f64' }, 'x');

describe('verify', () => {
  test('accepts graphs built by makeGraph', () => {
    const g = ir.makeGraph([p], [B.sum(B.exp(p), [0])]);
    expect(verify(g)).toEqual(E.right(g));
  });

  test('rejects a node listed before its input', () => {
    const e = B.exp(p);
    const s = B.sin(e);
    const r = verify({ params: [p], nodes: [s, e], outputs: [s] });
    expect(E.isLeft(r) && r.left._tag).toBe('InvalidGraph');
  });

  test('rejects a parameter the graph does not declare', () => {
    const q = ir.makeParamNode({ shape: [3], dtype: 'f64' });
    const out = B.add(p, q);
    expect(E.isLeft(verify({ params: [p], nodes: [out], outputs: [out] }))).toBe(true);
  });

  test('rejects an output that is not in the graph', () => {
    const out = B.exp(p);
    expect(E.isLeft(verify({ params: [p], nodes: [], outputs: [out] }))).toBe(true);
  });

  test('rejects a node whose stored type disagrees with its rule', () => {
    const good = B.exp(p);
    const forged = { ...good, type: { shape: [4], dtype: 'f64' as const } } as ir.Node;
    const r = verify({ params: [p], nodes: [forged], outputs: [forged] });
    expect(E.isLeft(r) && r.left.expected).toContain('f64[3]');
  });
});

describe('parseGraph', () => {
  test('reads what printGraph writes, including special values', () => {
    const c = B.constant(new Float64Array([NaN, -Infinity, -0, 1.5]), [4], 'f64');
    const g = ir.makeGraph([p], [B.op('concat', { axis: 0 }, [p, c])]);
    const parsed = parseGraph(printGraph(g));
    expect(E.isRight(parsed) && printGraph(parsed.right)).toBe(printGraph(g));
  });

  test.each([
    ['graph %0: f64[3] {', 'a header'],
    ['graph(%0: f64[3]) {\n  %1: f64[3] = frobnicate %0\n  return %1\n}', 'a primitive'],
    ['graph(%0: f64[3]) {\n  %1: f64[3] = exp %9\n  return %1\n}', 'arguments that name defined values'],
    ['graph(%0: f64[3]) {\n  %1: f64[2] = exp %0\n  return %1\n}', "its rule's type f64[3]"],
    ['graph(%0: f64[3]) {\n  %1: f64[3] = exp %0\n}', 'a `return` line'],
  ])('rejects %j', (text, expected) => {
    const r = parseGraph(text);
    expect(E.isLeft(r) && r.left.expected).toContain(expected);
  });
});
