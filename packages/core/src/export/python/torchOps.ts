/** @file The PyTorch dialect: one torch call per primitive (an exhaustive table), its dtypes, helpers and the autograd.Function wrapper. */
import type { Prim, PrimTable } from '../../ir/prim.js';
import { type PythonDialect, type PythonOp, pyTuple } from './dialect.js';

const call =
  (f: string): PythonOp<Prim> =>
  (a) =>
    `${f}(${a.join(', ')})`;

/** Runs `inner` on `x` flipped along `axis` and flips back when `reverse` (a suffix scan as a prefix one). */
const flipped = (x: string, axis: number, reverse: boolean, inner: (x: string) => string): string =>
  reverse ? `torch.flip(${inner(`torch.flip(${x}, [${axis}])`)}, [${axis}])` : inner(x);

const linearArgs = (a: readonly string[], targets: boolean): string =>
  `${a[0]}, ${a[1]}, ${a[2]}, ${targets ? a[3] : 'None'}`;

/** One torch expression per primitive. */
export const torchOps: PrimTable<{ [P in Prim]: PythonOp<P> }> = {
  neg: call('torch.neg'),
  exp: call('torch.exp'),
  log: call('torch.log'),
  log1p: call('torch.log1p'),
  expm1: call('torch.expm1'),
  sqrt: call('torch.sqrt'),
  recip: call('torch.reciprocal'),
  sin: call('torch.sin'),
  cos: call('torch.cos'),
  tanh: call('torch.tanh'),
  abs: call('torch.abs'),
  sign: call('torch.sign'),
  floor: call('torch.floor'),
  ceil: call('torch.ceil'),
  erf: call('torch.erf'),
  erfc: call('torch.erfc'),
  erfinv: call('torch.erfinv'),
  lgamma: call('torch.lgamma'),
  polygamma: ([x], { order }) => `torch.polygamma(${order}, ${x})`,
  add: call('torch.add'),
  sub: call('torch.sub'),
  mul: call('torch.mul'),
  div: call('torch.div'),
  pow: call('torch.pow'),
  maximum: call('torch.maximum'),
  minimum: call('torch.minimum'),
  less: call('torch.lt'),
  lessEqual: call('torch.le'),
  equal: call('torch.eq'),
  notEqual: call('torch.ne'),
  where: call('torch.where'),
  cast: ([x], { dtype }, n, ctx) => {
    const from = (n.inputs[0] as { type: { dtype: string } }).type.dtype;
    if (dtype === 'bool') return `torch.ne(${x}, 0)`;
    if (dtype === 'i32' && (from === 'f32' || from === 'f64')) return `${ctx.helper('toI32')}(${x})`;
    return `${x}.to(${ctx.dtype(dtype)})`;
  },
  sum: ([x], { axes }, n, ctx) =>
    axes.length === 0 ? `${x}.clone()` : `torch.sum(${x}, dim=${pyTuple(axes)}, dtype=${ctx.dtype(n.type.dtype)})`,
  max: ([x], { axes }) => (axes.length === 0 ? `${x}.clone()` : `torch.amax(${x}, dim=${pyTuple(axes)})`),
  logsumexp: ([x], { axes }) => (axes.length === 0 ? `${x}.clone()` : `torch.logsumexp(${x}, dim=${pyTuple(axes)})`),
  reshape: ([x], { shape }) => `torch.reshape(${x}, ${pyTuple(shape)})`,
  broadcast: ([x], { shape }) => `${x}.expand(${pyTuple(shape)})`,
  transpose: ([x], { perm }) => `torch.permute(${x}, ${pyTuple(perm)})`,
  slice: ([x], { start, end }) => `${x}[${start.map((s, i) => `${s}:${end[i]}`).join(', ')}]`,
  pad: ([x], { lo, hi }) =>
    `torch.nn.functional.pad(${x}, [${lo
      .map((_, i) => lo.length - 1 - i)
      .flatMap((i) => [lo[i], hi[i]])
      .join(', ')}])`,
  flip: ([x], { axes }) => `torch.flip(${x}, [${axes.join(', ')}])`,
  concat: (a, { axis }) => `torch.cat([${a.join(', ')}], dim=${axis})`,
  gather: ([x, i], { axis }) => `torch.gather(${x}, ${axis}, ${i}.long())`,
  matmul: call('torch.matmul'),
  cumsum: ([x], { axis, reverse }, n, ctx) =>
    flipped(x as string, axis, reverse, (v) => `torch.cumsum(${v}, ${axis}, dtype=${ctx.dtype(n.type.dtype)})`),
  logcumsumexp: ([x], { axis, reverse }) =>
    flipped(x as string, axis, reverse, (v) => `torch.logcumsumexp(${v}, ${axis})`),
  eigh: ([x], { output }, _n, ctx) =>
    output === 'values'
      ? `torch.linalg.eigvalsh(0.5 * (${x} + ${x}.transpose(-1, -2)))`
      : `${ctx.helper('eighVectors')}(${x})`,
  argsort: ([x], { axis, descending }) =>
    `torch.sort(${x}, dim=${axis}, descending=${descending ? 'True' : 'False'}, stable=True).indices.to(torch.int32)`,
  linearLogitStats: (a, { softcap, targets }, _n, ctx) =>
    `${ctx.helper('linearLogitStats')}(${linearArgs(a, targets)}, softcap=${softcap ?? 'None'})`,
  linearLogitGrad: (a, { softcap, targets, filter }, _n, ctx) => {
    const k = targets ? 4 : 3;
    return `${ctx.helper('linearLogitGrad')}(${linearArgs(a, targets)}, ${a[k]}, ${a[k + 1]}, softcap=${softcap ?? 'None'}, filter=${filter ? 'True' : 'False'})`;
  },
  iota: (_a, { shape, axis, dtype }, _n, ctx) =>
    `torch.arange(${shape[axis]}, dtype=${ctx.dtype(dtype)}, device=dev).reshape(${pyTuple(
      shape.map((d, i) => (i === axis ? d : 1)),
    )}).expand(${pyTuple(shape)})`,
  stopGradient: ([x]) => `${x}.detach()`,
  checkIndex: ([x], { bound }, _n, ctx) => `${ctx.helper('checkIndex')}(${x}, ${bound})`,
};

