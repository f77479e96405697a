/**
 * @file The kernel laws catch what they are for and pass what is right: an input-mutating function,
 * a backward that carries state, an f32 value stored at bf16 precision, a loss that depends on its
 * chunk size and one wrong only at ragged sizes each fail; cross-entropy passes them all. The ulp
 * helpers against Float16Array and the bits of Float32Array.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

const { chunkInvariant, inputImmutable, outputPrecision, raggedSizes, roundTo, ulpDistance, ulpOf } = x.laws;
const ce = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(z, y);

/** Logits [rows, classes] in [−3, 3] and labels for them. */
const logitsAndLabels = (classes: number, rows = fc.integer({ min: 1, max: 6 })): fc.Arbitrary<x.laws.Operand[]> =>
  rows.chain((b) =>
    fc.tuple(
      fc
        .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: b * classes, maxLength: b * classes })
        .map((v) => x.laws.float(v, [b, classes])),
      fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: b, maxLength: b }).map((v) => x.laws.integer(v)),
    ),
  );
const classification = fc.integer({ min: 2, max: 12 }).chain((k) => logitsAndLabels(k));

/** Float16Array (Node ≥ 24; the library's TypeScript target does not declare it). */
type F16Array = Float32Array;
const Float16 = (globalThis as unknown as { Float16Array: new (n: number) => F16Array }).Float16Array;

/** v rounded to bf16 (8 significant bits, ties to even) through the bits of its f32. */
function bf16(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer);
  const bits = u[0] as number;
  u[0] = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  return f[0] as number;
}

