/**
 * @file Group averaging (the Reynolds operator) and frame averaging with PCA frames for E(3):
 * operators that make any function exactly invariant or equivariant.
 */
import * as x from '@xent/core';
import { checkArgs, fail, publicFn, s } from '@xent/core/internal';
import type { RandomKey, Tensor } from '@xent/core';
import { formatShape } from '../validate.js';
import { count, MAX_TERMS, randomKey, refuseSize } from './args.js';
import { so2 } from './groups.js';
import { isRep, matrixRep, type Rep, repSchema } from './reps.js';

/** A representation to average over: a transform has no inverse and no composition, so it is refused. */
const averagedRep = s.custom(
  'a group representation (averaging needs inverses and composition; a transform has neither)',
  isRep,
  () => matrixRep(so2) as Rep<unknown>,
);

function groupAverageImpl<E>(
  f: (input: Tensor) => Tensor,
  repIn: Rep<E>,
  repOut: Rep<E> | 'invariant',
  options: { readonly samples?: number } = {},
): (input: Tensor, key?: RandomKey) => Tensor {
  const fn = 'groupAverage';
  if (repOut !== 'invariant' && repOut.group.name !== repIn.group.name)
    fail(x.ValueError, fn, 'repOut', `a representation of ${repIn.group.name} (repIn's group)`, repOut.name);
  const samples = options.samples ?? 16;
  const { group } = repIn;
  return (...args: [Tensor, RandomKey?]) => {
    checkArgs(fn, { input: s.tensor({ dtype: 'float' }), key: s.optional(randomKey) }, args);
    const [input, key = x.random.key(0)] = args;
    const elements = group.elements?.() ?? group.sample(key, samples);
    // A finite group is averaged over exactly: each element is a call of f, so there is a limit.
    if (elements.length > MAX_TERMS)
      refuseSize(
        fn,
        'repIn',
        'group elements',
        MAX_TERMS,
        elements.length,
        `an exact average over ${group.name} calls f once per element`,
      );
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

/**
 * f̄(x) = mean_g ρ_out(g)·f(ρ_in(g)⁻¹·x) (catalog G03): exactly over `group.elements()` for finite
 * groups of at most 2¹⁶ elements (invariant/equivariant up to rounding), by Monte Carlo over `samples`
 * elements (default 16) otherwise.
 */
export const groupAverage = publicFn(
  'groupAverage',
  {
    f: s.fn,
    repIn: averagedRep,
    repOut: s.either(s.oneOf(['invariant']), repSchema),
    options: s.options({ samples: s.optional(count(1, MAX_TERMS, 'samples', 'each sample is a call of f')) }),
  },
  groupAverageImpl,
);

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

/** `frameDegeneracy` of points already checked. */
function degeneracyOf(t: Tensor): number {
  const centered = x.sub(t, x.mean(t, { axis: 0, keepDims: true }));
  const l = Array.from(
    x.eigvalsh(x.div(x.matmul(x.transpose(centered), centered), t.shape[0] as number)).data() as ArrayLike<number>,
  );
  const top = Math.max(Math.abs(l[2] as number), 1e-300);
  return Math.min((l[1] as number) - (l[0] as number), (l[2] as number) - (l[1] as number)) / top;
}

const pointsSchema = s.tensor({ dtype: 'float', rank: 2 });

/** Points [N, 3] with N ≥ 1 (a float matrix by the schema). */
function checkPoints(fn: string, t: Tensor): void {
  if (t.shape[1] !== 3 || (t.shape[0] as number) < 1)
    fail(x.ShapeError, fn, 'points', 'a point cloud [N, 3] with N ≥ 1', formatShape(t.shape));
}

/** The smallest gap between covariance eigenvalues relative to the largest: PCA frames are ill-defined near 0. */
export const frameDegeneracy = publicFn('frameDegeneracy', { points: pointsSchema }, (points: Tensor): number => {
  checkPoints('frameDegeneracy', points);
  if (points.isTraced)
    fail(x.TraceError, 'frameDegeneracy', 'points', 'concrete points (the gap is a host number)', 'a traced tensor');
  return degeneracyOf(points);
});

/**
 * Frame averaging over the PCA frames of a point cloud [N, 3] (catalog G04): centre, take the
 * covariance's eigenvectors V, and average f over the frames V·diag(s) — the 8 sign choices for
 * O(3), the 4 with det = +1 for SO(3). The result is exactly E(3)- (or SE(3)-) invariant, or
 * equivariant for `output: 'vector' | 'position'`, whatever f is. When the cloud is concrete, a
 * relative eigengap below `tolerance` (default 1e-6) is an error: the frame is not defined there.
 */
export const frameAverage = publicFn(
  'frameAverage',
  {
    f: s.fn,
    options: s.options({
      group: s.optional(s.oneOf(['O(3)', 'SO(3)'])),
      output: s.optional(s.oneOf(['invariant', 'vector', 'position'])),
      tolerance: s.optional(s.number({ min: 0, max: 1 })),
    }),
  },
  (
    f: (canonical: Tensor) => Tensor,
    options: { readonly group?: 'O(3)' | 'SO(3)'; readonly output?: FrameOutput; readonly tolerance?: number } = {},
  ): ((points: Tensor) => Tensor) => {
    const fn = 'frameAverage';
    const group = options.group ?? 'O(3)';
    const output = options.output ?? 'invariant';
    const tolerance = options.tolerance ?? 1e-6;
    return (...args: [Tensor]) => {
      checkArgs(fn, { points: pointsSchema }, args);
      const [p] = args;
      checkPoints(fn, p);
      if (!p.isTraced) {
        const gap = degeneracyOf(p);
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
      const terms = signs.map((sign) => {
        const frame = x.mul(base, x.cast(x.tensor([sign[0], sign[1], sign[2]], { dtype: 'f64' }), p.dtype));
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
  },
);
