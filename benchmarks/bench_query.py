"""Queries per second of a vectorized sweep against one-at-a-time sympy evaluation.

A query is one parameter point ``(N, d, C, delta, W)``: the least depth implied
by every explicit lower bound (VC recursion, its closed form, float32 and
float64 bit counting, pieces along a line). The sweep answers all points at
once with lambdified numpy and the vectorized VC scan; the baseline answers a
sample one point at a time, bisecting on the depth with sympy substitution for
the closed forms and the scalar recursion for the VC bound. Both must agree.

Run: ``python benchmarks/bench_query.py [--points 100000] [--baseline-points 20]``.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from bounds.lower import BITS_FLOAT32, BITS_FLOAT64, LINE_REGIONS, VC_CLOSED, VC_RECURSION, vc_log2_patterns
from bounds.queries import sweep
from bounds.symbols import dense_params

BOUNDS = (VC_RECURSION, VC_CLOSED, BITS_FLOAT32, BITS_FLOAT64, LINE_REGIONS)


def make_points(count: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = np.floor(10 ** rng.uniform(1, 7, count))
    return {
        "N": n,
        "d": np.floor(10 ** rng.uniform(0, 3.5, count)),
        "C": np.floor(10 ** rng.uniform(np.log10(2), 3, count)),
        "delta": np.minimum(2.0, 2.0 / (n - 1) * rng.uniform(0.5, 1.5, count)),
        "W": np.floor(10 ** rng.uniform(0, 3, count)),
    }


def vectorized(points: dict[str, np.ndarray]) -> np.ndarray:
    return np.stack([sweep(bd, **points) for bd in BOUNDS])


def _least(ok) -> float:
    hi = 1
    while not ok(hi):
        hi *= 2
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return float(hi)


def one_at_a_time(point: dict[str, float]) -> list[float]:
    n, w, d = point["N"], point["W"], point["d"]
    out = [_least(lambda depth: vc_log2_patterns(n, [int(w)] * depth, int(d)) * (1 + 1e-12) >= n)]
    for bd in BOUNDS[1:]:
        if bd.applies is not None and not (n - 1) * point["delta"] <= 2:
            out.append(float("nan"))
            continue
        out.append(
            _least(
                lambda depth, bd=bd: (
                    bd.value(**point, L=depth, P=dense_params(w, depth, d)) >= -1e-12 * max(1.0, n)
                )
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000, help="points in the vectorized sweep")
    parser.add_argument("--baseline-points", type=int, default=8, help="points evaluated one at a time")
    parser.add_argument("--seed", type=int, default=0)
    args, _ = parser.parse_known_args(argv)  # run_all passes every flag to every benchmark

    points = make_points(args.points, args.seed)
    vectorized({k: v[:10] for k, v in points.items()})  # lambdify once, outside the timing
    start, cpu = time.perf_counter(), time.process_time()
    answers = vectorized(points)
    fast, fast_cpu = time.perf_counter() - start, time.process_time() - cpu

    sample = range(min(args.baseline_points, args.points))
    start = time.perf_counter()
    slow_answers = [one_at_a_time({k: float(v[i]) for k, v in points.items()}) for i in sample]
    slow = time.perf_counter() - start

    ref = np.asarray(slow_answers).T
    got = answers[:, : len(sample)]
    agree = np.array_equal(np.isnan(ref), np.isnan(got)) and np.allclose(
        np.nan_to_num(ref), np.nan_to_num(got)
    )
    fast_rate = args.points / fast
    slow_rate = len(sample) / slow
    print(
        f"vectorized sweep: {args.points} points x {len(BOUNDS)} bounds in {fast:.3f} s: "
        f"{fast_rate:,.0f} queries/s ({args.points / fast_cpu:,.0f} per CPU second)"
    )
    print(
        f"one at a time (sympy subs + scalar recursion): {len(sample)} points in {slow:.3f} s: "
        f"{slow_rate:,.2f} queries/s"
    )
    print(f"ratio vectorized / one-at-a-time: {fast_rate / slow_rate:,.0f}x")
    print(f"answers agree on the sample: {agree}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
