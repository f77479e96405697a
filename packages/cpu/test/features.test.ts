/**
 * @file Runtime feature probes and what they switch: relaxed SIMD is found on Node 24, the kernels
 * built with it carry relaxed_madd and those built without it do not, and asking for it where the
 * runtime lacks it is an error.
 */
import { describe, expect, test } from 'vitest';
import { BackendError, ValueError } from '@xent/core';
import { lit, load, loopVar, type MapKernel, type MatmulKernel, scalar } from '@xent/core/internal';
import { cpuBackend, createCpuBackend, wasmFeatures } from '@xent/cpu';
import { cpuOptions } from '../src/backend.js';
import { mapKernelModule, matmulKernelModule } from '../src/wasm/compile.js';

const TIMEOUT = 120_000;

/** WebAssembly.validate (neither lib ES2023 nor @types/node declares WebAssembly). */
const validate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes);

/** Occurrences of a SIMD opcode (prefix 0xfd, LEB128 of `code`) in module bytes. */
function opcodeCount(bytes: Uint8Array, code: number): number {
  const pattern = [0xfd, 0x80 | (code & 0x7f), code >> 7];
  let count = 0;
  for (let i = 0; i + pattern.length <= bytes.length; i++) if (pattern.every((b, j) => bytes[i + j] === b)) count++;
  return count;
}
const RELAXED_MADD = 0x105;
const RELAXED_NMADD = 0x106;

/** out[i, j] = f(in[i, j]) over a [4, 64] f32 array. */
const unaryKernel = (op: 'exp' | 'log'): MapKernel => {
  const at = scalar('add', 'i32', [scalar('mul', 'i32', [loopVar(0), lit(64, 'i32')]), loopVar(1)]);
  return {
    kind: 'map',
    shape: [4, 64],
    inputs: [{ dtype: 'f32', size: 256 }],
    outputs: [scalar(op, 'f32', [load(0, 'f32', at)])],
  };
};

/** Row logsumexp of a [4, 64] f32 array (its exp inside the reduction). */
const logsumexpKernel: MapKernel = {
  kind: 'map',
  shape: [4],
  reduce: {
    shape: [64],
    op: 'logsumexp',
    body: load(0, 'f32', scalar('add', 'i32', [scalar('mul', 'i32', [loopVar(0), lit(64, 'i32')]), loopVar(1)])),
  },
  inputs: [{ dtype: 'f32', size: 256 }],
  outputs: [scalar('acc', 'f32')],
};

/** C [16, 16] = A [16, 16] · B [16, 16]. */
const matmul: MatmulKernel = {
  kind: 'matmul',
  batch: [],
  m: 16,
  k: 16,
  n: 16,
  dtype: 'f32',
  a: { slot: 0, offset: 0, strides: [16, 1] },
  b: { slot: 1, offset: 0, strides: [16, 1] },
  inputs: [
    { dtype: 'f32', size: 256 },
    { dtype: 'f32', size: 256 },
  ],
};

describe('wasmFeatures', () => {
  test(
    'finds relaxed SIMD and memory64 on Node 24, probing once',
    () => {
      expect(wasmFeatures()).toEqual({ relaxedSimd: true, memory64: true });
      expect(wasmFeatures()).toBe(wasmFeatures());
      expect(cpuBackend.features).toBe(wasmFeatures());
      expect(createCpuBackend({ relaxedSimd: false }).features).toBe(wasmFeatures());
    },
    TIMEOUT,
  );
});

describe('kernel modules with and without relaxed SIMD', () => {
  const cases: [string, (relaxed: boolean) => Uint8Array, number, number][] = [
    // exp: the rounding of x·log₂e, six Horner steps and the two-part range reduction; log: four
    // Horner steps; each in the vector loop and in the tail loop
    ['exp map kernel', (r) => mapKernelModule(unaryKernel('exp'), r), 14, 4],
    ['log map kernel', (r) => mapKernelModule(unaryKernel('log'), r), 8, 0],
    ['logsumexp reduction (three exps)', (r) => mapKernelModule(logsumexpKernel, r), 21, 6],
    // two accumulators per row, in the 4-row block and the single-row block
    ['matmul', (r) => matmulKernelModule(matmul, false, r), 10, 0],
    ['accumulating matmul', (r) => matmulKernelModule(matmul, true, r), 10, 0],
  ];
  test.each(cases)(
    '%s: relaxed_madd only when enabled, both valid',
    (_name, build, madds, nmadds) => {
      const on = build(true);
      const off = build(false);
      expect(validate(on)).toBe(true);
      expect(validate(off)).toBe(true);
      expect(opcodeCount(on, RELAXED_MADD)).toBe(madds);
      expect(opcodeCount(on, RELAXED_NMADD)).toBe(nmadds);
      expect(opcodeCount(off, RELAXED_MADD)).toBe(0);
      expect(opcodeCount(off, RELAXED_NMADD)).toBe(0);
      // each relaxed multiply-add replaces a mul and an add (or sub)
      expect(off.length - on.length).toBeGreaterThanOrEqual(madds + nmadds);
    },
    TIMEOUT,
  );
});

describe('the relaxedSimd option', () => {
  const without = { relaxedSimd: false, memory64: false } as const;
  const withIt = { relaxedSimd: true, memory64: false } as const;

  test(
    "defaults to the probe's answer and can be turned off",
    () => {
      expect(cpuOptions({}, withIt).relaxedSimd).toBe(true);
      expect(cpuOptions({}, without).relaxedSimd).toBe(false);
      expect(cpuOptions({ relaxedSimd: false }, withIt).relaxedSimd).toBe(false);
      expect(cpuOptions({ relaxedSimd: true }, withIt).relaxedSimd).toBe(true);
    },
    TIMEOUT,
  );

  test(
    'true on a runtime without relaxed SIMD is a BackendError naming the option',
    () => {
      expect(() => cpuOptions({ relaxedSimd: true }, without)).toThrow(BackendError);
      expect(() => cpuOptions({ relaxedSimd: true }, without)).toThrow(
        "xent.createCpuBackend: argument 'relaxedSimd' expected false or absent: this WebAssembly runtime has no relaxed SIMD, got true",
      );
    },
    TIMEOUT,
  );

  test(
    'a value that is not a boolean is a ValueError',
    () => {
      expect(() => createCpuBackend({ relaxedSimd: 'yes' as unknown as boolean })).toThrow(ValueError);
      expect(() => createCpuBackend({ relaxedSimd: null as unknown as boolean })).toThrow(
        "xent.createCpuBackend: argument 'relaxedSimd' expected a boolean (true or false), got null",
      );
    },
    TIMEOUT,
  );
});
