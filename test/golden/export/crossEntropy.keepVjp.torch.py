"""Written by xent (x.export): `loss` for PyTorch."""
import math

import torch


def _check_index(i, bound):
    """The indices themselves, each checked to lie in [0, bound)."""
    if i.numel() > 0 and (int(i.min()) < 0 or int(i.max()) >= bound):
        raise IndexError(f"an index is outside [0, {bound})")
    return i


def _expect(t, dtype, shape, path):
    """Rejects a leaf of another dtype or shape than the example's (the module never converts silently)."""
    if not isinstance(t, torch.Tensor) or t.dtype != dtype or tuple(t.shape) != shape:
        got = f"{t.dtype} {tuple(t.shape)}" if isinstance(t, torch.Tensor) else type(t).__name__
        raise TypeError(f"{path}: expected a tensor {dtype} {shape}, got {got}")
    return t


def _loss_forward(logits, y):
    dev = logits.device
    t0 = torch.amax(logits, dim=(1,))  # f64[4]
    t1 = torch.reshape(t0, (4, 1))  # f64[4, 1]
    t2 = t1.detach()  # f64[4, 1]
    c3 = torch.tensor(-math.inf, dtype=torch.float64, device=dev)  # f64[]
    t4 = c3.expand((4, 1))  # f64[4, 1]
    t5 = torch.eq(t2, t4)  # bool[4, 1]
    c6 = torch.tensor(0, dtype=torch.float64, device=dev)  # f64[]
    t7 = c6.expand((4, 1))  # f64[4, 1]
    t8 = torch.where(t5, t7, t2)  # f64[4, 1]
    t9 = t8.expand((4, 5))  # f64[4, 5]
    t10 = torch.sub(logits, t9)  # f64[4, 5]
    t11 = torch.logsumexp(t10, dim=(1,))  # f64[4]
    t12 = torch.reshape(t11, (4, 1))  # f64[4, 1]
    t13 = t12.expand((4, 5))  # f64[4, 5]
    t14 = torch.sub(t10, t13)  # f64[4, 5]
    t15 = _check_index(y, 5)  # i32[4]
    t16 = torch.reshape(t15, (4, 1))  # i32[4, 1]
    t17 = torch.gather(t14, 1, t16.long())  # f64[4, 1]
    t18 = torch.reshape(t17, (4,))  # f64[4]
    t19 = torch.neg(t18)  # f64[4]
    t20 = torch.sum(t19, dim=(0,), dtype=torch.float64)  # f64[]
    c21 = torch.tensor(4, dtype=torch.float64, device=dev)  # f64[]
    out = torch.div(t20, c21)  # f64[]
    return out,


def _loss_vjp(logits, y, d_out):
    dev = logits.device
    t0 = _check_index(y, 5)  # i32[4]
    t1 = torch.reshape(t0, (4, 1))  # i32[4, 1]
    t2 = _check_index(t1, 5)  # i32[4, 1]
    t3 = torch.reshape(t2, (4, 1, 1))  # i32[4, 1, 1]
    t4 = t3.expand((4, 1, 5))  # i32[4, 1, 5]
    t5 = torch.arange(5, dtype=torch.int32, device=dev).reshape((1, 1, 5)).expand((4, 1, 5))  # i32[4, 1, 5]
    t6 = torch.eq(t4, t5)  # bool[4, 1, 5]
    c7 = torch.tensor(4, dtype=torch.float64, device=dev)  # f64[]
    t8 = torch.div(d_out, c7)  # f64[]
    t9 = torch.neg(t8)  # f64[]
    t10 = t9.expand((4,))  # f64[4]
    t11 = torch.reshape(t10, (4, 1, 1))  # f64[4, 1, 1]
    t12 = t11.expand((4, 1, 5))  # f64[4, 1, 5]
    c13 = torch.tensor(0, dtype=torch.float64, device=dev)  # f64[]
    t14 = c13.expand((4, 1, 5))  # f64[4, 1, 5]
    t15 = torch.where(t6, t12, t14)  # f64[4, 1, 5]
    t16 = torch.reshape(t15, (4, 5))  # f64[4, 5]
    t17 = torch.amax(logits, dim=(1,))  # f64[4]
    t18 = torch.reshape(t17, (4, 1))  # f64[4, 1]
    t19 = t18.detach()  # f64[4, 1]
    c20 = torch.tensor(-math.inf, dtype=torch.float64, device=dev)  # f64[]
    t21 = c20.expand((4, 1))  # f64[4, 1]
    t22 = torch.eq(t19, t21)  # bool[4, 1]
    t23 = c13.expand((4, 1))  # f64[4, 1]
    t24 = torch.where(t22, t23, t19)  # f64[4, 1]
    t25 = t24.expand((4, 5))  # f64[4, 5]
    t26 = torch.sub(logits, t25)  # f64[4, 5]
    t27 = torch.logsumexp(t26, dim=(1,))  # f64[4]
    t28 = c20.expand((4,))  # f64[4]
    t29 = torch.eq(t27, t28)  # bool[4]
    t30 = c13.expand((4,))  # f64[4]
    t31 = torch.where(t29, t30, t27)  # f64[4]
    t32 = torch.reshape(t31, (4, 1))  # f64[4, 1]
    t33 = t32.expand((4, 5))  # f64[4, 5]
    t34 = torch.sub(t26, t33)  # f64[4, 5]
    t35 = torch.exp(t34)  # f64[4, 5]
    t36 = torch.neg(t16)  # f64[4, 5]
    t37 = torch.sum(t36, dim=(1,), dtype=torch.float64)  # f64[4]
    t38 = torch.reshape(t37, (4, 1))  # f64[4, 1]
    t39 = t38.expand((4, 5))  # f64[4, 5]
    t40 = torch.mul(t35, t39)  # f64[4, 5]
    d_logits = torch.add(t16, t40)  # f64[4, 5]
    return d_logits,


class _loss_with_vjp(torch.autograd.Function):
    """xent's own VJP as the backward: forward saves the inputs, backward evaluates the exported VJP graph."""

    @staticmethod
    def forward(ctx, logits, y):
        ctx.save_for_backward(logits, y)
        outs = _loss_forward(logits, y)
        return outs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, d_out0):
        logits, y, = ctx.saved_tensors
        grads = _loss_vjp(logits, y, d_out0)
        return grads[0], None


def loss(logits, y):
    """loss: exported by xent to PyTorch, its backward xent's own VJP.

        args[0]: f64[4, 5]
        args[1]: i32[4]
        out -> f64[]
    """
    logits = _expect(logits, torch.float64, (4, 5), "args[0]")
    y = _expect(y, torch.int32, (4,), "args[1]")
    outs = _loss_with_vjp.apply(logits, y)
    return outs[0]
