/**
 * @file The law kit checks its arguments when it is called, not later inside fast-check: a bad loss, arbitrary,
 * tolerance, size or run count is an XentError naming the function and the argument; sizes are bounded
 * before anything is drawn; options that used to break a law inside fast-check now work.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

const L = x.laws;
const A = x.laws.arbitraries;
const ce = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(z, y);
const mae = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.maeLoss(z, y);
const shannon = (z: x.Tensor): x.Tensor => x.entropy.shannon(z);
const ops = L.operandsFor('classification');

/** The error `f` throws, which must be an XentError. */
function thrown(f: () => unknown): x.XentError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(x.XentError);
    return e as x.XentError;
  }
  throw new Error('expected an XentError, nothing was thrown');
}

describe('laws reject bad arguments when they are built', () => {
  test.each<[string, () => unknown, string]>([
    ['a loss that is not a function', () => L.shiftInvariant('ce' as never), "xent.shiftInvariant: argument 'loss'"],
    ['a model that is not a function', () => L.convex(3 as never, ops), "xent.convex: argument 'f'"],
    [
      'operands that are not an arbitrary',
      () => L.gradientMatchesFiniteDifferences(ce, [[1, 2]] as never),
      "xent.gradientMatchesFiniteDifferences: argument 'operands'",
    ],
    ['a negative rtol', () => L.jvpMatchesVjp(ce, ops, { rtol: -1, atol: 0 }), "xent.jvpMatchesVjp: argument 'rtol'"],
    ['a NaN atol', () => L.hessianSymmetric(ce, ops, { rtol: 0, atol: NaN }), "xent.hessianSymmetric: argument 'atol'"],
    [
      'a tolerance without its atol (every comparison would be false)',
      () => L.vjpDotProduct(ce, ops, { rtol: 1e-3 } as never),
      "xent.vjpDotProduct: argument 'atol' expected a finite number ≥ 0",
    ],
    [
      'an unknown tolerance key',
      () => L.entropyBounds(shannon, {}, { rtoll: 1 } as never),
      "xent.entropyBounds: argument 'tol'",
    ],
    [
      'more rows asked for at least than at most',
      () => L.nonNegative(ce, { minBatch: 5, maxBatch: 2 }),
      "xent.nonNegative: argument 'minBatch' expected at most maxBatch (2), got 5",
    ],
    [
      'a fractional class count',
      () => L.finiteAtExtremes(ce, { maxClasses: 2.5 }),
      "xent.finiteAtExtremes: argument 'maxClasses'",
    ],
    ['an infinite bound', () => L.boundedAbove(ce, Infinity), "xent.boundedAbove: argument 'bound'"],
    ['a negative step', () => L.familyLimit(() => ce, 0, ce, ops, { eps: -1 }), "xent.familyLimit: argument 'eps'"],
    [
      'an unknown side',
      () => L.familyLimit(() => ce, 0, ce, ops, { side: 'left' as never }),
      "xent.familyLimit: argument 'side'",
    ],
    ['no dtypes', () => L.finiteWithGradient(ce, ops, []), "xent.finiteWithGradient: argument 'dtypes'"],
    [
      'an unknown dtype',
      () => L.finiteWithGradient(ce, ops, ['f16' as never]),
      "xent.finiteWithGradient: argument 'dtypes[0]'",
    ],
    [
      'a backend that is not one',
      () => L.backendAgreement(ce, ops, {} as never),
      "xent.backendAgreement: argument 'backend'",
    ],
    ['an unknown kind', () => L.operandsFor('regression' as never), "xent.operandsFor: argument 'kind'"],
    ['an operand whose values do not fill its shape', () => L.float([1, 2, 3], [2, 2]), "xent.float: argument 'shape'"],
    ['a label that is not an integer', () => L.integer([0, 1.5]), "xent.integer: argument 'values[1]'"],
    ['an operand without values', () => L.tensorOf({ shape: [2] } as never), "xent.tensorOf: argument 'values'"],
    ['close without a tolerance', () => L.close(1, 1, undefined as never), "xent.close: argument 'rtol'"],
  ])('%s', (_name, f, message) => {
    expect(thrown(f).message.startsWith(message), thrown(f).message).toBe(true);
  });

  test('an embeddings shape that is not [N, d] names the law', () => {
    expect(thrown(() => L.rowPermutationInvariant(shannon, [2, 2, 2] as never)).message).toMatch(
      /^xent\.rowPermutationInvariant: argument 'shape' expected the shape \[N, d\] of the embeddings/,
    );
  });
});

