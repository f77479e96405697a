/** @file Arbitraries for classification data: logits (with extreme and −Inf-masked entries), simplex points, labels, soft targets. */
import { ValueError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import { count, MAX_DRAWN, refuseSize } from '../schemas.js';
import { positiveScale, value, withLarge } from './values.js';

/** A batch of logits [batch, classes] as flat numbers, with labels [batch] in [0, classes). */
export interface ClassificationCase {
  readonly batch: number;
  readonly classes: number;
  readonly logits: readonly number[];
  readonly labels: readonly number[];
}

export interface LogitOptions {
  /** Rows per case, at least (default 1). */
  readonly minBatch?: number;
  /** Rows per case, at most (default 4). */
  readonly maxBatch?: number;
  /** Classes, at least (default 2, or 1 when maxClasses is 1). */
  readonly minClasses?: number;
  /** Classes, at most (default 6); maxBatch × maxClasses is at most 2²⁰. */
  readonly maxClasses?: number;
  /** Logits lie in ±scale (default 5). */
  readonly scale?: number;
  /** Some entries become ±1e4 (default false). */
  readonly extreme?: boolean;
  /** Some entries are large, finite and valid: magnitudes from the scale up to ±1e4 (default false). */
  readonly large?: boolean;
  /** Some non-label entries become −Inf (default false; a row keeps its label's logit finite). */
  readonly masked?: boolean;
}

/** What a LogitOptions argument may hold, key by key (`checkLogitOptions` checks the keys against each other). */
export const logitOptionsSchema = s.options({
  minBatch: s.optional(count(1)),
  maxBatch: s.optional(count(1)),
  minClasses: s.optional(count(1)),
  maxClasses: s.optional(count(1)),
  scale: s.optional(positiveScale),
  extreme: s.optional(s.boolean),
  large: s.optional(s.boolean),
  masked: s.optional(s.boolean),
});

/** LogitOptions with the defaults filled in. */
type Resolved = Required<Pick<LogitOptions, 'minBatch' | 'maxBatch' | 'minClasses' | 'maxClasses'>>;

/**
 * The checks between keys of LogitOptions that passed `logitOptionsSchema`, on behalf of `fn`: each
 * minimum at most its maximum (defaults 1..4 rows, 2..6 classes) and a batch of logits of at most
 * `MAX_DRAWN` entries.
 */
export function checkLogitOptions(fn: string, options: LogitOptions = {}): Resolved {
  const r: Resolved = {
    minBatch: options.minBatch ?? 1,
    maxBatch: options.maxBatch ?? 4,
    minClasses: options.minClasses ?? Math.min(2, options.maxClasses ?? 2),
    maxClasses: options.maxClasses ?? 6,
  };
  if (r.minBatch > r.maxBatch) fail(ValueError, fn, 'minBatch', `at most maxBatch (${r.maxBatch})`, `${r.minBatch}`);
  if (r.minClasses > r.maxClasses)
    fail(ValueError, fn, 'minClasses', `at most maxClasses (${r.maxClasses})`, `${r.minClasses}`);
  if (r.maxBatch * r.maxClasses > MAX_DRAWN)
    refuseSize(fn, 'maxBatch', 'logits (maxBatch × maxClasses)', MAX_DRAWN, r.maxBatch * r.maxClasses);
  return r;
}

const logitImpl = (options: LogitOptions): fc.Arbitrary<number> => {
  const scale = options.scale ?? 5;
  if (options.large === true) return withLarge(value('bounded', scale), scale);
  if (options.extreme === true)
    return fc.oneof(
      { arbitrary: value('bounded', scale), weight: 3 },
      { arbitrary: fc.constantFrom(1e4, -1e4), weight: 1 },
    );
  return value('bounded', scale);
};

/** One logit: bounded by the scale, or also ±1e4 (`extreme`), or also any large magnitude (`large`). */
export const logit = publicFn(
  'logit',
  { options: logitOptionsSchema },
  (options: LogitOptions = {}): fc.Arbitrary<number> => {
    checkLogitOptions('logit', options);
    return logitImpl(options);
  },
);

/** `classification` for options already checked (by the law or arbitrary that was called). */
export function classificationOf(options: LogitOptions): fc.Arbitrary<ClassificationCase> {
  const entry = logitImpl(options);
  const r = checkLogitOptions('classification', options);
  return fc
    .record({
      batch: fc.integer({ min: r.minBatch, max: r.maxBatch }),
      classes: fc.integer({ min: r.minClasses, max: r.maxClasses }),
    })
    .chain(({ batch, classes }) =>
      fc
        .record({
          logits: fc.array(entry, { minLength: batch * classes, maxLength: batch * classes }),
          labels: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: batch, maxLength: batch }),
          mask: fc.array(fc.boolean(), { minLength: batch * classes, maxLength: batch * classes }),
        })
        .map(({ logits, labels, mask }) => ({
          batch,
          classes,
          labels,
          logits:
            options.masked === true
              ? logits.map((v, i) =>
                  mask[i] === true && labels[Math.floor(i / classes)] !== i % classes ? -Infinity : v,
                )
              : logits,
        })),
    );
}

