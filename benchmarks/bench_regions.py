"""Exact 1-D region counting against regioncam's float32 1-D counter, in one run.

Part 1: random float32 networks (Gaussian weights) that regioncam handles.
For each size, the counters run on the same segment; the script prints the
counts (they must agree) and two time ratios against regioncam (best of
``--repeat`` runs each): memcap's counter (certified float64 filter, exact
integers only when it cannot decide) and the exact integer counter alone,
which is what the filter replaces. The goal stated for memcap is a ratio of
at most 3.

Part 2: networks regioncam cannot run: the tent map composed ``k`` times with
every hidden value scaled by ``2**bits`` (weights of thousands of bits). The
exact count must be ``2**k``; regioncam cannot hold the weights in float32.

Usage: ``python benchmarks/bench_regions.py [--big] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction

import numpy as np

from proofs.network import AffineLayer, Network
from proofs.regions import Segment, _exact_segment, segment_regions


def float32_net(
    d: int, width: int, depth: int, seed: int
) -> tuple[Network, list[tuple[np.ndarray, np.ndarray]]]:
    """A random network with float32 weights, exactly and as regioncam layers."""
    rng = np.random.default_rng(seed)
    dims = [d] + [width] * depth + [1]
    exact, floats = [], []
    for n_in, n_out in zip(dims, dims[1:], strict=False):
        w = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
        b = (rng.standard_normal(n_out) * 0.1).astype(np.float32)
        exact.append(
            AffineLayer.from_rationals(
                [[Fraction(float(v)) for v in row] for row in w], [Fraction(float(v)) for v in b]
            )
        )
        floats.append((np.ascontiguousarray(w.T), b))
    return Network(exact), floats


def tent_net(k: int, bits: int) -> Network:
    s = 2**bits
    layers = [AffineLayer.from_dense([[2 * s], [4 * s]], [0, -2 * s])]
    layers += [AffineLayer.from_dense([[2, -2], [4, -4]], [0, -2 * s]) for _ in range(k - 1)]
    layers.append(AffineLayer.from_dense([[1, -1]], [0], denom=s))
    return Network(layers)


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also the larger networks (minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    args = parser.parse_args()
    try:
        import regioncam
    except ImportError:
        print("regioncam is not installed (pip install 'memcap[regions]'); no ratio to print")
        return 0

    sizes = [(8, 4), (16, 4), (32, 4), (32, 6), (64, 6)]
    if args.big:
        sizes += [(64, 10), (128, 8), (256, 8)]
    start, end = np.array([-1.0, -0.5], np.float32), np.array([1.0, 0.75], np.float32)
    seg = Segment.between(start.tolist(), end.tolist())
    status = 0
    print("Part 1: random float32 networks (input dim 2), segment", start.tolist(), "->", end.tolist())
    print(
        f"{'width':>5} {'depth':>5} {'regions':>8} {'regioncam':>9} {'memcap s':>9} {'rc s':>9} "
        f"{'ratio':>7} {'exact-only s':>12} {'ratio':>7}"
    )
    for width, depth in sizes:
        net, floats = float32_net(2, width, depth, seed=width * 100 + depth)

        def run_rc(floats=floats) -> int:
            rc = regioncam.Regioncam1D(2.0)
            rc.linear(np.array([(end - start) / 2], np.float32), (start + end) / 2)
            for i, (w, b) in enumerate(floats):
                rc.linear(w, b)
                if i < len(floats) - 1:
                    rc.relu()
            return int(rc.num_edges)

        t_ours, ours = best(lambda net=net: segment_regions(net, seg), args.repeat)
        t_exact, exact = best(lambda net=net: _exact_segment(net, seg, 100_000), args.repeat)
        t_rc, theirs = best(run_rc, args.repeat)
        count = ours.activation_regions  # type: ignore[attr-defined]
        same = count == theirs == exact.activation_regions  # type: ignore[attr-defined]
        flag = "" if same else "  MISMATCH"
        status |= int(bool(flag))
        print(
            f"{width:>5} {depth:>5} {count:>8} {theirs:>9} {t_ours:>9.4f} {t_rc:>9.5f} "
            f"{t_ours / t_rc:>7.1f} {t_exact:>12.4f} {t_exact / t_rc:>7.1f}{flag}"
        )

    print(
        "\nPart 2: tent map composed k times, hidden values scaled by 2**bits (regioncam cannot hold these)"
    )
    print(f"{'k':>3} {'bits':>5} {'max weight bits':>15} {'pieces':>7} {'expected':>8} {'exact s':>9}")
    for k, bits in [(8, 1000), (10, 4000)] + ([(12, 10000)] if args.big else []):
        net = tent_net(k, bits)
        t_exact, res = best(lambda net=net: segment_regions(net, Segment.between([0], [1])), 1)
        pieces = res.linear_pieces  # type: ignore[attr-defined]
        flag = "" if pieces == 2**k else "  WRONG"
        status |= int(bool(flag))
        print(f"{k:>3} {bits:>5} {net.max_bits:>15} {pieces:>7} {2**k:>8} {t_exact:>9.3f}{flag}")
    return status


if __name__ == "__main__":
    sys.exit(main())
