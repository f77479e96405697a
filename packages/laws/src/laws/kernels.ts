/**
 * @file Laws every fused kernel needs: its inputs are left alone and a repeated backward is
 * reproducible, a value stored at its dtype carries that dtype's precision, the result does not
 * depend on the chunk (tile) size, and sizes that are not multiples of a tile are right.
 */
import type { Backend, HostArray } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import { brief, ensureBackend } from '../numeric.js';
import { arbitrary, backend as backendSchema, count } from '../schemas.js';
import { roundToDType, type StorageDType, storageDTypes, ulpOf, ulpsBetween } from '../ulps.js';
import type { TensorFunction } from './gradient.js';
import {
  describeChange,
  firstBitDifference,
  type Gradients,
  gradientRunner,
  hostValues,
  inputTensors,
  valueOf,
} from './kernelRuns.js';
import { floatPositions, type Operand } from './operands.js';

/** Where and in which dtype a kernel law runs the function. */
export interface KernelLawOptions {
  /** Jit the function on this backend (default: run it eagerly on the default backend). */
  readonly backend?: Backend;
}

const kernelOptions = {
  backend: s.optional(backendSchema),
};

/**
 * The differentiated float operands with their values rounded to `dtype` (what the function is
 * given, and the f64 reference too). Fixed ones (targets on the simplex) reach the reference as
 * drawn, so that they stay on it; the function gets them rounded to f32 as it gets every input.
 */
const roundedTo = (ops: readonly Operand[], dtype: StorageDType): Operand[] =>
  ops.map((o) =>
    o.int === true || o.fixed === true ? o : { ...o, values: o.values.map((v) => roundToDType(v, dtype)) },
  );

const describeInputs = (ops: readonly Operand[]): string => ops.map((o) => brief(o.values)).join(', ');

/**
 * The inputs are bitwise unchanged after the forward pass (f) and after the backward pass (the value
 * and gradient of Σf w.r.t. the float operands), and running the backward again gives bitwise the
 * same value and gradients: a kernel that writes over a saved input (ms-swift's chunked CE) or
 * carries state from one run to the next fails, naming the input or output and the entry. Inputs are
 * given in `dtype` (default f32); on a backend with a device (`backend.upload`) they live there, so
 * a kernel that writes over its device buffers shows.
 */
export const inputImmutable = publicFn(
  'inputImmutable',
  {
    f: s.fn,
    operands: arbitrary,
    options: s.options({ ...kernelOptions, dtype: s.optional(s.oneOf(['f32', 'f64'])) }),
  },
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    options: KernelLawOptions & { readonly dtype?: 'f32' | 'f64' } = {},
  ): fc.IAsyncPropertyWithHooks<[Operand[]]> => {
    ensureBackend();
    const dtype = options.dtype ?? 'f32';
    return fc.asyncProperty(operands, async (raw) => {
      const ops = dtype === 'f32' ? roundedTo(raw, 'f32') : raw;
      const inputs = inputTensors(ops, dtype, options.backend);
      const before = await Promise.all(inputs.map(hostValues));
      const unchanged = async (after: string): Promise<void> => {
        const now = await Promise.all(inputs.map(hostValues));
        now.forEach((values, k) => {
          const i = firstBitDifference(before[k] as HostArray, values);
          if (i >= 0)
            throw new Error(
              `input ${k} changed by ${after}: ${describeChange(before[k] as HostArray, values, i)} for inputs ${describeInputs(ops)}`,
            );
        });
      };
      await valueOf(f, inputs, options.backend);
      await unchanged('the forward pass');
      const backward = gradientRunner(f, floatPositions(ops), options.backend);
      const first = await backward(inputs);
      await unchanged('the backward pass');
      const again = await backward(inputs);
      await unchanged('a second backward pass');
      const pairs: [string, HostArray, HostArray][] = [
        ['the value Σf', first.total, again.total],
        ...first.grads.map((g, k): [string, HostArray, HostArray] => [
          `the gradient w.r.t. the float operand ${k}`,
          g,
          again.grads[k] as HostArray,
        ]),
      ];
      for (const [what, a, b] of pairs) {
        const i = firstBitDifference(a, b);
        if (i >= 0)
          throw new Error(
            `a repeated backward changed ${what}: ${describeChange(a, b, i)} for inputs ${describeInputs(ops)}`,
          );
      }
    });
  },
);