/** Logits and labels; extreme or large values and −Inf masks are drawn per entry when enabled. */
export const classification = publicFn(
  'classification',
  { options: logitOptionsSchema },
  (options: LogitOptions = {}): fc.Arbitrary<ClassificationCase> => {
    checkLogitOptions('classification', options);
    return classificationOf(options);
  },
);

/** `logitPair` for options already checked. */
export const logitPairOf = (options: LogitOptions): fc.Arbitrary<[ClassificationCase, number[]]> =>
  classificationOf(options).chain((c) =>
    fc.tuple(
      fc.constant(c),
      fc.array(value('bounded', options.scale ?? 5), { minLength: c.logits.length, maxLength: c.logits.length }),
    ),
  );

/** A classification case and a second array of logits of the same shape (a teacher, a target, a second view). */
export const logitPair = publicFn(
  'logitPair',
  { options: logitOptionsSchema },
  (options: LogitOptions = {}): fc.Arbitrary<[ClassificationCase, number[]]> => {
    checkLogitOptions('logitPair', options);
    return logitPairOf(options);
  },
);

/** softmax of one row, unchecked (the arbitraries' own rows). */
export function softmaxOf(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => (v === -Infinity ? 0 : Math.exp(v - m)));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** softmax of one row of logits (−Inf entries are masked out; at least one entry is finite). */
export const softmaxRow = publicFn(
  'softmaxRow',
  { z: s.array(s.number(), { minLength: 1 }) },
  (z: readonly number[]): number[] => {
    if (z.includes(Infinity) || z.every((v) => v === -Infinity))
      fail(
        ValueError,
        'softmaxRow',
        'z',
        'finite logits or −Infinity (masked), at least one finite',
        `[${z.join(', ')}]`,
      );
    return softmaxOf(z);
  },
);

export interface SimplexOptions {
  /** Some rows are one-hot (default true), some have exact zeros (sparse), some are near-degenerate. */
  readonly sparse?: boolean;
}

const simplexOptionsSchema = s.options({ sparse: s.optional(s.boolean) });

/** `simplexPoint` for arguments already checked. */
export function simplexPointOf(k: number, options: SimplexOptions = {}): fc.Arbitrary<number[]> {
  const dense = fc.array(value('bounded', 4), { minLength: k, maxLength: k }).map(softmaxOf);
  if (options.sparse === false) return dense;
  const oneHot = fc.integer({ min: 0, max: k - 1 }).map((c) => Array.from({ length: k }, (_, i) => (i === c ? 1 : 0)));
  const sparse = fc.tuple(dense, fc.array(fc.boolean(), { minLength: k, maxLength: k })).map(([p, keep]) => {
    const kept = p.map((v, i) => (keep[i] === true || i === 0 ? v : 0));
    const sum = kept.reduce((a, b) => a + b, 0);
    return kept.map((v) => v / sum);
  });
  const degenerate = fc
    .tuple(fc.integer({ min: 0, max: k - 1 }), fc.double({ min: 1e-12, max: 1e-6, noNaN: true }))
    .map(([c, eps]) => Array.from({ length: k }, (_, i) => (i === c ? 1 - eps * (k - 1) : eps)));
  return fc.oneof({ arbitrary: dense, weight: 4 }, oneHot, sparse, degenerate);
}

/** A point on the probability simplex with `k` entries: strictly positive, sparse, one-hot or near-degenerate. */
export const simplexPoint = publicFn('simplexPoint', { k: count(1), options: simplexOptionsSchema }, simplexPointOf);

/** `simplexRows` for arguments already checked. */
export const simplexRowsOf = (batch: number, k: number, options: SimplexOptions = {}): fc.Arbitrary<number[]> =>
  fc.array(simplexPointOf(k, options), { minLength: batch, maxLength: batch }).map((rows) => rows.flat());

/** `batch` simplex rows of `k` entries, flat. */
export const simplexRows = publicFn(
  'simplexRows',
  { batch: count(0), k: count(1), options: simplexOptionsSchema },
  (batch: number, k: number, options: SimplexOptions = {}): fc.Arbitrary<number[]> => {
    if (batch * k > MAX_DRAWN) refuseSize('simplexRows', 'batch', 'entries (batch × k)', MAX_DRAWN, batch * k);
    return simplexRowsOf(batch, k, options);
  },
);

/** Class labels [batch] in [0, classes). */
export const labels = publicFn(
  'labels',
  { batch: count(0), classes: count(1) },
  (batch: number, classes: number): fc.Arbitrary<number[]> =>
    fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: batch, maxLength: batch }),
);

/** One-hot rows for labels, flat [batch·classes]. */
export const oneHotRows = publicFn(
  'oneHotRows',
  { labelValues: s.array(count(0)), classes: count(1) },
  (labelValues: readonly number[], classes: number): number[] => {
    const bad = labelValues.findIndex((y) => y >= classes);
    if (bad >= 0)
      fail(ValueError, 'oneHotRows', `labelValues[${bad}]`, `a label in [0, ${classes})`, `${labelValues[bad]}`);
    if (labelValues.length * classes > MAX_DRAWN)
      refuseSize('oneHotRows', 'classes', 'entries (labels × classes)', MAX_DRAWN, labelValues.length * classes);
    return labelValues.flatMap((y) => Array.from({ length: classes }, (_, k) => (k === y ? 1 : 0)));
  },
);
