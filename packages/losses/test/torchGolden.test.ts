/**
 * @file The PyTorch-named losses against PyTorch 1.13's own float64 values and input gradients
 * (golden/torch/losses.json, written by scripts/golden/torch_losses.py; PyTorch is not needed here):
 * xent in f64 eager and jitted (tight), and in f32 (looser). The largest relative errors are printed.
 */
import { afterAll, expect, test } from 'vitest';
import * as x from 'xent';
import { type Case, golden, numbers, tensorOf } from './torchGoldenFile.js';

const L = x.losses as unknown as Record<string, (...args: unknown[]) => x.Tensor>;

const distances: Record<'default' | 'l1' | 'cosine', ((u: x.Tensor, v: x.Tensor) => x.Tensor) | undefined> = {
  default: undefined,
  l1: (u, v) => x.sum(x.abs(x.sub(u, v)), { axis: -1 }),
  cosine: (u, v) => x.sub(1, x.cosineSimilarity(u, v)),
};

/** The loss of the case as a function of its inputs (tensor options and the distance function bound). */
function lossOf(c: Case, float: 'f64' | 'f32'): (...inputs: x.Tensor[]) => x.Tensor {
  const options: Record<string, unknown> = { ...c.options };
  for (const [k, s] of Object.entries(c.tensorOptions)) options[k] = tensorOf(s, float);
  const d = c.distance === undefined ? undefined : distances[c.distance];
  if (d !== undefined) options['distanceFunction'] = d;
  const f = L[c.fn];
  if (f === undefined) throw new Error(`no losses.${c.fn}`);
  return (...inputs) =>
    f(...(c.logSoftmax === true ? [x.logSoftmax(inputs[0] as x.Tensor), ...inputs.slice(1)] : inputs), options);
}

/** |a − b| / |b| where |b| ≥ 1e-6 (the error relative to PyTorch), and |a − b| below. */
const relative = (a: number, b: number): number =>
  Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || a === b
    ? 0
    : Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);

const worst = {
  f64: { value: 0, grad: 0, valueAt: '', gradAt: '' },
  f32: { value: 0, grad: 0, valueAt: '', gradAt: '' },
};

function compare(
  label: string,
  got: ArrayLike<number>,
  want: readonly number[],
  tol: number,
  kind: 'f64' | 'f32',
  part: 'value' | 'grad',
): void {
  expect(got.length, `${label}: size`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [a, b] = [got[i] as number, want[i] as number];
    if (!Number.isFinite(b)) {
      expect(a, `${label}[${i}]`).toBe(b);
      continue;
    }
    const e = relative(a, b);
    if (e > worst[kind][part]) {
      worst[kind][part] = e;
      worst[kind][part === 'value' ? 'valueAt' : 'gradAt'] = `${label}[${i}]: ${a} vs ${b}`;
    }
    if (!(e <= tol)) throw new Error(`${label}[${i}]: xent ${a}, PyTorch ${b} (relative error ${e} > ${tol})`);
  }
}

/** Value and gradients of one case in one dtype (jitted or eager). */
function run(
  c: Case,
  float: 'f64' | 'f32',
  jit: boolean,
): { value: ArrayLike<number>; grads: (ArrayLike<number> | null)[] } {
  const f = lossOf(c, float);
  const inputs = c.inputs.map((s) => tensorOf(s, float));
  const cot = tensorOf(c.cotangent, float);
  const argnums = c.grads.flatMap((g, i) => (g === null ? [] : [i]));
  const value = (jit ? x.jit(f) : f)(...inputs);
  if (argnums.length === 0) return { value: value.data(), grads: c.grads.map(() => null) };
  const objective = (...xs: x.Tensor[]): x.Tensor => x.sum(x.mul(f(...xs), cot));
  const g = x.grad(objective, { argnums });
  const gs = (jit ? x.jit(g) : g)(...inputs) as x.Tensor | x.Tensor[];
  const list = Array.isArray(gs) ? gs : [gs];
  const grads = c.grads.map((s, i) => (s === null ? null : (list[argnums.indexOf(i)] as x.Tensor).data()));
  return { value: value.data(), grads };
}

const TOL = { f64: 1e-9, f32: 2e-3 };

/** The first two cases of each function also run jitted (compiling every case would dominate the suite's time). */
const jitted = new Set(
  [...new Set(golden.cases.map((c) => c.fn))].flatMap((fn) =>
    golden.cases
      .filter((c) => c.fn === fn)
      .slice(0, 2)
      .map((c) => c.name),
  ),
);

test.each(golden.cases.map((c) => [c.name, c] as const))(
  '%s: f64 (eager and jitted) and f32 against PyTorch',
  (_name, c) => {
    const variants = [
      ['f64', false],
      ['f32', false],
      ...(jitted.has(c.name) ? ([['f64', true]] as const) : []),
    ] as const;
    for (const [float, jit] of variants) {
      const r = run(c, float, jit);
      const label = `${c.name} ${float}${jit ? ' jit' : ''}`;
      compare(`${label} value`, r.value, numbers(c.value), TOL[float], float, 'value');
      c.grads.forEach((s, i) => {
        if (s !== null)
          compare(`${label} ∂/∂input ${i}`, r.grads[i] as ArrayLike<number>, numbers(s), TOL[float], float, 'grad');
      });
    }
  },
  60_000,
);

test('every PyTorch-named loss has golden cases', () => {
  const covered = new Set(golden.cases.map((c) => c.fn));
  for (const fn of [
    'nllLoss',
    'crossEntropy',
    'softTargetCrossEntropy',
    'linearCrossEntropy',
    'mseLoss',
    'l1Loss',
    'huberLoss',
    'smoothL1Loss',
    'poissonNllLoss',
    'gaussianNllLoss',
    'softMarginLoss',
    'multiMarginLoss',
    'multilabelMarginLoss',
    'multilabelSoftMarginLoss',
    'marginRankingLoss',
    'hingeEmbeddingLoss',
    'cosineEmbeddingLoss',
    'tripletMarginLoss',
    'tripletMarginWithDistanceLoss',
    'ctcLoss',
    'binaryCrossEntropy',
    'klDiv',
  ])
    expect(covered.has(fn), fn).toBe(true);
});

afterAll(() => {
  console.log(
    [
      'PyTorch golden agreement (max relative error):',
      ...(['f64', 'f32'] as const).flatMap((k) => [
        `  ${k} value ${worst[k].value.toExponential(2)} (${worst[k].valueAt})`,
        `  ${k} gradient ${worst[k].grad.toExponential(2)} (${worst[k].gradAt})`,
      ]),
    ].join('\n'),
  );
});