describe('ulps, counted exactly', () => {
  test('roundTo f16 is what a Float16Array stores, over every magnitude', () => {
    const store = new Float16(1);
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ min: -30, max: 17, noNaN: true }), (m, e) => {
        for (const v of [m, (m / 2 ** 1000) * 2 ** e, Math.sign(m) * 2 ** e]) {
          store[0] = v;
          expect(Object.is(roundTo(v, 'f16'), store[0]), `${v}`).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('ulpDistance counts the values between, as the difference of their bit patterns (f32 and f16)', () => {
    const f32 = new Float32Array(1);
    const f32Bits = new Int32Array(f32.buffer);
    const f16 = new Float16(1);
    const f16Bits = new Int16Array(f16.buffer);
    /** The bits as an ordered integer: negative values mirrored below 0. */
    const ordered = (bits: number, signBit: number): number => (bits < 0 ? -(bits & (signBit - 1)) : bits);
    fc.assert(
      fc.property(fc.float({ noNaN: true }), fc.float({ noNaN: true }), (a, b) => {
        f32[0] = a;
        const oa = ordered(f32Bits[0] as number, 2 ** 31);
        f32[0] = b;
        expect(ulpDistance(a, b, 'f32')).toBe(Math.abs(oa - ordered(f32Bits[0] as number, 2 ** 31)));
        f16[0] = a;
        const ha = ordered(f16Bits[0] as number, 2 ** 15);
        f16[0] = b;
        expect(ulpDistance(a, b, 'f16')).toBe(Math.abs(ha - ordered(f16Bits[0] as number, 2 ** 15)));
      }),
      { numRuns: 2000 },
    );
    expect(ulpDistance(1, 1 + 2 ** -23, 'f32')).toBe(1);
    expect(ulpDistance(65504, Infinity, 'f16')).toBe(1);
    expect(ulpDistance(-0, 0, 'f32')).toBe(0);
    expect(ulpDistance(NaN, NaN, 'f16')).toBe(0);
    expect(ulpDistance(NaN, 1, 'f32')).toBe(Infinity);
    expect(ulpOf(1, 'f16')).toBe(2 ** -10);
    expect(ulpOf(0, 'f32')).toBe(2 ** -149);
  });

  test('bad arguments are XentErrors naming the function and the argument', () => {
    expect(() => ulpDistance(1, 2, 'bf16' as 'f16')).toThrow(/ulpDistance.*dtype/);
    expect(() => ulpOf(Infinity, 'f32')).toThrow(x.XentError);
    expect(() => roundTo('1' as unknown as number, 'f32')).toThrow(/roundTo.*'v'/);
    expect(() => outputPrecision(ce, classification, { ulps: -1 })).toThrow(/outputPrecision.*ulps/);
    expect(() => outputPrecision(ce, classification, { tolerance: 1 } as never)).toThrow(/tolerance/);
    expect(() => raggedSizes(ce, ce, logitsAndLabels, { tiles: [] })).toThrow(/raggedSizes.*tiles/);
    expect(() => raggedSizes(ce, ce, logitsAndLabels, { tiles: [0] })).toThrow(/raggedSizes/);
    expect(() => chunkInvariant(() => ce, [1, 2] as never, classification)).toThrow(/chunkInvariant.*sizes/);
    expect(() => inputImmutable(ce, classification, { dtype: 'f16' } as never)).toThrow(/inputImmutable.*dtype/);
  });
});

describe('inputImmutable', () => {
  test('holds for cross-entropy (f32 and f64)', async () => {
    await fc.assert(inputImmutable(ce, classification), { numRuns: 15 });
    await fc.assert(inputImmutable(ce, classification, { dtype: 'f64' }), { numRuns: 15 });
  });

  test('fails on a function that writes over its input, naming the input and the pass', async () => {
    const mutating = (z: x.Tensor, y: x.Tensor): x.Tensor => {
      if (!z.isTraced) (z.view() as Float32Array)[0] = 1000;
      return ce(z, y);
    };
    const r = await fc.check(inputImmutable(mutating, classification), { numRuns: 15 });
    expect(r.failed).toBe(true);
    expect(String(r.errorInstance)).toMatch(/input 0 changed by the forward pass: entry 0 of .*then 1000/);
  });

  test('fails on a backward that carries state from one run to the next', async () => {
    let calls = 0;
    const drifting = (z: x.Tensor, y: x.Tensor): x.Tensor => x.mul(ce(z, y), 1 + 2 ** -10 * calls++);
    const r = await fc.check(inputImmutable(drifting, classification), { numRuns: 15 });
    expect(r.failed).toBe(true);
    expect(String(r.errorInstance)).toMatch(/a repeated backward changed the value Σf/);
  });
});

describe('outputPrecision', () => {
  test('cross-entropy in f32 is within 4 ulps of the correctly rounded f64 value; stored as f16, within 1', async () => {
    await fc.assert(outputPrecision(ce, classification), { numRuns: 40 });
    await fc.assert(outputPrecision(ce, classification, { dtype: 'f16', ulps: 1 }), { numRuns: 40 });
  });

  test('fails on an f32 value stored at bf16 precision (Liger #1430), in thousands of ulps', async () => {
    const bf16Stored = (z: x.Tensor, y: x.Tensor): x.Tensor => {
      const v = ce(z, y);
      return x.tensor(Float32Array.from(v.data(), bf16), { shape: [...v.shape], dtype: 'f32' });
    };
    const r = await fc.check(outputPrecision(bf16Stored, classification, { reference: ce }), { numRuns: 40 });
    expect(r.failed).toBe(true);
    const ulps = Number(/(\d+) ulps from/.exec(String(r.errorInstance))?.[1]);
    expect(ulps).toBeGreaterThan(4);
    // the unshrunk failure: a bf16 value is typically 2¹³ f32 ulps off
    const first = await fc.check(outputPrecision(bf16Stored, classification, { reference: ce }), {
      numRuns: 40,
      endOnFailure: true,
    });
    expect(Number(/(\d+) ulps from/.exec(String(first.errorInstance))?.[1])).toBeGreaterThan(64);
  });

  test('atol accepts a value near 0 whose f64 reference is rounding noise', async () => {
    const kl = (p: x.Tensor, q: x.Tensor): x.Tensor => x.divergence.kl(p, q);
    // KL of logits 1e-9 apart is ~1e-19; f64 rounds it to 1.1e-16, f32 to 0: billions of ulps apart
    const near = fc.constant<x.laws.Operand[]>([
      x.laws.float([0, 0, 0, 0, 0, 0, 0, 0], [2, 4]),
      x.laws.float([0, 0, 0, 0, -1.3343104954266496e-9, 0, 0, 0], [2, 4]),
    ]);
    const strict = await fc.check(outputPrecision(kl, near), { numRuns: 1 });
    expect(String(strict.errorInstance)).toMatch(/entry 0 stored in f32 is 0, \d{9} ulps from 1\.11\d*e-16/);
    await fc.assert(outputPrecision(kl, near, { atol: ulpOf(1, 'f32') }), { numRuns: 1 });
    // certify's setting: 16 ulps of the value, or of 1 below 1
    await fc.assert(outputPrecision(kl, x.laws.operandsFor('divergence'), { ulps: 16, atol: 16 * ulpOf(1, 'f32') }), {
      numRuns: 40,
    });
  });
});

describe('chunkInvariant', () => {
  /** Cross-entropy by chunks of `size` rows: Σ over chunks of their sums, over the row count (right). */
  const chunkedSum =
    (size: number) =>
    (z: x.Tensor, y: x.Tensor): x.Tensor => {
      const rows = z.shape[0] as number;
      const parts: x.Tensor[] = [];
      for (let r0 = 0; r0 < rows; r0 += size) {
        const r1 = Math.min(rows, r0 + size);
        const zc = x.slice(z, [r0, 0], [r1, z.shape[1] as number]);
        const yc = x.slice(y, [r0], [r1]);
        parts.push(x.losses.crossEntropy(zc, yc, { reduction: 'sum' }));
      }
      return x.div(
        parts.reduce((a, b) => x.add(a, b)),
        rows,
      );
    };
  /** The mean of the chunks' means (wrong where the last chunk is ragged: its rows count more). */
  const chunkedMeans =
    (size: number) =>
    (z: x.Tensor, y: x.Tensor): x.Tensor => {
      const rows = z.shape[0] as number;
      const parts: x.Tensor[] = [];
      for (let r0 = 0; r0 < rows; r0 += size) {
        const r1 = Math.min(rows, r0 + size);
        parts.push(x.losses.crossEntropy(x.slice(z, [r0, 0], [r1, z.shape[1] as number]), x.slice(y, [r0], [r1])));
      }
      return x.div(
        parts.reduce((a, b) => x.add(a, b)),
        parts.length,
      );
    };
  const batches = fc.integer({ min: 2, max: 8 }).chain((k) => logitsAndLabels(k, fc.integer({ min: 3, max: 9 })));

  test('holds for a loss summed by chunks, ragged chunks included', async () => {
    await fc.assert(chunkInvariant(chunkedSum, fc.integer({ min: 1, max: 10 }), batches), { numRuns: 15 });
  });

  test('fails on a loss that averages per-chunk means, naming the two chunk sizes', async () => {
    const r = await fc.check(chunkInvariant(chunkedMeans, fc.integer({ min: 1, max: 10 }), batches), {
      numRuns: 15,
    });
    expect(r.failed).toBe(true);
    expect(String(r.errorInstance)).toMatch(
      /chunk size \d+ against \d+: the (value|gradient w\.r\.t\. float operand 0), entry \d+/,
    );
  });
});

describe('raggedSizes', () => {
  const TILE = 4;
  /** Cross-entropy whose logsumexp runs over whole tiles of classes only: the ragged tail is dropped. */
  const dropsTail = (z: x.Tensor, y: x.Tensor): x.Tensor => {
    const v = z.shape[1] as number;
    const whole = Math.max(TILE, Math.floor(v / TILE) * TILE);
    const kept = x.where(x.less(x.arange(v), whole), z, -Infinity);
    const picked = x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1);
    return x.mean(x.sub(x.logsumexp(kept, { axis: -1 }), picked));
  };

  test('holds for cross-entropy at sizes around multiples of the tile', async () => {
    await fc.assert(
      raggedSizes(ce, ce, (v) => logitsAndLabels(v), { tiles: [TILE] }),
      { numRuns: 20 },
    );
  });

  test('fails on a function wrong only at ragged sizes, naming the size as k·T ± 1', async () => {
    // right at whole multiples of the tile
    for (const v of [4, 8, 12])
      fc.assert(
        fc.property(logitsAndLabels(v), ([z, y]) => {
          const [zt, yt] = [x.laws.tensorOf(z as x.laws.Operand), x.laws.tensorOf(y as x.laws.Operand)];
          expect(dropsTail(zt, yt).data()[0]).toBeCloseTo(ce(zt, yt).data()[0] as number, 12);
        }),
        { numRuns: 5 },
      );
    const r = await fc.check(
      raggedSizes(dropsTail, ce, (v) => logitsAndLabels(v), { tiles: [TILE] }),
      {
        numRuns: 30,
      },
    );
    expect(r.failed).toBe(true);
    expect(String(r.errorInstance)).toMatch(/size \d+ \(\d·4 [+−] 1\): the value/);
  });
});