/** Options of `outputPrecision`. */
export interface OutputPrecisionOptions extends KernelLawOptions {
  /** The dtype the value is stored at: 'f32' (default), or 'f16' (inputs rounded to f16, the f32 result stored as f16). */
  readonly dtype?: StorageDType;
  /** The most ulps (of `dtype`) a stored entry may be from the correctly rounded reference (default 4). */
  readonly ulps?: number;
  /**
   * An error up to `atol` passes whatever its ulps (default 0): for values near 0, where an ulp is
   * finer than the rounding of the terms that cancelled there (D(p, p) = 0 is 1e-16 in f64).
   */
  readonly atol?: number;
  /** The f64 reference (default f itself, in f64 on the CPU). */
  readonly reference?: TensorFunction;
}

/**
 * Every entry of f's value, stored at its `dtype`, is within `ulps` ulps of that dtype of the f64
 * reference correctly rounded to it (counted exactly, `ulpDistance`): a value computed in f32 but
 * stored at bf16 precision (Liger's fp32 losses) is thousands of ulps off. The float operands are
 * rounded to `dtype` first, and the reference gets the same values in f64, so input rounding is not
 * counted. An f32 evaluation's error grows with the function's condition number: draw operands where
 * it is moderate (a loss far from 0 relative to its logits), or set `ulps` to what the
 * computation's rounding allows.
 */
export const outputPrecision = publicFn(
  'outputPrecision',
  {
    f: s.fn,
    operands: arbitrary,
    options: s.options({
      ...kernelOptions,
      dtype: s.optional(s.oneOf(storageDTypes)),
      ulps: s.optional(s.finite({ min: 0 })),
      atol: s.optional(s.finite({ min: 0 })),
      reference: s.optional(s.fn),
    }),
  },
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    options: OutputPrecisionOptions = {},
  ): fc.IAsyncPropertyWithHooks<[Operand[]]> => {
    ensureBackend();
    const dtype = options.dtype ?? 'f32';
    const allowed = options.ulps ?? 4;
    const atol = options.atol ?? 0;
    const reference = options.reference ?? f;
    return fc.asyncProperty(operands, async (raw) => {
      const ops = roundedTo(raw, dtype);
      const got = await valueOf(f, inputTensors(ops, 'f32', options.backend), options.backend);
      const want = await valueOf(reference, inputTensors(ops, 'f64', undefined));
      if (got.length !== want.length)
        throw new Error(`f has ${got.length} entries, the reference ${want.length}, for inputs ${describeInputs(ops)}`);
      got.forEach((g, i) => {
        const stored = roundToDType(g, dtype);
        const exact = Number(want[i]);
        const ulps = ulpsBetween(stored, exact, dtype);
        if (ulps > allowed && !(Math.abs(stored - exact) <= atol))
          throw new Error(
            `entry ${i} stored in ${dtype} is ${stored}, ${ulps} ulps from ${roundToDType(exact, dtype)} (the f64 reference ${exact}, correctly rounded); at most ${allowed} allowed${atol > 0 ? ` (or ${atol} apart)` : ''}, for inputs ${describeInputs(ops)}`,
          );
      });
    });
  },
);

/** What is compared between two runs of a function: every entry of the value, then each gradient of Σf. */
interface Outputs {
  readonly value: HostArray;
  readonly grads: readonly HostArray[];
}

