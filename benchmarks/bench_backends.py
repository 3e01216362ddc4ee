"""Exact evaluation backends against the pure-Python reference, in one run.

The network has two hidden layers of width 16 ("16x16"), input dimension 16,
one output, and dense weights and biases with 4000-bit numerators over the
per-layer denominator 2**4000; the inputs are N float64 points in the unit
ball. Every backend evaluates all N points and must agree exactly with the
reference; the script prints each backend's wall-clock and CPU time and its
speed-up over the reference (CPU time of this process is the steadier measure
on a machine shared with other work).

A second scenario (``--scenario dyadic``; both run by default) shows what the
structure buys: steps of 4000-bit dyadic projections whose outputs reduce to
0 or 1 over 1, so later big layers multiply short numbers and the rows that
become small finish in int64, while the reference carries 4000-bit numerators
and denominators to the end.

The reference takes minutes on 20,000 points. By default it runs on all points
when its measured rate predicts at most ``--ref-budget`` wall-clock seconds, else on the
first ``--ref-n`` points, and its full time is extrapolated linearly; the table
says which. ``--full-ref`` forces the full reference run.

    python benchmarks/bench_backends.py            # N = 20,000
    python benchmarks/bench_backends.py --n 2000   # a quick run
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

from proofs.backends import BACKENDS, applies, check_int64, evaluate
from proofs.exact import exact_inputs
from proofs.network import AffineLayer, Network


def build_network(d: int, widths: list[int], bits: int, seed: int) -> Network:
    rng = random.Random(seed)
    dims = [d, *widths, 1]

    def value() -> int:
        return rng.getrandbits(bits) - (1 << (bits - 1))

    layers = [
        AffineLayer.from_dense([[value() for _ in range(n_in)] for _ in range(n_out)],
                               [value() for _ in range(n_out)], denom=1 << bits)
        for n_in, n_out in zip(dims, dims[1:], strict=False)
    ]
    return Network(layers, meta={"benchmark": "backends", "seed": seed})


def ball_points(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x * rng.uniform(0, 1, size=(n, 1)) ** (1 / d)


def timed(net: Network, x, backend: str):
    """Output, wall-clock seconds and CPU seconds of this process (robust on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = evaluate(net, x, backend=backend)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def build_dyadic_network(d: int, width: int, bits: int, small_layers: int, seed: int) -> Network:
    """Two rounds of steps of dyadic projections, then small integer layers.

    A round computes pairs ``2**10 p.h + 1`` and ``2**10 p.h`` for projections
    ``p`` with ``bits``-bit numerators over ``2**bits``, then their difference:
    a step with values in [0, 1], exactly 0 or 1 for most points. The second
    round projects the first round's steps. Small integer layers follow, as in
    a construction's gadgets.
    """
    rng = random.Random(seed)

    def steps(n_in: int) -> list[AffineLayer]:
        proj = [[rng.getrandbits(bits) - (1 << (bits - 1)) for _ in range(n_in)] for _ in range(width)]
        pairs = AffineLayer.from_dense([row for p in proj for row in (p, p)],
                                       [v for _ in proj for v in (1 << (bits - 10), 0)],
                                       denom=1 << (bits - 10))
        diff = AffineLayer.from_triplets(width, 2 * width, [(j, 2 * j + s, 1 - 2 * s) for j in range(width)
                                                            for s in (0, 1)], [0] * width)
        return [pairs, diff]

    small = [AffineLayer.from_dense([[rng.randint(-3, 3) for _ in range(width)] for _ in range(width)],
                                    [rng.randint(-3, 3) for _ in range(width)], denom=2)
             for _ in range(small_layers)]
    out = AffineLayer.from_dense([[rng.randint(-3, 3) for _ in range(width)]], [0])
    layers = [*steps(d), *steps(width), *small, out]
    return Network(layers, meta={"benchmark": "backends-dyadic", "seed": seed})


def compare(net: Network, x: np.ndarray, args: argparse.Namespace) -> int:
    """Time the reference and every applicable backend on ``x``; 1 if any disagrees."""
    sub = min(len(x), args.ref_n)
    ref_sub, w_sub, c_sub = timed(net, x[:sub], "python")
    scale = len(x) / sub
    if sub == len(x):
        ref, w_ref, c_ref, how = ref_sub, w_sub, c_sub, "measured on all points"
    elif args.full_ref or w_sub * scale <= args.ref_budget:
        ref, w_ref, c_ref = timed(net, x, "python")
        how = "measured on all points"
    else:
        ref, w_ref, c_ref = None, w_sub * scale, c_sub * scale
        how = f"EXTRAPOLATED linearly from {sub} points (use --full-ref to measure)"
    print(f"{'python':>8}: wall {w_ref:8.2f} s  cpu {c_ref:8.2f} s   reference, {how}")

    status = 0
    for name, mod in BACKENDS.items():
        if name == "python":
            continue
        if not mod.available():
            print(f"{name:>8}: unavailable ({mod.missing()})")
            continue
        if not applies(name, net):
            print(f"{name:>8}: not applicable to this network's structure")
            continue
        if name == "int64":
            check = check_int64(net, exact_inputs(x))
            if not check.safe:
                print(f"{name:>8}: not applicable, overflow not excluded ({check.reason})")
                continue
        out, wall, cpu = timed(net, x, name)
        if ref is not None:
            same = out.same_as(ref)
        else:  # compare with the reference where it ran
            same = type(out)(out.nums[:sub], out.dens[:sub], name).same_as(ref_sub)
        status |= 0 if same else 1
        print(f"{name:>8}: wall {wall:8.2f} s  cpu {cpu:8.2f} s   ratio wall {w_ref / wall:5.1f}x  "
              f"cpu {c_ref / cpu:5.1f}x   {'exact agreement' if same else 'DISAGREES WITH THE REFERENCE'}")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="number of input points")
    parser.add_argument("--d", type=int, default=16, help="input dimension")
    parser.add_argument("--width", type=int, default=16, help="width of each hidden layer")
    parser.add_argument("--depth", type=int, default=2, help="number of hidden layers (dense network)")
    parser.add_argument("--bits", type=int, default=4000, help="bits of every big weight numerator")
    parser.add_argument("--scenario", choices=["dense", "dyadic", "all"], default="all",
                        help="dense: the issue's 16x16 network; dyadic: steps then small layers")
    parser.add_argument("--ref-n", type=int, default=1000, help="reference subset when extrapolating")
    parser.add_argument("--ref-budget", type=float, default=120.0,
                        help="wall-clock seconds allowed for a full reference run")
    parser.add_argument("--full-ref", action="store_true", help="always run the reference on all points")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x = ball_points(args.n, args.d, args.seed)
    print("times are wall-clock and CPU seconds of this process; ratios are reference time / backend time")
    status = 0
    if args.scenario in ("dense", "all"):
        net = build_network(args.d, [args.width] * args.depth, args.bits, args.seed)
        print(f"\n[dense] {args.d} -> {' -> '.join(map(str, net.widths))} -> 1, {args.bits}-bit weights "
              f"over 2**{args.bits}, max_bits {net.max_bits}; {args.n} points in the unit ball")
        status |= compare(net, x, args)
    if args.scenario in ("dyadic", "all"):
        net = build_dyadic_network(args.d, args.width, args.bits, 2, args.seed)
        print(f"\n[dyadic] {args.d} -> {' -> '.join(map(str, net.widths))} -> 1: two rounds of steps of "
              f"{args.bits}-bit projections, then small integer layers; {args.n} points in the unit ball")
        status |= compare(net, x, args)
    return status


if __name__ == "__main__":
    sys.exit(main())
