/**
 * @file Random well-typed composite programs (fc.letrec over the public ops, and every elementwise
 * primitive of the prim table inside fused kernels), smooth by construction.
 */
import fc from 'fast-check';
import { ir, primitive, prims } from '@xent/core/internal';
import * as x from 'xent';

const unaryNames = [
  'tanh',
  'sin',
  'cos',
  'expTanh',
  'softplus',
  'sigmoid',
  'logq',
  'sqrtq',
  'recipq',
  'neg',
  'square',
] as const;
const binaryNames = ['add', 'sub', 'mul', 'divq', 'whereMask', 'maximumApart'] as const;
const reduceNames = ['centerSum', 'logsumexp', 'softmax', 'meanAll', 'cumsum', 'cumsumReverse'] as const;
const moveNames = [
  'flip0',
  'flip1',
  'roll',
  'matmulRight',
  'matmulLeft',
  'transposeBack',
  'concatSlice',
  'padSlice',
  'gatherPerm',
] as const;

/** The elementwise primitives of the prim table: a new one is drawn here without further work. */
const elementwisePrims = prims.filter(ir.isElementwisePrim);

export type Expr =
  | { readonly op: 'leaf'; readonly which: 0 | 1 }
  | { readonly op: 'prim'; readonly prim: ir.ElementwisePrim; readonly a: Expr; readonly b: Expr }
  | { readonly op: 'unary'; readonly fn: (typeof unaryNames)[number]; readonly arg: Expr }
  | { readonly op: 'binary'; readonly fn: (typeof binaryNames)[number]; readonly a: Expr; readonly b: Expr }
  | { readonly op: 'reduce'; readonly fn: (typeof reduceNames)[number]; readonly axis: 0 | 1; readonly arg: Expr }
  | { readonly op: 'move'; readonly fn: (typeof moveNames)[number]; readonly arg: Expr };

/** Expression trees over two inputs of one 2-D shape; every node has that shape. */
export const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ op: fc.constant('leaf' as const), which: fc.constantFrom(0 as const, 1 as const) }),
    fc.record({ op: fc.constant('unary' as const), fn: fc.constantFrom(...unaryNames), arg: tie('expr') }),
    fc.record({
      op: fc.constant('binary' as const),
      fn: fc.constantFrom(...binaryNames),
      a: tie('expr'),
      b: tie('expr'),
    }),
    fc.record({
      op: fc.constant('reduce' as const),
      fn: fc.constantFrom(...reduceNames),
      axis: fc.constantFrom(0 as const, 1 as const),
      arg: tie('expr'),
    }),
    fc.record({ op: fc.constant('move' as const), fn: fc.constantFrom(...moveNames), arg: tie('expr') }),
    fc.record({
      op: fc.constant('prim' as const),
      prim: fc.constantFrom(...elementwisePrims),
      a: tie('expr'),
      b: tie('expr'),
    }),
  ),
})).expr;

/** Constants sized for inputs of shape [rows, cols], in the inputs' dtype. */
function constants(rows: number, cols: number, dtype: 'f32' | 'f64') {
  const matrix = (r: number, c: number, seed: number): x.Tensor =>
    x.tensor(
      Float64Array.from({ length: r * c }, (_, i) => Math.sin(seed + 1.7 * i) * 0.8),
      { shape: [r, c], dtype },
    );
  return {
    mask: x.tensor(
      Uint8Array.from({ length: rows * cols }, (_, i) => (i % 3 === 0 ? 1 : 0)),
      { shape: [rows, cols], dtype: 'bool' },
    ),
    right: matrix(cols, cols, 1),
    left: matrix(rows, rows, 2),
    column: x.tensor(
      Float64Array.from({ length: cols }, (_, i) => i + 1),
      { shape: [cols, 1], dtype },
    ),
    rotation: x.tensor(
      Int32Array.from({ length: cols }, (_, i) => (i + cols - 1) % cols),
      { shape: [cols], dtype: 'i32' },
    ),
  };
}

type Constants = ReturnType<typeof constants>;

/** p squashed into (1.25, 1.75): in every binary primitive's smooth domain, away from integers (less 1, every unary one's). */
const low = (p: x.Tensor): x.Tensor => x.add(1.5, x.mul(0.25, x.tanh(p)));
/** q squashed into (2.25, 2.75): at least 0.5 above any `low`, so no ties. */
const high = (q: x.Tensor): x.Tensor => x.add(low(q), 1);

/**
 * How each elementwise kind is fed from subexpressions p and q, smooth in them (no ties, no poles,
 * no jumps): exhaustive over the kinds, so a primitive of a new kind asks for its harness here.
 */
