/** @file The reference interpreter's own contract: strided iteration, argument checks, integer semantics. */
import { describe, expect, test } from 'vitest';
import { ir } from '@xent/core/internal';
import { referenceBackend } from '@xent/cpu';
import { stridedLoop } from '../src/reference/strided.js';

const { build: B } = ir;

describe('stridedLoop', () => {
  test('visits row-major positions with the given strides and base', () => {
    const seen: [number, number][] = [];
    stridedLoop([2, 3], [1, 2], 10, (k, off) => seen.push([k, off]));
    expect(seen).toEqual([
      [0, 10],
      [1, 12],
      [2, 14],
      [3, 11],
      [4, 13],
      [5, 15],
    ]);
  });

  test('visits nothing for an empty shape and once for a scalar', () => {
    let n = 0;
    stridedLoop([2, 0], [1, 1], 0, () => n++);
    expect(n).toBe(0);
    stridedLoop([], [], 7, (_k, off) => (n += off));
    expect(n).toBe(7);
  });
});

describe('referenceBackend', () => {
  const p = ir.makeParamNode({ shape: [3], dtype: 'i32' }, 'x');

  test('i32 arithmetic wraps modulo 2^32 and float→i32 casts truncate and saturate', () => {
    const g = ir.makeGraph([p], [B.mul(p, B.full([3], 2, 'i32'))]);
    const [out] = referenceBackend.compile(g).run([new Int32Array([2 ** 30, -3, 7])]);
    expect(Array.from(out as Int32Array)).toEqual([-(2 ** 31), -6, 14]);
    const q = ir.makeParamNode({ shape: [4], dtype: 'f64' });
    const cast = ir.makeGraph([q], [B.cast(q, 'i32')]);
    const [c] = referenceBackend.compile(cast).run([new Float64Array([-2.7, 3e10, NaN, 2.9])]);
    expect(Array.from(c as Int32Array)).toEqual([-2, 2147483647, 0, 2]);
  });

  test('rejects a wrong number of arguments and arrays of the wrong length', () => {
    const g = ir.makeGraph([p], [B.neg(p)]);
    const exe = referenceBackend.compile(g);
    expect(() => exe.run([])).toThrow("xent.run: argument 'args' expected 1 arrays (one per graph parameter), got 0");
    expect(() => exe.run([new Int32Array(2)])).toThrow(
      "xent.run: argument 'args[0]' expected 3 values for i32[3], got 2",
    );
  });
});
