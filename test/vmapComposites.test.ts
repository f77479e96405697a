/**
 * @file vmap of random composite functions against the loop it replaces: a drawn expression tree (depth ≤ 4) of one
 * mapped argument and one mapped-or-shared argument, in f64, over random in-axes (negative included), out-axes and
 * batch sizes 0-4. vmap(f), vmap of grad, jvp, vjp and hvp, jit around and inside vmap, nested vmap, and grad of a
 * vmapped function, each against an independent loop: the examples are sliced out of the batch on the host, f (or its
 * transform) is called on each one, and the batched result is compared slice by slice on the host, in f64 to 1e-9.
 * The fast-check seed is the suite's (test/support/setup.ts: fixed in CI, XENT_SEED to replay, printed on failure).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const TOL = { rtol: 1e-9, atol: 1e-9 };
/** Per-test timeout; every property also stops drawing new cases after the suite's time budget. */
const TIMEOUT = 120_000;

// ---------------------------------------------------------------------------------------------------------------------
// Host-side arrays: the loop's slicing and comparison never go through the library's own indexing.

interface Host {
  readonly data: readonly number[];
  readonly shape: readonly number[];
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const normal = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
const insertAt = (shape: readonly number[], axis: number, d: number): number[] => {
  const out = [...shape];
  out.splice(axis, 0, d);
  return out;
};

/** Index k along `axis` of a row-major host array, that axis removed. */
function sliceHost(h: Host, axis: number, k: number): Host {
  const a = normal(axis, h.shape.length);
  const outer = sizeOf(h.shape.slice(0, a));
  const n = h.shape[a] as number;
  const inner = sizeOf(h.shape.slice(a + 1));
  const data: number[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) data.push(h.data[(o * n + k) * inner + i] as number);
  return { data, shape: h.shape.filter((_, d) => d !== a) };
}

const hostOf = (t: x.Tensor): Host => ({ data: toNumbers(t), shape: t.shape });
const tensorOfHost = (h: Host): x.Tensor => x.tensor(Float64Array.from(h.data), { shape: h.shape, dtype: 'f64' });

/** Smooth, bounded, deterministic values in (−1.5, 1.5) for a drawn seed. */
const valuesFor = (n: number, seed: number): number[] =>
  Array.from({ length: n }, (_, i) => 1.5 * Math.sin(seed * 0.37 + i * 1.91 + Math.cos(seed + i * 0.53)));

const hostRandom = (shape: readonly number[], seed: number): Host => ({ data: valuesFor(sizeOf(shape), seed), shape });

/** `got` (batch on axis `axis` of its own) at batch index k equals `want`: shapes and values. */
function expectSlice(got: x.Tensor, axis: number, k: number, want: x.Tensor | Host, label: string): void {
  const w = want instanceof x.Tensor ? hostOf(want) : want;
  const g = sliceHost(hostOf(got), axis, k);
  expect(g.shape, `${label}: shape of example ${k}`).toEqual(w.shape);
  expectAllClose(g.data, w.data, TOL, `${label}[${k}]`);
}

function expectHost(got: x.Tensor, want: Host, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  expectAllClose(toNumbers(got), want.data, TOL, label);
}

const addHost = (p: Host, q: Host): Host => ({ data: p.data.map((v, i) => v + (q.data[i] as number)), shape: p.shape });
const scaleHost = (p: Host, s: number): Host => ({ data: p.data.map((v) => v * s), shape: p.shape });
const zerosHost = (shape: readonly number[]): Host => ({ data: new Array<number>(sizeOf(shape)).fill(0), shape });

/** Host arrays stacked on a new axis (the loop's stack); `empty` gives the per-example shape for a batch of 0. */
function stackHost(parts: readonly Host[], axis: number, empty: readonly number[]): Host {
  const shape = parts[0]?.shape ?? empty;
  const full = insertAt(shape, normal(axis, shape.length + 1), parts.length);
  const a = normal(axis, full.length);
  const outer = sizeOf(shape.slice(0, a));
  const inner = sizeOf(shape.slice(a));
  const data: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const p of parts) for (let i = 0; i < inner; i++) data.push(p.data[o * inner + i] as number);
  return { data, shape: full };
}

// ---------------------------------------------------------------------------------------------------------------------
// Random composite functions.

type Axis = -2 | -1 | 0 | 1;
const axisArb = fc.constantFrom<Axis>(-2, -1, 0, 1);

type Expr =
  | { readonly op: 'a' }
  | { readonly op: 'b' }
  | { readonly op: 'unary'; readonly fn: 'expTanh' | 'logSoftplus' | 'tanh' | 'sin' | 'square'; readonly arg: Expr }
  | {
      readonly op: 'binary';
      readonly fn: 'add' | 'mul' | 'sub' | 'maximum' | 'minimum' | 'whereMask';
      readonly l: Expr;
      readonly r: Expr;
    }
  | { readonly op: 'custom'; readonly l: Expr; readonly r: Expr }
  | { readonly op: 'withB'; readonly fn: 'add' | 'mul'; readonly arg: Expr }
  | {
      readonly op: 'reduce';
      readonly fn: 'sum' | 'mean' | 'max' | 'min' | 'logsumexp';
      readonly axis: Axis;
      readonly arg: Expr;
    }
  | {
      readonly op: 'along';
      readonly fn: 'cumsum' | 'cumsumReverse' | 'flip' | 'roll' | 'padSlice' | 'gather' | 'take';
      readonly axis: Axis;
      readonly arg: Expr;
    }
  | { readonly op: 'softmax'; readonly log: boolean; readonly axis: Axis; readonly arg: Expr }
  | { readonly op: 'matmul'; readonly side: 'right' | 'left' | 'gram'; readonly arg: Expr }
  | { readonly op: 'move'; readonly fn: 'reshapeSwap' | 'flatRamp' | 'transposeScale'; readonly arg: Expr };

