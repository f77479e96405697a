/**
 * @file NaN debugging on WebGPU: isnan/isinf/isfinite against JavaScript in f32; in debug mode a NaN or
 * ±Inf made inside a program raises its NumericsError (primitive, op, call site, derivative) when the
 * result is read, and when anything computed from it on the device is; finite runs read back as
 * usual, and checking compiles no kernel of its own.
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { checkError, nanCases, specials } from '../support/nanCases.js';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());
afterEach(() => {
  x.debugNans(false);
  x.setDefaultBackend(x.backends.cpu);
});

const f32 = (values: readonly number[]): x.Tensor => x.tensor(Float32Array.from(values));

/** The rejection of a promise, or undefined when it resolves. */
const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe.skipIf(gpu === undefined)('NaN debugging on WebGPU', () => {
  test.for([
    ['isnan', x.isnan, (v: number) => Number.isNaN(v)],
    ['isinf', x.isinf, (v: number) => Math.abs(v) === Infinity],
    ['isfinite', x.isfinite, (v: number) => Number.isFinite(v)],
  ] as const)(
    '%s agrees with JavaScript on NaN, ±Inf, ±0, subnormals and extremes',
    { timeout: 120_000 },
    async ([, op, js]) => {
      const t = f32(specials);
      const expected = Array.from(t.data() as ArrayLike<number>, js);
      expect(
        await x
          .jit(op, { backend: defined(gpu) })(t)
          .toArrayAsync(),
      ).toEqual(expected);
    },
  );

  const modes = [
    ['checkNumerics', (f: (a: x.Tensor) => x.Tensor) => x.jit(f, { backend: defined(gpu), checkNumerics: true })],
    ['debugNans', (f: (a: x.Tensor) => x.Tensor) => (x.debugNans(true), x.jit(f, { backend: defined(gpu) }))],
  ] as const;

  describe.for(modes)('jit with %s', ([, mode]) => {
    test.for(nanCases)('$name: reading the result raises the NumericsError', { timeout: 120_000 }, async (c) => {
      const out = mode(c.f)(f32(c.arg));
      checkError(await rejection(out.dataAsync()), c, false);
    });
  });

  test('reading data a checked run computed on the device from a flagged result raises it too', async () => {
    const gpuBackend = defined(gpu);
    const bad = x.jit((a: x.Tensor) => x.log(a), { backend: gpuBackend, checkNumerics: true })(f32([1, 0]));
    const later = x.jit((a: x.Tensor) => x.add(a, 1), { backend: gpuBackend, checkNumerics: true })(bad);
    const e = await rejection(later.dataAsync());
    expect(e).toBeInstanceOf(x.NumericsError);
    expect((e as x.NumericsError).prim).toBe('log');
  }, 120_000);

  test('eager ops on a WebGPU default backend are checked too', async () => {
    x.setDefaultBackend(defined(gpu));
    x.debugNans(true);
    const y = x.log(f32([1, 0]));
    const e = await rejection(y.dataAsync());
    expect(e).toBeInstanceOf(x.NumericsError);
    expect((e as x.NumericsError).callSite).toMatch(/numerics\.gpu\.test\.ts:\d+:\d+$/);
  }, 120_000);

  test('finite results and non-finite inputs read back as usual; a finite checked run adds no pipeline', async () => {
    const gpuBackend = defined(gpu);
    const f = (a: x.Tensor): x.Tensor => x.mul(x.sqrt(x.exp(a)), 2);
    const unchecked = await numbersAsync(x.jit(f, { backend: gpuBackend })(f32([0.5, 2])));
    const pipelines = gpuBackend.stats().pipelines;
    const checked = x.jit(f, { backend: gpuBackend, checkNumerics: true });
    expect(await numbersAsync(checked(f32([0.5, 2])))).toEqual(unchecked);
    expect(gpuBackend.stats().pipelines).toBe(pipelines);
    expect(await numbersAsync(checked(f32([NaN, Infinity])))).toEqual([NaN, Infinity]);
    expect(x.formatProgram(checked.program(f32([1, 2])))).toBe(
      x.formatProgram(x.jit(f, { backend: gpuBackend }).program(f32([1, 2]))),
    );
  }, 120_000);
});
