/**
 * @file Laws of classification losses L(logits [B, K], labels [B]): logit-shift and class-permutation
 * invariance, the symmetric-loss condition, bounds, non-negativity, properness, finiteness at extremes.
 */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import {
  checkLogitOptions,
  type ClassificationCase,
  classificationOf,
  type LogitOptions,
  logitOptionsSchema,
  simplexPointOf,
} from '../arbitraries/distributions.js';
import { permutation } from '../arbitraries/groups.js';
import {
  brief,
  ensureBackend,
  f64,
  i32,
  isClose,
  numbers,
  requireTolerance,
  type Tolerance,
  toleranceSchema,
  total,
} from '../numeric.js';
import { count } from '../schemas.js';
import {
  EXACT_HESSIAN_ENTRIES,
  exactUpToSchema,
  type HessianPaths,
  hessianPaths,
  hessianSpectrum,
} from './exactHessian.js';

/** A loss of logits [B, K] and i32 labels [B]: a scalar, or one value per sample. */
export type ClassificationLoss = (logits: Tensor, labels: Tensor) => Tensor;

const logitsOf = (c: ClassificationCase): Tensor => f64(c.logits, [c.batch, c.classes]);
const labelsOf = (c: ClassificationCase): Tensor => i32(c.labels);
/** The loss summed to one number. */
const value = (
  loss: ClassificationLoss,
  logits: readonly number[],
  labels: readonly number[],
  classes: number,
): number => total(loss(f64(logits, [labels.length, classes]), i32(labels)));

/** The arguments of a law on a loss: the loss, the logits drawn, and a tolerance. */
const lossLaw = { loss: s.fn, options: logitOptionsSchema, tol: toleranceSchema };

/** The LogitOptions and tolerance of a law, checked on behalf of `fn`. */
function checkLaw(fn: string, options: LogitOptions, tol?: Tolerance): void {
  checkLogitOptions(fn, options);
  requireTolerance(fn, tol);
}

/** L(z + c·1, y) = L(z, y) for a constant c per row (losses that see z only through softmax or differences). */
export const shiftInvariant = publicFn(
  'shiftInvariant',
  lossLaw,
  (
    loss: ClassificationLoss,
    options: LogitOptions = {},
    tol: Tolerance = { rtol: 1e-9, atol: 1e-9 },
  ): fc.IPropertyWithHooks<[ClassificationCase, number[]]> => {
    checkLaw('shiftInvariant', options, tol);
    ensureBackend();
    return fc.property(
      classificationOf(options),
      fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 8, maxLength: 8 }),
      (c, shifts) => {
        const base = value(loss, c.logits, c.labels, c.classes);
        const moved = c.logits.map((v, i) => v + (shifts[Math.floor(i / c.classes) % 8] as number));
        const after = value(loss, moved, c.labels, c.classes);
        if (!isClose(after, base, tol))
          throw new Error(`L(z + c·1) = ${after} but L(z) = ${base} (row shifts ${brief(shifts.slice(0, c.batch))})`);
      },
    );
  },
);

/** L(Pz, Py) = L(z, y) for a permutation P of the classes applied to logits and labels together. */
export const classPermutationInvariant = publicFn(
  'classPermutationInvariant',
  lossLaw,
  (
    loss: ClassificationLoss,
    options: LogitOptions = {},
    tol: Tolerance = { rtol: 1e-9, atol: 1e-12 },
  ): fc.IPropertyWithHooks<[[ClassificationCase, number[]]]> => {
    // At least 3 classes unless asked otherwise (with 2 the only non-trivial permutation is a swap).
    const drawn = { minClasses: Math.min(3, options.maxClasses ?? 3), ...options };
    checkLaw('classPermutationInvariant', drawn, tol);
    ensureBackend();
    const cases = classificationOf(drawn).chain((c) => fc.tuple(fc.constant(c), permutation(c.classes)));
    return fc.property(cases, ([c, perm]) => {
      const base = value(loss, c.logits, c.labels, c.classes);
      const z = c.logits.map(
        (_, i) => c.logits[Math.floor(i / c.classes) * c.classes + (perm[i % c.classes] as number)] as number,
      );
      const y = c.labels.map((l) => perm.indexOf(l));
      const after = value(loss, z, y, c.classes);
      if (!isClose(after, base, tol))
        throw new Error(`L(Pz, Py) = ${after} but L(z, y) = ${base} for P = ${brief(perm)}`);
    });
  },
);

