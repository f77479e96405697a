/**
 * @file Every primitive through every CPU backend path, against the reference interpreter:
 * generated JavaScript; the SIMD kernel's inner loop, its scalar code at an outer loop depth and
 * after a reduction; kernels split across worker threads (which rebuild the scalar helpers from
 * source). Then: the kernels run hold every scalar op in each WebAssembly form it has (scalar code;
 * vector code where it has a vector form) and in JavaScript, so no emitter is left untried.
 */
import { describe, expect, test } from 'vitest';
import {
  type Kernel,
  programLaunches,
  type ScalarExpr,
  type ScalarOp,
  scalarOps,
  scalarToposort,
} from '@xent/core/internal';
import { availableThreads, createCpuBackend } from '@xent/cpu';
import * as x from 'xent';
import { type PathCase, pathCases } from '../../../test/support/backendPaths.js';
import { expectAllClose, toNumbers } from '../../../test/support/numeric.js';
import { wasmOps } from '../src/wasm/ops.js';
import { wasmIneligibility } from '../src/wasm/plan.js';

const TIMEOUT = 300_000;
const tol = { rtol: 1e-5, atol: 1e-4 };

const js = createCpuBackend({ simd: false });
const wasm = createCpuBackend({ threads: 1 });
const threads = createCpuBackend({ threads: Math.max(2, availableThreads()) });

/** Scalar ops seen in the kernels run: in JavaScript, in WebAssembly scalar code, in WebAssembly vector code. */
const seen = { js: new Set<ScalarOp>(), scalar: new Set<ScalarOp>(), vector: new Set<ScalarOp>() };

const kernelsOf = (p: x.Program): Kernel[] => programLaunches(p).map((s) => s.kernel);

/** The expressions of a kernel that kernel code evaluates. */
function rootsOf(k: Kernel): readonly ScalarExpr[] {
  switch (k.kind) {
    case 'map':
      return k.reduce === undefined ? k.outputs : [k.reduce.body, ...k.outputs];
    case 'scan':
    case 'eigh':
    case 'sort':
      return [k.value];
    case 'matmul':
    case 'linearLogits':
      return [];
  }
}

/** Records which ops a vectorised map kernel computes in vector code (reading its inner loop var) and which in scalar code. */
function recordWasm(k: Kernel): void {
  if (k.kind !== 'map' || wasmIneligibility(k) !== undefined) return;
  const outDims = k.shape.length;
  const redDims = k.reduce?.shape.length ?? 0;
  const inner = redDims > 0 ? outDims + redDims - 1 : outDims - 1;
  const memo = new Map<ScalarExpr, boolean>();
  const dependsInner = (e: ScalarExpr): boolean => {
    let v = memo.get(e);
    if (v === undefined) {
      v = e.op === 'var' ? e.imm === inner : e.args.some(dependsInner);
      memo.set(e, v);
    }
    return v;
  };
  const walk = (e: ScalarExpr, vector: boolean): void => {
    if (!vector || !dependsInner(e)) {
      for (const s of scalarToposort([e])) seen.scalar.add(s.op);
      return;
    }
    seen.vector.add(e.op);
    // a lane load's address is computed in scalar code (at the row start) and stepped in lanes
    for (const a of e.args) walk(a, e.op !== 'load');
  };
  for (const r of rootsOf(k)) walk(r, true);
}

function expectAsReference(c: PathCase, backend: x.Backend, label: string): x.Program {
  const want = x.jit(c.f, { backend: 'reference' })(...c.args);
  const got = x.jit(c.f, { backend })(...c.args);
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expectAllClose(toNumbers(got), toNumbers(want), tol, `${c.name} on ${label}`);
  return x.jit(c.f, { backend }).program(...c.args);
}

describe.each(pathCases(16, 37, 3).map((c) => [c.name, c] as const))('%s', (_name, c) => {
  test('generated JavaScript', { timeout: TIMEOUT }, () => {
    const program = expectAsReference(c, js, 'JavaScript');
    for (const k of kernelsOf(program)) for (const e of scalarToposort(rootsOf(k))) seen.js.add(e.op);
  });

  test('WebAssembly SIMD', { timeout: TIMEOUT }, () => {
    const program = expectAsReference(c, wasm, 'WebAssembly');
    kernelsOf(program).forEach(recordWasm);
    // f32 at an outer depth or after a reduction: the SIMD kernel's scalar code computes the primitive
    if ((c.position === 'outer' || c.position === 'epilogue') && c.dtypes.every((d) => d === 'f32')) {
      const last = kernelsOf(program).at(-1) as Kernel;
      expect(last.kind === 'map' ? wasmIneligibility(last) : last.kind).toBeUndefined();
    }
  });
});

describe.each(
  pathCases(4096, 16, 0)
    .filter((c) => c.position === 'inner' || c.position === 'outer')
    .map((c) => [c.name, c] as const),
)('%s, split across threads', (_name, c) => {
  test('equals the reference', { timeout: TIMEOUT }, () => {
    expectAsReference(c, threads, 'threads');
  });
});

describe('coverage', () => {
  test('every scalar op ran as JavaScript, as WebAssembly scalar code, and as vector code where it has a vector form', () => {
    const missing = (set: ReadonlySet<ScalarOp>, want: readonly ScalarOp[]): ScalarOp[] =>
      want.filter((op) => !set.has(op));
    expect(missing(seen.js, scalarOps)).toEqual([]);
    // loop vars and the accumulator are locals, never computed
    expect(
      missing(
        seen.scalar,
        scalarOps.filter((op) => op !== 'var' && op !== 'acc'),
      ),
    ).toEqual([]);
    expect(
      missing(
        seen.vector,
        scalarOps.filter((op) => wasmOps[op].vector !== null),
      ),
    ).toEqual([]);
  });
});