const leafArb: fc.Arbitrary<Expr> = fc.constantFrom<Expr>({ op: 'a' }, { op: 'b' });

/** Expression trees of depth ≤ `depth`; every node has the example shape [R, C]. */
function exprArb(depth: number): fc.Arbitrary<Expr> {
  if (depth === 0) return leafArb;
  const sub = exprArb(depth - 1);
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: leafArb, weight: 2 },
    fc.record({
      op: fc.constant('unary' as const),
      fn: fc.constantFrom(
        'expTanh' as const,
        'logSoftplus' as const,
        'tanh' as const,
        'sin' as const,
        'square' as const,
      ),
      arg: sub,
    }),
    fc.record({
      op: fc.constant('binary' as const),
      fn: fc.constantFrom<'add' | 'mul' | 'sub' | 'maximum' | 'minimum' | 'whereMask'>(
        'add',
        'mul',
        'sub',
        'maximum',
        'minimum',
        'whereMask',
      ),
      l: sub,
      r: sub,
    }),
    fc.record({ op: fc.constant('custom' as const), l: sub, r: sub }),
    fc.record({ op: fc.constant('withB' as const), fn: fc.constantFrom('add' as const, 'mul' as const), arg: sub }),
    fc.record({
      op: fc.constant('reduce' as const),
      fn: fc.constantFrom<'sum' | 'mean' | 'max' | 'min' | 'logsumexp'>('sum', 'mean', 'max', 'min', 'logsumexp'),
      axis: axisArb,
      arg: sub,
    }),
    fc.record({
      op: fc.constant('along' as const),
      fn: fc.constantFrom<'cumsum' | 'cumsumReverse' | 'flip' | 'roll' | 'padSlice' | 'gather' | 'take'>(
        'cumsum',
        'cumsumReverse',
        'flip',
        'roll',
        'padSlice',
        'gather',
        'take',
      ),
      axis: axisArb,
      arg: sub,
    }),
    fc.record({ op: fc.constant('softmax' as const), log: fc.boolean(), axis: axisArb, arg: sub }),
    fc.record({
      op: fc.constant('matmul' as const),
      side: fc.constantFrom('right' as const, 'left' as const, 'gram' as const),
      arg: sub,
    }),
    fc.record({
      op: fc.constant('move' as const),
      fn: fc.constantFrom('reshapeSwap' as const, 'flatRamp' as const, 'transposeScale' as const),
      arg: sub,
    }),
  );
}

const show = (e: Expr): string => {
  switch (e.op) {
    case 'a':
    case 'b':
      return e.op;
    case 'unary':
      return `${e.fn}(${show(e.arg)})`;
    case 'binary':
      return `${e.fn}(${show(e.l)}, ${show(e.r)})`;
    case 'withB':
      return `${e.fn}B(${show(e.arg)})`;
    case 'custom':
      return `customVjp(${show(e.l)}, ${show(e.r)})`;
    case 'reduce':
    case 'along':
      return `${e.fn}[${e.axis}](${show(e.arg)})`;
    case 'softmax':
      return `${e.log ? 'logSoftmax' : 'softmax'}[${e.axis}](${show(e.arg)})`;
    case 'matmul':
      return `matmul_${e.side}(${show(e.arg)})`;
    case 'move':
      return `${e.fn}(${show(e.arg)})`;
  }
};

/** How the second argument broadcasts against the example shape [R, C]. */
type BKind = 'full' | 'row' | 'col' | 'scalar';
const bShapeOf = (kind: BKind, r: number, c: number): number[] =>
  kind === 'full' ? [r, c] : kind === 'row' ? [c] : kind === 'col' ? [r, 1] : [];

type Head = 'sum' | 'logsumexp' | 'max' | 'meanSquare';

interface Fn {
  readonly r: number;
  readonly c: number;
  readonly bKind: BKind;
  readonly expr: Expr;
  readonly head: Head;
}

const fnArb: fc.Arbitrary<Fn> = fc.record({
  r: fc.integer({ min: 1, max: 3 }),
  c: fc.integer({ min: 1, max: 3 }),
  bKind: fc.constantFrom<BKind>('full', 'row', 'col', 'scalar'),
  expr: exprArb(4),
  head: fc.constantFrom<Head>('sum', 'logsumexp', 'max', 'meanSquare'),
});

const showFn = (f: Fn): string => `[${f.r},${f.c}] b:${f.bKind} ${f.head}(${show(f.expr)})`;

/** The drawn function's body ([R, C] out), its scalar head, and both as a pytree. */
interface Built {
  readonly body: (a: x.Tensor, b: x.Tensor) => x.Tensor;
  readonly scalar: (a: x.Tensor, b: x.Tensor) => x.Tensor;
  readonly both: (a: x.Tensor, b: x.Tensor) => [x.Tensor, x.Tensor];
  readonly aShape: readonly number[];
  readonly bShape: readonly number[];
}

