"""Written by xent (x.export): `smoothed_ce` for JAX."""
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


def smoothed_ce(batch):
    """smoothed_ce: exported by xent to JAX.

        args[0].logits: f64[4, 5]
        args[0].labels: i32[4]
        out -> f64[]
    """
    logits = _expect(batch["logits"], jnp.float64, (4, 5), "args[0].logits")
    labels = _expect(batch["labels"], jnp.int32, (4,), "args[0].labels")
    c0 = jnp.asarray(0.9, dtype=jnp.float64)  # f64[]
    t1 = jnp.broadcast_to(c0, (4,))  # f64[4]
    t2 = jnp.max(logits, axis=(1,))  # f64[4]
    t3 = jnp.reshape(t2, (4, 1))  # f64[4, 1]
    t4 = lax.stop_gradient(t3)  # f64[4, 1]
    c5 = jnp.asarray(-math.inf, dtype=jnp.float64)  # f64[]
    t6 = jnp.broadcast_to(c5, (4, 1))  # f64[4, 1]
    t7 = jnp.equal(t4, t6)  # bool[4, 1]
    c8 = jnp.asarray(0, dtype=jnp.float64)  # f64[]
    t9 = jnp.broadcast_to(c8, (4, 1))  # f64[4, 1]
    t10 = jnp.where(t7, t9, t4)  # f64[4, 1]
    t11 = jnp.broadcast_to(t10, (4, 5))  # f64[4, 5]
    t12 = jnp.subtract(logits, t11)  # f64[4, 5]
    t13 = jsp.logsumexp(t12, axis=(1,))  # f64[4]
    t14 = jnp.reshape(t13, (4, 1))  # f64[4, 1]
    t15 = jnp.broadcast_to(t14, (4, 5))  # f64[4, 5]
    t16 = jnp.subtract(t12, t15)  # f64[4, 5]
    t17 = _check_index(labels, 5)  # i32[4]
    t18 = jnp.reshape(t17, (4, 1))  # i32[4, 1]
    t19 = jnp.take_along_axis(t16, t18, axis=1)  # f64[4, 1]
    t20 = jnp.reshape(t19, (4,))  # f64[4]
    t21 = jnp.negative(t20)  # f64[4]
    t22 = jnp.multiply(t1, t21)  # f64[4]
    c23 = jnp.asarray(0.1, dtype=jnp.float64)  # f64[]
    t24 = jnp.broadcast_to(c23, (4,))  # f64[4]
    t25 = jnp.sum(t16, axis=(1,), dtype=jnp.float64)  # f64[4]
    c26 = jnp.asarray(5, dtype=jnp.float64)  # f64[]
    t27 = jnp.broadcast_to(c26, (4,))  # f64[4]
    t28 = jnp.divide(t25, t27)  # f64[4]
    t29 = jnp.negative(t28)  # f64[4]
    t30 = jnp.multiply(t24, t29)  # f64[4]
    t31 = jnp.add(t22, t30)  # f64[4]
    t32 = jnp.sum(t31, axis=(0,), dtype=jnp.float64)  # f64[]
    c33 = jnp.asarray(4, dtype=jnp.float64)  # f64[]
    out = jnp.divide(t32, c33)  # f64[]
    return out
