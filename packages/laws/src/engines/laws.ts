/**
 * @file The laws run on another engine, asynchronously (fast-check async properties): shift invariance,
 * finiteness at logits up to ±1e4, masking at −Inf, and the adjoint test of the engine's own VJP.
 */
import { ValueError } from '@xent/core';
import { fail, publicFn } from '@xent/core/internal';
import fc from 'fast-check';
import { type ClassificationCase, classificationOf, type LogitOptions } from '../arbitraries/distributions.js';
import { brief, dot } from '../numeric.js';
import {
  classificationRoles,
  drawnSizes,
  type Engine,
  type EngineArray,
  type EngineRoles,
  engineSchema,
  type RoleNames,
  roleNamesSchema,
} from './engine.js';

/** Tolerances by the engine's float dtype: f32 engines round each logit to 2⁻²⁴ relative. */
const tolerances: Record<'f32' | 'f64', { readonly rtol: number; readonly atol: number; readonly step: number }> = {
  f32: { rtol: 1e-4, atol: 1e-4, step: 1e-2 },
  f64: { rtol: 1e-9, atol: 1e-9, step: 1e-5 },
};
/** The adjoint test's tolerance: a central difference in the engine's dtype. */
const adjointTolerances: Record<'f32' | 'f64', { readonly rtol: number; readonly atol: number }> = {
  f32: { rtol: 1e-2, atol: 1e-3 },
  f64: { rtol: 1e-6, atol: 1e-8 },
};

const floatOf = (roles: EngineRoles): 'f32' | 'f64' => (roles.logits.dtype === 'f64' ? 'f64' : 'f32');

/** Whether the loss is a scalar (its cotangent declared of rank 0) rather than one value per example. */
const scalarLoss = (roles: EngineRoles): boolean => roles.vjp?.cotangent.shape?.length === 0;

/** The cotangent's entries for a batch: one for a scalar loss, else one per example. */
const cotangentSize = (roles: EngineRoles, batch: number): number => (scalarLoss(roles) ? 1 : batch);

/** What the engine returns for logits [B, K] and labels [B], with the cotangent `v` (ones when left out) if it has a VJP. */
async function evaluate(
  engine: Engine,
  roles: EngineRoles,
  c: ClassificationCase,
  cotangent?: readonly number[],
): Promise<{ out: number[]; gradient: number[] | undefined }> {
  const feeds: Record<string, EngineArray> = {
    [roles.logits.name]: { dtype: roles.logits.dtype, shape: [c.batch, c.classes], values: c.logits },
    [roles.labels.name]: { dtype: roles.labels.dtype, shape: [c.batch], values: c.labels },
  };
  if (roles.vjp !== undefined) {
    const n = cotangentSize(roles, c.batch);
    feeds[roles.vjp.cotangent.name] = {
      dtype: roles.vjp.cotangent.dtype,
      shape: scalarLoss(roles) ? [] : [c.batch],
      values: cotangent ?? Array<number>(n).fill(1),
    };
  }
  const result = await engine.run(feeds);
  const out = result[roles.out.name];
  if (out === undefined) throw new Error(`${engine.name} returned no ${roles.out.name}`);
  return {
    out: [...out.values],
    gradient: roles.vjp === undefined ? undefined : [...(result[roles.vjp.gradient.name]?.values ?? [])],
  };
}

/** The sum of a loss's entries, in f64. */
const sum = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0);

const inputs = (c: ClassificationCase): string => `z = ${brief(c.logits)}, y = ${brief(c.labels)}`;

/** The arguments of an engine law: the engine and the names of its ports where they are not found by type. */
const engineLaw = { engine: engineSchema, names: roleNamesSchema };

/** An async property of cases drawn for a classification loss on an engine. */
export type EngineProperty<T> = fc.IAsyncPropertyWithHooks<[T]>;

