/**
 * @file certify(loss): every law that applies to the loss's kind, run with fast-check; each holds,
 * fails (with the shrunk counterexample and the numbers) or does not apply (and why).
 */
import type { Backend, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import { permutation } from '../arbitraries/groups.js';
import { boundedAbove, nonNegative, properProperty, symmetricLoss } from '../laws/classification.js';
import { describePaths, EXACT_HESSIAN_ENTRIES, type HessianPaths, hessianPaths } from '../laws/exactHessian.js';
import { backendAgreement, finite, finiteWithGradient, invariant } from '../laws/generic.js';
import { inputImmutable, outputPrecision } from '../laws/kernels.js';
import {
  batchedGradient,
  convexProperty,
  gradientMatchesFiniteDifferences,
  hessianSymmetric,
  jvpMatchesVjp,
  vjpDotProduct,
} from '../laws/gradient.js';
import {
  divergenceNonNegative,
  divergenceZeroIffEqual,
  entropyBounds,
  rowPermutationInvariant,
  scaleInvariant,
} from '../laws/measures.js';
import type { Operand } from '../laws/operands.js';
import { brief, ensureBackend } from '../numeric.js';
import { backend, count } from '../schemas.js';
import { ulpOf } from '../ulps.js';
import {
  checkInputOptions,
  type InputOptions,
  inputOptionsSchema,
  type Kind,
  kinds,
  operandsOf,
  signatures,
} from './kinds.js';

/** Every law certify knows, by the name a claim uses. */
export const lawNames = [
  'gradient',
  'finite',
  'vjpDotProduct',
  'jvpMatchesVjp',
  'hessianSymmetric',
  'convex',
  'batchedGradient',
  'shiftInvariant',
  'classPermutationInvariant',
  'symmetric',
  'bounded',
  'nonNegative',
  'proper',
  'zeroIffEqual',
  'entropyBounds',
  'scaleInvariant',
  'rowPermutationInvariant',
  'finiteAtExtremes',
  'inputImmutable',
  'outputPrecision',
  'backendAgreement',
] as const;
export type LawName = (typeof lawNames)[number];

/** A law's property with its value type erased: it only needs to be checked; `method` says how it decided its runs, after them. */
export type AnyProperty = ((runs: number, seed: number) => Promise<Checked> | Checked) & {
  readonly method?: () => string;
};

/** The outcome of checking a property: whether it failed, after how many runs, and the counterexample. */
export interface Checked {
  readonly failed: boolean;
  readonly numRuns: number;
  readonly counterexample: string | undefined;
  readonly error: unknown;
}

function runnable<T>(p: fc.IRawProperty<T>): AnyProperty {
  const summary = (d: fc.RunDetails<T>): Checked => ({
    failed: d.failed,
    numRuns: d.numRuns,
    counterexample: d.counterexample === null ? undefined : fc.stringify(d.counterexample),
    error: d.errorInstance,
  });
  return (runs, seed) => {
    const details = fc.check(p, { numRuns: runs, seed });
    return details instanceof Promise ? details.then(summary) : summary(details);
  };
}
/** A function certify checks: tensors in, a tensor out. */
export type Fn = (...args: Tensor[]) => Tensor;

/** A law as certify runs it: a title, and how to build its property for a kind. */
export interface LawEntry {
  readonly title: string;
  /** The property for a kind, or the reason the law does not apply to it. */
  readonly build: (kind: Kind, f: Fn, ctx: LawContext) => AnyProperty | string;
}

/** What a law needs besides the function: how to draw inputs and, for backend agreement, the backend. */
export interface LawContext {
  readonly inputs: InputOptions;
  readonly backend: Backend | undefined;
}

const ops = (kind: Kind, ctx: LawContext): fc.Arbitrary<Operand[]> => operandsOf(kind, ctx.inputs);
const onlyFor =
  (kinds: readonly Kind[], why: string) =>
  (kind: Kind): string | undefined =>
    kinds.includes(kind) ? undefined : why;

/** Adds a constant per row to every logit operand (all float operands of logit kinds). */
const shiftRows = (o: readonly Operand[], c: number[]): Operand[] =>
  o.map((op) => {
    if (op.int === true || op.fixed === true) return op;
    const k = op.shape[op.shape.length - 1] as number;
    return { ...op, values: op.values.map((v, i) => v + (c[Math.floor(i / k) % c.length] as number)) };
  });

/** Permutes the class axis of every [.., K] operand and relabels i32 labels. */
const permuteClasses = (o: readonly Operand[], perm: number[]): Operand[] =>
  o.map((op) => {
    if (op.int === true) return { ...op, values: op.values.map((l) => perm.indexOf(l)) };
    const k = op.shape[op.shape.length - 1] as number;
    return {
      ...op,
      values: op.values.map((_, i) => op.values[Math.floor(i / k) * k + (perm[i % k] as number)] as number),
    };
  });

const logitKinds: readonly Kind[] = ['classification', 'soft-target', 'divergence', 'entropy'];

/**
 * The ulps certify allows an f32 value from the correctly rounded f64 value, or ulps of 1 for values
 * below 1 (near 0 from cancelling terms: D(p, q) for q ≈ p): f32 rounding of a loss, divergence or
 * regulariser of moderate inputs; storage at a lower precision (bf16: up to 2¹⁵ ulps) is far beyond.
 */
const PRECISION_ULPS = 16;

/** The backend option of the kernel laws: certify's backend, where one is given (else they run eagerly). */
const onBackend = (ctx: LawContext): { backend?: Backend } =>
  ctx.backend === undefined ? {} : { backend: ctx.backend };

export const laws: Record<LawName, LawEntry> = {
  gradient: {
    title: 'gradient = f64 finite differences',
    build: (kind, f, ctx) => runnable(gradientMatchesFiniteDifferences(f, ops(kind, ctx))),
  },
  finite: {
    title: 'finite value and gradient, f64 and f32, inputs up to ±1e4',
    build: (kind, f, ctx) => runnable(finiteWithGradient(f, operandsOf(kind, { ...ctx.inputs, large: true }))),
  },
  vjpDotProduct: {
    title: 'VJP dot-product test ⟨Jt, c⟩ = ⟨t, Jᵀc⟩',
    build: (kind, f, ctx) => runnable(vjpDotProduct(f, ops(kind, ctx))),
  },
  jvpMatchesVjp: {
    title: 'forward mode agrees with reverse mode',
    build: (kind, f, ctx) => runnable(jvpMatchesVjp(f, ops(kind, ctx))),
  },
  hessianSymmetric: {
    title: 'Hessian is symmetric',
    build: (kind, f, ctx) => runnable(hessianSymmetric(f, ops(kind, ctx))),
  },
  convex: {
    title: 'convex in the logits (Hessian PSD)',
    build: (kind, f, ctx) =>
      onlyFor(['classification', 'soft-target'], 'convexity is checked in the logits of losses')(kind) ??
      withPaths((paths) => convexProperty(f, ops(kind, ctx), CONVEX_TOLERANCE, EXACT_HESSIAN_ENTRIES, paths)),
  },
  batchedGradient: {
    title: 'vmap(grad) equals the loop of per-example gradients',
    build: (kind, f, ctx) => runnable(batchedGradient(f, ops(kind, ctx))),
  },
  shiftInvariant: {
    title: 'invariant to adding a constant to a row of logits',
    build: (kind, f, ctx) =>
      onlyFor(logitKinds, 'embeddings are not logits')(kind) ??
      runnable(
        invariant(
          f,
          ops(kind, ctx).chain((o) =>
            fc.tuple(
              fc.constant(o),
              fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 4, maxLength: 4 }),
            ),
          ),
          shiftRows,
          (c) => `row shifts ${brief(c)}`,
        ),
      ),
  },
  classPermutationInvariant: {
    title: 'invariant to permuting the classes (with the labels)',
    build: (kind, f, ctx) =>
      onlyFor(logitKinds, 'embeddings have no class axis')(kind) ??
      ((ctx.inputs.maxClasses ?? 6) < 3 ? 'permuting classes needs maxClasses ≥ 3' : undefined) ??
      runnable(
        invariant(
          f,
          operandsOf(kind, { ...ctx.inputs })
            .filter((o) => (o[0]?.shape[1] ?? 0) >= 3)
            .chain((o) => fc.tuple(fc.constant(o), permutation(o[0]?.shape[1] ?? 0))),
          permuteClasses,
          (p) => `class permutation ${brief(p)}`,
          { rtol: 1e-9, atol: 1e-12 },
        ),
      ),
  },
  symmetric: {
    title: 'symmetric loss: Σ_k L(z, k) constant',
    build: (kind, f) =>
      onlyFor(['classification'], 'the condition sums a loss over hard labels')(kind) ?? runnable(symmetricLoss(f)),
  },
  bounded: {
    title: 'bounded above (no value > 1e3, logits up to ±1e4)',
    build: (kind, f) => onlyFor(['classification'], 'checked for hard-label losses')(kind) ?? runnable(boundedAbove(f)),
  },
  nonNegative: {
    title: 'non-negative',
    build: (kind, f, ctx) => {
      if (kind === 'classification') return runnable(nonNegative(f));
      if (kind === 'divergence') return runnable(divergenceNonNegative(f));
      if (kind === 'regularizer') return 'regularisers may reward (negative values are by design)';
      return finiteNonNegative(f, ops(kind, ctx));
    },
  },
  proper: {
    title: 'proper scoring rule (expected loss minimal at the target)',
    build: (kind, f) =>
      onlyFor(['classification'], 'properness is a property of losses against hard labels')(kind) ??
      withPaths((paths) => properProperty(f, {}, PROPER_TOLERANCE, paths)),
  },
  zeroIffEqual: {
    title: 'D(p, q) = 0 iff p = q',
    build: (kind, f) =>
      onlyFor(['divergence'], 'only divergences compare two distributions')(kind) ??
      runnable(divergenceZeroIffEqual(f)),
  },
  entropyBounds: {
    title: '0 ≤ H ≤ log K, log K at uniform (Shannon, Rényi)',
    build: (kind, f) => onlyFor(['entropy'], 'only entropies are bounded by log K')(kind) ?? runnable(entropyBounds(f)),
  },
  scaleInvariant: {
    title: 'invariant to scaling the embeddings',
    build: (kind, f) =>
      onlyFor(['regularizer'], 'logits carry scale (temperature)')(kind) ?? runnable(scaleInvariant(f)),
  },
  rowPermutationInvariant: {
    title: 'invariant to the order of the batch',
    build: (kind, f) =>
      onlyFor(['regularizer'], 'checked for batch-level regularisers')(kind) ?? runnable(rowPermutationInvariant(f)),
  },
  finiteAtExtremes: {
    title: 'finite value and gradient at ±1e4 (and −Inf masks)',
    build: (kind, f, ctx) => runnable(finiteWithGradient(f, operandsOf(kind, ctx.inputs, true))),
  },
  inputImmutable: {
    title: 'inputs unchanged by forward and backward, backward repeatable',
    build: (kind, f, ctx) => runnable(inputImmutable(f, ops(kind, ctx), onBackend(ctx))),
  },
  outputPrecision: {
    title: `f32 value within ${PRECISION_ULPS} ulps of the f64 value (of 1 below 1)`,
    build: (kind, f, ctx) =>
      runnable(
        outputPrecision(f, ops(kind, ctx), {
          ...onBackend(ctx),
          ulps: PRECISION_ULPS,
          atol: PRECISION_ULPS * ulpOf(1, 'f32'),
        }),
      ),
  },
  backendAgreement: {
    title: 'backend (f32) agrees with f64 on the CPU',
    build: (kind, f, ctx) =>
      ctx.backend === undefined ? 'no backend given' : runnable(backendAgreement(f, ops(kind, ctx), ctx.backend)),
  },
};