/** Σ_k L(z, k) is the same for every z (Ghosh et al.'s condition for robustness to symmetric label noise). */
export const symmetricLoss = publicFn(
  'symmetricLoss',
  lossLaw,
  (
    loss: ClassificationLoss,
    options: LogitOptions = {},
    tol: Tolerance = { rtol: 1e-7, atol: 1e-9 },
  ): fc.IPropertyWithHooks<[ClassificationCase, number[]]> => {
    const drawn = { ...options, minBatch: 1, maxBatch: 1 };
    // Enough other logits for the most classes drawn (12 at least, as the law has always drawn).
    const others = Math.max(12, checkLogitOptions('symmetricLoss', drawn).maxClasses);
    requireTolerance('symmetricLoss', tol);
    ensureBackend();
    return fc.property(
      classificationOf(drawn),
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: others, maxLength: others }),
      (c, other) => {
        const sum = (z: readonly number[]): number =>
          Array.from({ length: c.classes }, (_, k) => value(loss, z, [k], c.classes)).reduce((a, b) => a + b, 0);
        const a = sum(c.logits);
        const b = sum(other.slice(0, c.classes));
        if (!isClose(a, b, tol))
          throw new Error(
            `Σ_k L(z, k) = ${a} at z = ${brief(c.logits)} but ${b} at z = ${brief(other.slice(0, c.classes))}`,
          );
      },
    );
  },
);

/** L(z, y) ≤ bound for every sample, also at logits of ±1e4 (default bound 1e3: "no witness of unboundedness"). */
export const boundedAbove = publicFn(
  'boundedAbove',
  { loss: s.fn, bound: s.optional(s.finite()), options: logitOptionsSchema },
  (loss: ClassificationLoss, bound = 1e3, options: LogitOptions = {}): fc.IPropertyWithHooks<[ClassificationCase]> => {
    const drawn = { extreme: true, maxBatch: options.minBatch ?? 1, ...options };
    checkLogitOptions('boundedAbove', drawn);
    ensureBackend();
    return fc.property(classificationOf(drawn), (c) => {
      const v = total(loss(logitsOf(c), labelsOf(c)));
      if (!(v <= bound)) throw new Error(`L = ${v} > ${bound} at z = ${brief(c.logits)}, y = ${c.labels[0]}`);
    });
  },
);

/** L(z, y) ≥ bound for every sample (default −1e3). */
export const boundedBelow = publicFn(
  'boundedBelow',
  { loss: s.fn, bound: s.optional(s.finite()), options: logitOptionsSchema },
  (loss: ClassificationLoss, bound = -1e3, options: LogitOptions = {}): fc.IPropertyWithHooks<[ClassificationCase]> => {
    const drawn = { extreme: true, maxBatch: options.minBatch ?? 1, ...options };
    checkLogitOptions('boundedBelow', drawn);
    ensureBackend();
    return fc.property(classificationOf(drawn), (c) => {
      const v = total(loss(logitsOf(c), labelsOf(c)));
      if (!(v >= bound)) throw new Error(`L = ${v} < ${bound} at z = ${brief(c.logits)}, y = ${c.labels[0]}`);
    });
  },
);

/** L(z, y) ≥ 0 (up to rounding), for every entry of its output. */
export const nonNegative = publicFn(
  'nonNegative',
  { loss: s.fn, options: logitOptionsSchema, atol: s.optional(s.finite({ min: 0 })) },
  (loss: ClassificationLoss, options: LogitOptions = {}, atol = 1e-12): fc.IPropertyWithHooks<[ClassificationCase]> => {
    checkLogitOptions('nonNegative', options);
    ensureBackend();
    return fc.property(classificationOf(options), (c) => {
      const v = numbers(loss(logitsOf(c), labelsOf(c)));
      const bad = v.findIndex((t) => !(t >= -atol));
      if (bad >= 0) throw new Error(`L = ${v[bad]} < 0 at z = ${brief(c.logits)}, y = ${brief(c.labels)}`);
    });
  },
);

/** The most classes properness is checked with (each check evaluates the loss on a [K, K] batch). */
const MAX_PROPER_CLASSES = 1024;

/** Options of `properScoringRule`. */
export interface ProperOptions {
  /** The most classes drawn (default 5). */
  readonly maxClasses?: number;
  /** Up to this many classes, also test the exact Hessian of E_q L at softmax(z) = q (default 64; 0: never). */
  readonly exactUpTo?: number;
}

