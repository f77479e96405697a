/**
 * @file Pass: lowers each kernel group to the scalar kernel IR. Elementwise ops become scalar ops,
 * movement ops become index arithmetic (affine where possible), the group's reduction becomes the
 * kernel's inner loop, and every other materialised node becomes a load from an input slot.
 */
import { gatherBlame, type IndexBlame, InternalError } from '../errors.js';
import { irError } from '../ir/irError.js';
import { hostScalar, type Node, type OpNode } from '../ir/node.js';
import type { Prim } from '../ir/prim.js';
import { type InlinePrim, isInlinePrim, type PrimOfKind } from '../ir/primInfo.js';
import { sizeOf, stridesOf } from '../ir/shape.js';
import { linearLogitSlots } from '../ir/linearLogitLayout.js';
import { indexSite, siteOf } from '../kernel/indexSites.js';
import { linearLogitEpilogue } from '../kernel/linearLogitEpilogue.js';
import type { Kernel, KernelInput, LinearLogitsKernel, MapKernel, ScanOp } from '../kernel/program.js';
import { lit, load, loopVar, scalar, type ScalarExpr, type ScalarOp } from '../kernel/scalar.js';
import type { Group, Partition } from './fuse.js';
import { type Affine, affineKey, dotStrides, IndexSpace, toScalar } from './indexing.js';
import { isViewNode, viewAddress, viewInputCoords } from './movement.js';

/** A kernel with the graph nodes its input slots and outputs stand for. */
export interface LoweredKernel {
  readonly kernel: Kernel;
  readonly inputs: readonly Node[];
  readonly outputs: readonly Node[];
}

export interface LoweredProgram {
  readonly partition: Partition;
  readonly kernels: readonly LoweredKernel[];
}

/** What a kernel reads from each input node: its dtype and element count. */
const kernelInputsOf = (nodes: readonly Node[]): KernelInput[] =>
  nodes.map((n) => ({ dtype: n.type.dtype, size: sizeOf(n.type.shape) }));

/** Builds the expressions of one kernel. */
class KernelBuilder {
  readonly inputs: Node[] = [];
  private readonly memo = new Map<string, ScalarExpr>();

  constructor(
    readonly space: IndexSpace,
    private readonly isLeaf: (n: Node) => boolean,
    private readonly reduction: Node | undefined,
    private readonly outputCoords: readonly Affine[],
  ) {}

  slotOf(n: Node): number {
    const i = this.inputs.indexOf(n);
    if (i >= 0) return i;
    this.inputs.push(n);
    return this.inputs.length - 1;
  }

  kernelInputs(): KernelInput[] {
    return kernelInputsOf(this.inputs);
  }