const primHarness: {
  readonly [K in ir.ElementwiseKind]: (prim: ir.PrimOfKind<K>, p: x.Tensor, q: x.Tensor, c: Constants) => x.Tensor;
} = {
  unary: (prim, p) => primitive(prim, {}, x.sub(low(p), 1)),
  ordered: (prim, p) => primitive(prim, { order: 1 }, low(p)),
  binary: (prim, p, q) => primitive(prim, {}, low(p), high(q)),
  compare: (prim, p, q) => x.where(primitive(prim, {}, low(p), high(q)), p, q),
  select: (prim, p, q, c) => primitive(prim, {}, c.mask, p, q),
  /** f32 through f64 and back (exact; f64 stays), plus 1 from a constant through i32 and through bool */
  cast: (prim, p, q) => {
    const exact = p.dtype === 'f32' ? primitive(prim, { dtype: 'f32' }, primitive(prim, { dtype: 'f64' }, p)) : p;
    const through = (d: x.DType): x.Tensor =>
      primitive(prim, { dtype: p.dtype }, primitive(prim, { dtype: d }, low(q)));
    return x.add(exact, x.sub(through('i32'), through('bool')));
  },
  /** p + 0·sg(q): the value is p's, and neither value nor gradient depends on q */
  identity: (prim, p, q) => x.add(p, x.mul(primitive(prim, {}, q), 0)),
  /** a gather along the columns at checked indices */
  check: (prim, p, _q, c) => x.take(p, primitive(prim, { bound: p.shape[1] as number }, c.rotation), { axis: 1 }),
};

const applyPrim = (prim: ir.ElementwisePrim, p: x.Tensor, q: x.Tensor, c: Constants): x.Tensor =>
  (
    primHarness[ir.primInfo[prim].kind] as (
      prim: ir.ElementwisePrim,
      p: x.Tensor,
      q: x.Tensor,
      c: Constants,
    ) => x.Tensor
  )(prim, p, q, c);

/** Builds the expression with the public ops (constants take the inputs' dtype). */
export function build(e: Expr, a: x.Tensor, b: x.Tensor): x.Tensor {
  const c = constants(a.shape[0] as number, a.shape[1] as number, a.dtype === 'f32' ? 'f32' : 'f64');
  const go = (n: Expr): x.Tensor => build(n, a, b);
  switch (e.op) {
    case 'leaf':
      return e.which === 0 ? a : b;
    case 'prim':
      return applyPrim(e.prim, go(e.a), go(e.b), c);
    case 'unary': {
      const t = go(e.arg);
      switch (e.fn) {
        case 'tanh':
          return x.tanh(t);
        case 'sin':
          return x.sin(t);
        case 'cos':
          return x.cos(t);
        case 'expTanh':
          return x.exp(x.tanh(t));
        case 'softplus':
          return x.softplus(t);
        case 'sigmoid':
          return x.sigmoid(t);
        case 'logq':
          return x.log(x.add(1, x.square(t)));
        case 'sqrtq':
          return x.sqrt(x.add(1, x.square(t)));
        case 'recipq':
          return x.recip(x.add(1, x.square(t)));
        case 'neg':
          return x.neg(t);
        case 'square':
          return x.tanh(x.square(t));
      }
      break;
    }
    case 'binary': {
      const p = go(e.a);
      const q = go(e.b);
      switch (e.fn) {
        case 'add':
          return x.add(p, q);
        case 'sub':
          return x.sub(p, q);
        case 'mul':
          return x.mul(p, q);
        case 'divq':
          return x.div(p, x.add(1, x.square(q)));
        case 'whereMask':
          return x.where(c.mask, p, q);
        case 'maximumApart':
          // q + 2 + tanh(·) is always at least 1 above q − 2 + tanh(·): no ties, so smooth.
          return x.maximum(x.add(x.tanh(p), 2), x.sub(x.tanh(q), 2));
      }
      break;
    }
    case 'reduce': {
      const t = go(e.arg);
      switch (e.fn) {
        case 'centerSum':
          return x.sub(t, x.mean(t, { axis: e.axis, keepDims: true }));
        case 'logsumexp':
          return x.add(t, x.logsumexp(t, { axis: e.axis, keepDims: true }));
        case 'softmax':
          return x.softmax(t, { axis: e.axis });
        case 'meanAll':
          return x.mul(t, x.mean(x.square(t)));
        case 'cumsum':
          return x.cumsum(t, { axis: e.axis });
        case 'cumsumReverse':
          return x.cumsum(t, { axis: e.axis, reverse: true, exclusive: true });
      }
      break;
    }
    case 'move': {
      const t = go(e.arg);
      switch (e.fn) {
        case 'flip0':
          return x.flip(t, 0);
        case 'flip1':
          return x.flip(t, 1);
        case 'roll':
          return x.roll(t, 1, 1);
        case 'matmulRight':
          return x.matmul(t, c.right);
        case 'matmulLeft':
          return x.matmul(c.left, t);
        case 'transposeBack':
          return x.transpose(x.mul(x.transpose(t), c.column));
        case 'concatSlice':
          return x.concat([x.slice(t, [0, 1]), x.slice(t, [0, 0], [null, 1])], 1);
        case 'padSlice':
          return x.slice(
            x.pad(t, [
              [1, 0],
              [0, 2],
            ]),
            [1, 0],
            [null, t.shape[1] as number],
          );
        case 'gatherPerm':
          return x.take(t, c.rotation, { axis: 1 });
      }
    }
  }
  throw new Error('unreachable');
}

export const printExpr = (e: Expr): string => {
  switch (e.op) {
    case 'leaf':
      return e.which === 0 ? 'a' : 'b';
    case 'prim':
      return `${e.prim}(${printExpr(e.a)}, ${printExpr(e.b)})`;
    case 'unary':
      return `${e.fn}(${printExpr(e.arg)})`;
    case 'binary':
      return `${e.fn}(${printExpr(e.a)}, ${printExpr(e.b)})`;
    case 'reduce':
      return `${e.fn}[${e.axis}](${printExpr(e.arg)})`;
    case 'move':
      return `${e.fn}(${printExpr(e.arg)})`;
  }
};
