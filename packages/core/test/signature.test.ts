/** @file jit's signatures: matching a call against a signature part by part agrees with comparing their keys. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { hasSignature, signatureOf } from '../src/transforms/signature.js';
import { flattenTree } from '../src/tree/flatten.js';

const shapes = [[], [2], [3], [2, 3], [3, 2], [1, 2, 3]] as const;

/** Tensors of a few dtypes and shapes (equal sizes among them), and static leaves easy to confuse. */
const leafArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...shapes), fc.constantFrom('f32' as const, 'f64' as const, 'i32' as const))
    .map(([shape, dtype]) => x.zeros([...shape], { dtype })),
  fc.constantFrom(0, -0, Number.NaN, 1, '1', true, null, undefined),
);

const treeArb: fc.Arbitrary<unknown> = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leafArb,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('tree'), { maxKeys: 2 }),
  ),
})).tree;

const argsArb = fc.array(treeArb, { maxLength: 3 });
const flatten = (args: readonly unknown[]) => args.map((a, i) => flattenTree('jit', `args[${i}]`, a));

describe('hasSignature', () => {
  test('a call has a signature exactly when its key equals the signature key', () => {
    fc.assert(
      fc.property(argsArb, argsArb, fc.constantFrom('c1', 'c2'), fc.constantFrom('c1', 'c2'), (a, b, ca, cb) => {
        const sig = signatureOf(flatten(a), ca);
        const flats = flatten(b);
        expect(hasSignature(sig, flats, cb)).toBe(sig.key === signatureOf(flats, cb).key);
        expect(hasSignature(sig, flatten(a), ca)).toBe(true);
      }),
    );
  });

  test('another shape of the same size, dtype, static value or structure does not match', () => {
    const sig = signatureOf(flatten([x.zeros([2, 3]), { k: 0 }]), 'c');
    for (const other of [
      [x.zeros([3, 2]), { k: 0 }],
      [x.zeros([2, 3], { dtype: 'f64' }), { k: 0 }],
      [x.zeros([2, 3]), { k: -0 }],
      [x.zeros([2, 3]), { j: 0 }],
      [[x.zeros([2, 3])], { k: 0 }],
    ]) {
      expect(hasSignature(sig, flatten(other), 'c')).toBe(false);
    }
  });
});
