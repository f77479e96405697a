/**
 * @file The NaN-debugging cases the CPU and WebGPU tests share: programs that make NaN or ±Inf from
 * finite inputs, and what the NumericsError must say (the primitive, the op, the line below that traced
 * it, the derivative, the operands), plus floats to classify with isnan/isinf/isfinite.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as x from 'xent';

const source = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');

/** `nanCases.ts:<line>:` for the line holding the marker comment `site: <name>`. */
export function siteOf(name: string): string {
  const line = source.findIndex((l) => l.includes(`// site: ${name}`)) + 1;
  if (line === 0) throw new Error(`no marker for ${name}`);
  return `nanCases.ts:${line}:`;
}

/** ‖v‖ as √(Σv²): the derivative of √ is infinite at 0, so the gradient at v = 0 is ∞·0 = NaN. */
const plainNorm = (v: x.Tensor): x.Tensor => x.sqrt(x.sum(x.square(v))); // site: sqrt

/** A step of the NumericsError, as expected. */
export interface ExpectedStep {
  readonly prim: string;
  readonly op: string;
  readonly derivativeOf?: string;
  readonly index: readonly number[];
  /** Expected operands (an entry of null is not checked). */
  readonly operands: readonly (number | null)[];
  readonly value: number;
}

export interface NanCase {
  readonly name: string;
  readonly f: (a: x.Tensor) => x.Tensor;
  /** Whether `f` is one program even eagerly (a transform); else eager ops run, and are checked, one by one. */
  readonly whole: boolean;
  readonly arg: readonly number[];
  readonly step: ExpectedStep;
  /** The marker of the line that traced the op. */
  readonly site: string;
  /** When the output is NaN but the first step made ±Inf: the step that made the NaN. */
  readonly nan?: ExpectedStep & { readonly site: string };
}

export const nanCases: readonly NanCase[] = [
  {
    name: 'sqrt at 0 in a gradient',
    f: x.grad(plainNorm),
    whole: true,
    arg: [0, 0],
    step: { prim: 'div', op: 'sqrt', derivativeOf: 'sqrt', index: [], operands: [null, 0], value: Infinity },
    site: 'sqrt',
    nan: {
      prim: 'mul',
      op: 'square',
      derivativeOf: 'square',
      index: [0],
      operands: [Infinity, 0],
      value: NaN,
      site: 'sqrt',
    },
  },
  {
    name: 'log(0)',
    f: (a) => x.log(a), // site: log
    whole: false,
    arg: [1, 0],
    step: { prim: 'log', op: 'log', index: [1], operands: [0], value: -Infinity },
    site: 'log',
  },
  {
    name: '0·∞ (p·log p at p = 0)',
    f: (p) => x.sum(x.mul(p, x.log(p))), // site: plogp
    whole: false,
    arg: [0.5, 0],
    step: { prim: 'log', op: 'log', index: [1], operands: [0], value: -Infinity },
    site: 'plogp',
    nan: { prim: 'mul', op: 'mul', index: [1], operands: [0, -Infinity], value: NaN, site: 'plogp' },
  },
  {
    name: 'exp overflow in f32',
    f: (a) => x.exp(a), // site: exp
    whole: false,
    arg: [1, 100],
    step: { prim: 'exp', op: 'exp', index: [1], operands: [100], value: Infinity },
    site: 'exp',
  },
];

/**
 * Checks a NumericsError against a case (throws on a mismatch, naming the field). Run eagerly op by op
 * (`eager`), a case that is not one program stops at its first step: there is no NaN step after it.
 */
export function checkError(e: unknown, c: NanCase, eager: boolean): void {
  if (!(e instanceof x.NumericsError)) throw new Error(`expected a NumericsError, got ${String(e)}`);
  const same = (what: string, got: unknown, want: unknown): void => {
    if (!Object.is(got, want) && JSON.stringify(got) !== JSON.stringify(want))
      throw new Error(`${c.name}: ${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}\n${e.message}`);
  };
  const step = (got: x.NonFiniteStep, want: ExpectedStep, site: string, label: string): void => {
    same(`${label}prim`, got.prim, want.prim);
    same(`${label}op`, got.op, want.op);
    same(`${label}derivativeOf`, got.derivativeOf, want.derivativeOf);
    same(`${label}index`, got.index, want.index);
    same(`${label}value`, got.value, want.value);
    want.operands.forEach((v, i) => {
      if (v !== null) same(`${label}operands[${i}]`, got.operands[i], v);
    });
    if (got.callSite?.includes(siteOf(site)) !== true)
      throw new Error(`${c.name}: ${label}callSite ${String(got.callSite)} does not name ${siteOf(site)}`);
  };
  step(e, c.step, c.site, '');
  if (c.nan === undefined || (eager && !c.whole)) same('nanStep', e.nanStep, undefined);
  else if (e.nanStep === undefined) throw new Error(`${c.name}: no nanStep\n${e.message}`);
  else step(e.nanStep, c.nan, c.nan.site, 'nanStep.');
  const message = e.message;
  for (const part of [`primitive: ${c.step.prim}`, siteOf(c.site)])
    if (!message.includes(part)) throw new Error(`${c.name}: the message does not say '${part}':\n${message}`);
}

/** Floats to classify: NaN, ±Inf, ±0, subnormals of f32 and f64, extremes. */
export const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -2.5, 1e-45, -1e-40, 5e-324, 1e-310, 3.4e38, -1.7e308];
