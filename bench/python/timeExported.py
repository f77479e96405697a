"""Times xent's exported losses against PyTorch's own on the CPU: forward + backward, median of `repeats` rounds.

Usage: /usr/bin/python3 timeExported.py DIR REPEATS THREADS; DIR holds ce.py, ce_vjp.py and lce.py from
bench/src/exportTorch.ts. Prints one JSON object: milliseconds per workload and implementation, and the largest
difference between each export's loss and PyTorch's (the check that they compute the same thing).
"""
import importlib.util
import json
import sys
import time

import torch
import torch.nn.functional as F

folder, repeats, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)


def load(name):
    spec = importlib.util.spec_from_file_location(name, f"{folder}/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.loss


def median_ms(steps):
    """Median milliseconds of each step, timed in interleaved rounds (drift in the machine hits all alike)."""
    for step in steps:
        for _ in range(3):
            step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for k, step in enumerate(steps):
            start = time.perf_counter()
            step()
            times[k].append(time.perf_counter() - start)
    return [1e3 * sorted(t)[len(t) // 2] for t in times]


def fwd_bwd(loss, *inputs):
    """A step: fresh leaves that need gradients, the loss, its backward."""
    def step():
        leaves = [t.clone().requires_grad_() if t.is_floating_point() else t for t in inputs]
        loss(*leaves).backward()
    return step


logits = torch.randn(4096, 1000)
labels = torch.randint(0, 1000, (4096,), dtype=torch.int32)
h = 0.1 * torch.randn(1024, 256)
w = 0.1 * torch.randn(4096, 256)
targets = torch.randint(0, 4096, (1024,), dtype=torch.int32)

native_ce = lambda z, y: F.cross_entropy(z, y.long())
native_lce = lambda a, b, y: F.cross_entropy(a @ b.T, y.long())
exported = {name: load(name) for name in ("ce", "ce_vjp", "lce", "lce_vjp")}
with torch.no_grad():
    difference = {
        "ce": float(abs(exported["ce"](logits, labels) - native_ce(logits, labels))),
        "ce_vjp": float(abs(exported["ce_vjp"](logits, labels) - native_ce(logits, labels))),
        "lce": float(abs(exported["lce"](h, w, targets) - native_lce(h, w, targets))),
        "lce_vjp": float(abs(exported["lce_vjp"](h, w, targets) - native_lce(h, w, targets))),
    }
ce_ms = median_ms([fwd_bwd(f, logits, labels) for f in (native_ce, exported["ce"], exported["ce_vjp"])])
lce_ms = median_ms([fwd_bwd(f, h, w, targets) for f in (native_lce, exported["lce"], exported["lce_vjp"])])
columns = ("torch", "export", "exportKeepVjp")
print(json.dumps({
    "torch": torch.__version__,
    "difference": difference,
    "ms": {"crossEntropy": dict(zip(columns, ce_ms)), "linearCrossEntropy": dict(zip(columns, lce_ms))},
}))
