/**
 * @file Extreme values on WebGPU (f32): the NaN and ±Inf table of docs/concepts.md; the primitives
 * that choose or compare values, and exact arithmetic, at ±1e30, ±3e38, ±0, ±Inf and NaN against the
 * reference; hard-label losses at temperature 1e-30 and logits ±1e30; and a label out of range that
 * blames the loss. Kept small: each case compiles kernels on the device.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { primitive } from '@xent/core/internal';
import * as x from 'xent';
import {
  expectAgree,
  extremes,
  hardLabelLosses,
  lossSettings,
  nanTable,
  softmaxRows,
  tensorOf,
} from '../support/extremeCases.js';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

/** The outputs of `f` on the device, as numbers. */
async function onGpu(f: (...a: x.Tensor[]) => x.Tensor | x.Tensor[], args: readonly x.Tensor[]): Promise<number[][]> {
  const out = x.jit(f, { backend: defined(gpu) })(...args);
  return Promise.all((Array.isArray(out) ? out : [out]).map(numbersAsync));
}

/** The outputs of `f` on the reference interpreter. */
function onReference(f: (...a: x.Tensor[]) => x.Tensor | x.Tensor[], args: readonly x.Tensor[]): number[][] {
  const out = x.jit(f, { backend: 'reference' })(...args);
  return (Array.isArray(out) ? out : [out]).map(toNumbers);
}

/**
 * Values exact in f32 on every device (selections, comparisons, sign changes, and +, −, × rounded
 * once); WGSL may flush subnormals, so values below the smallest normal may read as 0.
 */
const exact = { rtol: 2 ** -23, atol: 2 ** -126 };

/** Every pair of the f32 extremes, as two columns. */
const values = extremes.f32;
const [left, right] = [values.flatMap((a) => values.map(() => a)), values.flatMap(() => values)];

describe.skipIf(gpu === undefined)('extreme values on WebGPU', () => {
  test.for(nanTable.map((r) => [r.row, r] as const))('NaN/±Inf table: %s', async ([, r]) => {
    const shape = r.input.length === 1 ? [(r.input[0] as readonly number[]).length] : [r.input.length, 9];
    const [got] = await onGpu(r.f, [tensorOf(r.input.flat(), shape, 'f32')]);
    expectAgree(got as number[], r.want, () => ({ rtol: 1e-5, atol: 0 }), r.row);
  });

  test('NaN/±Inf table: softmax rows', async () => {
    const { input, want } = softmaxRows;
    const [got] = await onGpu((t) => x.softmax(t, { axis: -1 }), [tensorOf(input.flat(), [input.length, 3], 'f32')]);
    expectAgree(got as number[], want, () => ({ rtol: 1e-5, atol: 0 }), 'softmax');
  });

  const unary = ['neg', 'abs', 'sign', 'floor', 'ceil'] as const;
  const binary = ['add', 'sub', 'mul', 'maximum', 'minimum', 'less', 'lessEqual', 'equal', 'notEqual'] as const;

  test('exact unary primitives at the extremes equal the reference', async () => {
    const f = (a: x.Tensor) => unary.map((p) => primitive(p, {}, a));
    const args = [tensorOf(values, [values.length], 'f32')];
    const want = onReference(f, args);
    (await onGpu(f, args)).forEach((got, k) => {
      expectAgree(got, want[k] as number[], () => exact, unary[k] as string);
    });
  });

  test('exact binary primitives on every pair of extremes equal the reference', async () => {
    const f = (a: x.Tensor, b: x.Tensor) =>
      binary.map((p) => {
        const r = primitive(p, {}, a, b);
        return r.dtype === 'bool' ? x.cast(r, 'f32') : r;
      });
    const args = [tensorOf(left, [left.length], 'f32'), tensorOf(right, [right.length], 'f32')];
    const want = onReference(f, args);
    (await onGpu(f, args)).forEach((got, k) => {
      expectAgree(got, want[k] as number[], () => exact, binary[k] as string);
    });
  });

  test('max and logsumexp over rows holding extremes equal the reference', async () => {
    const rows = left.map((u, i) => [u, 1.5, -2, right[i] as number]);
    const f = (t: x.Tensor) => [x.max(t, { axis: 1 }), x.logsumexp(t, { axis: 1 })];
    const args = [tensorOf(rows.flat(), [rows.length, 4], 'f32')];
    const want = onReference(f, args);
    const [max, lse] = await onGpu(f, args);
    expectAgree(max as number[], want[0] as number[], () => exact, 'max');
    // the device's exp and log: a few ulp of the row's largest finite magnitude
    const scale = rows.map((r) => Math.max(1, ...r.filter(Number.isFinite).map(Math.abs)));
    expectAgree(
      lse as number[],
      want[1] as number[],
      (i) => ({ rtol: 1e-5, atol: 1e-5 * (scale[i] as number) }),
      'lse',
    );
  });

  const losses = ['crossEntropy (temperature option)', 'maeLoss', 'focalLoss'] as const;
  const settings = lossSettings.filter((s) => s.label !== 'temperature 1e30');

  test.for(losses.flatMap((name) => settings.map((s) => [name, s.label, s] as const)))(
    '%s at %s: value and gradient equal the reference',
    async ([name, , setting]) => {
      const loss = hardLabelLosses[name] as (typeof hardLabelLosses)[string];
      const vg = x.valueAndGrad((t: x.Tensor, y: x.Tensor) => loss(t, y, setting.temperature));
      const args = [tensorOf(setting.logits, [2, 3], 'f32'), tensorOf([0, 2], [2], 'i32')];
      const f = (t: x.Tensor, y: x.Tensor) => vg(t, y);
      const want = onReference(f, args);
      (await onGpu(f, args)).forEach((got, k) => {
        expectAgree(got, want[k] as number[], () => ({ rtol: 1e-5, atol: 1e-6 }), `${name} output ${k}`);
      });
    },
  );

  test('a jit-ed crossEntropy with label 5 of 3 classes raises the IndexError naming its labels', async () => {
    const f = (z: x.Tensor, y: x.Tensor) => x.losses.crossEntropy(z, y);
    const z = tensorOf([1, 2, 3, 0, 1, 0], [2, 3], 'f32');
    const y = tensorOf([0, 5], [2], 'i32');
    for (const run of [x.jit(f, { backend: defined(gpu) }), x.jit(x.grad(f), { backend: defined(gpu) })]) {
      const read = run(z, y).dataAsync();
      await expect(read).rejects.toThrow(x.IndexError);
      await expect(run(z, y).dataAsync()).rejects.toThrow(
        "xent.crossEntropy: argument 'labels' expected values in [0, 3), got 5",
      );
    }
  });
});
