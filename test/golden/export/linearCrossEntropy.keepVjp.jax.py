"""Written by xent (x.export): `loss` for JAX."""
import math

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy import special as jsp

# f64 arrays stay f64 (without x64, JAX would compute them in f32)
jax.config.update("jax_enable_x64", True)


def _check_index(i, bound):
    """The indices themselves, checked to lie in [0, bound) where they are concrete (outside jit)."""
    if not isinstance(i, jax.core.Tracer) and i.size > 0 and (int(i.min()) < 0 or int(i.max()) >= bound):
        raise IndexError(f"an index is outside [0, {bound})")
    return i


def _expect(t, dtype, shape, path):
    """Rejects a leaf of another dtype or shape than the example's (the module never converts silently)."""
    if not hasattr(t, "dtype") or t.dtype != dtype or tuple(t.shape) != shape:
        got = f"{t.dtype} {tuple(t.shape)}" if hasattr(t, "dtype") else type(t).__name__
        raise TypeError(f"{path}: expected an array {jnp.dtype(dtype)} {shape}, got {got}")
    return t


def _linear_logit_grad(h, w, b, y, stats, ct, softcap, filter, chunk=1024):
    """The cotangents of h, W and b packed flat [N*D | V*D | V] from the stats' cotangent ct [N, 5], `chunk` rows at a time."""
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
    return jnp.concatenate([dh.reshape(-1), dw.reshape(-1), db.reshape(-1)])


def _linear_logit_stats(h, w, b, y, softcap, chunk=1024):
    """Row statistics [N, 5] (lse, pick, sum, max, ties) of z = s(h W^T + b), `chunk` rows at a time (never all N x V logits)."""
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
    return jnp.concatenate(rows, axis=0) if rows else jnp.zeros((0, 5), h.dtype)


def _loss_forward(h, w, y):
    c0 = jnp.asarray(0, dtype=jnp.float64)  # f64[]
    t1 = jnp.broadcast_to(c0, (6,))  # f64[6]
    t2 = _check_index(y, 6)  # i32[4]
    t3 = _linear_logit_stats(h, w, t1, t2, softcap=30)  # f64[4, 5]
    t4 = t3[0:4, 0:1]  # f64[4, 1]
    t5 = jnp.reshape(t4, (4,))  # f64[4]
    t6 = t3[0:4, 1:2]  # f64[4, 1]
    t7 = jnp.reshape(t6, (4,))  # f64[4]
    t8 = jnp.subtract(t5, t7)  # f64[4]
    t9 = jnp.sum(t8, axis=(0,), dtype=jnp.float64)  # f64[]
    c10 = jnp.asarray(4, dtype=jnp.float64)  # f64[]
    out = jnp.divide(t9, c10)  # f64[]
    return out,


def _loss_vjp(h, w, y, d_out):
    c0 = jnp.asarray(0, dtype=jnp.float64)  # f64[]
    t1 = jnp.broadcast_to(c0, (6,))  # f64[6]
    t2 = _check_index(y, 6)  # i32[4]
    t3 = _linear_logit_stats(h, w, t1, t2, softcap=30)  # f64[4, 5]
    c4 = jnp.asarray(4, dtype=jnp.float64)  # f64[]
    t5 = jnp.divide(d_out, c4)  # f64[]
    t6 = jnp.negative(t5)  # f64[]
    t7 = jnp.broadcast_to(t6, (4,))  # f64[4]
    t8 = jnp.reshape(t7, (4, 1))  # f64[4, 1]
    t9 = jnp.pad(t8, ((0, 0), (1, 3)))  # f64[4, 5]
    t10 = jnp.broadcast_to(t5, (4,))  # f64[4]
    t11 = jnp.reshape(t10, (4, 1))  # f64[4, 1]
    t12 = jnp.pad(t11, ((0, 0), (0, 4)))  # f64[4, 5]
    t13 = jnp.add(t9, t12)  # f64[4, 5]
    t14 = _linear_logit_grad(h, w, t1, t2, t3, t13, softcap=30, filter=False)  # f64[36]
    t15 = t14[0:12]  # f64[12]
    d_h = jnp.reshape(t15, (4, 3))  # f64[4, 3]
    t16 = t14[12:30]  # f64[18]
    d_w = jnp.reshape(t16, (6, 3))  # f64[6, 3]
    return d_h, d_w


@jax.custom_vjp
def _loss_with_vjp(h, w, y):
    """xent's own VJP as the backward (jax.custom_vjp): the forward residuals are the inputs."""
    return _loss_forward(h, w, y)


def _loss_with_vjp_fwd(h, w, y):
    return _loss_forward(h, w, y), (h, w, y,)


def _loss_with_vjp_bwd(saved, cts):
    h, w, y, = saved
    grads = _loss_vjp(h, w, y, cts[0])
    return (grads[0], grads[1], None,)


_loss_with_vjp.defvjp(_loss_with_vjp_fwd, _loss_with_vjp_bwd)


def loss(h, w, y):
    """loss: exported by xent to JAX, its backward xent's own VJP.

        args[0]: f64[4, 3]
        args[1]: f64[6, 3]
        args[2]: i32[4]
        out -> f64[]
    """
    h = _expect(h, jnp.float64, (4, 3), "args[0]")
    w = _expect(w, jnp.float64, (6, 3), "args[1]")
    y = _expect(y, jnp.int32, (4,), "args[2]")
    outs = _loss_with_vjp(h, w, y)
    return outs[0]