function buildFn(spec: Fn): Built {
  const { r, c } = spec;
  const constant = (shape: number[], seed: number): x.Tensor =>
    x.tensor(Float64Array.from(valuesFor(sizeOf(shape), seed).map((v) => v * 0.6)), { shape, dtype: 'f64' });
  // constants closed over by f (unmapped inside vmap)
  const right = constant([c, c], 101);
  const left = constant([r, r], 102);
  const ramp = x.tensor(
    Float64Array.from({ length: r * c }, (_, i) => 0.5 + i / (r * c)),
    { shape: [r * c], dtype: 'f64' },
  );
  const column = x.tensor(
    Float64Array.from({ length: c }, (_, i) => 1 - i / 4),
    { shape: [c, 1], dtype: 'f64' },
  );
  const mask = x.tensor(
    Uint8Array.from({ length: r * c }, (_, i) => (i % 3 === 1 ? 1 : 0)),
    { shape: [r, c], dtype: 'bool' },
  );
  const indices = (shape: number[], bound: number, seed: number): x.Tensor =>
    x.tensor(
      Int32Array.from({ length: sizeOf(shape) }, (_, i) => (i * 7 + seed) % bound),
      { shape, dtype: 'i32' },
    );
  const gatherRows = indices([r, c], r, 2);
  const gatherCols = indices([r, c], c, 1);
  const permRows = indices([r], r, r - 1);
  const permCols = indices([c], c, 1);
  // p·tanh(q) with its VJP written by hand (residuals p and tanh q); differentiable again for hvp
  const custom = x.customVjp(
    (p: x.Tensor, q: x.Tensor) => {
      const t = x.tanh(q);
      return [x.mul(p, t), [p, t]] as const;
    },
    ([p, t]: readonly [x.Tensor, x.Tensor], ct: x.Tensor) => [x.mul(ct, t), x.mul(x.mul(ct, p), x.sub(1, x.square(t)))],
  );
  const go = (e: Expr, a: x.Tensor, b: x.Tensor): x.Tensor => {
    switch (e.op) {
      case 'a':
        return a;
      case 'b':
        return x.broadcastTo(b, [r, c]);
      case 'unary': {
        const t = go(e.arg, a, b);
        switch (e.fn) {
          case 'expTanh':
            return x.exp(x.tanh(t));
          case 'logSoftplus':
            return x.log(x.softplus(t));
          case 'tanh':
            return x.tanh(t);
          case 'sin':
            return x.sin(t);
          case 'square':
            return x.square(t);
        }
        break;
      }
      case 'binary': {
        const p = go(e.l, a, b);
        const q = go(e.r, a, b);
        switch (e.fn) {
          case 'add':
            return x.add(p, q);
          case 'mul':
            return x.mul(p, q);
          case 'sub':
            return x.sub(p, q);
          case 'maximum':
            return x.maximum(p, q);
          case 'minimum':
            return x.minimum(p, q);
          case 'whereMask':
            return x.where(mask, p, q);
        }
        break;
      }
      case 'custom':
        return custom(go(e.l, a, b), go(e.r, a, b));
      case 'withB': {
        const t = go(e.arg, a, b);
        return e.fn === 'add' ? x.add(t, b) : x.mul(t, b);
      }
      case 'reduce': {
        const t = go(e.arg, a, b);
        const red = { sum: x.sum, mean: x.mean, max: x.max, min: x.min, logsumexp: x.logsumexp }[e.fn](t, {
          axis: e.axis,
        });
        return x.sub(t, x.mul(0.5, x.expandDims(red, e.axis)));
      }
      case 'along': {
        const t = go(e.arg, a, b);
        const axis = normal(e.axis, 2);
        const n = axis === 0 ? r : c;
        const at = (lo: number, hi: number): x.Tensor =>
          x.slice(t, axis === 0 ? [lo, 0] : [0, lo], axis === 0 ? [hi, c] : [r, hi]);
        switch (e.fn) {
          case 'cumsum':
            return x.cumsum(t, { axis: e.axis });
          case 'cumsumReverse':
            return x.cumsum(t, { axis: e.axis, reverse: true, exclusive: true });
          case 'flip':
            return x.flip(t, e.axis);
          case 'roll':
            // the last n − 1 entries, then the first (an empty piece when n is 1)
            return x.concat([at(1, n), at(0, 1)], e.axis);
          case 'padSlice': {
            const pads: [number, number][] =
              axis === 0
                ? [
                    [1, 2],
                    [0, 0],
                  ]
                : [
                    [0, 0],
                    [1, 2],
                  ];
            const padded = x.pad(t, pads);
            return x.slice(padded, axis === 0 ? [1, 0] : [0, 1], axis === 0 ? [r + 1, c] : [r, c + 1]);
          }
          case 'gather':
            return x.gather(t, axis === 0 ? gatherRows : gatherCols, { axis: e.axis });
          case 'take':
            return x.take(t, axis === 0 ? permRows : permCols, { axis: e.axis });
        }
        break;
      }
      case 'softmax': {
        const t = go(e.arg, a, b);
        return e.log ? x.logSoftmax(t, { axis: e.axis }) : x.softmax(t, { axis: e.axis });
      }
      case 'matmul': {
        const t = go(e.arg, a, b);
        if (e.side === 'right') return x.matmul(t, right);
        if (e.side === 'left') return x.matmul(left, t);
        return x.tanh(x.mul(0.25, x.matmul(x.matmul(t, x.transpose(t)), t)));
      }
      case 'move': {
        const t = go(e.arg, a, b);
        if (e.fn === 'reshapeSwap') return x.transpose(x.reshape(t, [c, r]));
        if (e.fn === 'flatRamp') return x.reshape(x.mul(x.reshape(t, [r * c]), ramp), [r, c]);
        return x.transpose(x.mul(x.transpose(t, [-1, -2]), column));
      }
    }
    throw new Error('unreachable');
  };
  const head = (t: x.Tensor): x.Tensor => {
    switch (spec.head) {
      case 'sum':
        return x.sum(t);
      case 'logsumexp':
        return x.logsumexp(t, { axis: [0, 1] });
      case 'max':
        return x.max(x.sum(t, { axis: -1 }));
      case 'meanSquare':
        return x.mean(x.square(t));
    }
  };
  const body = (a: x.Tensor, b: x.Tensor): x.Tensor => go(spec.expr, a, b);
  const scalar = (a: x.Tensor, b: x.Tensor): x.Tensor => head(body(a, b));
  const both = (a: x.Tensor, b: x.Tensor): [x.Tensor, x.Tensor] => {
    const t = body(a, b);
    return [t, head(t)];
  };
  return { body, scalar, both, aShape: [r, c], bShape: bShapeOf(spec.bKind, r, c) };
}