/** f's value entries and the gradients of Σf, in f32 (jitted on `backend`, or eagerly). */
async function outputsOf(f: TensorFunction, ops: readonly Operand[], backend: Backend | undefined): Promise<Outputs> {
  const inputs = inputTensors(ops, 'f32', backend);
  const value = await valueOf(f, inputs, backend);
  const { grads }: Gradients = await gradientRunner(f, floatPositions(ops), backend)(inputs);
  return { value, grads };
}

/** f's value entries and the gradients of Σf in f64, eagerly on the CPU (the reference). */
async function referenceOf(f: TensorFunction, ops: readonly Operand[]): Promise<Outputs> {
  const inputs = inputTensors(ops, 'f64', undefined);
  const value = await valueOf(f, inputs);
  const { grads } = await gradientRunner(f, floatPositions(ops))(inputs);
  return { value, grads };
}

/**
 * The first output (value, or a gradient) where `got` and `want` differ by more than `ulps` f32 ulps
 * of that output's largest entry, in words; undefined where they agree. A sum's rounding is relative
 * to its largest terms, so a tolerance in ulps of the largest entry holds for every summation order.
 */
function disagreement(got: Outputs, want: Outputs, ulps: number): string | undefined {
  const pairs: [string, HostArray, HostArray][] = [
    ['the value', got.value, want.value],
    ...got.grads.map((g, k): [string, HostArray, HostArray] => [
      `the gradient w.r.t. float operand ${k}`,
      g,
      want.grads[k] as HostArray,
    ]),
  ];
  for (const [what, a, b] of pairs) {
    if (a.length !== b.length) return `${what} has ${a.length} entries, not ${b.length}`;
    const largest = Math.max(0, ...Array.from(b, (v) => Math.abs(v)));
    const unit = Number.isFinite(largest) ? ulpOf(largest, 'f32') : Infinity;
    for (let i = 0; i < a.length; i++) {
      const [p, q] = [Number(a[i]), Number(b[i])];
      const off = Math.abs(p - q) / unit;
      if (!(off <= ulps) && !(p === q || (Number.isNaN(p) && Number.isNaN(q))))
        return `${what}, entry ${i}: ${p} against ${q}, ${Number.isNaN(off) ? 'NaN' : off.toPrecision(4)} ulps of its largest entry ${largest} (at most ${ulps})`;
    }
  }
  return undefined;
}

/** Options of `chunkInvariant`. */
export interface ChunkInvariantOptions {
  /** The backend to jit on, or the backend of each chunk size (for a tile that is a backend option); default: eagerly. */
  readonly backend?: Backend | ((size: number) => Backend);
  /**
   * The most f32 ulps (of each output's largest entry) two chunk sizes may differ by (default 64: sums
   * of a few hundred terms rounded in another order; a chunk-dependent result is millions off).
   */
  readonly ulps?: number;
}

/**
 * A function with a chunk or tile option gives the same result for every chunk size: `family(size)`
 * (and `backend(size)` when the tile is a backend option) is evaluated in f32 at each of the drawn
 * sizes (two to four per run, from `sizes`, ragged ones included) and every entry of its value and
 * of the gradients of Σf w.r.t. the float operands agrees with the first size's to within `ulps` f32
 * ulps of that output's largest entry. A chunk-dependent result (Liger's per-chunk count of ignored
 * labels) fails, naming the two sizes.
 */
export const chunkInvariant = publicFn(
  'chunkInvariant',
  {
    family: s.fn,
    sizes: arbitrary,
    operands: arbitrary,
    options: s.options({
      backend: s.optional(s.either(backendSchema, s.fn)),
      ulps: s.optional(s.finite({ min: 0 })),
    }),
  },
  (
    family: (size: number) => TensorFunction,
    sizes: fc.Arbitrary<number>,
    operands: fc.Arbitrary<Operand[]>,
    options: ChunkInvariantOptions = {},
  ): fc.IAsyncPropertyWithHooks<[Operand[], number[]]> => {
    ensureBackend();
    const ulps = options.ulps ?? 64;
    const backendFor = (size: number): Backend | undefined =>
      typeof options.backend === 'function' ? options.backend(size) : options.backend;
    return fc.asyncProperty(operands, fc.array(sizes, { minLength: 2, maxLength: 4 }), async (raw, drawn) => {
      const ops = roundedTo(raw, 'f32');
      const [first, ...rest] = drawn as [number, ...number[]];
      const want = await outputsOf(family(first), ops, backendFor(first));
      for (const size of rest) {
        const got = await outputsOf(family(size), ops, backendFor(size));
        const off = disagreement(got, want, ulps);
        if (off !== undefined)
          throw new Error(`chunk size ${size} against ${first}: ${off}, for inputs ${describeInputs(ops)}`);
      }
    });
  },
);

