/**
 * @file Kernels and programs: the scheduled form of a graph that backends compile. A program is a
 * list of kernel launches over numbered buffers, with the points where temporaries die.
 */
import type { ArrayData } from '../device.js';
import { bytesPer, type DType } from '../ir/dtype.js';
import { type LinearLogitPass, packedGradient } from '../ir/linearLogitLayout.js';
import { LINEAR_STATS } from '../ir/prim.js';
import type { Shape } from '../ir/shape.js';
import { formatEpilogue, type LinearLogitEpilogue } from './linearLogitEpilogue.js';
import { formatScalar, type ScalarExpr } from './scalar.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

/** One input a kernel reads: its buffer's dtype and element count. */
export interface KernelInput {
  readonly dtype: DType;
  readonly size: number;
}

/** How a reduction combines values: Σ, max, or the online (max, Σexp) pair of logsumexp. */
export type ReduceOp = 'sum' | 'max' | 'logsumexp';
/** How a scan kernel combines along its axis: a running sum, or a running log Σ exp (the online (max, Σ exp) pair). */
export type ScanOp = 'sum' | 'logsumexp';

/**
 * A loop nest over `shape` (loop vars 0..k−1), optionally with an inner reduction over
 * `reduce.shape` (loop vars k..k+m−1). Each output is stored at the row-major position of the
 * output loop vars; output expressions may use `acc`, the finished reduction.
 */
export interface MapKernel {
  readonly kind: 'map';
  readonly shape: Shape;
  readonly reduce?: {
    readonly shape: Shape;
    readonly op: ReduceOp;
    readonly body: ScalarExpr;
  };
  readonly inputs: readonly KernelInput[];
  readonly outputs: readonly ScalarExpr[];
}

/** A strided 2-D (plus batch) view of an input buffer, for matmul operands. */
export interface StridedOperand {
  readonly slot: number;
  readonly offset: number;
  /** Strides of [...batch, rows, cols]. */
  readonly strides: readonly number[];
}

/** C[b, i, j] = Σ_k A[b, i, k]·B[b, k, j], written contiguously. */
export interface MatmulKernel {
  readonly kind: 'matmul';
  readonly batch: Shape;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly dtype: DType;
  readonly a: StridedOperand;
  readonly b: StridedOperand;
  readonly inputs: readonly KernelInput[];
}

/** An inclusive prefix sum (or log-sum-exp, by `op`) of `value` (an expression over the loop vars of `shape`) along `axis`. */
export interface ScanKernel {
  readonly kind: 'scan';
  readonly op: ScanOp;
  readonly shape: Shape;
  readonly axis: number;
  readonly reverse: boolean;
  readonly value: ScalarExpr;
  readonly inputs: readonly KernelInput[];
}

/**
 * Eigen-decomposition of the symmetric part of each [n, n] matrix of `shape` [..., n, n], whose
 * entries are `value` (an expression over the loop vars of `shape`): the ascending eigenvalues
 * [..., n], or the eigenvectors as columns [..., n, n] (each with its largest entry positive).
 */
export interface EighKernel {
  readonly kind: 'eigh';
  readonly shape: Shape;
  readonly output: 'values' | 'vectors';
  readonly value: ScalarExpr;
  readonly inputs: readonly KernelInput[];
}

/**
 * The stable sorting permutation along `axis` of `value` (an expression over the loop vars of
 * `shape`): an i32 array of `shape` whose line along the axis lists the indices of that line's
 * elements in ascending (or `descending`) order; NaN sorts as the largest, −0 equals +0, and
 * equal elements keep their order.
 */
export interface SortKernel {
  readonly kind: 'sort';
  readonly shape: Shape;
  readonly axis: number;
  readonly descending: boolean;
  readonly value: ScalarExpr;
  readonly inputs: readonly KernelInput[];
}

/**
 * The fused linear-logit kernels over contiguous inputs h [N, D], W [V, D], b [V] (then y [N] with
 * targets; `linearLogitSlots` has every slot): `stats` writes the row statistics [N, 5] of
 * z = s(h·Wᵀ + b); `grad` reads the stats and their cotangent too and writes [dH | dW | db];
 * `statsGrad` reads the cotangent (which must not depend on the stats) and writes both, computing
 * each logit once. None stores the [N, V] logits. What is computed per logit — z, the pick term and
 * dZ — is the `epilogue`: a backend tiles the products u = h·Wᵀ + b and runs it on each logit.
 */