/** The tolerances certify runs the curvature laws with (their public defaults). */
const CONVEX_TOLERANCE = { rtol: 1e-7, atol: 1e-8 };
const PROPER_TOLERANCE = { rtol: 1e-7, atol: 1e-9 };

/** A curvature law's property with a tally of the path (exact Hessian or sampled) each run took, described by `method`. */
function withPaths<T>(make: (paths: HessianPaths) => fc.IRawProperty<T>): AnyProperty {
  const paths = hessianPaths();
  return Object.assign(runnable(make(paths)), { method: () => describePaths(paths) });
}

/** Every entry ≥ 0 (for soft-target losses and entropies). */
function finiteNonNegative(f: Fn, operands: fc.Arbitrary<Operand[]>): AnyProperty {
  return runnable(
    finite((...a) => {
      const out = f(...a);
      const negative = Array.from(out.data() as ArrayLike<number>).find((v) => v < -1e-12);
      if (negative !== undefined) throw new Error(`value ${negative} < 0`);
      return out;
    }, operands),
  );
}

export interface CertifyOptions {
  readonly kind: Kind;
  /** Runs per law (default 40). */
  readonly runs?: number;
  /** The fast-check seed (default 1): reports are reproducible. */
  readonly seed?: number;
  /** A backend to compare with f64 on the CPU (e.g. `await x.webgpu()`). */
  readonly backend?: Backend;
  /** Properties the loss claims: a failure of one of these fails the certificate. */
  readonly claims?: readonly LawName[];
  /** Laws to run (default all). */
  readonly laws?: readonly LawName[];
  readonly inputs?: InputOptions;
  /** Called before each law runs (progress). */
  readonly onLaw?: (law: LawName, index: number, count: number) => void;
  /** A name for the report (default the function's name). */
  readonly name?: string;
}

