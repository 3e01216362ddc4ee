"""Exact minimum distance and data generation, against float-only and Fraction baselines.

Part 1 (exact against float): :func:`proofs.geometry.min_distance`, exact,
against the plain float64 minimum over all pairs by blocked Gram matrices
(no margins, no exact check, the cheapest answer one could trust too much),
on the same random points. Prints both minima and the time ratio exact / float.

Part 2 (exact against naive exact): the same exact answer against the
all-pairs Fraction computation, on a small set; prints the speed-up.

Part 3 (scale): ``make_dataset`` and the exact separation check
(``close_pairs``) and ``min_distance`` at large N with d = 64, with the time
of a float64 pass over the same points (one matrix product with a 16-column
matrix) as the unit: ratios are times that pass.

Usage: ``python benchmarks/bench_data.py [--big]`` (``--big``: N = 10**6 in part 3).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from fractions import Fraction
from itertools import combinations

import numpy as np

from proofs.data import make_dataset
from proofs.geometry import close_pairs, min_distance


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def float_min(x: np.ndarray) -> float:
    n = x.shape[0]
    norms = np.einsum("ij,ij->i", x, x)
    best = math.inf
    rows = max(1, (1 << 22) // n)
    for i0 in range(0, n - 1, rows):
        g = x[i0 : i0 + rows] @ x[i0:].T
        d2 = norms[i0 : i0 + rows, None] + norms[None, i0:] - 2 * g
        d2[np.tril_indices(d2.shape[0], 0, d2.shape[1])] = np.inf
        best = min(best, float(d2.min()))
    return math.sqrt(max(best, 0.0))


def fraction_min(x: np.ndarray) -> Fraction:
    fr = [[Fraction(float(v)) for v in row] for row in x]
    return min(sum((a - b) ** 2 for a, b in zip(p, q, strict=True)) for p, q in combinations(fr, 2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="part 3 at N = 10**6")
    args, _ = ap.parse_known_args()
    rng = np.random.default_rng(0)

    print("part 1: exact minimum distance / float64 minimum over all pairs")
    for n, d in [(5_000, 64), (20_000, 64), (20_000, 8)]:
        x = rng.standard_normal((n, d))
        x /= 1.01 * np.linalg.norm(x, axis=1, keepdims=True).max()
        md, t_exact = timed(min_distance, x)
        fm, t_float = timed(float_min, x)
        print(f"  N={n:>6} d={d:>2}: exact {md.delta:.17g} ({md.method.split(',')[0]}), "
              f"float {fm:.17g}; time ratio {t_exact / t_float:.2f}")

    print("part 2: naive all-pairs Fraction minimum / exact minimum distance")
    x = rng.uniform(-0.5, 0.5, (300, 8))
    md, t_exact = timed(min_distance, x)
    fq, t_frac = timed(fraction_min, x)
    assert fq == md.delta_squared
    print(f"  N=300 d=8: equal minima; speed-up {t_frac / t_exact:.0f}x")

    n = 10**6 if args.big else 10**5
    print(f"part 3: N={n}, d=64, delta=0.01; times a float64 projection pass over the points")
    ds, t_make = timed(make_dataset, n, 64, 10, 0.01, 0)
    basis = rng.standard_normal((64, 16))
    _, t_unit = timed(lambda: ds.X @ basis)
    found, t_close = timed(close_pairs, ds.X, 0.01)
    md, t_min = timed(min_distance, ds.X)
    print(f"  unit (one float pass) {t_unit:.3f} s")
    print(f"  make_dataset, exactly separated: {t_make:.1f} s = {t_make / t_unit:.0f} units")
    print(f"  exact check of separation >= 0.01: {len(found)} pairs closer; {t_close:.1f} s "
          f"= {t_close / t_unit:.0f} units")
    print(f"  min_distance: {'exact' if md.exact else 'bounds'} "
          f"[{float(md.lower_bound_squared or 0) ** 0.5:.4g}, {md.delta:.4g}] in {t_min:.1f} s "
          f"= {t_min / t_unit:.0f} units")
    return 0


if __name__ == "__main__":
    sys.exit(main())
