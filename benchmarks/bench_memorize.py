"""Build and exactly verify a memorizing network, against the floor and a Fraction prototype.

Issue 4's performance claims, measured in one run:

1. Floor: projecting the data and sorting it (``X @ v`` then ``argsort``), which
   any construction of this kind pays. Ratio = (build + exact verification) /
   floor at each N (d = 64, C = 10 by default), peak memory of each run (each N
   runs in a fresh process), and the growth exponent of the total time fitted
   from the smallest to the largest N (N log N would give about 1.1 over
   10^4..10^6).
2. Prototype: the built network evaluated exactly with Python Fractions, layer
   by layer, as dense matrices (the straightforward exact evaluation). It runs
   on as many points as fit in its time budget; its per-point time times N is
   the prototype's time for the whole set (evaluation cost is the same for
   every point of a dense network). Ratio = prototype / (build + verify).

By default the run is the goal's: N = 10^4, 10^5 and 10^6 (about half a GB of
data) at width 1024, a couple of minutes. The CLI's default width 32 is
``--width 0``; its lanes hold hundreds of bits, which the verifier forms with
Python integers, so it is much slower at large N (use ``--no-big``).

    python benchmarks/bench_memorize.py [--sizes 10000,100000] [--no-big] [--width 0]
                                        [--timeout 600] [--no-proto]

``--width`` sets the builder's target width (wide networks have few layers);
``--timeout`` caps each N's run, and a size that does not finish is reported
as such and left out of the fitted exponent.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from fractions import Fraction
from typing import Any

import numpy as np


def _data(n: int, d: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from proofs.data import make_dataset

    # small enough that random sampling separates quickly; separated sets of this size exist
    delta = min(0.01, 0.5 * n ** (-1.0 / d))
    ds = make_dataset(n, d, classes, delta, seed=seed)
    return ds.X, ds.y


def _floor(X: np.ndarray) -> float:
    v = np.random.default_rng(0).normal(size=X.shape[1])
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        np.argsort(X @ v)
        best = min(best, time.perf_counter() - t)
    return best


def one(n: int, d: int, classes: int, width: int | None, seed: int) -> dict[str, Any]:
    """Build and verify at one size; report times and peak memory of this process."""
    from proofs.construction import memorize
    from proofs.verify import verify

    X, y = _data(n, d, classes, seed)
    floor = _floor(X)
    t = time.perf_counter()
    built = memorize(X, y, width=width, seed=seed)
    build = time.perf_counter() - t
    t = time.perf_counter()
    result = verify(built.network, X, y)
    check = time.perf_counter() - t
    if not result.memorized:
        raise SystemExit(f"N={n}: verification failed: {result.summary()}")
    net = built.network
    return {
        "N": n,
        "floor": floor,
        "build": build,
        "verify": check,
        "total": build + check,
        "ratio": (build + check) / floor,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "width": net.width,
        "depth": net.depth,
        "max_bits": net.max_bits,
        "regime": built.report.get("regime"),
        "backend": result.backend,
    }


def prototype(
    n: int, d: int, classes: int, width: int | None, seed: int, budget: float
) -> dict[str, Any]:
    """Our build + verify at ``n`` against dense Fraction evaluation of the same network."""
    from proofs.construction import memorize
    from proofs.verify import verify

    X, y = _data(n, d, classes, seed)
    t = time.perf_counter()
    built = memorize(X, y, width=width, seed=seed)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    assert verify(built.network, X, y).memorized
    ours += time.perf_counter() - t
    layers = [layer.to_fractions() for layer in built.network.layers]
    done, t = 0, time.perf_counter()
    while done < n and (done == 0 or time.perf_counter() - t < budget):
        a = [Fraction(float(v)) for v in X[done]]
        for k, (w, b) in enumerate(layers):
            z = [
                sum((wi * ai for wi, ai in zip(row, a, strict=True)), bi)
                for row, bi in zip(w, b, strict=True)
            ]
            a = z if k == len(layers) - 1 else [max(v, Fraction(0)) for v in z]
        assert a[0] == y[done], f"prototype disagrees at point {done}"
        done += 1
    per_point = (time.perf_counter() - t) / done
    return {
        "N": n,
        "ours": ours,
        "proto_points": done,
        "proto": per_point * n,
        "ratio": per_point * n / ours,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated N values")
    ap.add_argument("--no-big", dest="big", action="store_false", help="leave out N = 1,000,000")
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--width", type=int, default=1024, help="target width (0: the builder's default, 32)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=0, help="seconds per N (0: no cap)")
    ap.add_argument("--proto-n", type=int, default=2000, help="N of the prototype comparison")
    ap.add_argument("--proto-budget", type=float, default=30.0, help="seconds for the prototype")
    ap.add_argument("--no-proto", action="store_true", help="skip the prototype comparison")
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    width = args.width or None
    if args.one:
        print(json.dumps(one(args.one, args.d, args.classes, width, args.seed)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([1_000_000] if args.big else [])
    rows = []
    print(f"d={args.d} C={args.classes} width={width}; each N in a fresh process")
    head = f"{'N':>9} {'floor s':>9} {'build s':>9} {'verify s':>9} {'ratio':>8} {'peak MB':>8}"
    print(head + "  W x L, bits, regime")
    for n in sizes:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(n),
            "--d",
            str(args.d),
            "--classes",
            str(args.classes),
        ]
        cmd += ["--width", str(args.width), "--seed", str(args.seed)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout or None)
        except subprocess.TimeoutExpired:
            print(f"{n:>9} did not finish within {args.timeout:.0f} s", flush=True)
            continue
        if proc.returncode:
            print(f"{n:>9} failed: {proc.stderr.strip()[-500:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(
            f"{n:>9} {r['floor']:>9.3f} {r['build']:>9.3f} {r['verify']:>9.3f} {r['ratio']:>8.1f} "
            f"{r['peak_mb']:>8.0f}  {r['width']} x {r['depth']}, {r['max_bits']}, {r['regime']}",
            flush=True,
        )
    if len(rows) >= 2:
        ns = np.log([r["N"] for r in rows])
        slope = float(np.polyfit(ns, np.log([r["total"] for r in rows]), 1)[0])
        n0, n1 = rows[0]["N"], rows[-1]["N"]
        nlogn = math.log(n1 * math.log(n1) / (n0 * math.log(n0))) / math.log(n1 / n0)
        print(f"growth exponent of build+verify over N={n0}..{n1}: {slope:.2f} (N log N: {nlogn:.2f})")
    goal = [r for r in rows if r["N"] == 1_000_000]
    if goal:
        r = goal[0]
        print(f"ratio to the floor at N=10^6: {r['ratio']:.1f}x, peak {r['peak_mb']:.0f} MB "
              f"(goal: 20x, under 8 GB)")
    elif rows:
        print("N = 10^6 was not run (the goal's size; leave out --no-big)")
    if args.no_proto:
        return 0
    p = prototype(args.proto_n, args.d, args.classes, width, args.seed, args.proto_budget)
    print(
        f"prototype (dense Fractions) at N={p['N']}: {p['proto']:.1f} s "
        f"(timed on {p['proto_points']} points, scaled to N); ours build+verify {p['ours']:.3f} s; "
        f"ratio {p['ratio']:.0f}x (goal: 100x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