export interface LinearLogitsKernel {
  readonly kind: 'linearLogits';
  readonly pass: LinearLogitPass;
  readonly n: number;
  readonly d: number;
  readonly v: number;
  readonly dtype: DType;
  readonly softcap: number | null;
  readonly targets: boolean;
  readonly filter: boolean;
  readonly epilogue: LinearLogitEpilogue;
  readonly inputs: readonly KernelInput[];
}

export type Kernel = MapKernel | MatmulKernel | ScanKernel | EighKernel | SortKernel | LinearLogitsKernel;

/** Where a buffer's contents come from. */
export type BufferSource =
  | { readonly kind: 'param'; readonly index: number }
  | { readonly kind: 'const'; readonly data: ArrayData }
  | { readonly kind: 'temp'; readonly slot: number }
  | { readonly kind: 'output' };

export interface BufferInfo {
  readonly id: number;
  readonly dtype: DType;
  readonly size: number;
  readonly source: BufferSource;
}

/** One kernel launch: the buffers of its input slots, in order, and of its outputs. */
export interface LaunchStep {
  readonly kind: 'launch';
  readonly kernel: Kernel;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/**
 * Map kernels over the same leading `rows` loop, each reading what an earlier member wrote only at
 * its own rows (`rowGroups.ts`): a backend may run them one after another, or all of them over each
 * block of rows in turn, so a row is read from memory once for the whole group. Every buffer a
 * group touches is live for the whole group (none shares a slot with another).
 */
export interface RowGroupStep {
  readonly kind: 'rowGroup';
  readonly rows: number;
  readonly launches: readonly LaunchStep[];
}

export type Step = LaunchStep | RowGroupStep | { readonly kind: 'free'; readonly buffer: number };

/** Every launch of the program in order, a row group's members in theirs. */
export const programLaunches = (p: Program): LaunchStep[] =>
  p.steps.flatMap((st) => (st.kind === 'launch' ? [st] : st.kind === 'rowGroup' ? st.launches : []));

/**
 * The temporaries of the row group at `steps[index]` that live only inside it: written by a member
 * and read by no later step nor returned. Members read them only at their own rows, so a backend may
 * keep just the current block's rows of each (in cache) instead of the whole buffer.
 */
export function groupLocalBuffers(p: Program, index: number): ReadonlySet<number> {
  const group = p.steps[index];
  if (group?.kind !== 'rowGroup') return new Set();
  const readLater = new Set<number>(p.outputs);
  for (const st of p.steps.slice(index + 1))
    for (const l of st.kind === 'launch' ? [st] : st.kind === 'rowGroup' ? st.launches : [])
      for (const b of l.inputs) readLater.add(b);
  return new Set(
    group.launches.flatMap((l) => l.outputs).filter((b) => p.buffers[b]?.source.kind === 'temp' && !readLater.has(b)),
  );
}

/** A compiled graph: buffers, kernel launches in order, and the buffer holding each graph output. */
export interface Program {
  readonly buffers: readonly BufferInfo[];
  readonly steps: readonly Step[];
  readonly outputs: readonly number[];
  /** How many temporary slots the program needs (temporaries with disjoint lifetimes share one). */
  readonly slots: readonly { readonly dtype: DType; readonly size: number }[];
}

/** The number of elements of the output a kernel writes (one per output for map kernels). */
export const kernelOutputSizes = (k: Kernel): number[] => {
  switch (k.kind) {
    case 'map':
      return k.outputs.map(() => k.shape.reduce((a, b) => a * b, 1));
    case 'matmul':
      return [k.batch.reduce((a, b) => a * b, 1) * k.m * k.n];
    case 'scan':
    case 'sort':
      return [k.shape.reduce((a, b) => a * b, 1)];
    case 'eigh':
      return [k.shape.slice(0, k.output === 'values' ? -1 : undefined).reduce((a, b) => a * b, 1)];
    case 'linearLogits': {
      const stats = k.n * LINEAR_STATS;
      const grads = packedGradient(k.n, k.d, k.v).size;
      return k.pass === 'stats' ? [stats] : k.pass === 'grad' ? [grads] : [stats, grads];
    }
  }
};

/** A stable text form of a kernel: its cache key, and what `XENT_DUMP` prints. */
export function formatKernel(k: Kernel): string {
  const ins = k.inputs.map((i) => `${i.dtype}[${i.size}]`).join(', ');
  switch (k.kind) {
    case 'map': {
      const red =
        k.reduce === undefined
          ? ''
          : ` reduce ${k.reduce.op}[${k.reduce.shape.join(', ')}] (${formatScalar(k.reduce.body)})`;
      const outs = k.outputs.map((o) => `${o.dtype}: ${formatScalar(o)}`).join(' | ');
      return `map[${k.shape.join(', ')}](${ins})${red} -> ${outs}`;
    }
    case 'matmul':
      return `matmul ${k.dtype} batch[${k.batch.join(', ')}] ${k.m}x${k.k}x${k.n} a(in${k.a.slot}+${k.a.offset} ${k.a.strides.join(',')}) b(in${k.b.slot}+${k.b.offset} ${k.b.strides.join(',')}) (${ins})`;
    case 'scan':
      return `scan ${k.op}[${k.shape.join(', ')}] axis ${k.axis}${k.reverse ? ' reverse' : ''} (${ins}) ${k.value.dtype}: ${formatScalar(k.value)}`;
    case 'sort':
      return `sort[${k.shape.join(', ')}] axis ${k.axis}${k.descending ? ' descending' : ''} (${ins}) ${k.value.dtype}: ${formatScalar(k.value)}`;
    case 'eigh':
      return `eigh ${k.output}[${k.shape.join(', ')}] (${ins}) ${k.value.dtype}: ${formatScalar(k.value)}`;
    case 'linearLogits':
      return `linearLogits ${k.pass} ${k.dtype} n=${k.n} d=${k.d} v=${k.v} softcap=${String(k.softcap)}${k.targets ? ' targets' : ''}${k.filter ? ' filter' : ''} (${ins}) ${formatEpilogue(k.epilogue)}`;
  }
}

/** Whether `v` is shaped like a Program (lists of buffers, steps, outputs and typed slots), as its readers need. */
function isProgram(v: unknown): v is Program {
  if (typeof v !== 'object' || v === null) return false;
  try {
    const { buffers, steps, outputs, slots } = v as Readonly<Record<keyof Program, unknown>>;
    const objects = (list: unknown): list is readonly Readonly<Record<string, unknown>>[] =>
      Array.isArray(list) && list.every((e) => typeof e === 'object' && e !== null);
    return (
      Array.isArray(buffers) &&
      Array.isArray(outputs) &&
      objects(steps) &&
      steps.every((st) => st['kind'] === 'launch' || st['kind'] === 'rowGroup' || st['kind'] === 'free') &&
      objects(slots) &&
      slots.every(
        (sl) =>
          typeof sl['dtype'] === 'string' && Object.hasOwn(bytesPer, sl['dtype']) && typeof sl['size'] === 'number',
      )
    );
  } catch {
    return false;
  }
}

/** A program argument (from `jitted.program(...)`). */
const programArg = {
  program: s.custom('a Program (from jitted.program(...))', isProgram, (): Program => ({
    buffers: [],
    steps: [],
    outputs: [],
    slots: [],
  })),
};

/**
 * Bytes of the program's temporary slots: what its temporaries hold at most. A slot is reused only by a later
 * temporary of the same dtype and size, and never within a row group (its buffers are live together), so this
 * bounds the live peak from above and can exceed it.
 */
export const peakTemporaryBytes = publicFn('peakTemporaryBytes', programArg, (p: Program): number =>
  p.slots.reduce((sum, sl) => sum + sl.size * bytesPer[sl.dtype], 0),
);

/** The program as text: one line per launch and free, a row group's launches indented in braces. */
export const formatProgram = publicFn('formatProgram', programArg, formatProgramImpl);

const formatLaunch = (step: LaunchStep, indent: string): string =>
  `${indent}${step.outputs.map((o) => `b${o}`).join(', ')} = ${formatKernel(step.kernel)} on ${step.inputs.map((i) => `b${i}`).join(', ')}`;

function formatProgramImpl(p: Program): string {
  const lines = p.buffers.map(
    (b) =>
      `  b${b.id}: ${b.dtype}[${b.size}] ${b.source.kind}${b.source.kind === 'param' ? ` ${b.source.index}` : b.source.kind === 'temp' ? ` slot ${b.source.slot}` : ''}`,
  );
  for (const step of p.steps) {
    if (step.kind === 'launch') lines.push(formatLaunch(step, '  '));
    else if (step.kind === 'rowGroup')
      lines.push(`  rowGroup rows ${step.rows} {`, ...step.launches.map((l) => formatLaunch(l, '    ')), '  }');
    else lines.push(`  free b${step.buffer}`);
  }
  lines.push(`  return ${p.outputs.map((o) => `b${o}`).join(', ')}`);
  return `program {\n${lines.join('\n')}\n}`;
}
