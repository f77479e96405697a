/**
 * @file x.norm for any order and x.cdist for any p against PyTorch 1.13 (torch.linalg.vector_norm and
 * torch.cdist, f64 values and gradients stored in test/golden/normCdist.json by
 * scripts/golden/normCdist.py; cdist batched and broadcast, eager and jitted, and in f32 against PyTorch's f32);
 * f64 finite differences for general orders; second order; bad input.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { directionalFd, expectAllClose, toNumbers } from './support/numeric.js';

type Num = number | string;
const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));
const nums = (v: unknown): number[] => (v as unknown[]).flat(3).map((u) => num(u as Num));

interface NormCase {
  name: string;
  ord: Num;
  axis: number | null;
  keepDims: boolean;
  x: unknown;
  shape: number[];
  w: Num[];
  outShape: number[];
  value: Num[];
  grad: Num[];
}
interface CdistCase {
  name: string;
  p: Num;
  aShape: number[];
  bShape: number[];
  outShape: number[];
  /** The flat inputs, or null where they are `wave`s of `wavePhases`. */
  a: Num[] | null;
  b: Num[] | null;
  wavePhases: [number, number] | null;
  w: Num[];
  value: Num[];
  /** The gradients at every `gradStride`-th flat entry. */
  gradStride: number;
  gradA: Num[];
  gradB: Num[];
  /** torch.cdist in f32 on the inputs rounded to f32. */
  value32: Num[];
  gradA32: Num[];
  gradB32: Num[];
}
const golden = JSON.parse(readFileSync(new URL('./golden/normCdist.json', import.meta.url), 'utf8')) as {
  norm: NormCase[];
  cdist: CdistCase[];
};

const formatShapes = (c: CdistCase): string => `[${c.aShape.join(', ')}] [${c.bShape.join(', ')}]`;
const f64 = (v: readonly number[], shape: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(v), { shape, dtype: 'f64' });
/** Relative 1e-12 with an absolute floor scaled to the case's magnitudes (the inputs span 1e-300 to 1e200). */
const tolFor = (expected: readonly number[]) => {
  const big = Math.max(...expected.filter(Number.isFinite).map(Math.abs), 0);
  return { rtol: 1e-12, atol: 1e-13 * Math.min(big, 1) };
};

/**
 * Host f64 norms of a [2, 4] array over axis −1, 0 or all, scaled by the extreme magnitude, and the gradient of
 * Σ w·norm as sign(x)·e^{(p−1)(log|x| − log‖x‖)} (0 at x = 0 and ‖x‖ = 0); both in f64 logs where powers overflow.
 */
function hostNorm(v: number[], shape: number[], axis: number | null, p: number, w: number[]): [number[], number[]] {
  const [r, k] = shape as [number, number];
  const groups: number[][] =
    axis === null
      ? [v.map((_, i) => i)]
      : axis === 0
        ? Array.from({ length: k }, (_, j) => Array.from({ length: r }, (_, i) => i * k + j))
        : Array.from({ length: r }, (_, i) => Array.from({ length: k }, (_, j) => i * k + j));
  const values: number[] = [];
  const grad = v.map(() => 0);
  groups.forEach((g, gi) => {
    const mags = g.map((i) => Math.abs(v[i] as number));
    let n: number;
    if (p === Infinity) n = Math.max(...mags);
    else if (p === -Infinity) n = Math.min(...mags);
    else if (p === 0) n = mags.filter((m) => m !== 0).length;
    else if (p === 1) n = mags.reduce((s, m) => s + m, 0);
    else {
      const a = p > 0 ? Math.max(...mags) : Math.min(...mags);
      n =
        a === 0
          ? p > 0
            ? 0
            : 0
          : a *
            Math.pow(
              mags.reduce((s, m) => s + Math.pow(m / a, p), 0),
              1 / p,
            );
    }
    values.push(n);
    g.forEach((i, j) => {
      const m = mags[j] as number;
      let slope: number;
      if (p === 0) slope = 0;
      else if (p === Infinity || p === -Infinity) slope = m === n ? 1 / mags.filter((u) => u === n).length : 0;
      else slope = m === 0 || n === 0 ? 0 : Math.exp((p - 1) * (Math.log(m) - Math.log(n)));
      grad[i] = Math.sign(v[i] as number) * slope * (w[gi] as number);
    });
  });
  return [values, grad];
}

