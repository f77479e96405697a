/** @file Arbitraries for classification data: logits (with extreme and −Inf-masked entries), simplex points, labels, soft targets. */
import fc from 'fast-check';
import { direction, value, withLarge } from './values.js';

/** A batch of logits [batch, classes] as flat numbers, with labels [batch] in [0, classes). */
export interface ClassificationCase {
  readonly batch: number;
  readonly classes: number;
  readonly logits: readonly number[];
  readonly labels: readonly number[];
}

export interface LogitOptions {
  readonly minBatch?: number;
  readonly maxBatch?: number;
  readonly minClasses?: number;
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

/** One logit: bounded by the scale, or also ±1e4 (`extreme`), or also any large magnitude (`large`). */
export function logit(options: LogitOptions = {}): fc.Arbitrary<number> {
  const scale = options.scale ?? 5;
  if (options.large === true) return withLarge(value('bounded', scale), scale);
  if (options.extreme === true)
    return fc.oneof(
      { arbitrary: value('bounded', scale), weight: 3 },
      { arbitrary: fc.constantFrom(1e4, -1e4), weight: 1 },
    );
  return value('bounded', scale);
}

/** Logits and labels; extreme or large values and −Inf masks are drawn per entry when enabled. */
export function classification(options: LogitOptions = {}): fc.Arbitrary<ClassificationCase> {
  const entry = logit(options);
  return fc
    .record({
      batch: fc.integer({ min: options.minBatch ?? 1, max: options.maxBatch ?? 4 }),
      classes: fc.integer({ min: options.minClasses ?? 2, max: options.maxClasses ?? 6 }),
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

/** A classification case and a second array of logits of the same shape (a teacher, a target, a second view). */
export const logitPair = (options: LogitOptions = {}): fc.Arbitrary<[ClassificationCase, number[]]> =>
  classification(options).chain((c) =>
    fc.tuple(
      fc.constant(c),
      fc.array(value('bounded', options.scale ?? 5), { minLength: c.logits.length, maxLength: c.logits.length }),
    ),
  );

/** softmax of one row. */
export function softmaxRow(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => (v === -Infinity ? 0 : Math.exp(v - m)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export interface SimplexOptions {
  /** Some rows are one-hot (default true), some have exact zeros (sparse), some are near-degenerate. */
  readonly sparse?: boolean;
}

/** A point on the probability simplex with `k` entries: strictly positive, sparse, one-hot or near-degenerate. */
export function simplexPoint(k: number, options: SimplexOptions = {}): fc.Arbitrary<number[]> {
  const dense = fc.array(value('bounded', 4), { minLength: k, maxLength: k }).map(softmaxRow);
  if (options.sparse === false) return dense;
  const oneHot = fc.integer({ min: 0, max: k - 1 }).map((c) => Array.from({ length: k }, (_, i) => (i === c ? 1 : 0)));
  const sparse = fc.tuple(dense, fc.array(fc.boolean(), { minLength: k, maxLength: k })).map(([p, keep]) => {
    const kept = p.map((v, i) => (keep[i] === true || i === 0 ? v : 0));
    const s = kept.reduce((a, b) => a + b, 0);
    return kept.map((v) => v / s);
  });
  const degenerate = fc
    .tuple(fc.integer({ min: 0, max: k - 1 }), fc.double({ min: 1e-12, max: 1e-6, noNaN: true }))
    .map(([c, eps]) => Array.from({ length: k }, (_, i) => (i === c ? 1 - eps * (k - 1) : eps)));
  return fc.oneof({ arbitrary: dense, weight: 4 }, oneHot, sparse, degenerate);
}

/** `batch` simplex rows of `k` entries, flat. */
export const simplexRows = (batch: number, k: number, options: SimplexOptions = {}): fc.Arbitrary<number[]> =>
  fc.array(simplexPoint(k, options), { minLength: batch, maxLength: batch }).map((rows) => rows.flat());

/** Class labels [batch] in [0, classes). */
export const labels = (batch: number, classes: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: batch, maxLength: batch });

/** One-hot rows for labels, flat [batch·classes]. */
export const oneHotRows = (labelValues: readonly number[], classes: number): number[] =>
  labelValues.flatMap((y) => Array.from({ length: classes }, (_, k) => (k === y ? 1 : 0)));

export { direction };
