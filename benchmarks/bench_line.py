"""The exact projection and sort at large N: each phase of issue 4's builder and verifier, timed.

For each N (d = 64, C = 10 by default; data of ``bench_memorize``), best of
``--repeat`` runs:

- floor: ``X @ v`` and ``argsort`` of it;
- builder: :func:`proofs.construction.projection` (exact order and least gap)
  and :func:`proofs.construction.integer_codes`;
- verifier: the first unit ``s = w . x + b`` of the built network as the
  scalar backend forms it (``scalar._line`` on the float points: exact values,
  exact order, distinct-value ids, the line's integers), split into
  :func:`proofs.dot.exact_dots`, :meth:`~proofs.dot.ExactDots.order` and the
  conversion of the distinct values; ``exact_rows`` (full exact inputs,
  which backends other than ``scalar`` need) and ``_line`` on them;
- with ``--full``: ``memorize`` (its phases) and ``verify`` end to end.

    python benchmarks/bench_line.py [--sizes 100000,1000000] [--repeat 3] [--cache DIR] [--full]

Each time is also given as a ratio to the floor (``X @ v`` plus ``argsort``)
measured in the same run. With ``--cache DIR`` the data are kept as
``bench_<N>_<d>.npz`` there (generating 10^6 points takes a while).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _load(n: int, d: int, classes: int, seed: int, cache: str | None) -> tuple[np.ndarray, np.ndarray]:
    path = os.path.join(cache, f"bench_{n}_{d}.npz") if cache else None
    if path and os.path.exists(path):
        z = np.load(path)
        return z["X"], z["y"]
    from bench_memorize import _data

    X, y = _data(n, d, classes, seed)
    if path:
        np.savez(path, X=X, y=y)
    return X, y


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(
    n: int, d: int, classes: int, seed: int, repeat: int, cache: str | None, full: bool
) -> dict[str, float]:
    from proofs.backends import scalar
    from proofs.construction import _first_layer, integer_codes, projection
    from proofs.dot import exact_dots
    from proofs.network import AffineLayer, Network

    X, y = _load(n, d, classes, seed, cache)
    v = np.random.default_rng(0).normal(size=d)
    t: dict[str, float] = {}
    t["X @ v"], p = _best(lambda: X @ v, repeat)
    t["argsort"], _ = _best(lambda: np.argsort(p), repeat)
    t["projection"], pr = _best(lambda: projection(X, seed=seed), repeat)
    t["integer_codes"], (e, _, _) = _best(lambda: integer_codes(X, pr), repeat)
    net = Network([_first_layer(pr.v_num, e), AffineLayer.from_dense([[1]], [0])])
    w, b, q = scalar._first_layer(net)
    t["exact_dots"], dots = _best(lambda: exact_dots(X, w, b).relu().reduced(), repeat)
    t["order + ids"], (order, ids) = _best(dots.order, repeat)
    first = order[np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))]
    t["line integers"], _ = _best(lambda: dots.ints(first), repeat)
    t["scalar._line"], _ = _best(lambda: scalar._line(net, X), repeat)
    t["exact_rows"], ex = _best(lambda: scalar.exact_rows(X), repeat)
    t["_line(exact)"], _ = _best(lambda: scalar._line(net, ex), repeat)
    if full:
        from proofs.construction import memorize
        from proofs.verify import verify

        t["memorize"], built = _best(lambda: memorize(X, y, width=1024, seed=seed), 1)
        for k, s in built.report["times"].items():
            t[f"  {k}"] = s
        t["verify"], result = _best(lambda: verify(built.network, X, y), 1)
        assert result.memorized
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated N values")
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", default=None, help="folder to keep the generated data in")
    ap.add_argument("--full", action="store_true", help="also memorize (width 1024) and verify end to end")
    args = ap.parse_args()
    for n in [int(s) for s in args.sizes.split(",") if s]:
        t = run(n, args.d, args.classes, args.seed, args.repeat, args.cache, args.full)
        floor = t["X @ v"] + t["argsort"]
        print(f"N = {n}, d = {args.d}: seconds (best of {args.repeat}) and ratio to the floor {floor:.3f} s")
        for k, s in t.items():
            print(f"  {k:<16} {s:8.3f} {s / floor:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
