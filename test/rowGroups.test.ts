/**
 * @file Row groups on real losses: the gradient programs of cross-entropy (default, label smoothing,
 * class weights with ignoreIndex), Shannon entropy and a logSoftmax loss pass over the logits in
 * one step, a row group that also writes the gradient; their values equal the reference backend on
 * odd sizes (rows not a multiple of the block or of the threads, one row) on cpu and cpu-js, and the
 * blocked runs equal the same kernels run one after another bit for bit.
 */
import { describe, expect, test } from 'vitest';
import { type ArrayData, type Kernel, type KernelBackend, programLaunches, type Step } from '@xent/core/internal';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const pick = (lp: x.Tensor, y: x.Tensor): x.Tensor => x.squeeze(x.gather(lp, x.expandDims(y, -1), { axis: -1 }), -1);

/** The losses, each of logits [N, V] and labels [N] (the entropy ignores the labels). */
const losses: readonly (readonly [string, (v: number) => (z: x.Tensor, y: x.Tensor) => x.Tensor])[] = [
  ['crossEntropy', () => (z, y) => x.losses.crossEntropy(z, y)],
  ['crossEntropy with label smoothing', () => (z, y) => x.losses.crossEntropy(z, y, { labelSmoothing: 0.1 })],
  [
    'crossEntropy with class weights and ignoreIndex',
    (v) => {
      const weights = x.tensor(Float32Array.from({ length: v }, (_, i) => 0.5 + (i % 7) / 4));
      return (z, y) => x.losses.crossEntropy(z, y, { weights, ignoreIndex: 2 });
    },
  ],
  ['entropy.shannon (mean)', () => (z) => x.mean(x.entropy.shannon(z))],
  ['a logSoftmax loss', () => (z, y) => x.neg(x.mean(pick(x.logSoftmax(z), y)))],
];

const inputs = (n: number, v: number): [x.Tensor, x.Tensor] => [
  x.tensor(
    Float32Array.from({ length: n * v }, (_, i) => Math.sin(i * 0.37) * 4 + Math.cos(i * 0.011)),
    { shape: [n, v] },
  ),
  // every fifth label is the ignored class 2
  x.tensor(
    Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 2 : (i * 7 + 3) % v)),
    { shape: [n] },
  ),
];

type Launch = ReturnType<typeof programLaunches>[number];
const launchesOf = (s: Step): readonly Launch[] =>
  s.kind === 'launch' ? [s] : s.kind === 'rowGroup' ? s.launches : [];
/** Elements a kernel's loops visit. */
const work = (k: Kernel): number =>
  k.kind === 'map' ? [...k.shape, ...(k.reduce?.shape ?? [])].reduce((a, b) => a * b, 1) : Infinity;

describe.each(losses)('%s: one pass over the logits', (_name, loss) => {
  const [n, v] = [64, 500];
  const [z, y] = inputs(n, v);
  const p = x.jit(x.valueAndGrad(loss(v))).program(z, y);
  const logits = p.buffers.find((b) => b.source.kind === 'param' && b.source.index === 0)?.id;
  const grad = p.outputs[1];

  test('the only step that loops over the logits is a row group, and it writes the gradient', () => {
    const passes = p.steps.filter((s) =>
      launchesOf(s).some((l) => l.inputs.includes(logits as number) && work(l.kernel) >= n * v),
    );
    expect(passes.map((s) => s.kind)).toEqual(['rowGroup']);
    const writers = p.steps.filter((s) => launchesOf(s).some((l) => l.outputs.includes(grad as number)));
    expect(writers).toEqual(passes);
    const group = passes[0];
    if (group?.kind !== 'rowGroup') return;
    expect(group.rows).toBe(n);
    // the group holds every [N]-row kernel: max, logsumexp, the gradient and what they need per row
    expect(group.launches.length).toBeGreaterThanOrEqual(3);
    for (const l of group.launches) expect(l.kernel.kind === 'map' && l.kernel.shape[0]).toBe(n);
  });

  test('any other step reading the logits reads at most one per row (the picked logit)', () => {
    const others = p.steps
      .filter((s) => s.kind === 'launch')
      .flatMap(launchesOf)
      .filter((l) => l.inputs.includes(logits as number));
    for (const l of others) expect(work(l.kernel)).toBeLessThanOrEqual(n);
  });

  test('the other steps are the [] reductions of the loss (kernels in all: at most two outside the group)', () => {
    const outside = p.steps.filter((s) => s.kind === 'launch');
    expect(outside.length).toBeLessThanOrEqual(2);
    for (const s of outside) expect(s.kernel.kind === 'map' ? s.kernel.shape : s.kernel.kind).toEqual([]);
  });
});

