/** @file The kinds of function certify understands: how to call one, and the operands it is tested on. */
import type { Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import { checkLogitOptions, classificationOf, logit, simplexRowsOf } from '../arbitraries/distributions.js';
import { positiveScale, value, values, withLarge } from '../arbitraries/values.js';
import type { TensorFunction } from '../laws/gradient.js';
import { float, integer, type Operand } from '../laws/operands.js';
import { count } from '../schemas.js';

/** What a function takes: logits and labels, logits and soft targets, two logit tensors, logits, or embeddings. */
export type Kind = 'classification' | 'soft-target' | 'divergence' | 'entropy' | 'regularizer';

export const kinds: readonly Kind[] = ['classification', 'soft-target', 'divergence', 'entropy', 'regularizer'];

/** How each kind is called, in words (for reports and errors). */
export const signatures: Record<Kind, string> = {
  classification: 'loss(logits [B, K] f64, labels [B] i32)',
  'soft-target': 'loss(logits [B, K] f64, targets [B, K] on the simplex)',
  divergence: 'divergence(pLogits [B, K], qLogits [B, K])',
  entropy: 'entropy(logits [B, K])',
  regularizer: 'regularizer(embeddings [N, d])',
};

/** Options for the drawn inputs. */
export interface InputOptions {
  /** Logits lie in ±scale (default 5). */
  readonly scale?: number;
  /** Classes (or features) at most (default 6). */
  readonly maxClasses?: number;
  /** Batch rows at most (default 4). */
  readonly maxBatch?: number;
  /** Some entries are large but valid: magnitudes from the scale up to ±1e4 (default false; the `finite` law's inputs). */
  readonly large?: boolean;
}

/** What an InputOptions argument may hold. */
export const inputOptionsSchema = s.options({
  scale: s.optional(positiveScale),
  maxClasses: s.optional(count(1)),
  maxBatch: s.optional(count(1)),
  large: s.optional(s.boolean),
});

/** `operandsFor` for options already checked (by `checkInputOptions`). */
export function operandsOf(kind: Kind, options: InputOptions = {}, extreme = false): fc.Arbitrary<Operand[]> {
  const logitOptions = {
    scale: options.scale ?? 5,
    maxClasses: options.maxClasses ?? 6,
    maxBatch: options.maxBatch ?? 4,
    extreme,
    large: options.large ?? false,
    masked: extreme && kind === 'classification',
  };
  switch (kind) {
    case 'classification':
      return classificationOf(logitOptions).map((c) => [float(c.logits, [c.batch, c.classes]), integer(c.labels)]);
    case 'soft-target':
      return classificationOf(logitOptions).chain((c) =>
        simplexRowsOf(c.batch, c.classes, { sparse: false }).map((q) => [
          float(c.logits, [c.batch, c.classes]),
          { ...float(q, [c.batch, c.classes]), fixed: true },
        ]),
      );
    case 'divergence':
      return classificationOf(logitOptions).chain((c) =>
        fc
          .array(logit({ ...logitOptions, extreme: false }), { minLength: c.logits.length, maxLength: c.logits.length })
          .map((q) => [
            float(c.logits, [c.batch, c.classes]),
            float(extreme ? q.map((v, i) => (i % 3 === 0 ? v * 2e3 : v)) : q, [c.batch, c.classes]),
          ]),
      );
    case 'entropy':
      return classificationOf(logitOptions).map((c) => [float(c.logits, [c.batch, c.classes])]);
    case 'regularizer':
      return fc
        .record({
          n: fc.integer({ min: 2, max: Math.max(2, logitOptions.maxBatch + 1) }),
          d: fc.integer({ min: 2, max: 4 }),
        })
        .chain(({ n, d }) =>
          (logitOptions.large
            ? fc.array(withLarge(value('awayFromZero', 2), 2), { minLength: n * d, maxLength: n * d })
            : values(n * d, 'awayFromZero', extreme ? 1e4 : 2)
          ).map((v) => [float(v, [n, d])]),
        );
  }
}

/** The checks InputOptions that passed `inputOptionsSchema` need on behalf of `fn`: a batch of logits of bounded size. */
export function checkInputOptions(fn: string, options: InputOptions = {}): void {
  checkLogitOptions(fn, { maxClasses: options.maxClasses ?? 6, maxBatch: options.maxBatch ?? 4 });
}

/** Random operands for a kind; `extreme` adds ±1e4 logits (and −Inf masks where a label keeps a row finite). */
export const operandsFor = publicFn(
  'operandsFor',
  { kind: s.oneOf(kinds), options: inputOptionsSchema, extreme: s.optional(s.boolean) },
  (kind: Kind, options: InputOptions = {}, extreme = false): fc.Arbitrary<Operand[]> => {
    checkInputOptions('operandsFor', options);
    return operandsOf(kind, options, extreme);
  },
);

/** The function as a TensorFunction of its operands (every kind takes its operands in order). */
export const asTensorFunction = (f: (...args: Tensor[]) => Tensor): TensorFunction => f;
