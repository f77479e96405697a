/** @file certifyEngine(engine): the engine laws on another runtime's loss, as a report with each failure's numbers and shrunk counterexample. */
import { publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import { count } from '../schemas.js';
import { classificationRoles, type Engine, engineSchema, type RoleNames, roleNamesSchema } from './engine.js';
import { engineAdjoint, engineFinite, engineMasking, engineShiftInvariant } from './laws.js';

/** The engine laws, by name. */
export const engineLawNames = ['shiftInvariant', 'finite', 'masking', 'adjoint'] as const;
export type EngineLawName = (typeof engineLawNames)[number];

type AnyAsyncProperty = fc.IAsyncPropertyWithHooks<unknown>;
type Build = (engine: Engine, names: RoleNames) => AnyAsyncProperty | string;

const engineLaws: Record<EngineLawName, { readonly title: string; readonly build: Build }> = {
  shiftInvariant: {
    title: 'invariant to adding a constant to a row of logits',
    build: (e, n) => engineShiftInvariant(e, n),
  },
  finite: {
    title: 'finite value (and gradient), logits up to ±1e4',
    build: (e, n) => engineFinite(e, n),
  },
  masking: {
    title: 'a −Inf logit on a non-target class = the class removed',
    build: (e, n) => engineMasking(e, n),
  },
  adjoint: {
    title: "adjoint test of the engine's VJP ⟨J·u, v⟩ = ⟨u, Jᵀv⟩",
    build: (e, n) =>
      classificationRoles('certifyEngine', e, n).vjp === undefined
        ? 'the engine has no VJP (a d(out) input and a gradient output)'
        : engineAdjoint(e, n),
  },
};

/** Options of `certifyEngine`. */
export interface CertifyEngineOptions {
  /** Runs per law (default 40). */
  readonly runs?: number;
  /** The fast-check seed (default 1). */
  readonly seed?: number;
  /** Laws to run (default all). */
  readonly laws?: readonly EngineLawName[];
  /** Port names where they are not found by type. */
  readonly names?: RoleNames;
  /** Called before each law runs (progress). */
  readonly onLaw?: (law: EngineLawName, index: number, count: number) => void;
}

/** One engine law's outcome. */
export interface EngineLawResult {
  readonly law: EngineLawName;
  readonly title: string;
  readonly status: 'holds' | 'fails' | 'not applicable';
  /** Why it failed (the numbers) or why it does not apply. */
  readonly message?: string;
  /** The shrunk counterexample, as fast-check prints it. */
  readonly counterexample?: string;
  readonly runs: number;
  readonly ms: number;
}

/** What `certifyEngine` found. */
export interface EngineReport {
  /** The engine, in words. */
  readonly engine: string;
  readonly seed: number;
  readonly results: readonly EngineLawResult[];
  /** True when every law that applies holds. */
  readonly ok: boolean;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/** Runs the engine laws on a classification loss (logits [B, K], labels [B]) evaluated by `engine`. */
export const certifyEngine = publicFn(
  'certifyEngine',
  {
    engine: engineSchema,
    options: s.options({
      runs: s.optional(count(1, 2 ** 31 - 1, 'runs', 'a 32-bit number of runs')),
      seed: s.optional(s.number({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true })),
      laws: s.optional(s.array(s.oneOf(engineLawNames))),
      names: s.optional(roleNamesSchema),
      onLaw: s.optional(s.fn),
    }),
  },
  async (engine: Engine, options: CertifyEngineOptions = {}): Promise<EngineReport> => {
    const runs = options.runs ?? 40;
    const seed = options.seed ?? 1;
    const names = options.names ?? {};
    classificationRoles('certifyEngine', engine, names);
    const selected = options.laws ?? engineLawNames;
    const results: EngineLawResult[] = [];
    for (const [index, law] of selected.entries()) {
      options.onLaw?.(law, index, selected.length);
      const { title, build } = engineLaws[law];
      const start = Date.now();
      let property: AnyAsyncProperty | string;
      try {
        property = build(engine, names);
      } catch (e) {
        property = `could not be set up: ${firstLine(e)}`;
      }
      if (typeof property === 'string') {
        results.push({ law, title, status: 'not applicable', message: property, runs: 0, ms: 0 });
        continue;
      }
      const d = await fc.check(property, { numRuns: runs, seed });
      const ms = Date.now() - start;
      results.push(
        d.failed
          ? {
              law,
              title,
              status: 'fails',
              message: firstLine(d.errorInstance),
              ...(d.counterexample === null ? {} : { counterexample: fc.stringify(d.counterexample) }),
              runs: d.numRuns,
              ms,
            }
          : { law, title, status: 'holds', runs: d.numRuns, ms },
      );
    }
    return { engine: engine.name, seed, results, ok: results.every((r) => r.status !== 'fails') };
  },
);