  /** The value of `n` at `coords`. */
  valueAt(n: Node, coords: readonly Affine[]): ScalarExpr {
    const key = `${n.id}@${coords.map(affineKey).join(';')}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const v = this.compute(n, coords);
    this.memo.set(key, v);
    return v;
  }

  private compute(n: Node, coords: readonly Affine[]): ScalarExpr {
    const literal = hostScalar(n);
    if (literal !== undefined) return lit(literal, n.type.dtype);
    if (n === this.reduction && coords.every((c, i) => affineKey(c) === affineKey(this.outputCoords[i] as Affine))) {
      return scalar('acc', n.type.dtype);
    }
    if (this.isLeaf(n))
      return load(this.slotOf(n), n.type.dtype, toScalar(dotStrides(coords, stridesOf(n.type.shape))));
    if (n.kind !== 'op')
      throw new InternalError(irError('InvalidGraph', 'lower', 'node', 'an op node or a leaf', n.kind));
    if (isViewNode(n)) return this.valueAt(n.inputs[0] as Node, viewInputCoords(n, coords, this.space));
    // reductions and own-kernel prims are never inlined: fuse materialises them
    if (!isInlinePrim(n.prim))
      throw new InternalError(
        irError('InvalidGraph', 'lower', n.prim, 'a node that fuse materialises', 'an inlined node'),
      );
    return (lowerRules[n.prim] as LowerRule<Prim>)(this, n, coords);
  }

  /** The value of `n`'s input i at the same coordinates (elementwise ops). */
  arg(n: Node, i: number, coords: readonly Affine[]): ScalarExpr {
    return this.valueAt(n.inputs[i] as Node, coords);
  }
}

/** How a primitive computes one element of its output, inside a kernel. */
type LowerRule<P extends Prim> = (k: KernelBuilder, n: OpNode<P>, coords: readonly Affine[]) => ScalarExpr;

const elementwise =
  (op: ScalarOp): LowerRule<Prim> =>
  (k, n, coords) =>
    scalar(
      op,
      n.type.dtype,
      n.inputs.map((_, i) => k.arg(n, i, coords)),
    );

/**
 * The index `j` checked against [0, bound), blaming `blame`; an index already checked against the
 * same bound keeps its check (a gather of checked class labels reports the labels' function).
 */
function checked(j: ScalarExpr, bound: number, blame: IndexBlame): ScalarExpr {
  if (j.op === 'checkIndex' && siteOf(j.imm).bound === bound) return j;
  return scalar('checkIndex', 'i32', [j], indexSite(bound, blame));
}

/** cond₁ ∧ cond₂ as a select (there is no logical-and scalar op). */
const and = (a: ScalarExpr, b: ScalarExpr): ScalarExpr => scalar('where', 'bool', [a, b, lit(0, 'bool')]);

/** 0 ≤ c < n as a bool expression (true is dropped when the range already guarantees it). */
function inRange(k: KernelBuilder, c: Affine, lo: number, hi: number): ScalarExpr | undefined {
  const [clo, chi] = k.space.range(c);
  const e = toScalar(c);
  const above = clo >= lo ? undefined : scalar('le', 'bool', [lit(lo, 'i32'), e]);
  const below = chi < hi ? undefined : scalar('lt', 'bool', [e, lit(hi, 'i32')]);
  return above === undefined ? below : below === undefined ? above : and(above, below);
}

/** The primitives computed inside a kernel (`primInfo`'s inline kinds); views are index maps (`movement.ts`). */
const lowerRules: { readonly [P in InlinePrim]: LowerRule<P> } = {
  neg: elementwise('neg'),
  exp: elementwise('exp'),
  log: elementwise('log'),
  log1p: elementwise('log1p'),
  expm1: elementwise('expm1'),
  sqrt: elementwise('sqrt'),
  recip: elementwise('recip'),
  sin: elementwise('sin'),
  cos: elementwise('cos'),
  tanh: elementwise('tanh'),
  abs: elementwise('abs'),
  sign: elementwise('sign'),
  floor: elementwise('floor'),
  ceil: elementwise('ceil'),
  erf: elementwise('erf'),
  erfc: elementwise('erfc'),
  erfinv: elementwise('erfinv'),
  lgamma: elementwise('lgamma'),
  /** the order rides in the scalar op's imm */
  polygamma: (k, n, coords) => scalar('polygamma', n.type.dtype, [k.arg(n, 0, coords)], n.params.order),
  add: elementwise('add'),
  sub: elementwise('sub'),
  mul: elementwise('mul'),
  div: elementwise('div'),
  pow: elementwise('pow'),
  maximum: elementwise('max'),
  minimum: elementwise('min'),
  less: elementwise('lt'),
  lessEqual: elementwise('le'),
  equal: elementwise('eq'),
  notEqual: elementwise('ne'),
  where: elementwise('where'),
  cast: (k, n, coords) => scalar('cast', n.params.dtype, [k.arg(n, 0, coords)]),
  /** out[c] = x[c − lo] inside, 0 in the padding (the load address is clamped so it stays valid) */
  pad: (k, n, coords) => {
    const input = n.inputs[0] as Node;
    let valid: ScalarExpr | undefined;
    const inCoords = coords.map((c, d) => {
      const lo = n.params.lo[d] as number;
      const dim = input.type.shape[d] as number;
      const shifted = { c: c.c - lo, terms: c.terms };
      const ok = inRange(k, shifted, 0, dim);
      if (ok !== undefined) valid = valid === undefined ? ok : and(valid, ok);
      return k.space.clamp(shifted, 0, Math.max(dim - 1, 0));
    });
    const v = k.valueAt(input, inCoords);
    return valid === undefined ? v : scalar('where', n.type.dtype, [valid, v, lit(0, n.type.dtype)]);
  },
  /** the segment the coordinate falls in along the axis: later segments override earlier ones from their offset on */
  concat: (k, n, coords) => {
    const { axis } = n.params;
    const c = coords[axis] as Affine;
    let value: ScalarExpr | undefined;
    let off = 0;
    for (const input of n.inputs) {
      const len = input.type.shape[axis] as number;
      if (len > 0) {
        const local = k.space.clamp({ c: c.c - off, terms: c.terms }, 0, len - 1);
        const v = k.valueAt(
          input,
          coords.map((x, d) => (d === axis ? local : x)),
        );
        const here = value === undefined ? undefined : inRange(k, c, off, Infinity);
        value = value === undefined || here === undefined ? v : scalar('where', n.type.dtype, [here, v, value]);
      }
      off += len;
    }
    return value ?? lit(0, n.type.dtype);
  },
  /** x at the index read from `indices` (checked against the axis length at run time) */
  gather: (k, n, coords) => {
    const [x, idx] = n.inputs as [Node, Node];
    const { axis } = n.params;
    const dim = x.type.shape[axis] as number;
    const j = checked(k.valueAt(idx, coords), dim, gatherBlame);
    const at = k.space.atom(j, 0, dim - 1);
    return k.valueAt(
      x,
      coords.map((c, d) => (d === axis ? at : c)),
    );
  },
  /** the coordinate along the axis */
  iota: (_k, n, coords) => {
    const i = toScalar(coords[n.params.axis] as Affine);
    return n.type.dtype === 'i32' ? i : scalar('cast', n.type.dtype, [i]);
  },
  stopGradient: (k, n, coords) => k.arg(n, 0, coords),
  /** the index, checked against the bound at run time */
  checkIndex: (k, n, coords) => {
    const { bound, fn = gatherBlame.fn, arg = gatherBlame.arg } = n.params;
    return checked(k.arg(n, 0, coords), bound, { fn, arg });
  },
};

/** Loop-variable coordinates for a shape, numbering vars from `first`. */
function loopCoords(space: IndexSpace, shape: readonly number[], first: number): Affine[] {
  return shape.map((d, i) => space.atom(loopVar(first + i), 0, Math.max(d - 1, 0)));
}

function lowerMap(g: Group, isLeaf: (n: Node) => boolean): LoweredKernel {
  const shape = (g.roots[0] as Node).type.shape;
  const space = new IndexSpace();
  const outCoords = loopCoords(space, shape, 0);
  const b = new KernelBuilder(space, isLeaf, g.reduction, outCoords);
  let reduce: MapKernel['reduce'];
  if (g.reduction !== undefined) {
    const red = g.reduction;
    const input = red.inputs[0] as Node;
    const axes = red.params.axes;
    const reduced = input.type.shape.filter((_, i) => axes.includes(i));
    const redCoords = loopCoords(space, reduced, shape.length);
    let kept = 0;
    let r = 0;
    const inCoords = input.type.shape.map((_, i) =>
      axes.includes(i) ? (redCoords[r++] as Affine) : (outCoords[kept++] as Affine),
    );
    reduce = { shape: reduced, op: red.prim, body: b.valueAt(input, inCoords) };
  }
  const outputs = g.roots.map((r) => b.valueAt(r, outCoords));
  const kernel: MapKernel =
    reduce === undefined
      ? { kind: 'map', shape, inputs: b.kernelInputs(), outputs }
      : { kind: 'map', shape, reduce, inputs: b.kernelInputs(), outputs };
  return { kernel, inputs: b.inputs, outputs: g.roots };
}

/** The combining op of each scan primitive's kernel. */
const scanOps: { readonly [P in PrimOfKind<'scan'>]: ScanOp } = { cumsum: 'sum', logcumsumexp: 'logsumexp' };

function lowerScan(g: Group, isLeaf: (n: Node) => boolean): LoweredKernel {
  const root = g.roots[0] as OpNode<'cumsum' | 'logcumsumexp'>;
  const shape = root.type.shape;
  const space = new IndexSpace();
  const coords = loopCoords(space, shape, 0);
  const b = new KernelBuilder(space, isLeaf, undefined, coords);
  const value = b.valueAt(root.inputs[0] as Node, coords);
  return {
    kernel: {
      kind: 'scan',
      op: scanOps[root.prim],
      shape,
      axis: root.params.axis,
      reverse: root.params.reverse,
      value,
      inputs: b.kernelInputs(),
    },
    inputs: b.inputs,
    outputs: g.roots,
  };
}

function lowerSort(g: Group, isLeaf: (n: Node) => boolean): LoweredKernel {
  const root = g.roots[0] as OpNode<'argsort'>;
  const shape = root.type.shape;
  const space = new IndexSpace();
  const coords = loopCoords(space, shape, 0);
  const b = new KernelBuilder(space, isLeaf, undefined, coords);
  const value = b.valueAt(root.inputs[0] as Node, coords);
  const { axis, descending } = root.params;
  return {
    kernel: { kind: 'sort', shape, axis, descending, value, inputs: b.kernelInputs() },
    inputs: b.inputs,
    outputs: g.roots,
  };
}

function lowerEigh(g: Group, isLeaf: (n: Node) => boolean): LoweredKernel {
  const root = g.roots[0] as OpNode<'eigh'>;
  const a = root.inputs[0] as Node;
  const space = new IndexSpace();
  const coords = loopCoords(space, a.type.shape, 0);
  const b = new KernelBuilder(space, isLeaf, undefined, coords);
  const value = b.valueAt(a, coords);
  return {
    kernel: { kind: 'eigh', shape: a.type.shape, output: root.params.output, value, inputs: b.kernelInputs() },
    inputs: b.inputs,
    outputs: g.roots,
  };
}

/** A matmul operand addressed in place: the buffer under its views, and its offset and strides there. */
export interface StridedView {
  readonly leaf: Node;
  readonly offset: number;
  /** One per axis of the operand, none negative. */
  readonly strides: readonly number[];
}

/**
 * The buffer under `n` through reshapes only, if any: a reshape keeps row-major order, so such a
 * node is that buffer's memory under another shape (its address is its own row-major index).
 */
function bufferUnder(n: Node, isBuffer: (m: Node) => boolean): Node | undefined {
  let cur = n;
  while (!isBuffer(cur) && cur.kind === 'op' && cur.prim === 'reshape') cur = cur.inputs[0] as Node;
  return isBuffer(cur) ? cur : undefined;
}

/**
 * `x` as a strided view of a buffer (`isLeaf` says which nodes are buffers; a host scalar is a
 * literal, never one), or undefined: a view chain whose address is affine in `x`'s coordinates
 * with non-negative strides (the backends' matmul kernels take no negative stride: the SIMD
 * kernel's row offsets are unsigned load immediates). fuse materialises every matmul operand this
 * rejects, so `lowerMatmul` never meets one.
 */
export function stridedView(x: Node, isLeaf: (n: Node) => boolean): StridedView | undefined {
  const isBuffer = (n: Node): boolean => isLeaf(n) && hostScalar(n) === undefined;
  const space = new IndexSpace();
  const coords = loopCoords(space, x.type.shape, 0);
  const view = viewAddress(x, coords, space, (n) => bufferUnder(n, isBuffer) !== undefined);
  const leaf = view === undefined ? undefined : bufferUnder(view.leaf, isBuffer);
  if (view === undefined || leaf === undefined) return undefined;
  const vars = coords.map((c) => [...c.terms.keys()][0]);
  if (![...view.address.terms.keys()].every((atom) => vars.includes(atom))) return undefined;
  const strides = vars.map((v) => (v === undefined ? 0 : (view.address.terms.get(v) ?? 0)));
  return strides.every((st) => st >= 0) ? { leaf, offset: view.address.c, strides } : undefined;
}

function lowerMatmul(g: Group, isLeaf: (n: Node) => boolean): LoweredKernel {
  const root = g.roots[0] as OpNode<'matmul'>;
  const [a, bNode] = root.inputs as [Node, Node];
  const rank = root.type.shape.length;
  const batch = root.type.shape.slice(0, rank - 2);
  const [m, n] = root.type.shape.slice(rank - 2) as [number, number];
  const k = a.type.shape[rank - 1] as number;
  const inputs: Node[] = [];
  const operand = (x: Node) => {
    const view = stridedView(x, isLeaf);
    if (view === undefined) {
      throw new InternalError(
        irError('InvalidGraph', 'lower', 'matmul', 'operands that are strided views of buffers', 'another expression'),
      );
    }
    let slot = inputs.indexOf(view.leaf);
    if (slot < 0) slot = inputs.push(view.leaf) - 1;
    return { slot, offset: view.offset, strides: view.strides };
  };
  const opA = operand(a);
  const opB = operand(bNode);
  const kernelInputs = kernelInputsOf(inputs);
  return {
    kernel: { kind: 'matmul', batch, m, k, n, dtype: root.type.dtype, a: opA, b: opB, inputs: kernelInputs },
    inputs,
    outputs: g.roots,
  };
}

function lowerLinearLogits(g: Group): LoweredKernel {
  const root = g.roots[0] as OpNode<'linearLogitStats'> | OpNode<'linearLogitGrad'>;
  const slots = linearLogitSlots(root.params.targets, root.prim === 'linearLogitStats' ? 'stats' : 'grad');
  const [h, w] = [root.inputs[slots.h], root.inputs[slots.w]] as [Node, Node];
  const [n, d] = h.type.shape as [number, number];
  const kernel: LinearLogitsKernel = {
    kind: 'linearLogits',
    pass: root.prim === 'linearLogitStats' ? 'stats' : 'grad',
    n,
    d,
    v: w.type.shape[0] as number,
    dtype: h.type.dtype,
    softcap: root.params.softcap,
    targets: root.params.targets,
    filter: root.params.filter,
    epilogue: linearLogitEpilogue(root.params, h.type.dtype),
    inputs: kernelInputsOf(root.inputs),
  };
  return { kernel, inputs: root.inputs, outputs: g.roots };
}

/** Lowers every group of the partition. */
export function lower(partition: Partition): LoweredProgram {
  const materialized = new Set<Node>(partition.groups.flatMap((g) => g.roots));
  const isLeaf = (n: Node): boolean =>
    n.kind === 'param' || (n.kind === 'const' && hostScalar(n) === undefined) || materialized.has(n);
  const kernels = partition.groups.map((g) => {
    const leafOf = (n: Node): boolean => isLeaf(n) && !g.roots.includes(n);
    switch (g.kind) {
      case 'map':
        return lowerMap(g, (n) => leafOf(n) && n !== g.reduction);
      case 'scan':
        return lowerScan(g, leafOf);
      case 'matmul':
        return lowerMatmul(g, leafOf);
      case 'eigh':
        return lowerEigh(g, leafOf);
      case 'sort':
        return lowerSort(g, leafOf);
      case 'linearLogits':
        return lowerLinearLogits(g);
    }
  });
  return { partition, kernels };
}
