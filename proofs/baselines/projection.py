"""The first step of every baseline: an exact projection to a line, and grid ramps.

A dyadic direction ``v = a / 2**p`` maps the points to exact rationals
``t_i = <v, x_i>``; the direction is redrawn until they are distinct and their
least gap reaches the target ``gamma = delta / (N**2 sqrt(d))``
(:func:`bounds.baselines.guaranteed_gap_squared`). Breakpoints are placed on
the grid ``eps * Z``, ``eps = 2**-k``, by :func:`grid_run`; a *ramp pair* of
units ``ReLU(t/eps - m_P) - ReLU(t/eps - m_Q)`` adds ``m_Q - m_P`` to every
point right of both breakpoints and 0 to every point left of both
(docs/theory/baselines.md, "Ramp pairs").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from bounds.baselines import DIRECTION_BITS, grid_exponent, guaranteed_gap_squared
from proofs.errors import DataError
from proofs.exact import ExactInputs, exact_inputs
from proofs.network import AffineLayer

__all__ = [
    "Projection",
    "Progress",
    "draw_direction",
    "exact_projections",
    "project_to_line",
    "grid_run",
    "ramp_pair",
    "check_points_labels",
    "label_base",
    "line_units",
]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Projection:
    """Points projected exactly to a line.

    Attributes
    ----------
    direction : tuple of int
        Numerators ``a`` of the direction ``v = a / 2**bits``, all nonzero.
    bits : int
        The exponent ``p``.
    t : tuple of Fraction
        ``t_i = <v, x_i>`` for every point, exact.
    order : tuple of int
        Point indices sorted by ``t``.
    gap : Fraction or None
        Least difference of consecutive sorted ``t`` (None for one point).
    gap_target_squared : Fraction or None
        Square of the gap the draws aimed at (None when ``delta`` is unknown).
    draws : int
        Directions drawn (1 when the first worked).
    """

    direction: tuple[int, ...]
    bits: int
    t: tuple[Fraction, ...]
    order: tuple[int, ...]
    gap: Fraction | None
    gap_target_squared: Fraction | None
    draws: int

    def grid_exponent(self, C: int) -> int:
        """The grid exponent ``k`` for labels spanning ``C`` values (0 for one point)."""
        return 0 if self.gap is None else grid_exponent(C, gap=self.gap)


def draw_direction(d: int, rng: np.random.Generator, p: int = DIRECTION_BITS) -> list[int]:
    """Numerators ``a`` of a random direction ``a / 2**p``: nonzero, ``|a_i| <= 2**p``.

    A Gaussian vector is normalized and truncated toward zero to ``p`` bits;
    a coordinate truncated to 0 becomes ``+-1``.

    >>> a = draw_direction(3, np.random.default_rng(0), p=8)
    >>> len(a), all(a) and all(abs(v) <= 256 for v in a)
    (3, True)
    """
    g = rng.standard_normal(d)
    g /= max(float(np.linalg.norm(g)), 1e-300)
    a = [int(math.trunc(v * 2**p)) for v in g]
    return [v if v else (1 if g[i] >= 0 else -1) for i, v in enumerate(a)]


def exact_projections(x: ExactInputs, a: Sequence[int], p: int) -> list[Fraction]:
    """``<a / 2**p, x_i>`` for every row, as exact fractions.

    >>> exact_projections(exact_inputs([[0.5, 0.25]]), [1, 2], 2)
    [Fraction(1, 4)]
    """
    out = []
    for row, q in zip(x.nums, x.dens, strict=True):
        s = sum(int(ai) * int(v) for ai, v in zip(a, row, strict=True))
        out.append(Fraction(s, int(q) << p))
    return out


def _sorted_gap(t: Sequence[Fraction]) -> tuple[list[int], Fraction | None, tuple[int, int] | None]:
    order = sorted(range(len(t)), key=t.__getitem__)
    gap: Fraction | None = None
    tie = None
    for i, j in zip(order, order[1:], strict=False):
        g = t[j] - t[i]
        if g == 0:
            tie = (min(i, j), max(i, j))
        if gap is None or g < gap:
            gap = g
    return order, gap, tie


def project_to_line(
    X: Any,
    *,
    seed: int = 0,
    delta_squared: Fraction | None = None,
    max_draws: int = 32,
    progress: Progress | None = None,
) -> Projection:
    """Project exactly to a line with distinct images, aiming at the gap ``gamma``.

    Directions are drawn until the least gap is at least ``gamma`` (when
    ``delta_squared`` is given) or merely positive; after ``max_draws`` the
    draw with the largest gap is kept.

    Raises
    ------
    DataError
        Two points are identical, or no draw separated all points.

    Examples
    --------
    >>> pr = project_to_line([[0.5, 0.0], [0.0, 0.5], [-0.5, 0.0]], seed=1)
    >>> sorted(pr.order), pr.gap > 0
    ([0, 1, 2], True)
    """
    x = exact_inputs(X)
    n, d = x.shape
    target = None if delta_squared is None or n < 2 else guaranteed_gap_squared(n, d, 1) * delta_squared
    rng = np.random.default_rng([int(seed), 7])
    best: Projection | None = None
    for draw in range(1, max_draws + 1):
        a = draw_direction(d, rng)
        t = exact_projections(x, a, DIRECTION_BITS)
        order, gap, tie = _sorted_gap(t)
        if progress is not None:
            progress("project", draw, max_draws)
        if tie is not None:
            i, j = tie
            if _same_row(x, i, j):
                raise DataError(f"points {i} and {j} are identical; remove one of them")
            continue
        cand = Projection(tuple(a), DIRECTION_BITS, tuple(t), tuple(order), gap, target, draw)
        if best is None or (gap is not None and best.gap is not None and gap > best.gap):
            best = cand
        if gap is None or target is None or gap * gap >= target:
            return cand
    if best is None:
        raise DataError(f"no direction of {max_draws} separated all {n} points; are some points equal?")
    return Projection(best.direction, best.bits, best.t, best.order, best.gap, target, max_draws)


def _same_row(x: ExactInputs, i: int, j: int) -> bool:
    qi, qj = int(x.dens[i]), int(x.dens[j])
    return all(int(a) * qj == int(b) * qi for a, b in zip(x.nums[i], x.nums[j], strict=True))


def grid_run(lo: Fraction | None, hi: Fraction | None, length: int, k: int) -> int:
    """Start ``s`` of ``length`` consecutive grid indices in ``(lo, hi)``, avoiding 0.

    The run ``s, ..., s + length - 1`` satisfies ``lo < m 2**-k < hi`` and
    ``m != 0``. ``lo = None`` means unbounded below (the run is placed just
    under ``hi``); ``hi = None`` unbounded above (just over ``lo``). The
    interval must hold at least ``2 length + 1`` grid points, which the choice
    of ``k`` guarantees (docs/theory/baselines.md, "Grid").

    >>> grid_run(Fraction(-1, 3), Fraction(1, 3), 2, 3)   # indices -2..2 fit; -2, -1 avoid 0
    -2
    >>> grid_run(Fraction(-1, 9), Fraction(1, 3), 2, 3)   # indices 0..2: 1, 2
    1
    >>> grid_run(None, Fraction(1, 8), 3, 3)
    -3
    """
    scale = 1 << k
    if lo is None:
        assert hi is not None
        top = math.ceil(hi * scale) - 1
        return (top if top < 0 else -1) - length + 1
    first = math.floor(lo * scale) + 1
    if hi is None:
        return first if first > 0 or first + length - 1 < 0 else 1
    last = math.ceil(hi * scale) - 1
    if first > 0 or first + length - 1 < 0:
        start = first
    elif last >= length:
        start = 1
    else:
        start = -length
    assert first <= start and start + length - 1 <= last, "grid too coarse for this gap"
    return start


def ramp_pair(start: int, jump: int) -> tuple[int, int]:
    """Breakpoints ``(m_P, m_Q)`` of a ramp pair adding ``jump``, within ``start .. start + |jump|``.

    >>> ramp_pair(5, 2), ramp_pair(5, -2), ramp_pair(5, 0)
    ((5, 7), (7, 5), (5, 5))
    """
    return (start, start + jump) if jump >= 0 else (start - jump, start)


def check_points_labels(X: Any, y: Any) -> tuple[ExactInputs, list[int]]:
    """Exact points and integer labels, or a :class:`DataError` naming the problem.

    >>> x, lab = check_points_labels([[0.5], [0.25]], [1, 2])
    >>> x.shape, lab
    ((2, 1), [1, 2])
    """
    x = exact_inputs(X)
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != x.shape[0]:
        raise DataError(f"need one label per point: {x.shape[0]} points, labels of shape {arr.shape}")
    labels = []
    for i, v in enumerate(arr.tolist()):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
            raise DataError(f"label {i} is {v!r}, not an integer; labels must be integers")
        labels.append(int(v))
    return x, labels


def label_base(labels: Sequence[int]) -> int:
    """Output bias of the baselines: the least label, or -1 if that is 0 (never 0).

    >>> label_base([3, 1, 2]), label_base([0, 1])
    (1, -1)
    """
    low = min(labels)
    return low if low != 0 else -1


def line_units(proj: Projection, k: int, breakpoints: Sequence[int]) -> AffineLayer:
    """First layer of units ``ReLU(2**k <v, x> - m)``, one per breakpoint index ``m``.

    Weights ``a_i 2**max(k - p, 0)`` and biases ``-m 2**max(p - k, 0)`` over the
    denominator ``2**max(p - k, 0)``.

    >>> pr = Projection((1, -1), 2, (), (), None, None, 1)
    >>> line_units(pr, 3, [5, -2]).to_dense()
    ([[2, -2], [2, -2]], [-5, 2], 1)
    """
    p = proj.bits
    w_scale, q = 1 << max(k - p, 0), 1 << max(p - k, 0)
    d = len(proj.direction)
    trip = [(r, c, a * w_scale) for r in range(len(breakpoints)) for c, a in enumerate(proj.direction)]
    return AffineLayer.from_triplets(len(breakpoints), d, trip, [-m * q for m in breakpoints], q)