/** A backend's run of a program whose row groups are replaced by their members, one after another. */
const runUngrouped = (backend: KernelBackend, p: x.Program, args: readonly ArrayData[]): number[][] =>
  backend
    .compile({ ...p, steps: p.steps.flatMap((s): readonly Step[] => (s.kind === 'rowGroup' ? s.launches : [s])) })
    .run(args)
    .map((a) => Array.from(a as ArrayLike<number>, Number));

const backends: readonly (readonly [string, KernelBackend])[] = [
  ['cpu, 1 thread', x.createCpuBackend({ threads: 1 })],
  ['cpu, 3 threads', x.createCpuBackend({ threads: 3 })],
  ['cpu, 7 threads', x.createCpuBackend({ threads: 7 })],
  ['cpu-js', x.backends['cpu-js']],
];

// rows: not a multiple of a block (24 rows of 1000 logits, 80 of 300) nor of the threads, and one row
const sizes = [
  [37, 1000],
  [203, 300],
  [1, 130],
] as const;

describe.each(losses)('%s: values equal the reference backend', (_name, loss) => {
  test.each(sizes)('[%i, %i]', (n, v) => {
    const [z, y] = inputs(n, v);
    const f = x.valueAndGrad(loss(v));
    const [value, grad] = x.jit(f, { backend: 'reference' })(z, y);
    for (const [name, backend] of backends) {
      const [gotValue, gotGrad] = x.jit(f, { backend })(z, y);
      expectAllClose(toNumbers(gotValue), toNumbers(value), { rtol: 2e-6, atol: 1e-7 }, `${name} value`);
      // atol: the entropy gradient −p(log p + H) cancels where log p ≈ −H, and each f32 computation of it
      // (the reference's, and the CPU's, which computes the softmax as e/Σe) is up to ~3e-8 from the f64 value
      expectAllClose(toNumbers(gotGrad), toNumbers(grad), { rtol: 1e-5, atol: 1e-7 }, `${name} gradient`);
      const p = x.jit(f, { backend }).program(z, y);
      expect(p.steps.some((s) => s.kind === 'rowGroup')).toBe(true);
      expect(runUngrouped(backend, p, [z.data(), y.data()])).toEqual([toNumbers(gotValue), toNumbers(gotGrad)]);
    }
  });
});

test('a group with a 1-D elementwise member (whose blocks start at multiples of 4) equals the reference', () => {
  const f = (z: x.Tensor, q: x.Tensor): x.Tensor[] => {
    const u = x.exp(q);
    return [u, x.sum(x.mul(z, x.expandDims(u, -1)), { axis: -1 }), x.softmax(z)];
  };
  for (const n of [37, 44, 203]) {
    const v = 300;
    const [z] = inputs(n, v);
    const q = x.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i) / 2));
    const p = x.jit(f).program(z, q);
    const group = p.steps.find((s) => s.kind === 'rowGroup');
    expect(
      group?.kind === 'rowGroup' &&
        group.launches.some((l) => l.kernel.kind === 'map' && l.kernel.shape.length === 1 && !l.kernel.reduce),
    ).toBe(true);
    const want = x.jit(f, { backend: 'reference' })(z, q).map(toNumbers);
    for (const [name, backend] of backends) {
      const got = x.jit(f, { backend })(z, q).map(toNumbers);
      got.forEach((g, i) => {
        expectAllClose(g, want[i] as number[], { rtol: 1e-5, atol: 1e-9 }, `${name} output ${i}`);
      });
      expect(runUngrouped(backend, x.jit(f, { backend }).program(z, q), [z.data(), q.data()])).toEqual(got);
    }
  }
});