// ---------------------------------------------------------------------------------------------------------------------
// Batched arguments: an in-axis per argument (null: shared), the batch on the host and as a tensor.

/** An axis for a batched tensor of rank `rank` (≥ 1) from a drawn integer: any of [−rank, rank), negatives included. */
const axisFromPick = (pick: number, rank: number): number => {
  const m = ((pick % (2 * rank)) + 2 * rank) % (2 * rank);
  return m < rank ? m : m - 2 * rank;
};

interface Arg {
  /** null: shared by every example */
  readonly axis: number | null;
  /** what vmap gets: the batched tensor, or the shared one */
  readonly tensor: x.Tensor;
  /** example k as its own tensor (host-sliced) */
  readonly example: (k: number) => x.Tensor;
  /** the host copy vmap got */
  readonly host: Host;
}

/** A shared argument (in-axis null) or a batch of `size` examples on the axis `pick` selects (negative or not). */
function makeArg(exampleShape: readonly number[], size: number, pick: number, share: boolean, seed: number): Arg {
  if (share) {
    const host = hostRandom(exampleShape, seed);
    const t = tensorOfHost(host);
    return { axis: null, tensor: t, example: () => t, host };
  }
  const axis = axisFromPick(pick, exampleShape.length + 1);
  const host = hostRandom(insertAt(exampleShape, normal(axis, exampleShape.length + 1), size), seed);
  return { axis, tensor: tensorOfHost(host), example: (k) => tensorOfHost(sliceHost(host, axis, k)), host };
}

const batchArb = fc.integer({ min: 0, max: 4 });
const pickArb = fc.integer({ min: -8, max: 8 });

/** A drawn function, batch size, and per argument an axis pick, whether it is shared (a quarter of the time) and a seed. */
interface Draw {
  readonly spec: Fn;
  readonly size: number;
  readonly picks: readonly number[];
  readonly shares: readonly boolean[];
  readonly seed: number;
}

const drawArb = (args: number): fc.Arbitrary<Draw> =>
  fc.record({
    spec: fnArb,
    size: batchArb,
    picks: fc.array(pickArb, { minLength: args, maxLength: args }),
    shares: fc.array(
      fc.integer({ min: 0, max: 3 }).map((v) => v === 0),
      { minLength: args, maxLength: args },
    ),
    seed: fc.integer({ min: 0, max: 10_000 }),
  });

/** vmap's options for these arguments: axisSize only when every argument is shared. */
const vmapOptions = (args: readonly Arg[], size: number, outAxes?: x.AxisSpec): x.VmapOptions => ({
  inAxes: args.map((a) => a.axis),
  ...(outAxes === undefined ? {} : { outAxes }),
  ...(args.every((a) => a.axis === null) ? { axisSize: size } : {}),
});

const label = (d: Draw, args: readonly Arg[]): string =>
  `${showFn(d.spec)} size ${d.size} inAxes [${args.map((a) => String(a.axis)).join(', ')}]`;

// ---------------------------------------------------------------------------------------------------------------------

