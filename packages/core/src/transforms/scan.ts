/**
 * @file x.scan: a loop with a static length over a leading axis, carrying a pytree state, as in
 * jax.lax.scan. `f` is traced once; its graph becomes the body of a `ScanLoop` whose outputs are scan
 * nodes (scanRule.ts), so gradients, vmap and jit see one loop however long it is. With concrete
 * inputs (eager mode) that loop is compiled and run at once.
 */
import { DTypeError, fail, ShapeError, ValueError } from '../errors.js';
import { makeGraph, substitute, toposort } from '../ir/graph.js';
import { makeParamNode, type Node, type ParamNode } from '../ir/node.js';
import { formatType } from '../ir/printer.js';
import type { ScanLoop } from '../ir/scanLoop.js';
import { formatShape, shapeEq, sizeOf } from '../ir/shape.js';
import { checkAllocation } from '../limits.js';
import { Tensor } from '../trace/tensor.js';
import { describeNode, flattenTree, leafPaths, leavesLike, unflattenTree } from '../tree/flatten.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { scanNodes } from './scanRule.js';
import { tensorsOf } from './tracing.js';
import type { WithBatchAxis } from './vmap.js';

export interface ScanOptions {
  /** The number of steps: required when `xs` holds no tensor, else it must equal their leading dim. */
  readonly length?: number;
  /** Step from the last index to the first (results stay at their index). Default false. */
  readonly reverse?: boolean;
}

/** The step function: the next carry (same structure, shapes and dtypes) and this step's result. */
export type ScanFn<C, X, Y> = (carry: C, x: X) => readonly [C, Y];

/**
 * Runs `f` over the leading axis of every tensor of `xs` (slice t at step t), threading `carry` from
 * `init`: returns the final carry and the per-step results stacked along a new leading axis (the result
 * of step t at index t, also with `reverse`). Differentiable to any order (the VJP is a reverse scan),
 * batched by vmap as the scan of the batched step, and kept as one loop by jit.
 */
export const scan = publicFn(
  'scan',
  {
    f: s.fn,
    init: s.anything,
    xs: s.anything,
    options: s.options({
      length: s.optional(s.number({ min: 0, max: 2 ** 31 - 1, integer: true })),
      reverse: s.optional(s.boolean),
    }),
  },
  scanImpl,
) as <C, X, Y>(f: ScanFn<C, X, Y>, init: C, xs: X, options?: ScanOptions) => [C, WithBatchAxis<Y>];

const FN = 'scan';

/** The common leading dim of the scanned tensors (checked against `length` when both are given). */
function stepCount(xs: readonly Tensor[], paths: readonly string[], length: number | undefined): number {
  let n = length;
  let from = 'options.length';
  xs.forEach((x, i) => {
    const path = paths[i] as string;
    if (x.rank === 0) fail(ShapeError, FN, path, 'a tensor with a leading axis to scan over', 'a scalar');
    const d = x.shape[0] as number;
    if (n === undefined) [n, from] = [d, path];
    else if (d !== n) fail(ShapeError, FN, path, `leading dim ${n} (as ${from})`, `shape ${formatShape(x.shape)}`);
  });
  if (n === undefined)
    fail(ValueError, FN, 'options.length', 'the number of steps (xs holds no tensor to take it from)', 'none');
  return n;
}

function scanImpl<C, X, Y>(f: ScanFn<C, X, Y>, init: C, xs: X, options: ScanOptions = {}): [C, unknown] {
  const carry0 = flattenTree(FN, 'init', init);
  const xs0 = flattenTree(FN, 'xs', xs);
  const length = stepCount(xs0.leaves, leafPaths(xs0.def, 'xs'), options.length);
  const carryPaths = leafPaths(carry0.def, 'init');
  const cP = carry0.leaves.map((t, i) => makeParamNode(t.node.type, carryPaths[i] as string));
  const xP = xs0.leaves.map((t, i) =>
    makeParamNode({ shape: t.shape.slice(1), dtype: t.dtype }, `${leafPaths(xs0.def, 'xs')[i] as string}[t]`),
  );
  const result: unknown = f(
    unflattenTree(
      carry0.def,
      cP.map((p) => new Tensor(p)),
    ) as C,
    unflattenTree(
      xs0.def,
      xP.map((p) => new Tensor(p)),
    ) as X,
  );
  if (!Array.isArray(result) || result.length !== 2)
    fail(ValueError, FN, 'f', 'a function returning [carry, y]', `one returning ${describeNode(result)}`);
  const [carryOut, yOut] = result as unknown as readonly [unknown, unknown];
  const next = leavesLike(FN, 'f (its returned carry)', carry0.def, carryOut);
  next.forEach((t, i) => {
    const want = (cP[i] as ParamNode).type;
    if (t.dtype !== want.dtype || !shapeEq(t.shape, want.shape)) {
      const path = (carryPaths[i] as string).replace(/^init/, 'f (its returned carry)');
      const E = t.dtype !== want.dtype ? DTypeError : ShapeError;
      fail(
        E,
        FN,
        path,
        `${formatType(want)} (as ${carryPaths[i] as string}: the carry keeps its type)`,
        formatType(t.node.type),
      );
    }
  });
  const ys = flattenTree(FN, 'f (its returned y)', yOut);
  // the stacked results hold `length` copies of each y: refused before a step runs when one would not fit
  const lengthArg = options.length === undefined ? 'xs' : 'options.length';
  for (const y of ys.leaves) checkAllocation(FN, length * sizeOf(y.shape), y.dtype, lengthArg);
  const outs = [...next, ...ys.leaves].map((t) => t.node);
  const own = [...cP, ...xP];
  const consts = freeValues(own, outs);
  const kP = consts.map((n, i) => makeParamNode(n.type, `k${i}`));
  const loop: ScanLoop = {
    body: makeGraph([...kP, ...own], substitute(outs, new Map(consts.map((n, i) => [n, kP[i] as Node])))),
    consts: consts.length,
    carries: cP.length,
    xs: xP.length,
    length,
    reverse: options.reverse ?? false,
  };
  const inputs = [...consts, ...carry0.leaves.map((t) => t.node), ...xs0.leaves.map((t) => t.node)];
  // concrete inputs: the loop runs at once as one compiled program, as under jit (not op by op, step by step)
  const values = tensorsOf(scanNodes(loop, inputs));
  return [unflattenTree(carry0.def, values.slice(0, cP.length)) as C, unflattenTree(ys.def, values.slice(cP.length))];
}

/**
 * The values of enclosing traces the body reads (it closes over them): the traced nodes that do not
 * depend on the body's own parameters but feed a node that does, or are outputs themselves.
 */
function freeValues(own: readonly Node[], outs: readonly Node[]): Node[] {
  const dependent = new Set<Node>(own);
  const free = new Set<Node>();
  const isFree = (n: Node): boolean => n.symbolic && !dependent.has(n);
  for (const n of toposort(outs)) {
    if (dependent.has(n) || !n.inputs.some((i) => dependent.has(i))) continue;
    dependent.add(n);
    for (const i of n.inputs) if (isFree(i)) free.add(i);
  }
  for (const o of outs) if (isFree(o)) free.add(o);
  return [...free];
}