export const torchDialect: PythonDialect = {
  library: 'PyTorch',
  imports: () => ['import math', '', 'import torch'],
  dtypes: { f32: 'torch.float32', f64: 'torch.float64', i32: 'torch.int32', bool: 'torch.bool' },
  ops: torchOps,
  helpers: {
    expect: `def _expect(t, dtype, shape, path):
    """Rejects a leaf of another dtype or shape than the example's (the module never converts silently)."""
    if not isinstance(t, torch.Tensor) or t.dtype != dtype or tuple(t.shape) != shape:
        got = f"{t.dtype} {tuple(t.shape)}" if isinstance(t, torch.Tensor) else type(t).__name__
        raise TypeError(f"{path}: expected a tensor {dtype} {shape}, got {got}")
    return t`,
    checkIndex: `def _check_index(i, bound):
    """The indices themselves, each checked to lie in [0, bound)."""
    if i.numel() > 0 and (int(i.min()) < 0 or int(i.max()) >= bound):
        raise IndexError(f"an index is outside [0, {bound})")
    return i`,
    toI32: `def _to_i32(x):
    """float -> int32 as xent casts: toward zero, saturating, NaN -> 0."""
    x = torch.nan_to_num(torch.trunc(x).to(torch.float64), nan=0.0)
    return torch.clamp(x, -2147483648, 2147483647).to(torch.int32)`,
    eighVectors: `def _eigh_vectors(a):
    """Eigenvectors (columns, ascending eigenvalues) of the symmetric part, each signed so its largest entry is positive."""
    v = torch.linalg.eigh(0.5 * (a + a.transpose(-1, -2))).eigenvectors
    big = torch.argmax(torch.abs(v), dim=-2, keepdim=True)
    return v * (1 - 2 * torch.lt(torch.gather(v, -2, big), 0).to(v.dtype))`,
    linearLogitStats: `def _linear_logit_stats(h, w, b, y, softcap, chunk=1024):
    """Row statistics [N, 5] (lse, pick, sum, max, ties) of z = s(h W^T + b), \`chunk\` rows at a time (never all N x V logits)."""
    rows = []
    for start in range(0, h.shape[0], chunk):
        u = torch.matmul(h[start:start + chunk], w.transpose(0, 1)) + b
        z = u if softcap is None else softcap * torch.tanh(u / softcap)
        top = torch.amax(z, dim=1)
        if y is None:
            pick = torch.zeros_like(top)
        else:
            pick = torch.gather(z, 1, y[start:start + chunk].long().unsqueeze(1)).squeeze(1)
        ties = torch.sum(torch.eq(z, top.unsqueeze(1)), dim=1).to(z.dtype)
        rows.append(torch.stack([torch.logsumexp(z, dim=1), pick, torch.sum(z, dim=1), top, ties], dim=1))
    return torch.cat(rows, dim=0) if rows else h.new_zeros((0, 5))`,
    linearLogitGrad: `def _linear_logit_grad(h, w, b, y, stats, ct, softcap, filter, chunk=1024):
    """The cotangents of h, W and b packed flat [N*D | V*D | V] from the stats' cotangent ct [N, 5], \`chunk\` rows at a time."""
    dh = []
    dw = torch.zeros_like(w)
    db = torch.zeros_like(b)
    columns = torch.arange(w.shape[0], device=h.device)
    for start in range(0, h.shape[0], chunk):
        hc = h[start:start + chunk]
        s = stats[start:start + chunk]
        c = ct[start:start + chunk]
        u = torch.matmul(hc, w.transpose(0, 1)) + b
        if softcap is None:
            z = u
        else:
            a = u / softcap
            z = softcap * torch.tanh(a)
            e = torch.exp(-2 * torch.abs(a))
            slope = 4 * e / ((1 + e) * (1 + e))
        p = torch.exp(z - s[:, 0:1])
        soft = c[:, 0:1] * p
        if filter:
            soft = torch.where(p >= 2.0 ** -24, soft, torch.zeros_like(soft))
        dz = c[:, 2:3] + soft
        if y is not None:
            hit = torch.eq(columns.unsqueeze(0), y[start:start + chunk].long().unsqueeze(1))
            dz = dz + torch.where(hit, c[:, 1:2], torch.zeros_like(dz))
        dz = dz + torch.where(torch.eq(z, s[:, 3:4]), c[:, 3:4] / s[:, 4:5], torch.zeros_like(dz))
        if softcap is not None:
            dz = dz * slope
        dh.append(torch.matmul(dz, w))
        dw = dw + torch.matmul(dz.transpose(0, 1), hc)
        db = db + torch.sum(dz, dim=0)
    dh = torch.cat(dh, dim=0) if dh else h.new_zeros(h.shape)
    return torch.cat([dh.reshape(-1), dw.reshape(-1), db.reshape(-1)])`,
  },
  constant: (literal, type, ctx) => {
    const t = `torch.tensor(${literal}, dtype=${ctx.dtype(type.dtype)}, device=dev)`;
    return type.shape.length <= 1 ? t : `${t}.reshape(${pyTuple(type.shape)})`;
  },
  prologue: (first) => [`dev = ${first === undefined ? "torch.device('cpu')" : `${first}.device`}`],
  callWrapper: (name) => `${name}.apply`,
  wrapVjp: (w) => {
    const leaves = w.leaves.join(', ');
    const cts = w.cotangentOf.map((k) => `d_out${k}`);
    const nonFloat = Array.from({ length: w.outputs }, (_, k) => k).filter((k) => !w.cotangentOf.includes(k));
    const grads = w.leaves.map((_, i) => (w.gradientOf.includes(i) ? `grads[${w.gradientOf.indexOf(i)}]` : 'None'));
    return [
      `class ${w.name}(torch.autograd.Function):`,
      `    """xent's own VJP as the backward: forward saves the inputs, backward evaluates the exported VJP graph."""`,
      '',
      '    @staticmethod',
      `    def forward(ctx, ${leaves}):`,
      `        ctx.save_for_backward(${leaves})`,
      `        outs = ${w.forward}(${leaves})`,
      ...(nonFloat.length === 0
        ? []
        : [`        ctx.mark_non_differentiable(${nonFloat.map((k) => `outs[${k}]`).join(', ')})`]),
      '        return outs',
      '',
      '    @staticmethod',
      '    @torch.autograd.function.once_differentiable',
      `    def backward(ctx, ${Array.from({ length: w.outputs }, (_, k) => `d_out${k}`).join(', ')}):`,
      `        ${leaves}, = ctx.saved_tensors`,
      `        grads = ${w.vjp}(${[leaves, ...cts].join(', ')})`,
      `        return ${grads.join(', ')}`,
    ];
  },
};