/** L(z + c·1, y) = L(z, y) on the engine, for a constant c per row drawn in ±20. */
export const engineShiftInvariant = publicFn(
  'engineShiftInvariant',
  engineLaw,
  (engine: Engine, names: RoleNames = {}): EngineProperty<[ClassificationCase, number[]]> => {
    const roles = classificationRoles('engineShiftInvariant', engine, names);
    const tol = tolerances[floatOf(roles)];
    const cases = fc.tuple(
      classificationOf(drawnSizes(roles)),
      fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 4, maxLength: 4 }),
    );
    return fc.asyncProperty(cases, async ([c, shifts]) => {
      const base = sum((await evaluate(engine, roles, c)).out);
      const moved = { ...c, logits: c.logits.map((v, i) => v + (shifts[Math.floor(i / c.classes)] as number)) };
      const after = sum((await evaluate(engine, roles, moved)).out);
      if (!(Math.abs(after - base) <= tol.atol + tol.rtol * Math.abs(base)))
        throw new Error(
          `L(z + c·1) = ${after} but L(z) = ${base} (row shifts ${brief(shifts.slice(0, c.batch))}) at ${inputs(c)}`,
        );
    });
  },
);

/** Value (and the engine's gradient, if it has one) finite for logits with magnitudes up to ±1e4. */
export const engineFinite = publicFn(
  'engineFinite',
  engineLaw,
  (engine: Engine, names: RoleNames = {}): EngineProperty<ClassificationCase> => {
    const roles = classificationRoles('engineFinite', engine, names);
    return fc.asyncProperty(classificationOf({ ...drawnSizes(roles), large: true }), async (c) => {
      const { out, gradient } = await evaluate(engine, roles, c);
      const badValue = out.findIndex((v) => !Number.isFinite(v));
      if (badValue >= 0)
        throw new Error(
          `value not finite in ${roles.out.dtype}: ${out[badValue]} at entry ${badValue} of ${brief(out)} for ${inputs(c)}`,
        );
      const badGradient = (gradient ?? []).findIndex((v) => !Number.isFinite(v));
      if (badGradient >= 0)
        throw new Error(
          `gradient not finite in ${roles.out.dtype}: ${gradient?.[badGradient]} at entry ${badGradient} for ${inputs(c)}`,
        );
    });
  },
);

/** A logit far enough below the others (±5 here) that its exp is 0 in f32 and f64: e^−1e4 underflows both. */
const ABSENT = -1e4;

/**
 * A case, a class k that no label names, with −Inf at k in every row; and the case without class k:
 * removed, or where the model's class count is fixed, with its logit at −1e4 (a weight e^−1e4 = 0).
 */
const maskedCases = (sizes: LogitOptions, fixedClasses: boolean): fc.Arbitrary<MaskedCase> =>
  classificationOf({ minClasses: 2, ...sizes }).chain((c) =>
    fc.integer({ min: 0, max: c.classes - 1 }).map((k) => {
      const labels = c.labels.map((l) => (l === k ? (k + 1) % c.classes : l));
      const at = (v: number): number[] => c.logits.map((z, i) => (i % c.classes === k ? v : z));
      return {
        k,
        masked: { ...c, labels, logits: at(-Infinity) },
        without: fixedClasses
          ? { ...c, labels, logits: at(ABSENT) }
          : {
              ...c,
              classes: c.classes - 1,
              labels: labels.map((l) => (l > k ? l - 1 : l)),
              logits: c.logits.filter((_, i) => i % c.classes !== k),
            },
      };
    }),
  );

/** A case of the masking law: class k masked by −Inf, and the same case without it. */
export interface MaskedCase {
  readonly k: number;
  readonly masked: ClassificationCase;
  readonly without: ClassificationCase;
}

/**
 * A −Inf logit on a non-target class leaves the loss finite and equal to the loss without that class
 * (for a model with a fixed class count: equal to the loss with that logit at −1e4, whose exp is 0).
 */