describe('certify checks its options up front', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a negative number of runs',
      { kind: 'classification', runs: -1 },
      /^xent\.certify: argument 'runs' expected an integer in \[1, /,
    ],
    ['no kind', {}, /^xent\.certify: argument 'kind' expected one of 'classification'/],
    [
      'an unknown law',
      { kind: 'entropy', laws: ['gradiant'] },
      /^xent\.certify: argument 'laws\[0\]' expected one of 'gradient'/,
    ],
    [
      'a misspelt option',
      { kind: 'entropy', run: 3 },
      /^xent\.certify: argument 'options' .*unknown key 'run' \(did you mean 'runs'\?\)/,
    ],
    ['a bad input scale', { kind: 'entropy', inputs: { scale: 0 } }, /^xent\.certify: argument 'scale'/],
  ])('%s', (_name, options, message) => {
    expect(() => L.certify(ce, options as never)).toThrow(message);
  });

  test('claims that are not law names are reported, not refused', async () => {
    const r = await L.certify(ce, {
      kind: 'classification',
      runs: 2,
      laws: ['nonNegative'],
      claims: ['nonNegativ' as never],
    });
    expect(r.unknownClaims).toEqual(['nonNegativ']);
  });

  test('with at most 2 classes, class-permutation invariance does not apply (it used to draw forever)', async () => {
    const r = await L.certify(ce, {
      kind: 'classification',
      runs: 3,
      laws: ['classPermutationInvariant'],
      inputs: { maxClasses: 2 },
    });
    expect(r.results[0]).toMatchObject({ status: 'not applicable', message: 'permuting classes needs maxClasses ≥ 3' });
  });

  test('formatReport and reportJson take a report only', () => {
    expect(thrown(() => L.formatReport({} as never)).message).toMatch(
      /^xent\.formatReport: argument 'r' expected a Report/,
    );
    expect(thrown(() => L.reportJson('report' as never)).message).toMatch(/^xent\.reportJson: argument 'r'/);
  });
});

describe('sizes are bounded before anything is drawn', () => {
  test.each<[string, () => unknown, RegExp]>([
    [
      '2³¹ values',
      () => A.values(2 ** 31),
      /^xent\.values: argument 'n' expected at most 1048576 entries \(the law kit's limit of 1048576 drawn entries\), got 2147483648 entries$/,
    ],
    [
      'a tensor of 2⁴⁰ entries',
      () => A.tensor([2 ** 20, 2 ** 20]),
      /^xent\.tensor: argument 'shape' expected at most 1048576 entries \(.*\), got 1099511627776 entries$/,
    ],
    [
      'a batch of 2⁴⁰ logits',
      () => A.classification({ maxBatch: 2 ** 20, maxClasses: 2 ** 20 }),
      /^xent\.classification: argument 'maxBatch' expected at most 1048576 logits/,
    ],
    ['2²⁰ simplex rows of 2²⁰ entries', () => A.simplexRows(2 ** 20, 2 ** 20), /^xent\.simplexRows: argument 'batch'/],
    [
      'a 10⁴ × 10⁴ orthogonal matrix',
      () => A.orthogonal(1e4),
      /^xent\.orthogonal: argument 'n' expected at most 256 rows \(Gram–Schmidt costs n³ per draw\), got 10000 rows$/,
    ],
    ['a permutation of 2³¹', () => A.permutation(2 ** 31), /^xent\.permutation: argument 'n'/],
    ['shapes of rank 40', () => A.shape({ maxRank: 40 }), /^xent\.shape: argument 'maxRank'/],
    [
      'properness with 10⁵ classes',
      () => L.properScoringRule(ce, { maxClasses: 1e5 }),
      /^xent\.properScoringRule: argument 'maxClasses'/,
    ],
    [
      'embeddings of 2⁴⁰ entries',
      () => L.scaleInvariant(shannon, [2 ** 20, 2 ** 20]),
      /^xent\.scaleInvariant: argument 'shape' expected at most 1048576 entries/,
    ],
  ])('%s', (_name, f, message) => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(x.ResourceError);
    expect(e.message).toMatch(message);
  });
});