describe('x.norm against torch.linalg.vector_norm (golden)', () => {
  test.each(golden.norm.map((c) => [`${c.name} ord ${String(c.ord)} axis ${String(c.axis)}`, c] as const))(
    '%s',
    (_name, c) => {
      const ord = num(c.ord);
      const options = { ord, keepDims: c.keepDims, ...(c.axis === null ? {} : { axis: c.axis }) };
      const t = f64(nums(c.x), c.shape);
      const out = x.norm(t, options);
      expect(out.shape).toEqual(c.outShape);
      const w = f64(c.w.map(num), c.outShape);
      const grad = toNumbers(x.grad((u: x.Tensor) => x.sum(x.mul(x.norm(u, options), w)))(t));
      // PyTorch does not scale: at 1e±200 its sums overflow or underflow, so that case is checked on the host
      const [value, expected] =
        c.name === 'huge_and_tiny'
          ? hostNorm(nums(c.x), c.shape, c.axis, ord, c.w.map(num))
          : [c.value.map(num), c.grad.map(num)];
      expectAllClose(toNumbers(out), value, tolFor(value), 'value');
      expectAllClose(grad, expected, tolFor(expected), 'gradient');
      expect(grad.every(Number.isFinite)).toBe(true);
    },
  );
});

/** 1000 + sin(0.37·i + phase) over the flat index i of `shape`, as the generator builds the large inputs. */
const wave = (shape: readonly number[], phase: number): number[] =>
  Array.from({ length: shape.reduce((k, d) => k * d, 1) }, (_, i) => 1000 + Math.sin(0.37 * i + phase));

/** A case's inputs, value, weights and its gradients (at the stored stride) of Σ w·cdist in `dtype`. */
function cdistCase(c: CdistCase, dtype: 'f64' | 'f32') {
  const p = num(c.p);
  const [av, bv] = c.wavePhases
    ? [wave(c.aShape, c.wavePhases[0]), wave(c.bShape, c.wavePhases[1])]
    : [(c.a ?? []).map(num), (c.b ?? []).map(num)];
  const make = (v: number[], shape: number[]): x.Tensor =>
    dtype === 'f64' ? f64(v, shape) : x.tensor(Float32Array.from(v), { shape, dtype: 'f32' });
  const [a, b, w] = [make(av, c.aShape), make(bv, c.bShape), make(c.w.map(num), c.outShape)];
  const out = x.cdist(a, b, { p });
  const [ga, gb] = x.grad((u: x.Tensor, v: x.Tensor) => x.sum(x.mul(x.cdist(u, v, { p }), w)), {
    argnums: [0, 1],
  })(a, b);
  const strided = (g: x.Tensor): number[] => toNumbers(g).filter((_, i) => i % c.gradStride === 0);
  return { p, av, bv, out, gradA: strided(ga), gradB: strided(gb) };
}