export const engineMasking = publicFn(
  'engineMasking',
  engineLaw,
  (engine: Engine, names: RoleNames = {}): EngineProperty<MaskedCase> => {
    const roles = classificationRoles('engineMasking', engine, names);
    const tol = tolerances[floatOf(roles)];
    const sizes = drawnSizes(roles);
    const fixedClasses = sizes.maxClasses !== undefined;
    if (fixedClasses && sizes.maxClasses < 2)
      fail(
        ValueError,
        'engineMasking',
        'engine',
        'a model with 2 or more classes to mask one',
        `${engine.name} with 1`,
      );
    const reference = fixedClasses ? `with its logit at ${ABSENT}` : 'without it';
    return fc.asyncProperty(maskedCases(sizes, fixedClasses), async ({ k, masked, without }) => {
      const { out, gradient } = await evaluate(engine, roles, masked);
      const withMask = sum(out);
      const expected = sum((await evaluate(engine, roles, without)).out);
      if (!Number.isFinite(withMask) || (gradient ?? []).some((v) => !Number.isFinite(v)))
        throw new Error(
          `${Number.isFinite(withMask) ? 'gradient' : `value ${withMask}`} not finite with class ${k} masked at ${inputs(masked)}`,
        );
      if (!(Math.abs(withMask - expected) <= tol.atol + tol.rtol * Math.abs(expected)))
        throw new Error(
          `L = ${withMask} with class ${k} masked by −Inf but ${expected} ${reference}, at ${inputs(masked)}`,
        );
    });
  },
);

/**
 * The adjoint test of the engine's VJP: ⟨J·u, v⟩ (a central difference of ⟨L(z + t·u), v⟩ in the
 * engine's dtype) = ⟨u, Jᵀv⟩ (its gradient output for the cotangent v), for random u and v.
 */
export const engineAdjoint = publicFn(
  'engineAdjoint',
  engineLaw,
  (engine: Engine, names: RoleNames = {}): EngineProperty<[ClassificationCase, number[], number[]]> => {
    const roles = classificationRoles('engineAdjoint', engine, names);
    const vjp = roles.vjp;
    if (vjp === undefined)
      throw new Error(`${engine.name} has no VJP (a d(${roles.out.name}) input and a d(${roles.logits.name}) output)`);
    const dtype = floatOf(roles);
    const { step } = tolerances[dtype];
    const tol = adjointTolerances[dtype];
    // Directions on a grid of 1e-3 in [−1, 1]: no subnormal u or v whose products underflow.
    const unit = fc.integer({ min: -1000, max: 1000 }).map((k) => k / 1000);
    const cases = classificationOf(drawnSizes(roles)).chain((c) =>
      fc.tuple(
        fc.constant(c),
        fc.array(unit, { minLength: c.logits.length, maxLength: c.logits.length }),
        fc.array(unit, { minLength: cotangentSize(roles, c.batch), maxLength: cotangentSize(roles, c.batch) }),
      ),
    );
    return fc.asyncProperty(cases, async ([c, u, v]) => {
      const at = async (t: number): Promise<number> =>
        dot(
          (await evaluate(engine, roles, { ...c, logits: c.logits.map((z, i) => z + t * (u[i] as number)) }, v)).out,
          v,
        );
      const forward = ((await at(step)) - (await at(-step))) / (2 * step);
      const reverse = dot(u, (await evaluate(engine, roles, c, v)).gradient ?? []);
      const norms = Math.sqrt(dot(u, u)) * Math.sqrt(dot(v, v));
      if (
        !(Math.abs(forward - reverse) <= tol.atol * norms + tol.rtol * Math.max(Math.abs(forward), Math.abs(reverse)))
      )
        throw new Error(
          `⟨J·u, v⟩ = ${forward} (central difference) but ⟨u, Jᵀv⟩ = ${reverse} (the engine's VJP) at ${inputs(c)}`,
        );
    });
  },
);
