/** @file Random well-typed composite programs (fc.letrec over the public ops), smooth by construction. */
import fc from 'fast-check';
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

export type Expr =
  | { readonly op: 'leaf'; readonly which: 0 | 1 }
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

/** Builds the expression with the public ops (constants take the inputs' dtype). */
export function build(e: Expr, a: x.Tensor, b: x.Tensor): x.Tensor {
  const c = constants(a.shape[0] as number, a.shape[1] as number, a.dtype === 'f32' ? 'f32' : 'f64');
  const go = (n: Expr): x.Tensor => build(n, a, b);
  switch (e.op) {
    case 'leaf':
      return e.which === 0 ? a : b;
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