/** Options of `raggedSizes`. */
export interface RaggedSizesOptions extends KernelLawOptions {
  /** The tile widths T of the kernel (e.g. its SIMD width and its chunk width). */
  readonly tiles: readonly number[];
  /** Multiples k of a tile drawn, 1 … `multiples` (default 3). */
  readonly multiples?: number;
  /** The most f32 ulps (of each output's largest entry) f may be from the f64 reference (default 64, as `chunkInvariant`). */
  readonly ulps?: number;
}

/** The most multiples of a tile `raggedSizes` draws. */
const MAX_MULTIPLES = 1 << 16;

/**
 * Sizes that are not a multiple of any tile are right: a size V (a vocabulary, a number of classes)
 * is drawn around a multiple of a tile, k·T − 1, k·T or k·T + 1 (T from `tiles`, k ≥ 1), the
 * operands of that size from `operandsOf(V)`, and f in f32 (jitted on `backend`, or eagerly) agrees
 * with the f64 reference (an unfused formula: the logits formed, a library loss on them) in every
 * entry of its value and of the gradients of Σf w.r.t. the float operands, to within `ulps` f32 ulps
 * of that output's largest entry. A kernel that drops or repeats a ragged tail fails, naming V, T and k.
 */
export const raggedSizes = publicFn(
  'raggedSizes',
  {
    f: s.fn,
    reference: s.fn,
    operandsOf: s.fn,
    options: s.options({
      ...kernelOptions,
      multiples: s.optional(count(1, MAX_MULTIPLES, 'multiples')),
      ulps: s.optional(s.finite({ min: 0 })),
      // The one required key comes last, so that a bad value of another key is reported as such.
      tiles: s.array(count(1, 2 ** 24, 'entries per tile'), { minLength: 1 }),
    }),
  },
  (
    f: TensorFunction,
    reference: TensorFunction,
    operandsOf: (size: number) => fc.Arbitrary<Operand[]>,
    options: RaggedSizesOptions,
  ): fc.IAsyncPropertyWithHooks<[[{ size: number; tile: number; k: number }, Operand[]]]> => {
    ensureBackend();
    const ulps = options.ulps ?? 64;
    const around = fc
      .record({
        tile: fc.constantFrom(...options.tiles),
        k: fc.integer({ min: 1, max: options.multiples ?? 3 }),
        offset: fc.constantFrom(-1, 0, 1),
      })
      // k·T − 1 is 0 for T = k = 1: that draw takes k·T + 1 instead
      .map(({ tile, k, offset }) => ({ size: k * tile + (k * tile + offset === 0 ? 1 : offset), tile, k }));
    const cases = around.chain((at) => fc.tuple(fc.constant(at), operandsOf(at.size)));
    return fc.asyncProperty(cases, async ([at, raw]) => {
      const ops = roundedTo(raw, 'f32');
      const got = await outputsOf(f, ops, options.backend);
      const want = await referenceOf(reference, ops);
      const off = disagreement(got, want, ulps);
      if (off !== undefined)
        throw new Error(
          `size ${at.size} (${at.k}·${at.tile}${at.size === at.k * at.tile ? '' : at.size > at.k * at.tile ? ' + 1' : ' − 1'}): ${off} against the f64 reference, for inputs ${describeInputs(ops)}`,
        );
    });
  },
);
