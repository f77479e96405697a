/**
 * @file ctcLoss over 40 time steps (the α recursion fuse once inlined into one exponentially large
 * expression) against an f64 host implementation of the forward algorithm, eager and jitted.
 */
import { describe, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, i32, toNumbers } from './support.js';

const L = x.losses;
const [T, C] = [40, 4];
const target = [1, 2, 2, 3];

/** −log p(target | lp) by the log-space forward algorithm on f64 numbers (blank 0). */
function hostCtc(lp: readonly number[]): number {
  const ext = [0, ...target.flatMap((l) => [l, 0])];
  const lae = (a: number, b: number): number =>
    a === -Infinity ? b : b === -Infinity ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
  let alpha = ext.map((l, s) => (s < 2 ? (lp[l] as number) : -Infinity));
  for (let t = 1; t < T; t++) {
    alpha = ext.map((l, s) => {
      let v = lae(alpha[s] as number, s > 0 ? (alpha[s - 1] as number) : -Infinity);
      if (s > 1 && l !== 0 && l !== ext[s - 2]) v = lae(v, alpha[s - 2] as number);
      return v + (lp[t * C + l] as number);
    });
  }
  return -lae(alpha[ext.length - 1] as number, alpha[ext.length - 2] as number);
}

describe('ctcLoss over many steps', () => {
  test('40 steps, eager and jitted, equal the host forward algorithm', { timeout: 120_000 }, () => {
    const z = Array.from({ length: T * C }, (_, i) => Math.sin(i * 0.7) * 2);
    const lp = x.logSoftmax(x.tensor(Float64Array.from(z), { shape: [T, 1, C] }));
    const loss = (p: x.Tensor): x.Tensor =>
      L.ctcLoss(p, i32(target, [1, target.length]), i32([T]), i32([target.length]), { reduction: 'none' });
    const want = [hostCtc(toNumbers(lp))];
    expectAllClose(toNumbers(loss(lp)), want, { rtol: 1e-10, atol: 1e-10 });
    expectAllClose(toNumbers(x.jit(loss)(lp)), want, { rtol: 1e-10, atol: 1e-10 });
  });
});
