"""Runs exported PyTorch modules for the export tests: reads a JSON job (argv[1]), writes JSON results (argv[2]).

Tensors travel as base64 of their little-endian bytes, so f64 values round-trip exactly. For each case: the
outputs' leaves, the gradients of the floating outputs (cotangent 1 each) with respect to the leaves marked
`grad` (zero where an output does not depend on one), and, when asked, torch.autograd.gradcheck's verdict.
"""
import base64
import importlib.util
import json
import sys

import torch

DTYPES = {"f32": torch.float32, "f64": torch.float64, "i32": torch.int32, "bool": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}


def decode(spec, grads):
    if isinstance(spec, dict) and spec.get("__tensor__"):
        raw = bytearray(base64.b64decode(spec["data"]))
        dtype = DTYPES[spec["dtype"]]
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.zeros(0, dtype=dtype)
        t = flat.reshape(spec["shape"]).clone()
        if spec.get("grad"):
            t.requires_grad_(True)
            grads.append(t)
        return t
    if isinstance(spec, dict):
        return {k: decode(v, grads) for k, v in spec.items()}
    if isinstance(spec, list):
        return [decode(v, grads) for v in spec]
    return spec


def leaves(v):
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, dict):
        return [t for x in v.values() for t in leaves(x)]
    if isinstance(v, (list, tuple)):
        return [t for x in v for t in leaves(x)]
    return []


def encode(t):
    t = t.detach().contiguous()
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data": base64.b64encode(t.numpy().tobytes()).decode()}


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(case, index):
    fn = getattr(load(case["module"], f"exported_{index}"), case["fn"])
    grads = []
    args = [decode(a, grads) for a in case["args"]]
    outs = leaves(fn(*args))
    floats = [o for o in outs if o.is_floating_point() and o.requires_grad]
    result = {"outputs": [encode(o) for o in outs], "grads": []}
    got = [None] * len(grads)
    if grads and floats:
        got = torch.autograd.grad(floats, grads, grad_outputs=[torch.ones_like(o) for o in floats], allow_unused=True)
    result["grads"] = [encode(torch.zeros_like(g) if d is None else d) for g, d in zip(grads, got)]
    if case.get("gradcheck"):
        def only_floats(*g):
            it = iter(g)
            call = [next(it) if isinstance(a, torch.Tensor) and a.requires_grad else a for a in args]
            return tuple(o for o in leaves(fn(*call)) if o.is_floating_point())
        result["gradcheck"] = torch.autograd.gradcheck(only_floats, tuple(grads), raise_exception=False)
    return result


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    results = []
    for i, case in enumerate(job["cases"]):
        try:
            results.append(run(case, i))
        except Exception as e:  # reported per case, so one failure names its case
            results.append({"error": f"{type(e).__name__}: {e}"})
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


main()