describe('x.cdist against torch.cdist (golden)', () => {
  test.each(golden.cdist.map((c) => [`${c.name} p ${String(c.p)} ${formatShapes(c)}`, c] as const))(
    'f64 %s',
    (_name, c) => {
      const { p, out, gradA, gradB } = cdistCase(c, 'f64');
      expect(out.shape).toEqual(c.outShape);
      const value = c.value.map(num);
      // above 2²⁰ entries p = 2 multiplies centred points: D² is off by about ε·spread² (documented), D by that over 2D
      const centred = p === 2 && c.name.startsWith('large');
      const atol = centred ? (64 * 2 ** -52 * Math.max(...value) ** 2) / Math.min(...value) : 1e-12;
      expectAllClose(toNumbers(out), value, { rtol: 1e-12, atol }, 'value');
      if (p === Infinity && c.name === 'coincident') {
        // a tie between two coordinates: PyTorch gives each the whole cotangent, x.cdist half (a subgradient)
        expectAllClose(gradA, [0, 0.4, 0, 0.1, -0.8, -0.1, 2.4, -1, 0], { rtol: 1e-12, atol: 0 }, 'split tie');
        return;
      }
      expectAllClose(gradA, c.gradA.map(num), { rtol: 1e-9, atol: 1e-12 }, 'gradient in a');
      expectAllClose(gradB, c.gradB.map(num), { rtol: 1e-9, atol: 1e-12 }, 'gradient in b');
    },
    30_000,
  );

  test.each(
    golden.cdist
      .filter((c) => ['batched', 'broadcast', 'unbatched_a'].includes(c.name) && [2, 3, Infinity].includes(num(c.p)))
      .map((c) => [`${c.name} p ${String(c.p)} ${formatShapes(c)}`, c] as const),
  )(
    'f64 jitted %s',
    (_name, c) => {
      const p = num(c.p);
      const [a, b, w] = [f64(nums(c.a), c.aShape), f64(nums(c.b), c.bShape), f64(c.w.map(num), c.outShape)];
      const tight = { rtol: 1e-12, atol: 1e-12 };
      expectAllClose(
        toNumbers(x.jit((u: x.Tensor, v: x.Tensor) => x.cdist(u, v, { p }))(a, b)),
        c.value.map(num),
        tight,
        'value',
      );
      const grads = x.jit(
        x.grad((u: x.Tensor, v: x.Tensor) => x.sum(x.mul(x.cdist(u, v, { p }), w)), { argnums: [0, 1] }),
      )(a, b) as x.Tensor[];
      expectAllClose(toNumbers(grads[0] as x.Tensor), c.gradA.map(num), { rtol: 1e-9, atol: 1e-12 }, 'gradient in a');
      expectAllClose(toNumbers(grads[1] as x.Tensor), c.gradB.map(num), { rtol: 1e-9, atol: 1e-12 }, 'gradient in b');
    },
    30_000,
  );

  // against torch.cdist in f32 on the same f32 inputs (not the p = Infinity tie PyTorch breaks differently): both
  // round each operation, so they agree to a few ε₃₂ relative to the case's largest value; p = 2 above 2²⁰ entries
  // (centred points) to ε₃₂·spread²/D² as documented
  test.each(
    golden.cdist
      .filter((c) => !(num(c.p) === Infinity && c.name === 'coincident'))
      .map((c) => [`${c.name} p ${String(c.p)} ${formatShapes(c)}`, c] as const),
  )(
    'f32 %s',
    (_name, c) => {
      const { p, out, gradA, gradB } = cdistCase(c, 'f32');
      const value = c.value32.map(num);
      const eps = 2 ** -24;
      const big = Math.max(...value);
      const centred = p === 2 && c.name.startsWith('large');
      const atol = centred ? (64 * eps * big ** 2) / Math.min(...value) : 64 * eps * big;
      expectAllClose(toNumbers(out), value, { rtol: 64 * eps, atol }, 'value');
      // the gradient (a − b)/D moves by about the relative error of D, ε₃₂·spread/D on the centred path
      const gtol = { rtol: 1e-4, atol: centred ? (64 * eps * big) / Math.min(...value) : 1e-5 };
      expectAllClose(gradA, c.gradA32.map(num), gtol, 'gradient in a');
      expectAllClose(gradB, c.gradB32.map(num), gtol, 'gradient in b');
    },
    30_000,
  );
});

