/** @file offKinks, the map that moves test draws off the kinks: its stated guarantees, on fresh draws. */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { offKinks } from './support/offKinks.js';
import { sparsemaxTau } from './support/optaxCases.js';

const drawn = fc
  .integer({ min: 1, max: 7 })
  .chain((k) =>
    fc.tuple(fc.constant(k), fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: k, maxLength: 4 * k })),
  );

test('rows become distinct odd multiples of 1/64.5 in the draws order, off 0, ±1 and the sparsemax threshold', () => {
  fc.assert(
    fc.property(drawn, ([k, v]) => {
      const out = offKinks(v, k);
      expect(out).toHaveLength(v.length);
      for (let start = 0; start < v.length; start += k) {
        const row = out.slice(start, start + k);
        const m = row.map((u) => u * 64.5);
        for (const [i, mi] of m.entries()) {
          expect(Math.abs(mi - Math.round(mi))).toBeLessThan(1e-9);
          expect(Math.abs(Math.round(mi)) % 2).toBe(1);
          for (const [j, mj] of m.entries()) {
            if (i === j) continue;
            expect(Math.abs(mi - mj)).toBeGreaterThan(1.999);
            expect(Math.abs(Math.abs(mi - mj) - 64.5)).toBeGreaterThan(0.499);
            // the draws' order is kept (ties by position)
            const [vi, vj] = [v[start + i] as number, v[start + j] as number];
            if (vi < vj || (vi === vj && i < j)) expect(mi).toBeLessThan(mj);
          }
          expect(Math.abs(Math.abs(mi) - 64.5)).toBeGreaterThan(0.499);
        }
        const tau = sparsemaxTau(row);
        for (const u of row) expect(Math.abs(u - tau)).toBeGreaterThan(0.499 / (64.5 * row.length));
      }
    }),
    { numRuns: 200 },
  );
});

test('a draw of all zeros (fast-check draws many) becomes 1, 3, 5, … over 64.5 in every row', () => {
  expect(offKinks([0, 0, 0, 0, 0, 0], 3).map((u) => u * 64.5)).toEqual([1, 3, 5, 1, 3, 5]);
});
