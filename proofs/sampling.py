"""Random point sets in the closed unit ball with a guaranteed minimum distance.

The separation is decided exactly (:func:`proofs.geometry.close_pairs`), so a
returned set is ``delta``-separated as a set of rationals, not merely in floats.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from proofs.errors import InfeasibleError
from proofs.geometry import close_pairs

__all__ = ["packing_bound", "sample_separated"]

_ROUNDS = 60  # redraw rounds before giving up


def packing_bound(d: int, delta: float) -> float:
    """Most points of the unit ball of R^d at pairwise distance >= ``delta``, by volume.

    Balls of radius ``delta/2`` around the points are disjoint and lie in the
    ball of radius ``1 + delta/2``, so ``N <= (1 + 2/delta)**d``; in dimension
    1 the exact count ``floor(2/delta) + 1``.

    Examples
    --------
    >>> packing_bound(1, 0.5), packing_bound(2, 1.0)
    (5.0, 9.0)
    """
    if d == 1:
        return float(math.floor(Fraction(2) / Fraction(delta)) + 1)
    return float((1.0 + 2.0 / delta) ** d) if d * math.log1p(2.0 / delta) < 700 else math.inf


def _line(n: int, delta: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points of [-1, 1], multiples of ``2**-53``, consecutive gaps >= ``delta``."""
    bits = 53
    step = math.ceil(Fraction(delta) * 2**bits)
    slack = 2 ** (bits + 1) - (n - 1) * step
    if slack < 0:
        raise InfeasibleError(
            f"{n} points at pairwise distance >= {delta!r} do not fit in [-1, 1]: at most "
            f"floor(2/delta) + 1 = {packing_bound(1, delta):.0f} do; lower n or delta"
        )
    cuts = np.sort(rng.integers(0, slack, size=n, endpoint=True))
    k = np.arange(n, dtype=np.int64) * step + cuts - 2**bits
    return rng.permutation(np.ldexp(k.astype(np.float64), -bits)).reshape(n, 1)


def _ball(m: int, d: int, bits: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` uniform points of the ball, truncated towards 0 to multiples of ``2**-bits``."""
    g = rng.standard_normal((m, d))
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    r = rng.random((m, 1)) ** (1.0 / d) * (1.0 - 2.0**-30)
    return np.ldexp(np.trunc(np.ldexp(g / norms * r, bits)), -bits) + 0.0


def sample_separated(n: int, d: int, delta: float, seed: int = 0) -> np.ndarray:
    """``n`` random points of the closed unit ball of R^d, pairwise at distance >= ``delta``.

    Points are uniform in the ball, truncated towards 0 to short dyadic
    rationals (so norms only shrink); every pair closer than ``delta`` is found
    exactly and one of its points redrawn, for at most 60 rounds.

    Raises
    ------
    InfeasibleError
        ``n`` exceeds :func:`packing_bound`, or the redraws do not converge.

    Examples
    --------
    >>> x = sample_separated(50, 3, 0.2, seed=2)
    >>> x.shape, close_pairs(x, 0.2)
    ((50, 3), [])
    """
    rng = np.random.default_rng(seed)
    if d == 1:
        return _line(n, delta, rng)
    bound = packing_bound(d, delta)
    if n > bound:
        raise InfeasibleError(
            f"{n} points at pairwise distance >= {delta!r} do not fit in the unit ball of R^{d}: "
            f"the volume packing bound allows at most (1 + 2/delta)^d = {bound:.6g}; lower n or delta"
        )
    bits = min(52, max(20, math.ceil(math.log2(math.sqrt(d) / delta)) + 24))
    x = _ball(n, d, bits, rng)
    stuck = 0
    last = n + 1
    for _ in range(_ROUNDS):
        bad = np.unique([j for _, j, _ in close_pairs(x, delta, seed=int(rng.integers(2**31)))])
        if bad.size == 0:
            return x
        stuck = stuck + 1 if bad.size >= last else 0
        last = min(last, bad.size)
        if stuck >= 5:
            break
        x[bad] = _ball(bad.size, d, bits, rng)
    raise InfeasibleError(
        f"could not sample {n} points of R^{d} at pairwise distance >= {delta!r} in {_ROUNDS} rounds of "
        f"redraws ({last} points still too close); the set is too dense for random sampling, "
        f"try delta <= {delta / 2:.3g} or fewer points"
    )
