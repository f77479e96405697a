/**
 * @file Index arithmetic for lowering movement ops: affine forms c + Σ kᵢ·aᵢ over atoms (loop vars
 * or opaque i32 expressions) with known ranges, so that floor division and remainder by a stride
 * simplify back to affine forms whenever the ranges allow (the reshapes of real programs do).
 */
import { lit, scalar, type ScalarExpr } from '../kernel/scalar.js';

/** c + Σ coef·atom. */
export interface Affine {
  readonly c: number;
  readonly terms: ReadonlyMap<ScalarExpr, number>;
}

/** Atom ranges [lo, hi] (inclusive), shared by every index built for one kernel. */
export class IndexSpace {
  private readonly ranges = new Map<ScalarExpr, readonly [number, number]>();

  /** Registers an atom with its inclusive range. */
  atom(e: ScalarExpr, lo: number, hi: number): Affine {
    this.ranges.set(e, [lo, hi]);
    return { c: 0, terms: new Map([[e, 1]]) };
  }

  range(a: Affine): readonly [number, number] {
    let lo = a.c;
    let hi = a.c;
    for (const [atom, k] of a.terms) {
      const [l, h] = this.ranges.get(atom) ?? [-Infinity, Infinity];
      lo += k >= 0 ? k * l : k * h;
      hi += k >= 0 ? k * h : k * l;
    }
    return [lo, hi];
  }

  /** ⌊a / s⌋ for s > 0: affine when the terms not divisible by s stay within one step of s. */
  div(a: Affine, s: number): Affine {
    if (s === 1) return a;
    const whole = new Map<ScalarExpr, number>();
    const rest = new Map<ScalarExpr, number>();
    for (const [atom, k] of a.terms) (k % s === 0 ? whole : rest).set(atom, k % s === 0 ? k / s : k);
    const cq = Math.floor(a.c / s);
    const remainder: Affine = { c: a.c - cq * s, terms: rest };
    const [lo, hi] = this.range(remainder);
    if (lo >= 0 && hi < s) return { c: cq, terms: whole };
    const [alo, ahi] = this.range(a);
    return this.atom(scalar('idiv', 'i32', [toScalar(a), lit(s, 'i32')]), Math.floor(alo / s), Math.floor(ahi / s));
  }

  /** a mod d (non-negative): affine when the terms not divisible by d stay within [0, d). */
  mod(a: Affine, d: number): Affine {
    if (d === 1) return konst(0);
    const rest = new Map<ScalarExpr, number>();
    for (const [atom, k] of a.terms) if (k % d !== 0) rest.set(atom, k);
    const reduced: Affine = { c: ((a.c % d) + d) % d, terms: rest };
    const [lo, hi] = this.range(reduced);
    if (lo >= 0 && hi < d) return reduced;
    const [alo, ahi] = this.range(a);
    if (alo >= 0 && ahi < d) return a;
    return this.atom(scalar('mod', 'i32', [toScalar(a), lit(d, 'i32')]), 0, d - 1);
  }

  /** min(max(a, lo), hi) as an atom (used to keep masked loads in bounds). */
  clamp(a: Affine, lo: number, hi: number): Affine {
    const [alo, ahi] = this.range(a);
    if (alo >= lo && ahi <= hi) return a;
    const e = scalar('min', 'i32', [scalar('max', 'i32', [toScalar(a), lit(lo, 'i32')]), lit(hi, 'i32')]);
    return this.atom(e, lo, hi);
  }
}

export const konst = (c: number): Affine => ({ c, terms: new Map() });

export function add(a: Affine, b: Affine): Affine {
  const terms = new Map(a.terms);
  for (const [atom, k] of b.terms) {
    const sum = (terms.get(atom) ?? 0) + k;
    if (sum === 0) terms.delete(atom);
    else terms.set(atom, sum);
  }
  return { c: a.c + b.c, terms };
}

export function scale(a: Affine, k: number): Affine {
  if (k === 0) return konst(0);
  const terms = new Map<ScalarExpr, number>();
  for (const [atom, coef] of a.terms) terms.set(atom, coef * k);
  return { c: a.c * k, terms };
}

/** Σ coords[d]·strides[d] + offset. */
export function dotStrides(coords: readonly Affine[], strides: readonly number[], offset = 0): Affine {
  return coords.reduce((acc, c, d) => add(acc, scale(c, strides[d] as number)), konst(offset));
}

/** The affine form as a scalar expression (terms in atom-id order, so equal forms give one node). */
export function toScalar(a: Affine): ScalarExpr {
  const terms = [...a.terms].sort(([x], [y]) => x.id - y.id);
  let e: ScalarExpr | undefined;
  for (const [atom, k] of terms) {
    const term = k === 1 ? atom : scalar('mul', 'i32', [atom, lit(k, 'i32')]);
    e = e === undefined ? term : scalar('add', 'i32', [e, term]);
  }
  if (e === undefined) return lit(a.c, 'i32');
  return a.c === 0 ? e : scalar('add', 'i32', [e, lit(a.c, 'i32')]);
}

/** A stable key for memoising by coordinates. */
export const affineKey = (a: Affine): string =>
  `${a.c}+${[...a.terms]
    .sort(([x], [y]) => x.id - y.id)
    .map(([atom, k]) => `${k}*${atom.id}`)
    .join('+')}`;
