/** @file The JAX dialect: one jax.numpy / lax call per primitive (an exhaustive table), its dtypes, helpers and the custom_vjp wrapper. */
import type { Prim, PrimTable } from '../../ir/prim.js';
import { type PythonDialect, type PythonOp, pyTuple } from './dialect.js';

const call =
  (f: string): PythonOp<Prim> =>
  (a) =>
    `${f}(${a.join(', ')})`;

const linearArgs = (a: readonly string[], targets: boolean): string =>
  `${a[0]}, ${a[1]}, ${a[2]}, ${targets ? a[3] : 'None'}`;

/** One jax.numpy / lax expression per primitive. */
export const jaxOps: PrimTable<{ [P in Prim]: PythonOp<P> }> = {
  neg: call('jnp.negative'),
  exp: call('jnp.exp'),
  log: call('jnp.log'),
  log1p: call('jnp.log1p'),
  expm1: call('jnp.expm1'),
  sqrt: call('jnp.sqrt'),
  recip: call('jnp.reciprocal'),
  sin: call('jnp.sin'),
  cos: call('jnp.cos'),
  tanh: call('jnp.tanh'),
  abs: call('jnp.abs'),
  sign: call('jnp.sign'),
  floor: call('jnp.floor'),
  ceil: call('jnp.ceil'),
  erf: call('jsp.erf'),
  erfc: call('jsp.erfc'),
  erfinv: call('jsp.erfinv'),
  lgamma: call('lax.lgamma'),
  polygamma: ([x], { order }) => `jsp.polygamma(${order}, ${x})`,
  add: call('jnp.add'),
  sub: call('jnp.subtract'),
  mul: call('jnp.multiply'),
  div: call('jnp.divide'),
  pow: call('jnp.power'),
  maximum: call('jnp.maximum'),
  minimum: call('jnp.minimum'),
  less: call('jnp.less'),
  lessEqual: call('jnp.less_equal'),
  equal: call('jnp.equal'),
  notEqual: call('jnp.not_equal'),
  where: call('jnp.where'),
  cast: ([x], { dtype }, n, ctx) => {
    const from = (n.inputs[0] as { type: { dtype: string } }).type.dtype;
    if (dtype === 'bool') return `jnp.not_equal(${x}, 0)`;
    if (dtype === 'i32' && (from === 'f32' || from === 'f64')) return `${ctx.helper('toI32')}(${x})`;
    return `${x}.astype(${ctx.dtype(dtype)})`;
  },
  sum: ([x], { axes }, n, ctx) => `jnp.sum(${x}, axis=${pyTuple(axes)}, dtype=${ctx.dtype(n.type.dtype)})`,
  max: ([x], { axes }) => `jnp.max(${x}, axis=${pyTuple(axes)})`,
  logsumexp: ([x], { axes }) => `jsp.logsumexp(${x}, axis=${pyTuple(axes)})`,
  reshape: ([x], { shape }) => `jnp.reshape(${x}, ${pyTuple(shape)})`,
  broadcast: ([x], { shape }) => `jnp.broadcast_to(${x}, ${pyTuple(shape)})`,
  transpose: ([x], { perm }) => `jnp.transpose(${x}, ${pyTuple(perm)})`,
  slice: ([x], { start, end }) => `${x}[${start.map((s, i) => `${s}:${end[i]}`).join(', ')}]`,
  pad: ([x], { lo, hi }) => `jnp.pad(${x}, ${pyTuple(lo.map((l, i) => pyTuple([l, hi[i] as number])))})`,
  flip: ([x], { axes }) => `jnp.flip(${x}, axis=${pyTuple(axes)})`,
  concat: (a, { axis }) => `jnp.concatenate([${a.join(', ')}], axis=${axis})`,
  gather: ([x, i], { axis }) => `jnp.take_along_axis(${x}, ${i}, axis=${axis})`,
  matmul: call('jnp.matmul'),
  cumsum: ([x], { axis, reverse }) => `lax.cumsum(${x}, axis=${axis}, reverse=${reverse ? 'True' : 'False'})`,
  logcumsumexp: ([x], { axis, reverse }) =>
    `lax.cumlogsumexp(${x}, axis=${axis}, reverse=${reverse ? 'True' : 'False'})`,
  eigh: ([x], { output }, _n, ctx) =>
    output === 'values'
      ? `jnp.linalg.eigvalsh(0.5 * (${x} + jnp.swapaxes(${x}, -1, -2)))`
      : `${ctx.helper('eighVectors')}(${x})`,
  argsort: ([x], { axis, descending }) =>
    `jnp.argsort(${x}, axis=${axis}, stable=True, descending=${descending ? 'True' : 'False'}).astype(jnp.int32)`,
  linearLogitStats: (a, { softcap, targets }, _n, ctx) =>
    `${ctx.helper('linearLogitStats')}(${linearArgs(a, targets)}, softcap=${softcap ?? 'None'})`,
  linearLogitGrad: (a, { softcap, targets, filter }, _n, ctx) => {
    const k = targets ? 4 : 3;
    return `${ctx.helper('linearLogitGrad')}(${linearArgs(a, targets)}, ${a[k]}, ${a[k + 1]}, softcap=${softcap ?? 'None'}, filter=${filter ? 'True' : 'False'})`;
  },
  iota: (_a, { shape, axis, dtype }, _n, ctx) =>
    `lax.broadcasted_iota(${ctx.dtype(dtype)}, ${pyTuple(shape)}, ${axis})`,
  stopGradient: call('lax.stop_gradient'),
  checkIndex: ([x], { bound }, _n, ctx) => `${ctx.helper('checkIndex')}(${x}, ${bound})`,
};