describe('arbitraries check their options', () => {
  test.each<[string, () => unknown, RegExp]>([
    ['an unknown domain', () => A.value('huge' as never), /^xent\.value: argument 'domain'/],
    [
      'a zero scale',
      () => A.values(3, 'positive', 0),
      /^xent\.values: argument 'scale' expected a finite number ≥ 1e-300, got 0$/,
    ],
    ['a misspelt logit option', () => A.logit({ extrem: true } as never), /did you mean 'extreme'\?/],
    [
      'fewer ranks at most than at least',
      () => A.shape({ minRank: 3, maxRank: 1 }),
      /^xent\.shape: argument 'minRank' expected at most maxRank \(1\), got 3$/,
    ],
    [
      'a label past the classes',
      () => A.oneHotRows([0, 3], 3),
      /^xent\.oneHotRows: argument 'labelValues\[1\]' expected a label in \[0, 3\), got 3$/,
    ],
    ['an infinite logit', () => A.softmaxRow([0, Infinity]), /^xent\.softmaxRow: argument 'z'/],
    ['only masked logits', () => A.softmaxRow([-Infinity, -Infinity]), /^xent\.softmaxRow: argument 'z'/],
    [
      'a dtype the tensor arbitrary does not draw',
      () => A.tensor([2], 'bounded', { dtype: 'i32' as never }),
      /^xent\.tensor: argument 'dtype'/,
    ],
    [
      'an argument too many',
      () => (A.rotation2d as (...a: unknown[]) => unknown)(3),
      /^xent\.rotation2d: argument 'arguments\[0\]'/,
    ],
  ])('%s', (_name, f, message) => {
    expect(thrown(f).message).toMatch(message);
  });
});

describe('options that used to break a law inside fast-check', () => {
  test('symmetricLoss with more than 12 classes: MAE holds, CE is refuted', () => {
    const options = { minClasses: 13, maxClasses: 16 };
    expect(fc.check(L.symmetricLoss(mae, options), { numRuns: 10 }).failed).toBe(false);
    expect(fc.check(L.symmetricLoss(ce, options), { numRuns: 10 }).failed).toBe(true);
  });

  test('classPermutationInvariant with at most 2 classes draws 1 or 2 classes and holds for CE', () => {
    expect(fc.check(L.classPermutationInvariant(ce, { maxClasses: 2 }), { numRuns: 10 }).failed).toBe(false);
  });

  test('boundedAbove with at least 3 rows draws 3 rows', () => {
    const rows = new Set<number>();
    const counting = (z: x.Tensor, y: x.Tensor): x.Tensor => {
      rows.add(z.shape[0] as number);
      return mae(z, y);
    };
    expect(fc.check(L.boundedAbove(counting, 2, { minBatch: 3 }), { numRuns: 10 }).failed).toBe(false);
    expect([...rows]).toEqual([3]);
  });

  test('operands.map(tensorOf) builds the tensors (map passes an index and the array after the operand)', () => {
    const built = [L.float([1, 2, 3, 4], [2, 2]), L.integer([0, 1])].map(L.tensorOf);
    expect(built.map((t) => [t.dtype, t.shape])).toEqual([
      ['f64', [2, 2]],
      ['i32', [2]],
    ]);
  });

  test('close compares NaN and infinities as documented', () => {
    const tol = { rtol: 1e-9, atol: 0 };
    expect([
      L.close(NaN, NaN, tol),
      L.close(NaN, 1, tol),
      L.close(Infinity, Infinity, tol),
      L.close(1, 1 + 1e-12, tol),
    ]).toEqual([true, false, true, true]);
  });
});
