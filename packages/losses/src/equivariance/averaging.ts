/**
 * @file Group averaging (the Reynolds operator) and frame averaging with PCA frames for E(3):
 * operators that make any function exactly invariant or equivariant.
 */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { RandomKey, Tensor } from '@xent/core';
import { describe, formatShape, numberArg, rules } from '../validate.js';
import type { Rep, Transform } from './reps.js';

const refuseTransform = (fn: string, rep: unknown): void => {
  if ((rep as { kind?: unknown }).kind === 'transform')
    fail(
      x.ValueError,
      fn,
      'repIn',
      'a group representation (averaging needs inverses and composition)',
      `the transform '${(rep as Transform).name}'`,
    );
};

/**
 * f̄(x) = mean_g ρ_out(g)·f(ρ_in(g)⁻¹·x) (catalog G03): exactly over `group.elements()` for finite
 * groups (invariant/equivariant up to rounding), by Monte Carlo over `samples` elements otherwise.
 */
export function groupAverage<E>(
  f: (input: Tensor) => Tensor,
  repIn: Rep<E>,
  repOut: Rep<E> | 'invariant',
  options: { readonly samples?: number } = {},
): (input: Tensor, key?: RandomKey) => Tensor {
  const fn = 'equivariance.groupAverage';
  refuseTransform(fn, repIn);
  const samples = numberArg(fn, 'samples', options.samples, 16, rules.atLeastOneInteger);
  const { group } = repIn;
  return (input, key = x.random.key(0)) => {
    const elements = group.elements?.() ?? group.sample(key, samples);
    const terms = elements.map((g) => {
      const out = f(repIn.act(group.inverse(g), input));
      return repOut === 'invariant' ? out : repOut.act(g, out);
    });
    return x.div(
      terms.reduce((a, b) => x.add(a, b)),
      elements.length,
    );
  };
}

/** What a frame-averaged function returns: an invariant, a vector (rotates), or a position (rotates and translates). */
export type FrameOutput = 'invariant' | 'vector' | 'position';

const SIGNS = [-1, 1].flatMap((a) => [-1, 1].flatMap((b) => [-1, 1].map((c) => [a, b, c] as const)));

/** det of a 3×3 tensor (as a scalar tensor). */
function det3(m: Tensor): Tensor {
  const e = (i: number, j: number): Tensor => x.reshape(x.slice(m, [i, j], [i + 1, j + 1]), []);
  const minor = (a: [number, number], b: [number, number], c: [number, number], d: [number, number]) =>
    x.sub(x.mul(e(...a), e(...b)), x.mul(e(...c), e(...d)));
  return x.add(
    x.sub(x.mul(e(0, 0), minor([1, 1], [2, 2], [1, 2], [2, 1])), x.mul(e(0, 1), minor([1, 0], [2, 2], [1, 2], [2, 0]))),
    x.mul(e(0, 2), minor([1, 0], [2, 1], [1, 1], [2, 0])),
  );
}

/** The smallest gap between covariance eigenvalues relative to the largest: PCA frames are ill-defined near 0. */
export function frameDegeneracy(points: Tensor): number {
  const t = pointsArg('equivariance.frameDegeneracy', points);
  const centered = x.sub(t, x.mean(t, { axis: 0, keepDims: true }));
  const l = Array.from(
    x.eigvalsh(x.div(x.matmul(x.transpose(centered), centered), t.shape[0] as number)).data() as ArrayLike<number>,
  );
  const top = Math.max(Math.abs(l[2] as number), 1e-300);
  return Math.min((l[1] as number) - (l[0] as number), (l[2] as number) - (l[1] as number)) / top;
}

function pointsArg(fn: string, v: unknown): Tensor {
  const t = v as Tensor;
  if (!(t instanceof x.Tensor) || t.rank !== 2 || t.shape[1] !== 3 || (t.shape[0] as number) < 1)
    fail(
      x.ShapeError,
      fn,
      'points',
      'a point cloud [N, 3]',
      t instanceof x.Tensor ? formatShape(t.shape) : describe(v),
    );
  return t;
}

/**
 * Frame averaging over the PCA frames of a point cloud [N, 3] (catalog G04): centre, take the
 * covariance's eigenvectors V, and average f over the frames V·diag(s) — the 8 sign choices for
 * O(3), the 4 with det = +1 for SO(3). The result is exactly E(3)- (or SE(3)-) invariant, or
 * equivariant for `output: 'vector' | 'position'`, whatever f is. When the cloud is concrete, a
 * relative eigengap below `tolerance` (default 1e-6) is an error: the frame is not defined there.
 */
export function frameAverage(
  f: (canonical: Tensor) => Tensor,
  options: { readonly group?: 'O(3)' | 'SO(3)'; readonly output?: FrameOutput; readonly tolerance?: number } = {},
): (points: Tensor) => Tensor {
  const fn = 'equivariance.frameAverage';
  const group = options.group ?? 'O(3)';
  const output = options.output ?? 'invariant';
  if (!(['O(3)', 'SO(3)'] as unknown[]).includes(group))
    fail(x.ValueError, fn, 'group', "'O(3)' or 'SO(3)'", describe(group));
  if (!['invariant', 'vector', 'position'].includes(output))
    fail(x.ValueError, fn, 'output', "'invariant', 'vector' or 'position'", describe(output));
  const tolerance = numberArg(fn, 'tolerance', options.tolerance, 1e-6, rules.nonNegative);
  return (points) => {
    const p = pointsArg(fn, points);
    if (!p.isTraced) {
      const gap = frameDegeneracy(p);
      if (gap < tolerance)
        fail(
          x.ValueError,
          fn,
          'points',
          `covariance eigenvalues apart by more than ${tolerance} (relative) for a PCA frame`,
          `a relative gap of ${gap.toExponential(2)}`,
        );
    }
    const centroid = x.mean(p, { axis: 0, keepDims: true });
    const centered = x.sub(p, centroid);
    const v = x.eigh(x.div(x.matmul(x.transpose(centered), centered), p.shape[0] as number)).vectors;
    // For SO(3), flip the last column by det(V) so that every frame V·diag(s)·diag(1, 1, det V) is a rotation.
    const base =
      group === 'SO(3)' ? x.mul(v, x.concat([x.ones([1, 2], { dtype: p.dtype }), x.reshape(det3(v), [1, 1])], 1)) : v;
    const signs = group === 'SO(3)' ? SIGNS.filter(([a, b, c]) => a * b * c === 1) : SIGNS;
    const terms = signs.map((s) => {
      const frame = x.mul(base, x.cast(x.tensor([s[0], s[1], s[2]], { dtype: 'f64' }), p.dtype));
      const out = f(x.matmul(centered, frame));
      if (output === 'invariant') return out;
      const back = x.matmul(out, x.transpose(frame));
      return output === 'position' ? x.add(back, centroid) : back;
    });
    return x.div(
      terms.reduce((a, b) => x.add(a, b)),
      signs.length,
    );
  };
}