export type LawStatus = 'holds' | 'fails' | 'not applicable';

export interface LawResult {
  readonly law: LawName;
  readonly title: string;
  readonly status: LawStatus;
  /** Claimed by the loss. */
  readonly claimed: boolean;
  /** Why it failed (the numbers) or why it does not apply. */
  readonly message?: string;
  /** The shrunk counterexample, printed. */
  readonly counterexample?: string;
  /** How the law decided its runs, where it has more than one way (the curvature laws: exact Hessian or sampled). */
  readonly method?: string;
  readonly runs: number;
  readonly ms: number;
}

export interface Report {
  readonly name: string;
  readonly kind: Kind;
  readonly signature: string;
  readonly seed: number;
  readonly results: readonly LawResult[];
  /** The gradient law failed. */
  readonly gradientWrong: boolean;
  /** The finite law failed: a value or gradient is NaN or ±Inf for finite inputs of the kind. */
  readonly notFinite: boolean;
  /** Claimed laws that failed. */
  readonly failedClaims: readonly LawName[];
  /** Claims that are not law names (typos) — reported, never silently ignored. */
  readonly unknownClaims: readonly string[];
  /** True when the gradient is right, values and gradients are finite, and every claim holds. */
  readonly ok: boolean;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/** The most runs per law. */
const MAX_RUNS = 2 ** 31 - 1;

/** Runs every applicable law against `f` and reports each (see `formatReport`). */
export const certify = publicFn(
  'certify',
  {
    f: s.fn,
    options: s.options({
      runs: s.optional(count(1, MAX_RUNS, 'runs', 'a 32-bit number of runs')),
      seed: s.optional(s.number({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true })),
      backend: s.optional(backend),
      // Any strings: a claim that is not a law name is reported (unknownClaims), never ignored.
      claims: s.optional(s.array(s.string)),
      laws: s.optional(s.array(s.oneOf(lawNames))),
      inputs: s.optional(inputOptionsSchema),
      onLaw: s.optional(s.fn),
      name: s.optional(s.string),
      // The one required key comes last, so that a bad value of another key is reported as such.
      kind: s.oneOf(kinds),
    }),
  },
  certifyImpl,
);

async function certifyImpl(f: Fn, options: CertifyOptions): Promise<Report> {
  checkInputOptions('certify', options.inputs);
  ensureBackend();
  const { kind } = options;
  const runs = options.runs ?? 40;
  const seed = options.seed ?? 1;
  const claims = options.claims ?? [];
  const unknownClaims = claims.filter((c) => !(lawNames as readonly string[]).includes(c));
  const selected = options.laws ?? lawNames;
  const ctx: LawContext = { inputs: options.inputs ?? {}, backend: options.backend };
  const results: LawResult[] = [];
  for (const [index, law] of selected.entries()) {
    options.onLaw?.(law, index, selected.length);
    const entry = laws[law];
    const start = Date.now();
    const claimed = claims.includes(law);
    let built: AnyProperty | string;
    try {
      built = entry.build(kind, f, ctx);
    } catch (e) {
      built = `could not be set up: ${firstLine(e)}`;
    }
    if (typeof built === 'string') {
      results.push({ law, title: entry.title, status: 'not applicable', claimed, message: built, runs: 0, ms: 0 });
      continue;
    }
    const details = await built(runs, seed);
    const ms = Date.now() - start;
    results.push(
      details.failed
        ? {
            law,
            title: entry.title,
            status: 'fails',
            claimed,
            message: firstLine(details.error),
            ...(built.method === undefined ? {} : { method: built.method() }),
            ...(details.counterexample === undefined ? {} : { counterexample: details.counterexample }),
            runs: details.numRuns,
            ms,
          }
        : {
            law,
            title: entry.title,
            status: 'holds',
            claimed,
            ...(built.method === undefined ? {} : { method: built.method() }),
            runs: details.numRuns,
            ms,
          },
    );
  }
  const failedClaims = results.filter((r) => r.claimed && r.status !== 'holds').map((r) => r.law);
  const fails = (law: LawName): boolean => results.some((r) => r.law === law && r.status === 'fails');
  const gradientWrong = fails('gradient');
  const notFinite = fails('finite');
  return {
    name: options.name ?? (f.name || 'loss'),
    kind,
    signature: signatures[kind],
    seed,
    results,
    gradientWrong,
    notFinite,
    failedClaims,
    unknownClaims,
    ok: !gradientWrong && !notFinite && failedClaims.length === 0 && unknownClaims.length === 0,
  };
}
