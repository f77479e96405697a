"""Golden values of the special functions: PyTorch 1.13's f64 values and autograd derivatives, and
independent references computed here in 50-digit decimal arithmetic (series, continued fractions,
Stirling's and the Hurwitz-zeta asymptotic series after the recurrence), on seeded inputs spanning
small, large, negative and near-pole arguments. Writes test/golden/special.json.

Run: /usr/bin/python3 scripts/golden/special.py   (needs torch; the tests only read the JSON)
"""
import json
import math
import os
import random
import struct
from decimal import Decimal as D, getcontext

import torch

getcontext().prec = 50
PI = D("3.14159265358979323846264338327950288419716939937510582097494")
SQRT_PI = PI.sqrt()
ORDERS = [0, 1, 2, 3]


def bernoulli(count):
    """B_0 … B_count as exact fractions."""
    from fractions import Fraction

    b = [Fraction(1)]
    for m in range(1, count + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return b


B = bernoulli(44)
B2K = [D(B[2 * k].numerator) / D(B[2 * k].denominator) for k in range(0, 23)]


def d_erf_series(x):
    """erf x = 2/√π e^{−x²} Σ 2ⁿx^{2n+1}/(2n+1)!!."""
    term, total, n = x, x, 0
    while abs(term) > abs(total) * D("1e-55") and n < 20000:
        n += 1
        term = term * 2 * x * x / (2 * n + 1)
        total += term
    return 2 / SQRT_PI * (-(x * x)).exp() * total


def d_erfc_cf(a):
    """erfc a for a ≥ 3: e^{−a²}/√π over Laplace's continued fraction."""
    f = a
    for k in range(int(4000 / float(a * a)) + 60, 0, -1):
        f = a + D(k) / 2 / f
    return (-(a * a)).exp() / SQRT_PI / f


def d_erfc(x):
    if x >= 3:
        return d_erfc_cf(x)
    if x <= -3:
        return 2 - d_erfc_cf(-x)
    return 1 - d_erf_series(x)


def d_erf(x):
    if abs(x) >= 3:
        return (1 - d_erfc_cf(abs(x))) * (1 if x > 0 else -1)
    return d_erf_series(x)


def d_erfinv(u, start):
    """Newton on erf (on erfc, with 1 − u exact, from u = ½)."""
    y = D(start)
    for _ in range(60):
        r = (d_erf(y) - u) if abs(u) < D("0.5") else (1 - abs(u)) - d_erfc(abs(y))
        if abs(u) >= D("0.5") and u < 0:
            r = -r
        step = r / (2 / SQRT_PI * (-(y * y)).exp())
        y -= step
        if abs(step) <= abs(y) * D("1e-45"):
            break
    return y


def shift_to(x, z0):
    """The m with x + m ≥ z0 (m ≥ 0)."""
    return max(0, int(math.ceil(float(z0 - x))))


def d_lgamma(x):
    """log|Γ(x)| by the recurrence to z ≥ 40 and Stirling's series there."""
    m = shift_to(x, D(40))
    z = x + m
    s = (z - D("0.5")) * z.ln() - z + (2 * PI).ln() / 2
    for k in range(1, 22):
        s += B2K[k] / (2 * k * (2 * k - 1) * z ** (2 * k - 1))
    for k in range(m):
        s -= abs(x + k).ln()
    return s


def d_polygamma(n, x):
    """ψ⁽ⁿ⁾(x) by the recurrence to z ≥ 40 + n and the asymptotic series there."""
    m = shift_to(x, D(40 + n))
    z = x + m
    if n == 0:
        s = z.ln() - 1 / (2 * z)
        for k in range(1, 22):
            s -= B2K[k] / (2 * k * z ** (2 * k))
        for k in range(m):
            s -= 1 / (x + k)
        return s
    fact = D(math.factorial(n))
    zeta = z ** (-n) / n + z ** (-n - 1) / 2
    for k in range(1, 22):
        rising = D(1)
        for j in range(1, 2 * k):
            rising *= n + j
        zeta += B2K[k] / D(math.factorial(2 * k)) * rising * z ** (-n - 2 * k)
    for k in range(m):
        zeta += (x + k) ** (-n - 1)
    return (fact if n % 2 == 1 else -fact) * zeta


def f32(v):
    return struct.unpack("f", struct.pack("f", v))[0]


def enc(v):
    """A number for JSON: non-finite values as strings."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def is_pole(x):
    return x <= 0 and x == math.floor(x)


def main():
    rng = random.Random(21)
    real = (
        [rng.uniform(-6, 6) for _ in range(120)]
        + [rng.uniform(-0.5, 0.5) * 10 ** -rng.uniform(0, 300) for _ in range(20)]
        + [rng.choice([-1, 1]) * rng.uniform(6, 27.5) for _ in range(40)]
    )
    unit = (
        [rng.uniform(-1, 1) for _ in range(120)]
        + [rng.choice([-1, 1]) * (1 - 10 ** -rng.uniform(1, 15.9)) for _ in range(40)]
        + [rng.choice([-1, 1]) * 10 ** -rng.uniform(1, 300) for _ in range(20)]
    )
    gamma = (
        [rng.uniform(0, 30) for _ in range(80)]
        + [10 ** rng.uniform(-300, 300) for _ in range(30)]
        + [rng.uniform(-30, 0) for _ in range(60)]
        + [-k + s * 10 ** -rng.uniform(2, 9) for k in range(0, 8) for s in (-1, 1)]
        + [1 + rng.uniform(-1e-6, 1e-6) for _ in range(5)]
        + [2 + rng.uniform(-1e-6, 1e-6) for _ in range(5)]
        + [-rng.uniform(100, 1000) for _ in range(10)]
    )
    gamma = [x for x in gamma if not is_pole(x) and x != 0]
    edges_real = [0.0, -0.0, math.inf, -math.inf, math.nan]
    edges_unit = [0.0, -0.0, 1.0, -1.0, 1.5, -1.5, math.inf, math.nan]
    edges_gamma = [0.0, -0.0, -1.0, -2.0, -7.0, 1.0, 2.0, math.inf, -math.inf, math.nan]

    def torch_value_and_grad(fn, xs):
        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        y = fn(t)
        (g,) = torch.autograd.grad(y.sum(), t)
        return [enc(v) for v in y.tolist()], [enc(v) for v in g.tolist()]

    out = {"generator": "scripts/golden/special.py", "torch": torch.__version__, "functions": {}}

    def add(name, xs, edges, torch_fn, ref_value, ref_derivative, valid=lambda v: not is_pole(v)):
        value, grad = torch_value_and_grad(torch_fn, xs)
        evalue, _ = torch_value_and_grad(torch_fn, edges)
        # the inputs rounded to f32 (normal, and still inside the domain)
        xs32 = [f32(v) for v in xs if 1e-30 <= abs(v) < 3e38 and valid(f32(v))]
        out["functions"][name] = {
            "x": xs,
            "torch": value,
            "torchGrad": grad,
            "ref": [enc(ref_value(D(v))) for v in xs],
            "refGrad": [enc(ref_derivative(D(v))) for v in xs],
            "x32": xs32,
            "ref32": [enc(ref_value(D(v))) for v in xs32],
            "edges": [enc(v) for v in edges],
            "edgeTorch": evalue,
        }

    two_over_sqrt_pi = 2 / SQRT_PI
    add("erf", real, edges_real, torch.special.erf, d_erf, lambda x: two_over_sqrt_pi * (-(x * x)).exp())
    add("erfc", real, edges_real, torch.special.erfc, d_erfc, lambda x: -two_over_sqrt_pi * (-(x * x)).exp())
    erfinv_start = dict(zip(unit, torch.special.erfinv(torch.tensor(unit, dtype=torch.float64)).tolist()))
    erfinv_start.update(
        zip(
            [f32(u) for u in unit],
            torch.special.erfinv(torch.tensor([f32(u) for u in unit], dtype=torch.float64)).tolist(),
        )
    )

    def erfinv_ref(u):
        return d_erfinv(u, erfinv_start[float(u)])

    add(
        "erfinv",
        unit,
        edges_unit,
        torch.special.erfinv,
        erfinv_ref,
        lambda u: SQRT_PI / 2 * (erfinv_ref(u) ** 2).exp(),
        lambda u: abs(u) < 1,
    )
    add("lgamma", gamma, edges_gamma, torch.special.gammaln, d_lgamma, lambda x: d_polygamma(0, x))
    for n in ORDERS:
        add(
            f"polygamma{n}",
            gamma,
            edges_gamma,
            lambda t, n=n: torch.special.polygamma(n, t),
            lambda x, n=n: d_polygamma(n, x),
            lambda x, n=n: d_polygamma(n + 1, x),
        )
    path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "special.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
