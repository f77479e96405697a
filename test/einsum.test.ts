/**
 * @file x.einsum against a naive host einsum in f64 on random subscripts (fast-check: repeated indices,
 * implicit outputs, sizes of 1 broadcasting), ellipses, gradients against f64 central differences,
 * a two-operand contraction lowered to one matmul, and XentErrors naming einsum.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { directionalFd, expectAllClose, toNumbers } from './support/numeric.js';

interface Operand {
  readonly shape: number[];
  readonly values: number[];
}

/** NumPy's einsum by enumeration: every assignment of the labels, products of entries (index 0 on size-1 axes). */
function naiveEinsum(
  terms: readonly string[],
  output: string,
  ops: readonly Operand[],
): { shape: number[]; values: number[] } {
  const sizes = new Map<string, number>();
  terms.forEach((t, k) => {
    Array.from(t).forEach((l, j) => {
      sizes.set(l, Math.max(sizes.get(l) ?? 1, (ops[k] as Operand).shape[j] as number));
    });
  });
  const labels = [...sizes.keys()];
  const shape = Array.from(output).map((l) => sizes.get(l) ?? 1);
  const values = new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0);
  const assign = new Map<string, number>();
  const visit = (d: number): void => {
    if (d === labels.length) {
      let prod = 1;
      terms.forEach((t, k) => {
        const op = ops[k] as Operand;
        let flat = 0;
        Array.from(t).forEach((l, j) => {
          const n = op.shape[j] as number;
          flat = flat * n + (n === 1 ? 0 : (assign.get(l) as number));
        });
        prod *= op.values[flat] as number;
      });
      let at = 0;
      Array.from(output).forEach((l, j) => {
        at = at * (shape[j] as number) + (assign.get(l) as number);
      });
      values[at] = (values[at] as number) + prod;
      return;
    }
    const l = labels[d] as string;
    for (let i = 0; i < (sizes.get(l) as number); i++) {
      assign.set(l, i);
      visit(d + 1);
    }
  };
  visit(0);
  return { shape, values };
}

/** A random einsum: 1–3 terms over labels a–d (repeats allowed), sizes 1–3 with some axes of size 1, and an output. */
const einsumCase = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
    terms: fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    ones: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
    implicit: fc.boolean(),
    outPick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    seed: fc.integer({ min: 0, max: 10000 }),
  })
  .map(({ sizes, terms, ones, implicit, outPick, seed }) => {
    const size = (l: string): number => sizes['abcd'.indexOf(l)] as number;
    let flag = 0;
    const ops: Operand[] = terms.map((t) => {
      // a label repeated in a term keeps its full size on both axes (a diagonal needs equal sizes)
      const shape = t.map((l) => (t.filter((m) => m === l).length === 1 && ones[flag++ % 9] === true ? 1 : size(l)));
      const n = shape.reduce((a, b) => a * b, 1);
      return { shape, values: Array.from({ length: n }, (_, i) => Math.sin(seed + 1.7 * i + 0.3 * shape.length)) };
    });
    const used = [...new Set(terms.flat())].sort();
    const output = implicit
      ? used.filter((l) => terms.flat().filter((m) => m === l).length === 1).join('')
      : used
          .filter((_, i) => outPick[i] === true)
          .reverse()
          .join('');
    const subscripts = terms.map((t) => t.join('')).join(',') + (implicit ? '' : `->${output}`);
    return { subscripts, terms: terms.map((t) => t.join('')), output, ops };
  });

const f64 = (op: Operand): x.Tensor => x.tensor(Float64Array.from(op.values), { shape: op.shape, dtype: 'f64' });
const einsumOf = (subscripts: string, ...ts: x.Tensor[]): x.Tensor => x.einsum(subscripts, ...ts);

