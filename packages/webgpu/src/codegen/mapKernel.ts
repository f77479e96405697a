/**
 * @file WGSL for map kernels. Elementwise kernels run one invocation per output element. With a
 * reduction, a workgroup (32 to 256 invocations, by row length) owns an output element: each strides over the reduced
 * elements keeping a partial (for logsumexp the online (max, Σexp) pair), a tree reduction in
 * workgroup memory combines them, and the first invocation runs the epilogue and the stores. When
 * rows are few and long, a first pass splits each row over several workgroups that write partials
 * and a second pass combines them, so a long reduction still fills the device.
 */
import type { DType } from '@xent/core';
import type { MapKernel, ReduceOp } from '@xent/core/internal';
import { type BufferSpec, inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { WgslEmitter } from './emitter.js';
import { type Helper, prelude } from './prelude.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';
import { literal, wgslType } from './wgslOps.js';

export const WORKGROUP = 256;
/** Reduced elements per workgroup below which a row is not split further. */
const PART_LENGTH = 4096;
/** Rows from which one workgroup per row already fills the device. */
const MANY_ROWS = 1024;

const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/**
 * Unravels flat index `flat` into loop vars `first..first+shape.length−1` (as `let iN` lines).
 * Zero extents become 1: such a kernel never runs, but its source must still be valid WGSL.
 */
export function unravel(flat: string, shape: readonly number[], first: number): string[] {
  const at = (n: number): number => Math.max(1, n);
  return shape.map((dim, d) => `let i${first + d} = (${flat} / ${at(product(shape.slice(d + 1)))}) % ${at(dim)};`);
}

/**
 * Invocations per workgroup reducing a row of `length`: about 32 elements each, from 32 to 256
 * (short rows waste less on idle invocations and tree steps).
 */
export function reductionThreads(length: number): number {
  let n = 32;
  while (n < WORKGROUP && n * 32 < length) n *= 2;
  return n;
}

/** Into how many parts each row of a reduction is split (1: one workgroup per row). */
export function reductionParts(rows: number, length: number): number {
  if (rows >= MANY_ROWS) return 1;
  return Math.max(1, Math.min(WORKGROUP, Math.ceil(length / PART_LENGTH), Math.ceil((4 * MANY_ROWS) / rows)));
}

/**
 * A reduction over WGSL values: the partial state's variables, how to fold a value in, how to
 * merge another partial, and the finished `acc`. logsumexp keeps the online pair (m, s).
 */
interface Reducer {
  /** Names and WGSL types of the state variables. */
  readonly state: readonly (readonly [string, string])[];
  readonly init: readonly string[];
  /** Statements folding value `v` into the state. */
  step(v: string): string[];
  /** Statements merging state `other` (expressions, in `state` order) into the state. */
  merge(other: readonly string[]): string[];
  /** The finished value from the state. */
  readonly finish: string;
}

function reducer(op: ReduceOp, dtype: DType, used: Set<Helper>): Reducer {
  const t = wgslType(dtype);
  const int = dtype === 'i32';
  switch (op) {
    case 'sum':
      return {
        state: [['acc_s', t]],
        init: [int ? '0' : '0.0'],
        step: (v) => [`acc_s = acc_s + ${v};`],
        merge: ([o]) => [`acc_s = acc_s + ${o ?? ''};`],
        finish: 'acc_s',
      };
    case 'max': {
      if (!int) used.add('max');
      const fold = (v: string): string[] => [int ? `acc_s = max(acc_s, ${v});` : `acc_s = xent_max(acc_s, ${v});`];
      return {
        state: [['acc_s', t]],
        init: [int ? '(-2147483647 - 1)' : literal(-Infinity, 'f32', used)],
        step: fold,
        merge: ([o]) => fold(o ?? ''),
        finish: 'acc_s',
      };
    }
    case 'logsumexp': {
      used.add('max');
      used.add('inf');
      // online (max, Σexp) merge; equal maxima (±Inf included) take factor 1 so no Inf − Inf appears
      const merge = (m2: string, s2: string): string[] => [
        `{ let mn = xent_max(acc_m, ${m2});`,
        `  let f1 = select(exp(acc_m - mn), 1.0, acc_m == mn);`,
        `  let f2 = select(exp(${m2} - mn), 1.0, ${m2} == mn);`,
        `  acc_s = acc_s * f1 + ${s2} * f2; acc_m = mn; }`,
      ];
      // one value: a single exp, of whichever of (v − m, m − v) is not positive
      const step = (v: string): string[] => [
        `{ let up = ${v} > acc_m;`,
        `  let e = select(exp(select(${v} - acc_m, acc_m - ${v}, up)), 1.0, ${v} == acc_m);`,
        `  acc_s = select(acc_s + e, acc_s * e + 1.0, up); acc_m = xent_max(acc_m, ${v}); }`,
      ];
      return {
        state: [
          ['acc_m', 'f32'],
          ['acc_s', 'f32'],
        ],
        init: ['(-xent_inf())', '0.0'],
        step,
        merge: ([m, s]) => merge(m ?? '', s ?? ''),
        finish: 'select(acc_m + log(acc_s), -xent_inf(), acc_m == -xent_inf() && acc_s == 0.0)',
      };
    }
  }
}

const indent = (lines: readonly string[], by = '  '): string[] => lines.map((l) => `${by}${l}`);

/** Workgroup-memory arrays for the reducer's state and the tree reduction over them, for `threads` invocations. */
function treeReduce(r: Reducer, threads: number): { shared: string[]; lines: string[] } {
  const shared = r.state.map(([name, t]) => `var<workgroup> red_${name}: array<${t}, ${threads}>;`);
  const lines = [
    ...r.state.map(([name]) => `red_${name}[lid.x] = ${name};`),
    'workgroupBarrier();',
    `for (var w = ${threads / 2}u; w > 0u; w = w >> 1u) {`,
    '  if (lid.x < w) {',
    ...indent(
      r.state.map(([name]) => `var ${name} = red_${name}[lid.x];`),
      '    ',
    ),
    ...indent(r.merge(r.state.map(([name]) => `red_${name}[lid.x + w]`)), '    '),
    ...indent(
      r.state.map(([name]) => `red_${name}[lid.x] = ${name};`),
      '    ',
    ),
    '  }',
    '  workgroupBarrier();',
    '}',
    ...r.state.map(([name]) => `let ${name}_all = red_${name}[0];`),
  ];
  return { shared, lines };
}

function assemble(
  threads: number,
  used: ReadonlySet<Helper>,
  buffers: string,
  shared: readonly string[],
  lines: readonly string[],
): string {
  return [
    prelude(used),
    buffers,
    ...shared,
    `@compute @workgroup_size(${threads})`,
    `fn main(${entryParams}) {`,
    `  ${flatWorkgroup}`,
    ...indent(lines),
    '}',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

export function renderMapKernel(k: MapKernel, maxBindingBytes: number): RenderedKernel {
  const outSize = product(k.shape);
  const specs = [...inputSpecs(k.inputs), ...k.outputs.map((o, i) => outputSpec(i, o.dtype, outSize))];
  const bodyVars = new Set<number>((k.reduce?.shape ?? []).map((_, i) => k.shape.length + i));
  const em = new WgslEmitter(bodyVars, (slot, at) => `ld_in${slot}(${at})`);
  if (k.reduce === undefined) {
    const outs = k.outputs.map((o) => em.ref(o));
    const lines = [
      `let o = wg * ${WORKGROUP} + i32(lid.x);`,
      `if (o >= ${outSize}) { return; }`,
      ...unravel('o', k.shape, 0),
      ...em.lines.outer,
      ...outs.map((v, i) => `st_out${i}(o, ${v});`),
    ];
    const buffers = renderBuffers(specs, maxBindingBytes, em.checks);
    const code = assemble(WORKGROUP, em.used, buffers.code, [], lines);
    return {
      passes: [{ code, bindings: buffers.bindings, workgroups: Math.ceil(outSize / WORKGROUP) }],
      buffers: specs,
    };
  }
  const { op, body, shape } = k.reduce;
  const redSize = product(shape);
  const r = reducer(op, body.dtype, em.used);
  const v = em.ref(body);
  const outs = k.outputs.map((o) => em.ref(o));
  const parts = reductionParts(outSize, redSize);
  // two passes: the combining pass needs an invocation per part
  const threads = parts === 1 ? reductionThreads(redSize) : WORKGROUP;
  const tree = treeReduce(r, threads);
  const declare = r.state.map(([name, t], i) => `var ${name}: ${t} = ${r.init[i] ?? ''};`);
  /** The strided loop of an invocation over reduced elements [start, end). */
  const loop = (start: string, end: string): string[] => [
    ...declare,
    `for (var r = ${start} + i32(lid.x); r < ${end}; r = r + ${threads}) {`,
    ...indent(unravel('r', shape, k.shape.length)),
    ...indent(em.lines.body),
    ...indent(r.step(v)),
    '}',
  ];
  const finish = [
    'if (lid.x == 0u) {',
    ...indent(r.state.map(([name]) => `let ${name} = ${name}_all;`)),
    `  let acc = ${r.finish};`,
    ...indent(em.lines.epilogue),
    ...outs.map((o, i) => `  st_out${i}(row, ${o});`),
    '}',
  ];
  if (parts === 1) {
    const lines = [
      `if (wg >= ${outSize}) { return; }`,
      'let row = wg;',
      ...unravel('row', k.shape, 0),
      ...em.lines.outer,
      ...loop('0', `${redSize}`),
      ...tree.lines,
      ...finish,
    ];
    const buffers = renderBuffers(specs, maxBindingBytes, em.checks);
    return {
      passes: [
        {
          code: assemble(threads, em.used, buffers.code, tree.shared, lines),
          bindings: buffers.bindings,
          workgroups: outSize,
        },
      ],
      buffers: specs,
    };
  }
  // Two passes: partials of each (row, part) into scratch, then one workgroup per row combines them.
  const partLength = Math.ceil(redSize / parts);
  const scratch: BufferSpec[] = r.state.map(([name], i) => ({
    name: `part${i}`,
    dtype: name === 'acc_m' || name === 'acc_s' ? (op === 'logsumexp' ? 'f32' : body.dtype) : body.dtype,
    size: outSize * parts,
    access: 'read_write' as const,
    role: 'scratch' as const,
  }));
  const all = [...specs, ...scratch];
  const buffers = renderBuffers(all, maxBindingBytes, em.checks);
  const first = [
    `if (wg >= ${outSize * parts}) { return; }`,
    `let row = wg / ${parts};`,
    `let part = wg % ${parts};`,
    ...unravel('row', k.shape, 0),
    ...em.lines.outer,
    ...loop(`part * ${partLength}`, `min(${redSize}, (part + 1) * ${partLength})`),
    ...tree.lines,
    'if (lid.x == 0u) {',
    ...r.state.map(([name], i) => `  st_part${i}(wg, ${name}_all);`),
    '}',
  ];
  const second = [
    `if (wg >= ${outSize}) { return; }`,
    'let row = wg;',
    ...unravel('row', k.shape, 0),
    ...em.lines.outer,
    ...declare,
    `if (i32(lid.x) < ${parts}) {`,
    ...indent(r.merge(r.state.map((_, i) => `ld_part${i}(row * ${parts} + i32(lid.x))`))),
    '}',
    ...tree.lines,
    ...finish,
  ];
  return {
    passes: [
      {
        code: assemble(threads, em.used, buffers.code, tree.shared, first),
        bindings: buffers.bindings,
        workgroups: outSize * parts,
      },
      {
        code: assemble(threads, em.used, buffers.code, tree.shared, second),
        bindings: buffers.bindings,
        workgroups: outSize,
      },
    ],
    buffers: all,
  };
}