describe('general orders: finite differences, second order, f32, bad input', () => {
  test('x.norm gradients against f64 central differences for random orders (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.2, max: 3, noNaN: true }), { minLength: 2, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.oneof(fc.double({ min: -4, max: -0.2, noNaN: true }), fc.double({ min: 0.3, max: 6, noNaN: true })),
        fc.integer({ min: 0, max: 1000 }),
        (mags, signs, ord, seed) => {
          const v = mags.map((m, i) => (signs[i] === true ? -m : m));
          const dir = v.map((_, i) => Math.cos(seed + 3 * i));
          const f = (t: x.Tensor): x.Tensor => x.norm(t, { ord });
          const g = toNumbers(x.grad(f)(f64(v, [v.length])));
          const fd = directionalFd((t) => x.item(f(t)), [f64(v, [v.length])], [dir]);
          const analytic = g.reduce((s, gi, i) => s + gi * (dir[i] as number), 0);
          expectAllClose([analytic], [fd], { rtol: 1e-6, atol: 1e-8 }, 'directional derivative');
          const host = Math.pow(
            v.reduce((s, vi) => s + Math.pow(Math.abs(vi), ord), 0),
            1 / ord,
          );
          expectAllClose([x.item(f(f64(v, [v.length])))], [host], { rtol: 1e-13, atol: 0 }, 'value');
        },
      ),
      { numRuns: 60 },
    );
  });

  test('second order of a general order against differences of the first', () => {
    const v = [0.7, -1.3, 2.1, 0.4];
    const dir = [0.3, -0.2, 0.5, 0.1];
    for (const ord of [3, 0.5, -1.5]) {
      const grad = x.grad((t: x.Tensor) => x.norm(t, { ord }));
      const hv = toNumbers(x.grad((t: x.Tensor) => x.sum(x.mul(grad(t), f64(dir, [4]))))(f64(v, [4])));
      const h = 1e-5;
      const at = (s: number): number[] =>
        toNumbers(
          grad(
            f64(
              v.map((vi, i) => vi + s * h * (dir[i] as number)),
              [4],
            ),
          ),
        );
      const [plus, minus] = [at(1), at(-1)];
      expectAllClose(
        hv,
        plus.map((p, i) => (p - (minus[i] as number)) / (2 * h)),
        { rtol: 1e-6, atol: 1e-8 },
        `ord ${ord}`,
      );
    }
  });

  test('f32 without overflow or underflow: orders 3 and −2 at 1e30 and 1e-30', () => {
    const big = x.tensor(Float32Array.from([3e30, -4e30]), { shape: [2], dtype: 'f32' });
    expectAllClose([x.item(x.norm(big, { ord: 3 }))], [Math.cbrt(27e90 + 64e90)], { rtol: 1e-6, atol: 0 }, 'big');
    const small = x.tensor(Float32Array.from([3e-30, -4e-30]), { shape: [2], dtype: 'f32' });
    const expected = Math.pow(Math.pow(3e-30, -2) + Math.pow(4e-30, -2), -0.5);
    expectAllClose([x.item(x.norm(small, { ord: -2 }))], [expected], { rtol: 1e-6, atol: 0 }, 'small');
  });

  test('NaN propagates; p = 0 counts nonzeros; bad orders and shapes are XentErrors', () => {
    expect(Number.isNaN(x.item(x.norm(f64([1, NaN], [2]), { ord: 3 })))).toBe(true);
    expect(Number.isNaN(x.item(x.norm(f64([1, NaN], [2]), { ord: -0.5 })))).toBe(true);
    expect(x.item(x.norm(f64([0, 2, -1e-300, 0], [4]), { ord: 0 }))).toBe(2);
    const bad = (f: () => unknown, re: RegExp): void => {
      expect(f).toThrow(x.XentError);
      expect(f).toThrow(re);
    };
    bad(() => x.norm(f64([1, 2], [2]), { ord: NaN }), /norm.*ord/s);
    bad(() => x.cdist(f64([1, 2], [1, 2]), f64([1, 2], [1, 2]), { p: -1 }), /cdist.*p/s);
    bad(() => x.cdist(f64([1, 2], [1, 2]), f64([1, 2, 3], [1, 3]), { p: 1 }), /cdist.*b/s);
    bad(() => x.cdist(f64([1, 2], [1, 2]), f64([1, 2], [1, 2]), { q: 1 } as never), /cdist/);
    bad(() => x.cdist(f64([1, 2, 3, 4], [2, 1, 2]), f64([1, 2, 3], [1, 1, 3])), /cdist.*b.*dimension 2/s);
    bad(() => x.cdist(f64(Array(12).fill(0), [2, 3, 2]), f64(Array(12).fill(0), [3, 2, 2])), /cdist.*b.*batch/s);
    bad(() => x.cdist(f64([1, 2], [2]), f64([1, 2], [1, 2])), /cdist.*a/s);
    bad(() => x.cdist(f64([1, 2], [1, 2]), x.tensor([[1, 2]], { dtype: 'f32' })), /cdist.*b/s);
    expect(Number.isNaN(toNumbers(x.cdist(f64([NaN, 0, 1, 1], [2, 1, 2]), f64([0, 0], [1, 2]), { p: 3 }))[0])).toBe(
      true,
    );
    expect(Number.isNaN(toNumbers(x.cdist(f64([NaN, 0, 1, 1], [2, 1, 2]), f64([0, 0], [1, 2])))[0])).toBe(true);
  });
});
