"""Golden values and gradients of torch.linalg.vector_norm and torch.cdist (PyTorch 1.13, f64) for x.norm and x.cdist.

Run with /usr/bin/python3 (Debian's python3-torch); writes test/golden/normCdist.json. Inputs are seeded; each case
records the inputs, the options, the value and the gradient of sum(w * value) with the weights w it lists (cdist
also in f32, on the inputs rounded to f32).
"""
import json
import math
import os

import torch

torch.manual_seed(21)
INF = float('inf')


def enc(v):
    """JSON numbers, with the non-finite ones as strings."""
    if isinstance(v, list):
        return [enc(u) for u in v]
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return v


def grad_or_zero(t):
    return torch.zeros_like(t) if t.grad is None else t.grad


norm_inputs = {
    'random': torch.randn(3, 4, dtype=torch.float64),
    'zeros_in_rows': torch.tensor([[0.0, 1.5, -2.0, 0.0], [0.0, 0.0, 0.0, 0.0], [3.0, -3.0, 1.0, 0.25]], dtype=torch.float64),
    'huge_and_tiny': torch.tensor([[1e200, -3e200, 1e199, 0.0], [1e-200, 2e-200, -5e-201, 1e-300]], dtype=torch.float64),
}
norm_orders = [2.0, 1.0, INF, -INF, 0.0, 0.5, 1.5, 3.0, -1.0, -0.5, 7.0]
norm_cases = []
for name, base in norm_inputs.items():
    for p in norm_orders:
        for axis, keepdims in [(-1, False), (0, True), (None, False)]:
            x = base.clone().requires_grad_(True)
            dim = None if axis is None else axis
            out = torch.linalg.vector_norm(x, ord=p, dim=dim, keepdim=keepdims)
            w = torch.linspace(-1.0, 2.0, out.numel(), dtype=torch.float64).reshape(out.shape)
            if out.requires_grad:
                (out * w).sum().backward()
            norm_cases.append({
                'name': name, 'ord': enc(p), 'axis': axis, 'keepDims': keepdims,
                'x': enc(base.tolist()), 'shape': list(base.shape),
                'w': enc(w.reshape(-1).tolist()), 'outShape': list(out.shape),
                'value': enc(out.detach().reshape(-1).tolist()), 'grad': enc(grad_or_zero(x).reshape(-1).tolist()),
            })

cdist_inputs = {
    'random': (torch.randn(4, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)),
    # a shares a point with b and a coordinate with another; far from the origin, close together
    'coincident': (
        torch.tensor([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0], [5.0, -1.0, 0.5]], dtype=torch.float64),
        torch.tensor([[0.0, 1.0, 2.0], [1.0, 3.0, 1.0]], dtype=torch.float64),
    ),
    'far': (
        torch.tensor([[1000.0, 0.0, 0.0], [1000.0, 2.0, 1.0]], dtype=torch.float64),
        torch.tensor([[1000.001, 0.0, 0.0], [999.0, 2.5, 1.0]], dtype=torch.float64),
    ),
}


def wave(shape, phase):
    """1000 + sin(0.37·i + phase) over the flat index i: inputs the test rebuilds instead of reading."""
    i = torch.arange(math.prod(shape), dtype=torch.float64)
    return (1000.0 + torch.sin(0.37 * i + phase)).reshape(shape)


# batched point sets: equal batch dims, a broadcast size-1 dim, a missing leading dim, and a large one (p = 2 above
# 2^20 difference entries, where x.cdist multiplies centred points; far from the origin, close together), whose
# inputs are `wave`s and whose gradients are stored at every GRAD_STRIDE-th entry
GRAD_STRIDE = 97
WAVE_PHASES = (0.1, 0.7)
cdist_inputs.update({
    'batched': (torch.randn(2, 4, 3, dtype=torch.float64), torch.randn(2, 5, 3, dtype=torch.float64)),
    'broadcast': (torch.randn(2, 1, 3, 2, dtype=torch.float64), torch.randn(3, 4, 2, dtype=torch.float64)),
    'unbatched_a': (torch.randn(3, 2, dtype=torch.float64), torch.randn(2, 2, 4, 2, dtype=torch.float64)),
    'large_far': (wave([2, 1, 16, 1040], WAVE_PHASES[0]), wave([1, 2, 16, 1040], WAVE_PHASES[1])),
})
cdist_orders = [2.0, 1.0, INF, 0.0, 0.5, 1.5, 3.0]
LARGE_ORDERS = [2.0, 1.0]
cdist_cases = []
for name, (a0, b0) in cdist_inputs.items():
    for p in LARGE_ORDERS if name.startswith('large') else cdist_orders:
        # PyTorch's p = 2 takes a matrix product above 25 points: compute_mode keeps its differences exact
        mode = 'donot_use_mm_for_euclid_dist'
        a = a0.clone().requires_grad_(True)
        b = b0.clone().requires_grad_(True)
        out = torch.cdist(a, b, p=p, compute_mode=mode)
        w = torch.linspace(-1.0, 2.0, out.numel(), dtype=torch.float64).reshape(out.shape)
        if out.requires_grad:
            (out * w).sum().backward()
        # the same in f32 on the inputs rounded to f32: the reference for x.cdist in f32
        a32 = a0.float().requires_grad_(True)
        b32 = b0.float().requires_grad_(True)
        out32 = torch.cdist(a32, b32, p=p, compute_mode=mode)
        if out32.requires_grad:
            (out32 * w.float()).sum().backward()
        large = name.startswith('large')
        stride = GRAD_STRIDE if large else 1
        cdist_cases.append({
            'name': name, 'p': enc(p), 'aShape': list(a0.shape), 'bShape': list(b0.shape), 'outShape': list(out.shape),
            'a': None if large else enc(a0.reshape(-1).tolist()), 'b': None if large else enc(b0.reshape(-1).tolist()),
            'w': enc(w.reshape(-1).tolist()), 'value': enc(out.detach().reshape(-1).tolist()), 'gradStride': stride,
            'wavePhases': list(WAVE_PHASES) if large else None,
            'gradA': enc(grad_or_zero(a).reshape(-1)[::stride].tolist()),
            'gradB': enc(grad_or_zero(b).reshape(-1)[::stride].tolist()),
            'value32': enc(out32.detach().double().reshape(-1).tolist()),
            'gradA32': enc(grad_or_zero(a32).double().reshape(-1)[::stride].tolist()),
            'gradB32': enc(grad_or_zero(b32).double().reshape(-1)[::stride].tolist()),
        })

path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'normCdist.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'norm': norm_cases, 'cdist': cdist_cases}, f, indent=1)
    f.write('\n')
print(f'wrote {len(norm_cases)} norm and {len(cdist_cases)} cdist cases to {os.path.normpath(path)}')
