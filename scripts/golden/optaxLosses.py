"""Golden values for xent's optax-named losses, computed with PyTorch in f64 from optax's documented formulas.

Run with Debian's PyTorch: /usr/bin/python3 scripts/golden/optaxLosses.py
It writes test/golden/optaxLosses.json: for each case the inputs, the per-sample values (reduction
'none', or the scalar for batch losses), and the gradient of the default ('mean') reduction in each
float argument. sparsemax and 1.5-entmax are computed by sorting (Martins & Astudillo 2016; Peters et
al. 2019), an algorithm independent of xent's pairwise one.
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(21)
torch.set_default_dtype(torch.float64)
N, K = 4, 5


def sparsemax(z):
    zs, _ = torch.sort(z, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cs = zs.cumsum(-1)
    size = (1 + k * zs > cs).sum(-1, keepdim=True)
    tau = (cs.gather(-1, size - 1) - 1) / size
    return torch.clamp(z - tau, min=0)


def entmax15(z):
    u = z / 2
    us, _ = torch.sort(u, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    mean = us.cumsum(-1) / k
    mean_sq = (us**2).cumsum(-1) / k
    delta = (1 - k * (mean_sq - mean**2)) / k
    tau = mean - torch.sqrt(torch.clamp(delta, min=0))
    size = (tau <= us).sum(-1, keepdim=True)
    return torch.clamp(u - tau.gather(-1, size - 1), min=0) ** 2


def onehot(y):
    return F.one_hot(y, K).to(torch.float64)


def sparse_plus(v):
    return torch.where(v <= -1, torch.zeros_like(v), torch.where(v >= 1, v, (v + 1) ** 2 / 4))


def focal(z, y, gamma, alpha):
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction='none')
    pt = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - pt) ** gamma
    return loss if alpha is None else loss * (alpha * y + (1 - alpha) * (1 - y))


def fenchel_young(z, y, reg):
    if reg == 'softmax':
        return torch.logsumexp(z, -1) + torch.xlogy(y, y).sum(-1) - (z * y).sum(-1)
    if reg == 'sparsemax':
        p = sparsemax(z)
        return (p * z).sum(-1) - 0.5 * (p**2).sum(-1) + 0.5 * (y**2).sum(-1) - (z * y).sum(-1)
    p = entmax15(z)
    omega = lambda q: (4 / 3) * ((q**1.5).sum(-1) - 1)
    return (p * z).sum(-1) - omega(p) + omega(y) - (z * y).sum(-1)


def ntxent(e, labels, tau):
    unit = e / torch.sqrt(torch.clamp((e**2).sum(-1, keepdim=True), min=2.0**-52))
    s = unit @ unit.T / tau
    same = labels[:, None] == labels[None, :]
    pos = same & ~torch.eye(len(labels), dtype=torch.bool)
    total = 0.0
    for i in range(len(labels)):
        neg = s[i][~same[i]]
        for j in range(len(labels)):
            if pos[i, j]:
                total = total - (s[i, j] - torch.logsumexp(torch.cat([s[i, j : j + 1], neg]), 0))
    return total / pos.sum()


def dice(p, t, axes, smooth):
    inter = (p * t).sum(axes) if axes else p * t
    ps = p.sum(axes) if axes else p
    ts = t.sum(axes) if axes else t
    return 1 - (inter + smooth) / (0.5 * (ps + ts) + smooth)


def generalized_dice(z, t, smooth, ignore_background):
    p = torch.softmax(z, -1)
    d = dice(p, t, list(range(1, z.dim() - 1)), smooth)
    freq = t.sum(tuple(range(t.dim() - 1)))
    w = 1 / (freq**2 + 1e-7)
    w = w / w.sum() * z.shape[-1]
    d = d * w
    return (d[..., 1:] if ignore_background else d).mean()


def tversky_dice(z, t, smooth, alpha, beta, axes, weights, ignore_background, class_reduction, apply_softmax=True):
    """optax `dice_loss` re-implemented from its source (optax is not installable here): per class,
    1 - (I + s)/(I + alpha (P - I) + beta (T - I) + s) over `axes`, times the class weights, class 0
    dropped when asked (more than one class), then combined over the class axis."""
    p = (torch.sigmoid(z) if z.shape[-1] == 1 else torch.softmax(z, -1)) if apply_softmax else z
    inter, ps, ts = (p * t).sum(axes), p.sum(axes), t.sum(axes)
    d = 1 - (inter + smooth) / (inter + alpha * (ps - inter) + beta * (ts - inter) + smooth)
    if weights is not None:
        d = d * weights
    if ignore_background and z.shape[-1] > 1:
        d = d[..., 1:]
    return {'mean': lambda v: v.mean(-1), 'sum': lambda v: v.sum(-1), 'none': lambda v: v}[class_reduction](d)


def randn(*shape, scale=1.0):
    return torch.randn(*shape) * scale


cases = []


def case(name, fn, call, floats, ints=None, options=None, per_sample=None, batch=False):
    """`per_sample(*floats)` gives reduction 'none'; the gradient is of its mean (or of the scalar)."""
    leaves = [f.clone().requires_grad_(True) for f in floats]
    values = per_sample(*leaves)
    scalar = values if batch else values.mean()
    grads = torch.autograd.grad(scalar, leaves, allow_unused=True)
    cases.append(
        {
            'name': name,
            'fn': fn,
            'call': call,
            'floats': [{'shape': list(f.shape), 'data': f.flatten().tolist()} for f in floats],
            'ints': [{'shape': list(i.shape), 'data': i.flatten().tolist()} for i in (ints or [])],
            'options': options or {},
            'values': values.detach().flatten().tolist(),
            'grads': [None if g is None else g.flatten().tolist() for g in grads],
        }
    )


z = randn(N, K, scale=2)
signs = torch.where(torch.rand(N, K) < 0.5, -1.0, 1.0)
labels = torch.randint(0, K, (N,))
case('hingeLoss', 'hingeLoss', 'binary', [z, signs], per_sample=lambda s, t: torch.clamp(1 - s * t, min=0))
case('perceptronLoss', 'perceptronLoss', 'binary', [z, signs], per_sample=lambda s, t: torch.clamp(-s * t, min=0))
case(
    'multiclassHingeLoss', 'multiclassHingeLoss', 'labels', [z], [labels],
    per_sample=lambda s: (s + 1 - onehot(labels)).max(-1).values - (s * onehot(labels)).sum(-1),
)
case(
    'multiclassPerceptronLoss', 'multiclassPerceptronLoss', 'labels', [z], [labels],
    per_sample=lambda s: s.max(-1).values - (s * onehot(labels)).sum(-1),
)
a, b = randn(N, K, scale=3), randn(N, K, scale=3)
case('logCosh', 'logCosh', 'binary', [a, b], per_sample=lambda p, t: torch.log(torch.cosh(p - t)))
case('cosineSimilarity', 'cosineSimilarity', 'binary', [a, b], per_sample=lambda p, t: F.cosine_similarity(p, t, dim=-1, eps=1e-300))
case('cosineDistance', 'cosineDistance', 'binary', [a, b], per_sample=lambda p, t: 1 - F.cosine_similarity(p, t, dim=-1, eps=1e-300))
measure = torch.rand(N, K) * 2
measure[0, 1] = 1e-3  # small; at t = 0 the t-derivative is −∞ (PyTorch gives NaN)
case(
    'generalizedKlDivergence', 'generalizedKlDivergence', 'binary', [a / 3, measure],
    per_sample=lambda lq, t: F.kl_div(lq, t, reduction='none').sum(-1) + (torch.exp(lq) - t).sum(-1),
)
case(
    'convexKlDivergence', 'convexKlDivergence', 'binary', [a / 3, measure],
    per_sample=lambda lq, t: F.kl_div(lq, t, reduction='none').sum(-1) + (torch.exp(lq) - t).sum(-1),
)
lq, lt = torch.log_softmax(a, -1), torch.log_softmax(b, -1)
case(
    'klDivergenceWithLogTargets', 'klDivergenceWithLogTargets', 'binary', [lq, lt],
    per_sample=lambda p, t: F.kl_div(p, t, reduction='none', log_target=True).sum(-1),
)
q = torch.softmax(b, -1)
for eps in [2.0, -1.0]:
    case(
        f'polyLossCrossEntropy ε={eps}', 'polyLossCrossEntropy', 'binary', [z, q], options={'epsilon': eps},
        per_sample=lambda s, t, eps=eps: F.cross_entropy(s, t, reduction='none') + eps * (t * (1 - torch.softmax(s, -1))).sum(-1),
    )
relevance = torch.randint(0, 3, (N, K)).to(torch.float64)
case(
    'rankingSoftmaxLoss', 'rankingSoftmaxLoss', 'binary', [z, relevance],
    per_sample=lambda s, y: -(y * torch.log_softmax(s, -1)).sum(-1),
)
hard = (torch.rand(N, K) < 0.4).to(torch.float64)
soft = torch.rand(N, K)
for name, y, opts in [
    ('sigmoidFocalLoss hard γ=2', hard, {}),
    ('sigmoidFocalLoss soft γ=0.5 α=0.25', soft, {'gamma': 0.5, 'alpha': 0.25}),
]:
    case(
        name, 'sigmoidFocalLoss', 'binary', [z, y], options=opts,
        per_sample=lambda s, t, o=opts: focal(s, t.detach(), o.get('gamma', 2.0), o.get('alpha')),
    )
cot = randn(N, K)
case('sparsemax', 'sparsemax', 'projection', [z, cot], per_sample=lambda s, w: sparsemax(s) * w.detach(), batch=False)
case('entmax15', 'entmax15', 'projection', [z, cot], per_sample=lambda s, w: entmax15(s) * w.detach(), batch=False)
case('sparsemaxLoss', 'sparsemaxLoss', 'binary', [z / 2, hard], per_sample=lambda s, y: sparse_plus(torch.where(y == 1, -s, s)))
case(
    'multiclassSparsemaxLoss', 'multiclassSparsemaxLoss', 'labels', [z], [labels],
    per_sample=lambda s: fenchel_young(s, onehot(labels), 'sparsemax'),
)
qs = sparsemax(b)  # sparse soft targets (zeros included)
for reg in ['softmax', 'sparsemax', 'entmax15']:
    case(
        f'fenchelYoungLoss {reg}', 'fenchelYoungLoss', 'binary', [z, torch.softmax(b, -1) if reg == 'softmax' else qs],
        options={'regularizer': reg}, per_sample=lambda s, y, r=reg: fenchel_young(s, y, r),
    )
emb = randn(6, 3)
groups = torch.tensor([0, 0, 1, 1, 2, 0])
case('ntxent', 'ntxent', 'labels', [emb], [groups], options={'temperature': 0.5}, per_sample=lambda e: ntxent(e, groups, 0.5), batch=True)
seg = randn(3, 4, 2)
seg_t = (torch.rand(3, 4, 2) < 0.5).to(torch.float64)
case(
    'binaryDiceLoss', 'binaryDiceLoss', 'binary', [seg, seg_t], per_sample=lambda p, t: dice(torch.sigmoid(p), t, [1, 2], 1.0),
)
mz = randn(2, 3, 3, 4)
mt = onehot(torch.randint(0, 4, (2, 3, 3)))[..., :4] if K == 4 else F.one_hot(torch.randint(0, 4, (2, 3, 3)), 4).to(torch.float64)
for ib in [False, True]:
    case(
        f'multiclassGeneralizedDiceLoss ignoreBackground={ib}', 'multiclassGeneralizedDiceLoss', 'binary', [mz, mt],
        options={'ignoreBackground': ib}, per_sample=lambda p, t, ib=ib: generalized_dice(p, t, 1.0, ib), batch=True,
    )
# optax `dice_loss` (xent `multiclassDiceLoss`): drawn after every case above, which keeps their values
dz = randn(2, 3, 2, 4)
dt = F.one_hot(torch.randint(0, 4, (2, 3, 2)), 4).to(torch.float64)
dw = torch.rand(4) + 0.5
for opts in [
    {},
    {'alpha': 0.3, 'beta': 0.7, 'smooth': 0.5},
    {'alpha': 1.0, 'beta': 0.0, 'smooth': 0.0, 'classReduction': 'sum', 'ignoreBackground': True},
    {'classReduction': 'none', 'axis': [1]},
]:
    case(
        f'multiclassDiceLoss {json.dumps(opts)}', 'multiclassDiceLoss', 'binary', [dz, dt], options=opts,
        per_sample=lambda p, t, o=opts: tversky_dice(
            p, t, o.get('smooth', 1.0), o.get('alpha', 0.5), o.get('beta', 0.5), o.get('axis', [1, 2]), None,
            o.get('ignoreBackground', False), o.get('classReduction', 'mean'),
        ),
    )
case(
    'multiclassDiceLoss classWeights α=0.2 β=0.9', 'multiclassDiceLoss', 'classWeights', [dz, dt, dw],
    options={'alpha': 0.2, 'beta': 0.9},
    per_sample=lambda p, t, w: tversky_dice(p, t, 1.0, 0.2, 0.9, [1, 2], w, False, 'mean'),
)
bz = randn(3, 5, 1)
bt = (torch.rand(3, 5, 1) < 0.5).to(torch.float64)
case(
    'multiclassDiceLoss one class (sigmoid)', 'multiclassDiceLoss', 'binary', [bz, bt],
    per_sample=lambda p, t: tversky_dice(p, t, 1.0, 0.5, 0.5, [1], None, False, 'mean'),
)

ea, eb = randn(N, K, scale=3), randn(N, K, scale=3)
case('squaredError', 'squaredError', 'binary', [ea, eb], per_sample=lambda p, t: (p - t) ** 2)
case('l2Loss', 'l2Loss', 'binary', [ea, eb], per_sample=lambda p, t: 0.5 * (p - t) ** 2)
kq, kt = torch.log_softmax(randn(N, K, scale=2), -1), torch.softmax(randn(N, K, scale=2), -1)
case(
    'klDivergence', 'klDivergence', 'binary', [kq, kt],
    per_sample=lambda lq, t: F.kl_div(lq, t, reduction='none').sum(-1),
)

out = pathlib.Path(__file__).resolve().parents[2] / 'test' / 'golden' / 'optaxLosses.json'
out.write_text(json.dumps({'torch': torch.__version__, 'cases': cases}, indent=1) + '\n')
print(f'wrote {len(cases)} cases to {out}')