export const jaxDialect: PythonDialect = {
  library: 'JAX',
  imports: (f64) => [
    'import math',
    '',
    'import jax',
    'import jax.numpy as jnp',
    'from jax import lax',
    'from jax.scipy import special as jsp',
    ...(f64
      ? [
          '',
          '# f64 arrays stay f64 (without x64, JAX would compute them in f32)',
          'jax.config.update("jax_enable_x64", True)',
        ]
      : []),
  ],
  dtypes: { f32: 'jnp.float32', f64: 'jnp.float64', i32: 'jnp.int32', bool: 'jnp.bool_' },
  ops: jaxOps,
  helpers: {
    expect: `def _expect(t, dtype, shape, path):
    """Rejects a leaf of another dtype or shape than the example's (the module never converts silently)."""
    if not hasattr(t, "dtype") or t.dtype != dtype or tuple(t.shape) != shape:
        got = f"{t.dtype} {tuple(t.shape)}" if hasattr(t, "dtype") else type(t).__name__
        raise TypeError(f"{path}: expected an array {jnp.dtype(dtype)} {shape}, got {got}")
    return t`,
    checkIndex: `def _check_index(i, bound):
    """The indices themselves, checked to lie in [0, bound) where they are concrete (outside jit)."""
    if not isinstance(i, jax.core.Tracer) and i.size > 0 and (int(i.min()) < 0 or int(i.max()) >= bound):
        raise IndexError(f"an index is outside [0, {bound})")
    return i`,
    toI32: `def _to_i32(x):
    """float -> int32 as xent casts: toward zero, saturating, NaN -> 0."""
    x = jnp.nan_to_num(jnp.trunc(x).astype(jnp.float64), nan=0.0)
    return jnp.clip(x, -2147483648, 2147483647).astype(jnp.int32)`,
    eighVectors: `def _eigh_vectors(a):
    """Eigenvectors (columns, ascending eigenvalues) of the symmetric part, each signed so its largest entry is positive."""
    v = jnp.linalg.eigh(0.5 * (a + jnp.swapaxes(a, -1, -2)))[1]
    big = jnp.argmax(jnp.abs(v), axis=-2, keepdims=True)
    return v * (1 - 2 * (jnp.take_along_axis(v, big, axis=-2) < 0).astype(v.dtype))`,
    linearLogitStats: `def _linear_logit_stats(h, w, b, y, softcap, chunk=1024):
    """Row statistics [N, 5] (lse, pick, sum, max, ties) of z = s(h W^T + b), \`chunk\` rows at a time (never all N x V logits)."""
    rows = []
    for start in range(0, h.shape[0], chunk):
        u = jnp.matmul(h[start:start + chunk], w.T) + b
        z = u if softcap is None else softcap * jnp.tanh(u / softcap)
        top = jnp.max(z, axis=1)
        if y is None:
            pick = jnp.zeros_like(top)
        else:
            pick = jnp.take_along_axis(z, y[start:start + chunk, None], axis=1)[:, 0]
        ties = jnp.sum(z == top[:, None], axis=1).astype(z.dtype)
        rows.append(jnp.stack([jsp.logsumexp(z, axis=1), pick, jnp.sum(z, axis=1), top, ties], axis=1))
    return jnp.concatenate(rows, axis=0) if rows else jnp.zeros((0, 5), h.dtype)`,
    linearLogitGrad: `def _linear_logit_grad(h, w, b, y, stats, ct, softcap, filter, chunk=1024):
    """The cotangents of h, W and b packed flat [N*D | V*D | V] from the stats' cotangent ct [N, 5], \`chunk\` rows at a time."""
    dh = []
    dw = jnp.zeros_like(w)
    db = jnp.zeros_like(b)
    columns = jnp.arange(w.shape[0])
    for start in range(0, h.shape[0], chunk):
        hc = h[start:start + chunk]
        s = stats[start:start + chunk]
        c = ct[start:start + chunk]
        u = jnp.matmul(hc, w.T) + b
        if softcap is None:
            z = u
        else:
            a = u / softcap
            z = softcap * jnp.tanh(a)
            e = jnp.exp(-2 * jnp.abs(a))
            slope = 4 * e / ((1 + e) * (1 + e))
        p = jnp.exp(z - s[:, 0:1])
        soft = c[:, 0:1] * p
        if filter:
            soft = jnp.where(p >= 2.0 ** -24, soft, 0)
        dz = c[:, 2:3] + soft
        if y is not None:
            dz = dz + jnp.where(columns[None, :] == y[start:start + chunk, None], c[:, 1:2], 0)
        dz = dz + jnp.where(z == s[:, 3:4], c[:, 3:4] / s[:, 4:5], 0)
        if softcap is not None:
            dz = dz * slope
        dh.append(jnp.matmul(dz, w))
        dw = dw + jnp.matmul(dz.T, hc)
        db = db + jnp.sum(dz, axis=0)
    dh = jnp.concatenate(dh, axis=0) if dh else jnp.zeros(h.shape, h.dtype)
    return jnp.concatenate([dh.reshape(-1), dw.reshape(-1), db.reshape(-1)])`,
  },
  constant: (literal, type, ctx) => {
    const t = `jnp.asarray(${literal}, dtype=${ctx.dtype(type.dtype)})`;
    return type.shape.length <= 1 ? t : `${t}.reshape(${pyTuple(type.shape)})`;
  },
  prologue: () => [],
  callWrapper: (name) => name,
  wrapVjp: (w) => {
    const leaves = w.leaves.join(', ');
    const cts = w.cotangentOf.map((k) => `cts[${k}]`);
    const grads = w.leaves.map((_, i) => (w.gradientOf.includes(i) ? `grads[${w.gradientOf.indexOf(i)}]` : 'None'));
    return [
      '@jax.custom_vjp',
      `def ${w.name}(${leaves}):`,
      `    """xent's own VJP as the backward (jax.custom_vjp): the forward residuals are the inputs."""`,
      `    return ${w.forward}(${leaves})`,
      '',
      '',
      `def ${w.name}_fwd(${leaves}):`,
      `    return ${w.forward}(${leaves}), (${leaves},)`,
      '',
      '',
      `def ${w.name}_bwd(saved, cts):`,
      `    ${leaves}, = saved`,
      `    grads = ${w.vjp}(${[leaves, ...cts].join(', ')})`,
      `    return (${grads.join(', ')},)`,
      '',
      '',
      `${w.name}.defvjp(${w.name}_fwd, ${w.name}_bwd)`,
    ];
  },
};
