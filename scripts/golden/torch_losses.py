"""Golden values for xent's PyTorch-named losses, computed by PyTorch in float64.

Run with a Python that has PyTorch (1.13 was used):  /usr/bin/python3 scripts/golden/torch_losses.py
Writes packages/losses/test/golden/torch/losses.json: for every case the xent function, its inputs,
its options, the value PyTorch computes, and PyTorch's gradients of <value, cotangent> with respect to
the float inputs. Shapes are xent's (class axis last); where PyTorch puts the class axis at 1, the
script permutes before calling PyTorch and permutes the gradients back. Non-finite numbers are
written as the strings "inf", "-inf" and "nan" (JSON has no literal for them).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261203)
DT = torch.float64
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'losses', 'test', 'golden', 'torch', 'losses.json')


def enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return 'nan'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
    return v


def spec(t):
    t = t.detach()
    kind = 'i32' if t.dtype in (torch.int64, torch.int32) else 'f64'
    flat = t.reshape(-1).tolist()
    return {'dtype': kind, 'shape': list(t.shape), 'data': [enc(float(v)) if kind == 'f64' else int(v) for v in flat]}


CASES = []


def case(name, fn, inputs, torch_fn, options=None, tensor_options=None, grad=None, extra=None):
    """inputs: list of tensors in xent's argument order; torch_fn maps (inputs, tensor_options) to the loss.
    grad: indices of the float inputs to differentiate (default: every float input)."""
    options = options or {}
    tensor_options = tensor_options or {}
    xs = [t.clone().detach() for t in inputs]
    if grad is None:
        grad = [i for i, t in enumerate(xs) if t.is_floating_point()]
    for i in grad:
        xs[i].requires_grad_(True)
    out = torch_fn(xs, {k: v.clone() for k, v in tensor_options.items()})
    cot = torch.randn(out.shape, dtype=DT)
    grads = [None] * len(xs)
    if grad:
        gs = torch.autograd.grad((out * cot).sum(), [xs[i] for i in grad], allow_unused=True)
        for i, g in zip(grad, gs):
            grads[i] = spec(g if g is not None else torch.zeros_like(xs[i]))
    entry = {
        'name': name,
        'fn': fn,
        'inputs': [spec(t) for t in inputs],
        'options': options,
        'tensorOptions': {k: spec(v) for k, v in tensor_options.items()},
        'value': spec(out),
        'cotangent': spec(cot),
        'grads': grads,
    }
    if extra:
        entry.update(extra)
    CASES.append(entry)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, dtype=DT) * scale


def labels(n, k, *rest):
    return torch.randint(0, k, (n, *rest))


RED = ['mean', 'sum', 'none']

# ---- nll_loss: input = log-probabilities, class axis last in xent ----
for red in RED:
    lp = F.log_softmax(randn(5, 4, scale=2), -1)
    y = labels(5, 4)
    case(f'nll {red}', 'nllLoss', [lp, y], lambda a, o, red=red: F.nll_loss(a[0], a[1], reduction=red), {'reduction': red})
    w = torch.rand(4, dtype=DT) + 0.2
    y2 = y.clone()
    y2[1] = -100
    y2[3] = -100
    case(f'nll weights ignore -100 {red}', 'nllLoss', [lp, y2],
         lambda a, o, red=red: F.nll_loss(a[0], a[1], weight=o['weights'], reduction=red),
         {'reduction': red}, {'weights': w})
    y3 = y.clone()
    y3[0] = 2
    case(f'nll ignoreIndex 2 {red}', 'nllLoss', [lp, y3],
         lambda a, o, red=red: F.nll_loss(a[0], a[1], ignore_index=2, reduction=red), {'reduction': red, 'ignoreIndex': 2})
lp3 = F.log_softmax(randn(2, 3, 4, scale=3), -1)
y3 = labels(2, 4, 3)
y3[0, 1] = -100
w = torch.rand(4, dtype=DT) + 0.5
case('nll [N, d, C] weights', 'nllLoss', [lp3, y3],
     lambda a, o: F.nll_loss(a[0].permute(0, 2, 1), a[1], weight=o['weights']), {}, {'weights': w})
lpx = F.log_softmax(torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4]], dtype=DT), -1)
case('nll ±1e4 logits', 'nllLoss', [lpx, torch.tensor([0, 1, 2])], lambda a, o: F.nll_loss(a[0], a[1], reduction='none'),
     {'reduction': 'none'})
lpi = torch.tensor([[0.0, -math.inf, -math.inf], [math.log(0.5), math.log(0.5), -math.inf]], dtype=DT)
case('nll −inf log-probs off target', 'nllLoss', [lpi, torch.tensor([0, 1])], lambda a, o: F.nll_loss(a[0], a[1]), {})

# ---- cross-entropy: hard labels (weights, smoothing, ignore) and probability targets ----
for red in RED:
    z = randn(6, 5, scale=2)
    y = labels(6, 5)
    y[2] = -100
    w = torch.rand(5, dtype=DT) + 0.3
    case(f'CE hard weights smoothing ignore {red}', 'crossEntropy', [z, y],
         lambda a, o, red=red: F.cross_entropy(a[0], a[1], weight=o['weights'], label_smoothing=0.2, ignore_index=-100,
                                               reduction=red),
         {'reduction': red, 'labelSmoothing': 0.2, 'ignoreIndex': -100}, {'weights': w})
    q = torch.softmax(randn(6, 5, scale=1.5), -1)
    case(f'CE prob targets {red}', 'softTargetCrossEntropy', [z, q],
         lambda a, o, red=red: F.cross_entropy(a[0], a[1], reduction=red), {'reduction': red})
    case(f'CE prob targets smoothing 0.1 {red}', 'softTargetCrossEntropy', [z, q],
         lambda a, o, red=red: F.cross_entropy(a[0], a[1], label_smoothing=0.1, reduction=red),
         {'reduction': red, 'labelSmoothing': 0.1})
    case(f'CE prob targets weights smoothing 0.3 {red}', 'softTargetCrossEntropy', [z, q],
         lambda a, o, red=red: F.cross_entropy(a[0], a[1], weight=o['weights'], label_smoothing=0.3, reduction=red),
         {'reduction': red, 'labelSmoothing': 0.3}, {'weights': w})
    case(f'CE prob targets weights {red}', 'softTargetCrossEntropy', [z, q],
         lambda a, o, red=red: F.cross_entropy(a[0], a[1], weight=o['weights'], reduction=red),
         {'reduction': red}, {'weights': w})
zx = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [3.0, -1e4, 1e4]], dtype=DT)
qx = torch.tensor([[0.5, 0.25, 0.25], [0.1, 0.6, 0.3], [0.2, 0.3, 0.5]], dtype=DT)
case('CE prob targets ±1e4', 'softTargetCrossEntropy', [zx, qx],
     lambda a, o: F.cross_entropy(a[0], a[1], label_smoothing=0.1, weight=o['weights'], reduction='none'),
     {'reduction': 'none', 'labelSmoothing': 0.1}, {'weights': torch.tensor([0.5, 1.0, 2.0], dtype=DT)})
case('CE hard ±1e4 weights smoothing', 'crossEntropy', [zx, torch.tensor([0, 2, 1])],
     lambda a, o: F.cross_entropy(a[0], a[1], label_smoothing=0.1, weight=o['weights'], reduction='none'),
     {'reduction': 'none', 'labelSmoothing': 0.1}, {'weights': torch.tensor([0.5, 1.0, 2.0], dtype=DT)})

# ---- linear cross-entropy with class weights ----
for red in RED:
    h = randn(7, 3)
    W = randn(6, 3)
    b = randn(6)
    y = labels(7, 6)
    y[4] = -100
    w = torch.rand(6, dtype=DT) + 0.2
    case(f'linear CE weights {red}', 'linearCrossEntropy', [h, W, y],
         lambda a, o, red=red: F.cross_entropy(a[0] @ a[1].T + o['bias'], a[2], weight=o['weights'], ignore_index=-100,
                                               reduction=red),
         {'reduction': red, 'ignoreIndex': -100}, {'weights': w, 'bias': b})
    case(f'linear CE weights smoothing {red}', 'linearCrossEntropy', [h, W, y],
         lambda a, o, red=red: F.cross_entropy(a[0] @ a[1].T, a[2], weight=o['weights'], ignore_index=-100,
                                               label_smoothing=0.15, reduction=red),
         {'reduction': red, 'ignoreIndex': -100, 'labelSmoothing': 0.15}, {'weights': w})

# ---- regression ----
for red in RED:
    a, t = randn(4, 3, scale=2), randn(4, 3, scale=2)
    case(f'mse {red}', 'mseLoss', [a, t], lambda x, o, red=red: F.mse_loss(x[0], x[1], reduction=red), {'reduction': red})
    case(f'l1 {red}', 'l1Loss', [a, t], lambda x, o, red=red: F.l1_loss(x[0], x[1], reduction=red), {'reduction': red})
    for d in [1.0, 0.5, 3.0]:
        case(f'huber δ={d} {red}', 'huberLoss', [a, t],
             lambda x, o, red=red, d=d: F.huber_loss(x[0], x[1], delta=d, reduction=red), {'reduction': red, 'delta': d})
    for beta in [1.0, 0.5, 0.0]:
        case(f'smoothL1 β={beta} {red}', 'smoothL1Loss', [a, t],
             lambda x, o, red=red, beta=beta: F.smooth_l1_loss(x[0], x[1], beta=beta, reduction=red),
             {'reduction': red, 'beta': beta})
big = torch.tensor([1e4, -1e4, 0.5, 2.0], dtype=DT)
bigt = torch.tensor([-1e4, 1e4, 0.25, 1e4], dtype=DT)
for fn, tf in [('mseLoss', F.mse_loss), ('l1Loss', F.l1_loss), ('huberLoss', F.huber_loss), ('smoothL1Loss', F.smooth_l1_loss)]:
    case(f'{fn} ±1e4', fn, [big, bigt], lambda x, o, tf=tf: tf(x[0], x[1], reduction='none'), {'reduction': 'none'})

# with full=True PyTorch's gradient in the target is NaN at y = 0 (0·log 0 under its mask): inputs only there
counts = torch.tensor([[0.0, 1.0, 2.0, 5.0], [3.0, 0.0, 1.5, 10.0]], dtype=DT)
for red in RED:
    for full in [False, True]:
        li = randn(2, 4)
        case(f'poisson log_input full={full} {red}', 'poissonNllLoss', [li, counts],
             lambda x, o, red=red, full=full: F.poisson_nll_loss(x[0], x[1], log_input=True, full=full, reduction=red),
             {'reduction': red, 'full': full}, grad=[0, 1] if not full else [0])
        lam = torch.rand(2, 4, dtype=DT) * 3 + 0.01
        lam[0, 0] = 0.0
        case(f'poisson rate full={full} eps=1e-3 {red}', 'poissonNllLoss', [lam, counts],
             lambda x, o, red=red, full=full: F.poisson_nll_loss(x[0], x[1], log_input=False, full=full, eps=1e-3,
                                                                 reduction=red),
             {'reduction': red, 'full': full, 'logInput': False, 'eps': 1e-3}, grad=[0, 1] if not full else [0])

for red in RED:
    mu, yv = randn(4, 3), randn(4, 3)
    var = torch.rand(4, 3, dtype=DT) + 0.1
    var[0, 0] = 1e-8
    var[1, 2] = 0.0
    case(f'gaussian nll full {red}', 'gaussianNllLoss', [mu, yv, var],
         lambda x, o, red=red: F.gaussian_nll_loss(x[0], x[1], x[2], full=True, reduction=red), {'reduction': red, 'full': True})
    v1 = torch.rand(4, 1, dtype=DT) + 0.1
    case(f'gaussian nll var [N,1] eps=0.2 {red}', 'gaussianNllLoss', [mu, yv, v1],
         lambda x, o, red=red: F.gaussian_nll_loss(x[0], x[1], x[2], eps=0.2, reduction=red), {'reduction': red, 'eps': 0.2})
    v0 = torch.rand(4, dtype=DT) + 0.1
    case(f'gaussian nll var [N] {red}', 'gaussianNllLoss', [mu, yv, v0],
         lambda x, o, red=red: F.gaussian_nll_loss(x[0], x[1], x[2], reduction=red), {'reduction': red})

# ---- margins ----
def signs(*shape):
    return torch.where(torch.rand(*shape) < 0.5, -1.0, 1.0).to(DT)


for red in RED:
    a = randn(3, 4, scale=3)
    case(f'soft margin {red}', 'softMarginLoss', [a, signs(3, 4)],
         lambda x, o, red=red: F.soft_margin_loss(x[0], x[1], reduction=red), {'reduction': red}, grad=[0])
    z = randn(5, 4, scale=1.5)
    y = labels(5, 4)
    w = torch.rand(4, dtype=DT) + 0.2
    for p in [1, 2]:
        for margin in [1.0, 0.3]:
            case(f'multi margin p={p} margin={margin} {red}', 'multiMarginLoss', [z, y],
                 lambda x, o, red=red, p=p, margin=margin: F.multi_margin_loss(x[0], x[1], p=p, margin=margin, reduction=red),
                 {'reduction': red, 'p': p, 'margin': margin})
        case(f'multi margin weights p={p} {red}', 'multiMarginLoss', [z, y],
             lambda x, o, red=red, p=p: F.multi_margin_loss(x[0], x[1], p=p, weight=o['weights'], reduction=red),
             {'reduction': red, 'p': p}, {'weights': w})
    ml = torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0], [2, 2, -1, 0], [0, 1, 2, 3]])
    case(f'multilabel margin {red}', 'multilabelMarginLoss', [randn(5, 4, scale=1.5), ml],
         lambda x, o, red=red: F.multilabel_margin_loss(x[0], x[1], reduction=red), {'reduction': red})
    tgt = (torch.rand(5, 4) < 0.5).to(DT)
    tgt[0] = torch.tensor([0.2, 0.7, 1.0, 0.0], dtype=DT)
    case(f'multilabel soft margin {red}', 'multilabelSoftMarginLoss', [randn(5, 4, scale=3), tgt],
         lambda x, o, red=red: F.multilabel_soft_margin_loss(x[0], x[1], reduction=red), {'reduction': red})
    case(f'multilabel soft margin weights {red}', 'multilabelSoftMarginLoss', [randn(5, 4, scale=3), tgt],
         lambda x, o, red=red: F.multilabel_soft_margin_loss(x[0], x[1], weight=o['weights'], reduction=red),
         {'reduction': red}, {'weights': w})
    for margin in [0.0, 0.5]:
        case(f'margin ranking margin={margin} {red}', 'marginRankingLoss', [randn(6), randn(6), signs(6)],
             lambda x, o, red=red, margin=margin: F.margin_ranking_loss(x[0], x[1], x[2], margin=margin, reduction=red),
             {'reduction': red, 'margin': margin}, grad=[0, 1])
    for margin in [1.0, 2.5]:
        case(f'hinge embedding margin={margin} {red}', 'hingeEmbeddingLoss', [randn(3, 4, scale=2).abs(), signs(3, 4)],
             lambda x, o, red=red, margin=margin: F.hinge_embedding_loss(x[0], x[1], margin=margin, reduction=red),
             {'reduction': red, 'margin': margin}, grad=[0])
    for margin in [0.0, 0.2, -0.3]:
        case(f'cosine embedding margin={margin} {red}', 'cosineEmbeddingLoss', [randn(6, 3), randn(6, 3), signs(6)],
             lambda x, o, red=red, margin=margin: F.cosine_embedding_loss(x[0], x[1], x[2], margin=margin, reduction=red),
             {'reduction': red, 'margin': margin}, grad=[0, 1])
case('multi margin 1-D', 'multiMarginLoss', [randn(5), torch.tensor(3)], lambda x, o: F.multi_margin_loss(x[0], x[1]), {})
case('multilabel margin 1-D', 'multilabelMarginLoss', [randn(4), torch.tensor([2, 0, -1, 3])],
     lambda x, o: F.multilabel_margin_loss(x[0], x[1]), {})
case('cosine embedding 1-D', 'cosineEmbeddingLoss', [randn(3), randn(3), torch.tensor(-1.0, dtype=DT)],
     lambda x, o: F.cosine_embedding_loss(x[0].unsqueeze(0), x[1].unsqueeze(0), x[2].unsqueeze(0)), {}, grad=[0, 1])
case('soft margin ±30', 'softMarginLoss', [torch.tensor([30.0, -30.0, 30.0, 0.5], dtype=DT), torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=DT)],
     lambda x, o: F.soft_margin_loss(x[0], x[1], reduction='none'), {'reduction': 'none'}, grad=[0])

# ---- triplets ----
for red in RED:
    a, p, n = randn(5, 3), randn(5, 3), randn(5, 3)
    for (pp, margin, eps, swap) in [(2, 1.0, 1e-6, False), (1, 0.5, 1e-6, True), (3, 2.0, 0.0, False), (1.5, 1.0, 1e-3, True),
                                    (2, 0.1, 1e-6, True)]:
        case(f'triplet p={pp} margin={margin} eps={eps} swap={swap} {red}', 'tripletMarginLoss', [a, p, n],
             lambda x, o, red=red, pp=pp, margin=margin, eps=eps, swap=swap:
             F.triplet_margin_loss(x[0], x[1], x[2], margin=margin, p=pp, eps=eps, swap=swap, reduction=red),
             {'reduction': red, 'p': pp, 'margin': margin, 'eps': eps, 'swap': swap})
    for dist, dfn in [('default', None), ('l1', lambda u, v: (u - v).abs().sum(-1)),
                      ('cosine', lambda u, v: 1 - F.cosine_similarity(u, v, dim=-1))]:
        for swap in [False, True]:
            case(f'triplet distance {dist} swap={swap} {red}', 'tripletMarginWithDistanceLoss', [a, p, n],
                 lambda x, o, red=red, dfn=dfn, swap=swap:
                 F.triplet_margin_with_distance_loss(x[0], x[1], x[2], distance_function=dfn, margin=0.7, swap=swap,
                                                     reduction=red),
                 {'reduction': red, 'margin': 0.7, 'swap': swap}, extra={'distance': dist})
case('triplet 1-D', 'tripletMarginLoss', [randn(4), randn(4), randn(4)],
     lambda x, o: F.triplet_margin_loss(x[0].unsqueeze(0), x[1].unsqueeze(0), x[2].unsqueeze(0), margin=3.0).reshape(()),
     {'margin': 3.0})

# ---- binary cross-entropy on probabilities ----
for red in RED:
    pr = torch.rand(3, 4, dtype=DT) * 0.98 + 0.01
    tg = torch.rand(3, 4, dtype=DT)
    tg[0] = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=DT)
    case(f'bce {red}', 'binaryCrossEntropy', [pr, tg],
         lambda x, o, red=red: F.binary_cross_entropy(x[0], x[1], reduction=red), {'reduction': red}, grad=[0])
    wt = torch.rand(3, 4, dtype=DT) + 0.1
    case(f'bce weights {red}', 'binaryCrossEntropy', [pr, tg],
         lambda x, o, red=red: F.binary_cross_entropy(x[0], x[1], weight=o['weights'], reduction=red),
         {'reduction': red}, {'weights': wt}, grad=[0])
case('bce clamp at 0 and 1 (log ≥ −100)', 'binaryCrossEntropy',
     [torch.tensor([0.0, 1.0, 0.0, 1.0, 1e-50, 1e-300], dtype=DT), torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.5], dtype=DT)],
     lambda x, o: F.binary_cross_entropy(x[0], x[1], reduction='none'), {'reduction': 'none'}, grad=[])

# ---- kl_div(input = log q, target) ----
for red in ['mean', 'sum', 'none', 'batchmean']:
    lq = F.log_softmax(randn(4, 5, scale=2), -1)
    pt = torch.softmax(randn(4, 5, scale=2), -1)
    case(f'kl_div {red}', 'klDiv', [lq, pt], lambda x, o, red=red: F.kl_div(x[0], x[1], reduction=red), {'reduction': red})
    case(f'kl_div log_target {red}', 'klDiv', [lq, pt.log()],
         lambda x, o, red=red: F.kl_div(x[0], x[1], reduction=red, log_target=True), {'reduction': red, 'logTarget': True})
    pz = pt.clone()
    pz[0, 1] = 0.0
    pz[2, 3] = 0.0
    case(f'kl_div zero targets {red}', 'klDiv', [lq, pz], lambda x, o, red=red: F.kl_div(x[0], x[1], reduction=red),
         {'reduction': red}, grad=[0])

# ---- CTC: xent takes log-probabilities; the cases differentiate through log_softmax of logits ----
def ctc_case(name, logits, targets, in_len, tgt_len, blank=0, red='mean', zero_inf=False):
    case(name, 'ctcLoss', [logits, targets, in_len, tgt_len],
         lambda x, o: F.ctc_loss(F.log_softmax(x[0], -1), x[1], x[2], x[3], blank=blank, reduction=red,
                                 zero_infinity=zero_inf),
         {'blank': blank, 'reduction': red, 'zeroInfinity': zero_inf}, extra={'logSoftmax': True})


for red in RED:
    T, N, C, S = 12, 4, 5, 4
    logits = randn(T, N, C, scale=1.5)
    tg = torch.randint(1, C, (N, S))
    tg[1, 1] = tg[1, 0]  # a repeated label needs a blank between
    ctc_case(f'ctc {red}', logits, tg, torch.tensor([12, 10, 7, 12]), torch.tensor([4, 3, 2, 0]), red=red)
    tgb = torch.randint(0, C - 1, (N, S))
    ctc_case(f'ctc blank=C-1 {red}', logits, tgb, torch.tensor([12, 12, 5, 9]), torch.tensor([4, 4, 1, 3]), blank=C - 1, red=red)
logits = randn(6, 3, 4, scale=2)
ctc_case('ctc zero_infinity (an impossible sequence)', logits, torch.tensor([[1, 1, 1], [1, 2, 3], [2, 2, 0]]),
         torch.tensor([4, 6, 6]), torch.tensor([3, 3, 2]), red='none', zero_inf=True)
ctc_case('ctc zero_infinity mean', logits, torch.tensor([[1, 1, 1], [1, 2, 3], [2, 2, 0]]),
         torch.tensor([4, 6, 6]), torch.tensor([3, 3, 2]), red='mean', zero_inf=True)
ctc_case('ctc ±1e4 logits', torch.tensor([[[1e4, 0.0, -1e4]], [[0.0, 1e4, 0.0]], [[-1e4, 0.0, 1e4]]], dtype=DT),
         torch.tensor([[1, 2]]), torch.tensor([3]), torch.tensor([2]), red='sum')

# concatenated 1-D targets (sum(target_lengths) labels, each sequence's in turn), as PyTorch also accepts
for red in RED:
    T, N, C = 10, 4, 5
    logits = randn(T, N, C, scale=1.5)
    tl = torch.tensor([4, 3, 2, 0])
    flat = torch.randint(1, C, (int(tl.sum()),))
    flat[1] = flat[0]  # a repeated label needs a blank between
    ctc_case(f'ctc concatenated {red}', logits, flat, torch.tensor([10, 8, 6, 10]), tl, red=red)
    flatb = torch.randint(0, C - 1, (6,))
    ctc_case(f'ctc concatenated blank=C-1 {red}', logits, flatb, torch.tensor([10, 10, 4, 7]), torch.tensor([1, 2, 0, 3]),
             blank=C - 1, red=red)
logits = randn(6, 3, 4, scale=2)
ctc_case('ctc concatenated zero_infinity (an impossible sequence)', logits, torch.tensor([1, 1, 1, 1, 2, 3, 2, 2]),
         torch.tensor([4, 6, 6]), torch.tensor([3, 3, 2]), red='none', zero_inf=True)
ctc_case('ctc concatenated zero_infinity mean', logits, torch.tensor([1, 1, 1, 1, 2, 3, 2, 2]),
         torch.tensor([4, 6, 6]), torch.tensor([3, 3, 2]), red='mean', zero_inf=True)
ctc_case('ctc concatenated, every target empty', logits, torch.zeros(0, dtype=torch.long), torch.tensor([4, 6, 6]),
         torch.tensor([0, 0, 0]), red='mean')

with open(OUT, 'w') as f:
    json.dump({'generator': 'scripts/golden/torch_losses.py', 'torch': torch.__version__, 'seed': 20261203, 'cases': CASES}, f,
              separators=(',', ':'))
print(f'{len(CASES)} cases -> {os.path.normpath(OUT)}')