/** The properness property, counting in `paths` which runs also checked the exact Hessian. */
export function properProperty(
  loss: ClassificationLoss,
  options: ProperOptions,
  tol: Tolerance,
  paths: HessianPaths,
): fc.IPropertyWithHooks<[[number[], number[]]]> {
  const exactUpTo = options.exactUpTo ?? EXACT_HESSIAN_ENTRIES;
  const cases = fc
    .integer({ min: 2, max: options.maxClasses ?? 5 })
    .chain((k) =>
      fc.tuple(
        simplexPointOf(k, { sparse: false }),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: k, maxLength: k }),
      ),
    );
  return fc.property(cases, ([q, z]) => {
    const k = q.length;
    const labels = i32([...Array(k).keys()]);
    const weights = f64(q, [k]);
    // E_q L(z) as one graph: the loss of the same logits against every label, weighted by q.
    const expected = (t: Tensor): Tensor => x.sum(x.mul(perLabel(loss, t, labels, k), weights));
    const logq = q.map(Math.log);
    const centre = logq.reduce((a, b) => a + b, 0) / k;
    const zq = f64(
      logq.map((v) => v - centre),
      [k],
    );
    const atTarget = x.item(expected(zq));
    const slope = numbers(x.grad(expected)(zq));
    const steep = Math.max(...slope.map(Math.abs));
    if (steep > tol.atol + tol.rtol * Math.max(1, Math.abs(atTarget)) * 100)
      throw new Error(
        `∇_z E_q L = ${brief(slope)} ≠ 0 at softmax(z) = q = ${brief(q)}: moving against it lowers the expected loss`,
      );
    if (k <= exactUpTo) {
      // second order, exactly: a minimum has a positive semi-definite Hessian there
      paths.exact++;
      const { smallest, scale, direction } = hessianSpectrum(expected, zq);
      if (smallest < -(tol.atol + tol.rtol * Math.max(1, scale)))
        throw new Error(
          `E_q L has negative curvature ${smallest} at softmax(z) = q = ${brief(q)} along v = ${brief(direction)}: not a minimum`,
        );
    } else paths.sampled++;
    const elsewhere = x.item(expected(f64(z, [k])));
    if (elsewhere < atTarget - (tol.atol + tol.rtol * Math.abs(atTarget)))
      throw new Error(`E_q L(z) = ${elsewhere} < E_q L(log q) = ${atTarget} for q = ${brief(q)}, z = ${brief(z)}`);
  });
}

/**
 * Properness: for a target distribution q, the expected loss E_{y∼q} L(z, y) is smallest when
 * softmax(z) = q. Checked at the mean-zero logits z_q of q: the gradient of the expected loss
 * vanishes there (first-order condition; a non-zero gradient is a descent direction away from q),
 * its exact Hessian is positive semi-definite (up to `exactUpTo` classes), and no random z does better.
 */
export const properScoringRule = publicFn(
  'properScoringRule',
  {
    loss: s.fn,
    options: s.options({
      maxClasses: s.optional(count(2, MAX_PROPER_CLASSES, 'classes', 'each check evaluates a [K, K] batch')),
      exactUpTo: exactUpToSchema,
    }),
    tol: toleranceSchema,
  },
  (
    loss: ClassificationLoss,
    options: ProperOptions = {},
    tol: Tolerance = { rtol: 1e-7, atol: 1e-9 },
  ): fc.IPropertyWithHooks<[[number[], number[]]]> => {
    requireTolerance('properScoringRule', tol);
    ensureBackend();
    return properProperty(loss, options, tol, hessianPaths());
  },
);

/** L(z, y) for the same logits z [K] against every label y = 0..K−1, as a [K] tensor. */
function perLabel(loss: ClassificationLoss, z: Tensor, labels: Tensor, k: number): Tensor {
  const rows = x.broadcastTo(x.reshape(z, [1, k]), [k, k]);
  const out = loss(rows, labels);
  // A loss that reduces over the batch returns a scalar: evaluate it row by row instead.
  if (out.rank === 1 && out.shape[0] === k) return out;
  return x.stack(
    Array.from({ length: k }, (_, y) => x.sum(loss(x.reshape(z, [1, k]), i32([y])))),
    0,
  );
}

/** Value and gradient stay finite with logits of ±1e4 and −Inf-masked non-target classes. */
export const finiteAtExtremes = publicFn(
  'finiteAtExtremes',
  { loss: s.fn, options: logitOptionsSchema },
  (loss: ClassificationLoss, options: LogitOptions = {}): fc.IPropertyWithHooks<[ClassificationCase]> => {
    const drawn = { extreme: true, masked: true, ...options };
    checkLogitOptions('finiteAtExtremes', drawn);
    ensureBackend();
    return fc.property(classificationOf(drawn), (c) => {
      const z = logitsOf(c);
      const y = labelsOf(c);
      const v = numbers(loss(z, y));
      const g = numbers(x.grad((t: Tensor) => x.sum(loss(t, y)))(z));
      const bad = [...v, ...g].find((t) => !Number.isFinite(t));
      if (bad !== undefined)
        throw new Error(
          `non-finite ${v.some((t) => !Number.isFinite(t)) ? 'value' : 'gradient'} (${bad}) at z = ${brief(c.logits)}, y = ${brief(c.labels)}`,
        );
    });
  },
);
