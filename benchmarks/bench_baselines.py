"""Baselines side by side with our construction: sizes and times, as ratios to ours.

Issue 7 compares the classic constructions with ours on the same data. For
each N (d = 8, C = 10 by default) every method builds a network, which is
verified exactly on every point; the script prints each method's width,
depth, parameters and max bits, and the ratios of its parameters and of its
build + verification time to those of our construction (``ours``), measured
in this run. Default sizes take under a minute; ``--big`` adds N = 5000, where
the exact verification of the 2N-unit one-hidden-layer network takes minutes.

    python benchmarks/bench_baselines.py [--sizes 200,2000] [--big] [--d 8]
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,2000", help="comma-separated N")
    parser.add_argument(
        "--big", action="store_true", help="add N = 5000 (one_layer verification takes minutes)"
    )
    parser.add_argument("--d", type=int, default=8)
    parser.add_argument("--classes", type=int, default=10)
    args, _ = parser.parse_known_args()
    sizes = [int(v) for v in args.sizes.split(",")] + ([5000] if args.big else [])

    from proofs.baselines.compare import available_methods
    from proofs.data import make_dataset
    from proofs.verify import verify

    methods = available_methods()
    if "ours" not in methods:
        print("proofs.construction is not installed: no ratios to ours")
        return
    head = f"{'N':>6} {'method':>15} {'width':>6} {'depth':>5} {'params':>8} {'bits':>5} {'seconds':>8}"
    print(head + f" {'params/ours':>11} {'time/ours':>9}")
    for n in sizes:
        delta = min(0.5, 0.5 * n ** (-1.0 / args.d))
        ds = make_dataset(n, args.d, args.classes, delta, seed=1)
        rows = {}
        for name, build in methods.items():
            started = time.perf_counter()
            net = build(ds.X, ds.y).network
            result = verify(net, ds.X, ds.y)
            assert result.memorized, (name, result.summary())
            rows[name] = (net, time.perf_counter() - started)
        ours_net, ours_t = rows["ours"]
        for name, (net, secs) in rows.items():
            print(
                f"{n:>6} {name:>15} {net.width:>6} {net.depth:>5} {net.params:>8} {net.max_bits:>5} "
                f"{secs:>8.3f} {net.params / ours_net.params:>11.2f} {secs / ours_t:>9.2f}"
            )


if __name__ == "__main__":
    main()