describe('x.einsum values', () => {
  test('random subscripts against the naive host einsum (f64, eager and jit)', () => {
    fc.assert(
      fc.property(einsumCase, ({ subscripts, terms, output, ops }) => {
        const expected = naiveEinsum(terms, output, ops);
        const got = einsumOf(subscripts, ...ops.map(f64));
        expect(got.shape).toEqual(expected.shape);
        expectAllClose(toNumbers(got), expected.values, { rtol: 1e-12, atol: 1e-12 }, subscripts);
        const jitted = x.jit((...ts: x.Tensor[]) => einsumOf(subscripts, ...ts))(...ops.map(f64));
        expectAllClose(toNumbers(jitted), expected.values, { rtol: 1e-12, atol: 1e-12 }, `${subscripts} (jit)`);
      }),
      { numRuns: 150 },
    );
  });

  test('ellipses: batch axes broadcast right-aligned, implicit output puts them first', () => {
    const a: Operand = { shape: [2, 1, 3, 4], values: Array.from({ length: 24 }, (_, i) => Math.cos(i)) };
    const b: Operand = { shape: [5, 4, 2], values: Array.from({ length: 40 }, (_, i) => Math.sin(i)) };
    // '...ij,...jk->...ik' with ... = (2, 5): a's batch [2, 1], b's [5]; written out with labels p, q
    const expected = naiveEinsum(['pqij', 'qjk'], 'pqik', [a, b]);
    const got = x.einsum('...ij,...jk->...ik', f64(a), f64(b));
    expect(got.shape).toEqual([2, 5, 3, 2]);
    expectAllClose(toNumbers(got), expected.values, { rtol: 1e-12, atol: 1e-12 }, 'batched');
    const implicit = x.einsum('...ij,...jk', f64(a), f64(b));
    expectAllClose(toNumbers(implicit), expected.values, { rtol: 1e-12, atol: 1e-12 }, 'implicit');
    const transposed = x.einsum('i...->...i', f64(b));
    expectAllClose(toNumbers(transposed), naiveEinsum(['ijk'], 'jki', [b]).values, { rtol: 0, atol: 0 }, 'transpose');
  });

  test('a two-operand contraction is one matmul (no broadcast product and sum)', () => {
    const a = x.tensor(new Float64Array(2 * 3 * 4), { shape: [2, 3, 4], dtype: 'f64' });
    const b = x.tensor(new Float64Array(2 * 4 * 5), { shape: [2, 4, 5], dtype: 'f64' });
    const text = x.printGraph(x.jit((p: x.Tensor, q: x.Tensor) => x.einsum('bij,bjk->bik', p, q)).graph(a, b));
    expect(text.match(/matmul/g)?.length).toBe(1);
    expect(text).not.toMatch(/\bsum\b/);
  });
});

describe('x.einsum gradients and errors', () => {
  test('gradients against f64 central differences on random subscripts', () => {
    fc.assert(
      fc.property(einsumCase, fc.integer({ min: 0, max: 1000 }), ({ subscripts, ops }, seed) => {
        const args = ops.map(f64);
        const outSize = einsumOf(subscripts, ...args).size;
        const w = x.tensor(
          Float64Array.from({ length: outSize }, (_, i) => Math.cos(seed + 3 * i)),
          { shape: einsumOf(subscripts, ...args).shape, dtype: 'f64' },
        );
        const f = (...ts: x.Tensor[]): x.Tensor => x.sum(x.mul(einsumOf(subscripts, ...ts), w));
        const grads = x.grad(f, { argnums: ops.map((_, k) => k) })(...args);
        const dirs = ops.map((op, k) => op.values.map((_, i) => Math.sin(seed + 5 * i + 11 * k)));
        const analytic = grads.reduce(
          (s, g, k) => s + toNumbers(g).reduce((t, gi, i) => t + gi * ((dirs[k] as number[])[i] as number), 0),
          0,
        );
        const fd = directionalFd((...ts) => x.item(f(...ts)), args, dirs);
        expectAllClose([analytic], [fd], { rtol: 1e-7, atol: 1e-8 }, subscripts);
      }),
      { numRuns: 60 },
    );
  });

  test('malformed subscripts, wrong counts and mismatched sizes are XentErrors naming einsum', () => {
    const m = x.tensor(new Float64Array(6), { shape: [2, 3], dtype: 'f64' });
    const bad = (f: () => unknown, re: RegExp): void => {
      expect(f).toThrow(x.XentError);
      expect(f).toThrow(re);
    };
    bad(() => einsumOf('ij,jk->ik', m), /einsum.*operands/s);
    bad(() => einsumOf('ij->i', m, m), /einsum.*operands/s);
    bad(() => einsumOf('i1->i', m), /einsum.*subscripts/s);
    bad(() => einsumOf('ij->i->j', m), /einsum.*subscripts/s);
    bad(() => einsumOf('ij->k', m), /einsum.*subscripts/s);
    bad(() => einsumOf('ij->ii', m), /einsum.*subscripts/s);
    bad(() => einsumOf('......ij->ij', m), /einsum.*subscripts/s);
    bad(() => einsumOf('ijk->i', m), /einsum.*operands\[0\]/s);
    bad(() => einsumOf('ii->i', m), /einsum.*operands\[0\]/s);
    bad(
      () => einsumOf('ij,ij->ij', m, x.tensor(new Float64Array(4), { shape: [2, 2], dtype: 'f64' })),
      /einsum.*operands\[1\]/s,
    );
    bad(
      () => einsumOf('ij,ij->ij', m, x.tensor(new Float32Array(6), { shape: [2, 3], dtype: 'f32' })),
      /einsum.*operands\[1\]/s,
    );
    bad(() => (x.einsum as (...args: unknown[]) => unknown)(3, m), /einsum.*subscripts/s);
    bad(() => einsumOf('i->i', x.tensor([1, 2], { dtype: 'i32' })), /einsum.*operands\[0\]/s);
  });
});
