/**
 * @file The special functions' golden file (test/golden/special.json, written by
 * scripts/golden/special.py): PyTorch 1.13's f64 values and derivatives and 50-digit references on
 * seeded inputs, the inputs again rounded to f32, and the edge values; with the public op of each
 * entry and the error bounds the tests hold it to.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as x from 'xent';

/** One function's golden data (non-finite numbers read back from their JSON strings). */
export interface GoldenFunction {
  readonly x: readonly number[];
  readonly torch: readonly number[];
  readonly torchGrad: readonly number[];
  readonly ref: readonly number[];
  readonly refGrad: readonly number[];
  readonly x32: readonly number[];
  readonly ref32: readonly number[];
  readonly edges: readonly number[];
  readonly edgeTorch: readonly number[];
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const file = JSON.parse(readFileSync(`${root}test/golden/special.json`, 'utf8'), (_k, v: unknown) =>
  v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v,
) as { readonly functions: Readonly<Record<string, GoldenFunction>> };

/**
 * How far a value may be from the reference: |got − ref| ≤ rtol·max(|ref|, floor). A floor of 1 makes
 * the bound absolute where the function crosses zero (lgamma, digamma, polygamma of x < 0).
 */
export interface Bound {
  readonly rtol: number;
  readonly floor: number;
}

export interface SpecialCase {
  readonly name: string;
  readonly op: (t: x.Tensor) => x.Tensor;
  readonly data: GoldenFunction;
  /** f64 values and derivatives against the references. */
  readonly f64: Bound;
  readonly grad: Bound;
}

const relative = { rtol: 1e-14, floor: 1e-300 };
const mixed = { rtol: 1e-14, floor: 1 };

const entry = (name: string): GoldenFunction => {
  const data = file.functions[name];
  if (data === undefined) throw new Error(`test/golden/special.json has no '${name}'`);
  return data;
};

export const specialCases: readonly SpecialCase[] = [
  // erf′ = (2/√π) e^{−x²} magnifies the rounding of x² by x² (up to 760 at |x| = 27.5)
  { name: 'erf', op: x.erf, data: entry('erf'), f64: relative, grad: { rtol: 2e-13, floor: 1e-300 } },
  { name: 'erfc', op: x.erfc, data: entry('erfc'), f64: relative, grad: { rtol: 2e-13, floor: 1e-300 } },
  // erfinv′ = (√π/2) e^{y²} magnifies y's relative error by 2y² (up to 70 at y = 5.9)
  { name: 'erfinv', op: x.erfinv, data: entry('erfinv'), f64: relative, grad: { rtol: 1e-13, floor: 1e-300 } },
  { name: 'lgamma', op: x.lgamma, data: entry('lgamma'), f64: mixed, grad: mixed },
  ...[0, 1, 2, 3].map((n) => ({
    name: `polygamma${n}`,
    op: (t: x.Tensor): x.Tensor => x.polygamma(n, t),
    data: entry(`polygamma${n}`),
    f64: mixed,
    grad: mixed,
  })),
];

/** Whether `got` is within `bound` of `ref` (non-finite references must be matched exactly). */
export function within(got: number, ref: number, bound: Bound): boolean {
  if (!Number.isFinite(ref)) return Object.is(got, ref) || (Number.isNaN(got) && Number.isNaN(ref));
  return Math.abs(got - ref) <= bound.rtol * Math.max(Math.abs(ref), bound.floor);
}

/** The worst error of `got` against `ref` in units of `bound` (≤ 1 passes; a missed non-finite reference: Infinity), and where. */
export function worst(
  got: readonly number[],
  ref: readonly number[],
  inputs: readonly number[],
  bound: Bound,
): { readonly ratio: number; readonly at: number } {
  let ratio = 0;
  let at = NaN;
  got.forEach((g, i) => {
    const r = ref[i] as number;
    const e = Number.isFinite(r)
      ? Math.abs(g - r) / (bound.rtol * Math.max(Math.abs(r), bound.floor))
      : within(g, r, bound)
        ? 0
        : Infinity;
    if (e > ratio) {
      ratio = e;
      at = inputs[i] as number;
    }
  });
  return { ratio, at };
}