describe('vmap of random composite functions equals the loop', () => {
  test(
    '1. vmap(f) == stack(loop f), for a pytree result with random outAxes',
    () => {
      fc.assert(
        fc.property(drawArb(2), fc.integer({ min: -3, max: 2 }), fc.boolean(), (d, outPick, scalarLast) => {
          const f = buildFn(d.spec);
          const a = makeArg(f.aShape, d.size, d.picks[0] as number, d.shares[0] as boolean, d.seed);
          const b = makeArg(f.bShape, d.size, d.picks[1] as number, d.shares[1] as boolean, d.seed + 1);
          const outBody = outPick;
          const outScalar = scalarLast ? -1 : 0;
          const name = label(d, [a, b]);
          const [body, scalar] = x.vmap(f.both, vmapOptions([a, b], d.size, [outBody, outScalar]))(a.tensor, b.tensor);
          const per = Array.from({ length: d.size }, (_, k) => f.both(a.example(k), b.example(k)));
          expect(body.shape, name).toEqual(insertAt(f.aShape, normal(outBody, 3), d.size));
          expect(scalar.shape, name).toEqual([d.size]);
          per.forEach(([pb, ps], k) => {
            expectSlice(body, outBody, k, pb, `${name} body`);
            expectSlice(scalar, outScalar, k, ps, `${name} scalar`);
          });
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT,
  );

  test(
    '2. vmap(grad(f)) == stack(loop grad(f)), argnums 0, 1 (per-example gradients of a shared argument) or both',
    () => {
      fc.assert(
        fc.property(drawArb(2), fc.constantFrom<x.Argnums>(0, 1, [0, 1]), fc.boolean(), (d, argnums, withValue) => {
          const f = buildFn(d.spec);
          const a = makeArg(f.aShape, d.size, d.picks[0] as number, d.shares[0] as boolean, d.seed);
          const b = makeArg(f.bShape, d.size, d.picks[1] as number, d.shares[1] as boolean, d.seed + 1);
          const name = `${label(d, [a, b])} argnums ${JSON.stringify(argnums)}${withValue ? ' valueAndGrad' : ''}`;
          const which = typeof argnums === 'number' ? [argnums] : argnums;
          const shapes = [f.aShape, f.bShape];
          const asList = (g: unknown): x.Tensor[] =>
            typeof argnums === 'number' ? [g as x.Tensor] : (g as x.Tensor[]);
          const loopGrad = x.grad(f.scalar, { argnums });
          const per = Array.from({ length: d.size }, (_, k) => asList(loopGrad(a.example(k), b.example(k))));
          const check = (grads: x.Tensor[]): void => {
            which.forEach((arg, i) => {
              const g = grads[i] as x.Tensor;
              expect(g.shape, name).toEqual([d.size, ...(shapes[arg] as number[])]);
              per.forEach((p, k) => {
                expectSlice(g, 0, k, p[i] as x.Tensor, `${name} grad ${arg}`);
              });
            });
          };
          check(asList(x.vmap(x.grad(f.scalar, { argnums }), vmapOptions([a, b], d.size))(a.tensor, b.tensor)));
          if (withValue) {
            const [value, grads] = x.vmap(x.valueAndGrad(f.scalar, { argnums }), vmapOptions([a, b], d.size))(
              a.tensor,
              b.tensor,
            );
            expect(value.shape, name).toEqual([d.size]);
            for (let k = 0; k < d.size; k++)
              expectSlice(value, 0, k, f.scalar(a.example(k), b.example(k)), `${name} value`);
            check(asList(grads));
          }
        }),
        { numRuns: 150 },
      );
    },
    TIMEOUT,
  );

  test(
    '2b. vmap(grad) over one pytree argument {a, b}: per-leaf inAxes and outAxes, hasAux == loop',
    () => {
      fc.assert(
        fc.property(drawArb(2), fc.tuple(pickArb, pickArb), (d, outPicks) => {
          const f = buildFn(d.spec);
          const a = makeArg(f.aShape, d.size, d.picks[0] as number, d.shares[0] as boolean, d.seed);
          const b = makeArg(f.bShape, d.size, d.picks[1] as number, d.shares[1] as boolean, d.seed + 1);
          const outA = axisFromPick(outPicks[0], f.aShape.length + 1);
          const outB = axisFromPick(outPicks[1], f.bShape.length + 1);
          const name = `${label(d, [a, b])} outAxes {a: ${outA}, b: ${outB}}`;
          interface Pair {
            readonly a: x.Tensor;
            readonly b: x.Tensor;
          }
          // value and body as aux: [scalar, body]
          const loss = (t: Pair): [x.Tensor, x.Tensor] => {
            const [body, scalar] = f.both(t.a, t.b);
            return [scalar, body];
          };
          const gradTree = x.grad(loss, { hasAux: true });
          const [g, aux] = x.vmap(gradTree, {
            inAxes: [{ a: a.axis, b: b.axis }],
            outAxes: [{ a: outA, b: outB }, 0],
            ...(a.axis === null && b.axis === null ? { axisSize: d.size } : {}),
          })({ a: a.tensor, b: b.tensor });
          expect(g.a.shape, name).toEqual(insertAt(f.aShape, normal(outA, f.aShape.length + 1), d.size));
          expect(g.b.shape, name).toEqual(insertAt(f.bShape, normal(outB, f.bShape.length + 1), d.size));
          expect(aux.shape, name).toEqual([d.size, ...f.aShape]);
          for (let k = 0; k < d.size; k++) {
            const [w, wAux] = gradTree({ a: a.example(k), b: b.example(k) });
            expectSlice(g.a, outA, k, w.a, `${name} grad a`);
            expectSlice(g.b, outB, k, w.b, `${name} grad b`);
            expectSlice(aux, 0, k, wAux, `${name} aux`);
          }
        }),
        { numRuns: 150 },
      );
    },
    TIMEOUT,
  );

  test(
    '3a. vmap of jvp == loop of jvp (tangents mapped or shared independently of the primals)',
    () => {
      fc.assert(
        fc.property(drawArb(4), (d) => {
          const f = buildFn(d.spec);
          const shapes = [f.aShape, f.bShape, f.aShape, f.bShape];
          const args = shapes.map((s, i) =>
            makeArg(s, d.size, d.picks[i] as number, d.shares[i] as boolean, d.seed + i),
          );
          const [a, b, ta, tb] = args as [Arg, Arg, Arg, Arg];
          const name = label(d, args);
          const jvpOf = (
            p: x.Tensor,
            q: x.Tensor,
            tp: x.Tensor,
            tq: x.Tensor,
          ): [[x.Tensor, x.Tensor], [x.Tensor, x.Tensor]] => x.jvp(f.both, [p, q], [tp, tq]);
          const [[value, scalar], [tangent, scalarTangent]] = x.vmap(jvpOf, vmapOptions(args, d.size))(
            a.tensor,
            b.tensor,
            ta.tensor,
            tb.tensor,
          );
          expect(tangent.shape, name).toEqual([d.size, ...f.aShape]);
          for (let k = 0; k < d.size; k++) {
            const [[v, s], [t, st]] = jvpOf(a.example(k), b.example(k), ta.example(k), tb.example(k));
            expectSlice(value, 0, k, v, `${name} value`);
            expectSlice(scalar, 0, k, s, `${name} scalar`);
            expectSlice(tangent, 0, k, t, `${name} tangent`);
            expectSlice(scalarTangent, 0, k, st, `${name} scalar tangent`);
          }
        }),
        { numRuns: 150 },
      );
    },
    TIMEOUT,
  );

  test(
    '3b. vmap of vjp (the pullback called inside the vmapped function) == loop of vjp',
    () => {
      fc.assert(
        fc.property(drawArb(4), (d) => {
          const f = buildFn(d.spec);
          const shapes = [f.aShape, f.bShape, f.aShape, []];
          const args = shapes.map((s, i) =>
            makeArg(s, d.size, d.picks[i] as number, d.shares[i] as boolean, d.seed + i),
          );
          const [a, b, ct, cs] = args as [Arg, Arg, Arg, Arg];
          const name = label(d, args);
          const vjpOf = (p: x.Tensor, q: x.Tensor, u: x.Tensor, us: x.Tensor): x.Tensor[] => {
            const [[value, scalar], pullback] = x.vjp(f.both, p, q);
            const [gp, gq] = pullback([u, us]);
            return [value, scalar, gp, gq];
          };
          const got = x.vmap(vjpOf, vmapOptions(args, d.size))(a.tensor, b.tensor, ct.tensor, cs.tensor);
          expect((got[3] as x.Tensor).shape, name).toEqual([d.size, ...f.bShape]);
          for (let k = 0; k < d.size; k++) {
            const want = vjpOf(a.example(k), b.example(k), ct.example(k), cs.example(k));
            ['value', 'scalar', 'cotangent a', 'cotangent b'].forEach((what, i) => {
              expectSlice(got[i] as x.Tensor, 0, k, want[i] as x.Tensor, `${name} ${what}`);
            });
          }
        }),
        { numRuns: 150 },
      );
    },
    TIMEOUT,
  );

  test(
    '3c. vmap of hvp == loop of hvp (over the pytree [a, b], directions mapped or shared)',
    () => {
      fc.assert(
        fc.property(drawArb(4), (d) => {
          const f = buildFn(d.spec);
          const shapes = [f.aShape, f.bShape, f.aShape, f.bShape];
          const args = shapes.map((s, i) =>
            makeArg(s, d.size, d.picks[i] as number, d.shares[i] as boolean, d.seed + i),
          );
          const [a, b, va, vb] = args as [Arg, Arg, Arg, Arg];
          const name = label(d, args);
          const hvpOf = (p: x.Tensor, q: x.Tensor, vp: x.Tensor, vq: x.Tensor): [x.Tensor, x.Tensor] =>
            x.hvp((pq: [x.Tensor, x.Tensor]) => f.scalar(pq[0], pq[1]))([p, q], [vp, vq]);
          const [ha, hb] = x.vmap(hvpOf, vmapOptions(args, d.size))(a.tensor, b.tensor, va.tensor, vb.tensor);
          expect(ha.shape, name).toEqual([d.size, ...f.aShape]);
          expect(hb.shape, name).toEqual([d.size, ...f.bShape]);
          for (let k = 0; k < d.size; k++) {
            const [wa, wb] = hvpOf(a.example(k), b.example(k), va.example(k), vb.example(k));
            expectSlice(ha, 0, k, wa, `${name} hvp a`);
            expectSlice(hb, 0, k, wb, `${name} hvp b`);
          }
        }),
        { numRuns: 100 },
      );
    },
    TIMEOUT,
  );

  test(
    '4. jit(vmap(f)) and vmap(jit(f)) == loop (values and per-example gradients; one jitted function, two batch sizes)',
    () => {
      fc.assert(
        fc.property(drawArb(2), fc.integer({ min: 0, max: 4 }), (d, other) => {
          const f = buildFn(d.spec);
          const gradF = x.grad(f.scalar, { argnums: [0, 1] });
          const shared = d.shares[0] === true && d.shares[1] === true;
          const optsFor = (size: number): x.VmapOptions => ({
            inAxes: [
              d.shares[0] === true ? null : axisFromPick(d.picks[0] as number, f.aShape.length + 1),
              d.shares[1] === true ? null : axisFromPick(d.picks[1] as number, f.bShape.length + 1),
            ],
            ...(shared ? { axisSize: size } : {}),
          });
          // jitted once (per batch size only when no argument is mapped), and the inner jits called eagerly first
          const jitted = (size: number) => ({
            outer: x.jit(x.vmap(f.both, optsFor(size))),
            grads: x.jit(x.vmap(gradF, optsFor(size))),
          });
          const once = jitted(d.size);
          const jitF = x.jit(f.both);
          const jitGrad = x.jit(gradF);
          for (const [round, size] of [d.size, other].entries()) {
            const a = makeArg(f.aShape, size, d.picks[0] as number, d.shares[0] as boolean, d.seed + 2 * round);
            const b = makeArg(f.bShape, size, d.picks[1] as number, d.shares[1] as boolean, d.seed + 2 * round + 1);
            const name = `${label({ ...d, size }, [a, b])} round ${round}`;
            const opts = vmapOptions([a, b], size);
            if (round === 0) {
              const [a0, b0] = [tensorOfHost(hostRandom(f.aShape, 7)), tensorOfHost(hostRandom(f.bShape, 8))];
              jitF(a0, b0);
              jitGrad(a0, b0);
            }
            const { outer, grads } = shared && round > 0 ? jitted(size) : once;
            const results = {
              'jit(vmap)': outer(a.tensor, b.tensor),
              'vmap(jit)': x.vmap(jitF, opts)(a.tensor, b.tensor),
              'jit(vmap(grad))': grads(a.tensor, b.tensor),
              'vmap(jit(grad))': x.vmap(jitGrad, opts)(a.tensor, b.tensor),
            };
            for (const [which, got] of Object.entries(results))
              expect(got[0].shape, `${name} ${which}`).toEqual([size, ...f.aShape]);
            for (let k = 0; k < size; k++) {
              const want = { values: f.both(a.example(k), b.example(k)), grads: gradF(a.example(k), b.example(k)) };
              for (const [which, got] of Object.entries(results)) {
                const w = which.includes('grad') ? want.grads : want.values;
                expectSlice(got[0], 0, k, w[0], `${name} ${which} [0]`);
                expectSlice(got[1], 0, k, w[1], `${name} ${which} [1]`);
              }
            }
          }
        }),
        { numRuns: 100 },
      );
    },
    TIMEOUT,
  );
});

describe('nested vmap and grad of vmap equal the loops', () => {
  /** Two batch sizes; a mapped by both vmaps; b shared, or mapped by the outer, the inner or both. */
  interface Nested {
    readonly spec: Fn;
    readonly sizes: readonly [number, number];
    readonly picks: readonly number[];
    readonly bMapped: 'none' | 'outer' | 'inner' | 'both';
    readonly outPicks: readonly [number, number];
    readonly seed: number;
  }
  const nestedArb: fc.Arbitrary<Nested> = fc.record({
    spec: fnArb,
    sizes: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
    picks: fc.array(pickArb, { minLength: 4, maxLength: 4 }),
    bMapped: fc.constantFrom('none' as const, 'outer' as const, 'inner' as const, 'both' as const),
    outPicks: fc.tuple(pickArb, pickArb),
    seed: fc.integer({ min: 0, max: 10_000 }),
  });

  /** The doubly batched argument: inner batch inserted at `inner`, then outer at `outer`; examples sliced on the host. */
  interface Arg2 {
    readonly axes: readonly [number | null, number | null];
    readonly tensor: x.Tensor;
    readonly host: Host;
    readonly example: (i: number, j: number) => x.Tensor;
  }
  function makeArg2(
    shape: readonly number[],
    n: Nested,
    outer: boolean,
    inner: boolean,
    picks: number[],
    seed: number,
  ): Arg2 {
    const [n1, n2] = n.sizes;
    const innerAxis = inner ? axisFromPick(picks[1] as number, shape.length + 1) : null;
    const mid = innerAxis === null ? [...shape] : insertAt(shape, normal(innerAxis, shape.length + 1), n2);
    const outerAxis = outer ? axisFromPick(picks[0] as number, mid.length + 1) : null;
    const full = outerAxis === null ? mid : insertAt(mid, normal(outerAxis, mid.length + 1), n1);
    const host = hostRandom(full, seed);
    const example = (i: number, j: number): x.Tensor => {
      const h1 = outerAxis === null ? host : sliceHost(host, outerAxis, i);
      return tensorOfHost(innerAxis === null ? h1 : sliceHost(h1, innerAxis, j));
    };
    return { axes: [outerAxis, innerAxis], tensor: tensorOfHost(host), host, example };
  }
  const nestedLabel = (n: Nested, a: Arg2, b: Arg2): string =>
    `${showFn(n.spec)} sizes [${n.sizes.join(', ')}] a axes [${a.axes.join(', ')}] b axes [${b.axes.join(', ')}]`;

  test(
    '5. vmap(vmap(f)) over two batch axes == double loop (random inner and outer outAxes)',
    () => {
      fc.assert(
        fc.property(nestedArb, (n) => {
          const f = buildFn(n.spec);
          const [n1, n2] = n.sizes;
          const a = makeArg2(f.aShape, n, true, true, n.picks.slice(0, 2), n.seed);
          const bOuter = n.bMapped === 'outer' || n.bMapped === 'both';
          const bInner = n.bMapped === 'inner' || n.bMapped === 'both';
          const b = makeArg2(f.bShape, n, bOuter, bInner, n.picks.slice(2), n.seed + 1);
          const name = nestedLabel(n, a, b);
          const innerOut = axisFromPick(n.outPicks[1], 3);
          const outerOut = axisFromPick(n.outPicks[0], 4);
          const inner = x.vmap(f.body, { inAxes: [a.axes[1], b.axes[1]], outAxes: innerOut });
          const got = x.vmap(inner, { inAxes: [a.axes[0], b.axes[0]], outAxes: outerOut })(a.tensor, b.tensor);
          const innerShape = insertAt(f.aShape, normal(innerOut, 3), n2);
          expect(got.shape, name).toEqual(insertAt(innerShape, normal(outerOut, 4), n1));
          const all = hostOf(got);
          for (let i = 0; i < n1; i++) {
            const row = sliceHost(all, outerOut, i);
            for (let j = 0; j < n2; j++)
              expectAllClose(
                sliceHost(row, innerOut, j).data,
                toNumbers(f.body(a.example(i, j), b.example(i, j))),
                TOL,
                `${name} [${i}, ${j}]`,
              );
          }
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT,
  );

  test(
    '5b. vmap(grad(sum ∘ vmap(f))): outer per-example gradients of an inner batch sum == double loop of grads',
    () => {
      fc.assert(
        fc.property(nestedArb, (n) => {
          const f = buildFn(n.spec);
          const [n1, n2] = n.sizes;
          const a = makeArg2(f.aShape, n, true, true, n.picks.slice(0, 2), n.seed);
          const bOuter = n.bMapped === 'outer' || n.bMapped === 'both';
          const bInner = n.bMapped === 'inner' || n.bMapped === 'both';
          const b = makeArg2(f.bShape, n, bOuter, bInner, n.picks.slice(2), n.seed + 1);
          const name = nestedLabel(n, a, b);
          const innerSum = (p: x.Tensor, q: x.Tensor): x.Tensor =>
            x.sum(x.vmap(f.scalar, { inAxes: [a.axes[1], b.axes[1]] })(p, q));
          const [ga, gb] = x.vmap(x.grad(innerSum, { argnums: [0, 1] }), { inAxes: [a.axes[0], b.axes[0]] })(
            a.tensor,
            b.tensor,
          );
          // gradients of one outer example: a's inner examples stacked on its inner axis; b's likewise, or summed when
          // the inner vmap shares b
          const midShape = (arg: Arg2): readonly number[] => {
            const s = arg.tensor.shape;
            return arg.axes[0] === null ? s : s.filter((_, d) => d !== normal(arg.axes[0] as number, s.length));
          };
          expect(ga.shape, name).toEqual([n1, ...midShape(a)]);
          expect(gb.shape, name).toEqual([n1, ...midShape(b)]);
          const loopGrad = x.grad(f.scalar, { argnums: [0, 1] });
          for (let i = 0; i < n1; i++) {
            const per = Array.from({ length: n2 }, (_, j) => loopGrad(a.example(i, j), b.example(i, j)));
            const wantA = stackHost(
              per.map(([g]) => hostOf(g)),
              a.axes[1] as number,
              f.aShape,
            );
            const wantB =
              b.axes[1] === null
                ? per.reduce((acc, [, g]) => addHost(acc, hostOf(g)), zerosHost(f.bShape))
                : stackHost(
                    per.map(([, g]) => hostOf(g)),
                    b.axes[1],
                    f.bShape,
                  );
            expectSlice(ga, 0, i, wantA, `${name} grad a`);
            expectSlice(gb, 0, i, wantB, `${name} grad b`);
          }
        }),
        { numRuns: 150 },
      );
    },
    TIMEOUT,
  );

  test(
    '6. grad(Σ w·vmap(f)) == Σ w·(loop of grads): mapped arguments get per-example slots, shared ones the sum',
    () => {
      fc.assert(
        fc.property(drawArb(2), (d) => {
          const f = buildFn(d.spec);
          const a = makeArg(f.aShape, d.size, d.picks[0] as number, d.shares[0] as boolean, d.seed);
          const b = makeArg(f.bShape, d.size, d.picks[1] as number, d.shares[1] as boolean, d.seed + 1);
          const name = label(d, [a, b]);
          const weights = Array.from({ length: d.size }, (_, k) => 1 + k / 3);
          const w = x.tensor(Float64Array.from(weights), { shape: [d.size], dtype: 'f64' });
          const opts = vmapOptions([a, b], d.size);
          const total = (p: x.Tensor, q: x.Tensor): x.Tensor => x.sum(x.mul(w, x.vmap(f.scalar, opts)(p, q)));
          const [ga, gb] = x.grad(total, { argnums: [0, 1] })(a.tensor, b.tensor);
          const [va] = x.valueAndGrad(total)(a.tensor, b.tensor);
          const loopGrad = x.grad(f.scalar, { argnums: [0, 1] });
          const per = Array.from({ length: d.size }, (_, k) => loopGrad(a.example(k), b.example(k)));
          const wantOf = (arg: Arg, shape: readonly number[], i: 0 | 1): Host =>
            arg.axis === null
              ? per.reduce((acc, g, k) => addHost(acc, scaleHost(hostOf(g[i]), weights[k] as number)), zerosHost(shape))
              : stackHost(
                  per.map((g, k) => scaleHost(hostOf(g[i]), weights[k] as number)),
                  arg.axis,
                  shape,
                );
          expectHost(ga, wantOf(a, f.aShape, 0), `${name} grad a`);
          expectHost(gb, wantOf(b, f.bShape, 1), `${name} grad b`);
          const value = weights.reduce((s, wk, k) => s + wk * x.item(f.scalar(a.example(k), b.example(k))), 0);
          expectAllClose([x.item(va)], [value], TOL, `${name} value`);
        }),
        { numRuns: 150 },
      );
    },
    TIMEOUT,
  );
});
