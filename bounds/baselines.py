"""Exact sizes of the baseline constructions built by :mod:`proofs.baselines`.

Each function returns what the matching builder builds, as a JSON-ready dict:
``width``, ``depth``, ``widths``, ``params``, ``nonzeros`` (equal to what is
built), and ``max_bits`` (a proven upper bound on the bits of any stored
integer; equal-or-above what is built). The proofs are in
``docs/theory/baselines.md``; tests compare every formula with built networks.

Both baselines start the same way: a dyadic direction ``v = a / 2**p`` projects
the data to distinct numbers ``t_i`` with least gap ``gap``; every breakpoint
lies on the grid ``eps * Z`` with ``eps = 2**-k``, where ``k`` is the least
integer ``>= 0`` with ``(2 C + 3) eps < gap`` (:func:`grid_exponent`).

Labels are assumed to lie in ``{0, ..., C}`` for the bit bound; the builders
use ``C = max(y) - min(y) + 1``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from bounds.errors import InfeasibleError, MemcapError, ParameterError

__all__ = [
    "CONSTANT_WIDTH",
    "DIRECTION_BITS",
    "METHOD_SOURCES",
    "SIZE_FORMULAS",
    "constant_width_sizes",
    "smallest_method",
    "guaranteed_gap_squared",
    "grid_exponent",
    "one_layer_sizes",
    "two_layer_shape",
    "two_layer_sizes",
]

#: Bits ``p`` of the dyadic projection direction ``v = a / 2**p``.
DIRECTION_BITS = 32

#: Where each baseline comes from (the regime it reproduces).
METHOD_SOURCES: dict[str, str] = {
    "one_layer": (
        "one hidden layer, about N units: Baum 1988; Huang-Babri 1998; Zhang et al. 2017 "
        "(our exact variant: 2N units, small bits; docs/theory/baselines.md)"
    ),
    "two_layer": (
        "two hidden layers of about 2 sqrt(N) units: regime of Huang 2003 and "
        "Yun-Sra-Jadbabaie 2019 (our explicit construction; docs/theory/baselines.md)"
    ),
}


def _check_common(N: int, d: int, C: int) -> None:
    for name, value, least in (("N", N, 1), ("d", d, 1), ("C", C, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ParameterError(f"{name} must be an integer >= {least}, got {value!r}")


def guaranteed_gap_squared(N: int, d: int, delta: float | Fraction) -> Fraction:
    """Square of the projection gap ``gamma = delta / (N**2 sqrt(d))`` the builders redraw for.

    A uniformly random direction separates every pair of a delta-separated set
    by at least ``gamma`` with probability above 0.6 (THEORY section 3.1).

    >>> guaranteed_gap_squared(2, 4, 0.5)
    Fraction(1, 256)
    """
    dl = Fraction(delta)
    if dl <= 0:
        raise ParameterError(f"delta must be positive, got {delta!r}")
    return dl * dl / (N**4 * d)


def grid_exponent(C: int, *, gap: float | Fraction | None = None, gap_squared: Fraction | None = None) -> int:
    """Least ``k >= 0`` with ``(2 C + 3) 2**-k < gap``: the grid ``eps = 2**-k``.

    Give either ``gap`` or ``gap_squared`` (exact comparison either way); with
    no gap (a single point) the answer is 0.

    Examples
    --------
    >>> grid_exponent(2, gap=1.0)        # 7 / 8 < 1
    3
    >>> grid_exponent(2, gap_squared=Fraction(1, 256))   # gap 1/16: 7 / 128 < 1/16
    7
    """
    K = 2 * C + 3
    if gap is None and gap_squared is None:
        return 0
    g2 = Fraction(gap) ** 2 if gap is not None else Fraction(gap_squared)  # type: ignore[arg-type]
    if g2 <= 0:
        raise ParameterError(f"the projection gap must be positive, got {g2}")
    k = 0
    while K * K >= g2 * 4**k:  # K eps >= gap
        k += 1
    return k


def _max_bits(k: int, p: int, C: int) -> int:
    """Bit bound shared by both baselines (docs/theory/baselines.md, "Bits")."""
    M = 2 ** (k + 1) + 2 * C + 8  # bound on |m| for every grid index used
    return max(
        max(k, p) + 1,  # first-layer weights a_i 2**max(k - p, 0)
        ((M + 1) << max(0, p - k)).bit_length(),  # first-layer biases and denominator
        (2 * M).bit_length(),  # second-layer weights and biases (two_layer)
        (C + 1).bit_length(),  # output bias
    )


def _bits_fields(N: int, d: int, C: int, delta: Any, gap: Any) -> dict[str, Any]:
    p = DIRECTION_BITS
    if N == 1:
        k = 0
    elif gap is not None:
        k = grid_exponent(C, gap=gap)
    elif delta is not None:
        k = grid_exponent(C, gap_squared=guaranteed_gap_squared(N, d, delta))
    else:
        return {"grid_exponent": None, "direction_bits": p, "max_bits": None}
    return {"grid_exponent": k, "direction_bits": p, "max_bits": _max_bits(k, p, C)}


def one_layer_sizes(
    N: int,
    d: int,
    C: int,
    delta: float | Fraction | None = None,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    gap: float | Fraction | None = None,
) -> dict[str, Any]:
    """Sizes of the one-hidden-layer baseline: ``2N`` hinge units, dense.

    ``width``, ``depth``, ``params`` are upper limits asked for; a request the
    construction cannot meet raises :class:`~bounds.errors.InfeasibleError`.
    ``gap`` is the projection gap realized by a build (default: the
    guaranteed ``gamma`` from ``delta``), and sets ``max_bits``.

    Examples
    --------
    >>> s = one_layer_sizes(10, 3, 2, 0.1)
    >>> s["width"], s["depth"], s["params"], s["nonzeros"]
    (20, 1, 101, 101)
    """
    _check_common(N, d, C)
    W = 2 * N
    P = W * (d + 1) + W + 1
    if width is not None and width < W:
        raise InfeasibleError(
            f"one_layer needs width {W} = 2N for N={N}, more than the requested width {width}; "
            f"ask for width >= {W} or use method two_layer"
        )
    if depth is not None and depth < 1:
        raise InfeasibleError(f"one_layer has depth 1; the requested depth {depth} is below it")
    if params is not None and params < P:
        raise InfeasibleError(
            f"one_layer needs {P} parameters for N={N}, d={d}, above the requested {params}"
        )
    out: dict[str, Any] = {
        "method": "one_layer",
        "width": W,
        "depth": 1,
        "widths": [W],
        "params": P,
        "nonzeros": P,
    }
    out.update(_bits_fields(N, d, C, delta, gap))
    return out


def two_layer_shape(N: int, d: int, B: int) -> dict[str, int]:
    """Layer sizes of the two-layer baseline with groups of ``B`` points.

    ``G = ceil(N / B)`` groups; first hidden layer ``2G - 1`` units (one line
    unit, two per group boundary), second ``2B`` (one ramp pair per slot).

    >>> two_layer_shape(100, 2, 10)
    {'group_size': 10, 'groups': 10, 'width1': 19, 'width2': 20, 'params': 478}
    """
    G = -(-N // B)
    W1, W2 = 2 * G - 1, 2 * B
    P = W1 * (d + 1) + W2 * (W1 + 1) + W2 + 1
    return {"group_size": B, "groups": G, "width1": W1, "width2": W2, "params": P}


def _two_layer_candidates(N: int, d: int) -> list[dict[str, int]]:
    # Pareto-relevant group sizes: B <= sqrt(N), or B = ceil(N / G) with G <= sqrt(N).
    r = math.isqrt(N) + 1
    sizes = {B for B in range(1, min(N, r) + 1)} | {-(-N // G) for G in range(1, r + 1)}
    return [two_layer_shape(N, d, B) for B in sorted(sizes)]


def two_layer_sizes(
    N: int,
    d: int,
    C: int,
    delta: float | Fraction | None = None,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    gap: float | Fraction | None = None,
) -> dict[str, Any]:
    """Sizes of the two-hidden-layer baseline, with its group size chosen.

    Without limits the group size minimizes the width (about ``2 sqrt(N)``
    per layer), then the parameters. With a width or parameter limit it
    minimizes the parameters among group sizes within the limits.

    Examples
    --------
    >>> s = two_layer_sizes(100, 2, 3, 0.05)
    >>> s["widths"], s["params"] == s["nonzeros"], s["group_size"]
    ([19, 20], True, 10)
    >>> two_layer_sizes(100, 2, 3, width=40)["widths"]
    [9, 40]
    """
    _check_common(N, d, C)
    if depth is not None and depth < 2:
        raise InfeasibleError(
            f"two_layer has depth 2; the requested depth {depth} is below it (use one_layer for depth 1)"
        )
    cands = _two_layer_candidates(N, d)
    ok = [
        c
        for c in cands
        if (width is None or max(c["width1"], c["width2"]) <= width)
        and (params is None or c["params"] <= params)
    ]
    if not ok:
        least_w = min(max(c["width1"], c["width2"]) for c in cands)
        least_p = min(c["params"] for c in cands)
        limits = " and ".join(f"{k} {v}" for k, v in (("width", width), ("params", params)) if v is not None)
        raise InfeasibleError(
            f"two_layer cannot memorize N={N} points in d={d} within {limits}: "
            f"it needs width >= {least_w} and params >= {least_p}"
        )
    if width is None and params is None:
        best = min(ok, key=lambda c: (max(c["width1"], c["width2"]), c["params"]))
    else:
        best = min(ok, key=lambda c: (c["params"], max(c["width1"], c["width2"])))
    out: dict[str, Any] = {
        "method": "two_layer",
        "width": max(best["width1"], best["width2"]),
        "depth": 2,
        "widths": [best["width1"], best["width2"]],
        "params": best["params"],
        "nonzeros": best["params"],
        "group_size": best["group_size"],
        "groups": best["groups"],
    }
    out.update(_bits_fields(N, d, C, delta, gap))
    return out


#: Width at which ``constant_width`` runs the main construction (Vardi et al. use width 12).
CONSTANT_WIDTH = 12


def constant_width_sizes(
    N: int,
    d: int,
    C: int,
    delta: float,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    **realized: Any,
) -> dict[str, Any]:
    """Sizes of ``constant_width``: the main construction at width ``min(width, CONSTANT_WIDTH)``.

    ``realized`` passes the build's own ``n_b`` (and the like) on to
    :func:`bounds.upper.construction_sizes`.

    >>> s = constant_width_sizes(1000, 8, 10, 0.01)
    >>> s["method"], s["width"] <= CONSTANT_WIDTH
    ('constant_width', True)
    """
    from bounds.upper import construction_sizes

    w = CONSTANT_WIDTH if width is None else min(width, CONSTANT_WIDTH)
    out = dict(construction_sizes(N, d, C, delta, width=w, depth=depth, params=params, **realized))
    out["method"] = "constant_width"
    return out


def _ours_sizes(N: int, d: int, C: int, delta: float, **limits: Any) -> dict[str, Any]:
    from bounds.upper import construction_sizes

    out = dict(construction_sizes(N, d, C, delta, **limits))
    out["method"] = "ours"
    return out


#: Size formula of every method ``memcap memorize --method`` accepts, ours first.
SIZE_FORMULAS: dict[str, Any] = {
    "ours": _ours_sizes,
    "one_layer": one_layer_sizes,
    "two_layer": two_layer_sizes,
    "constant_width": constant_width_sizes,
}


def smallest_method(
    N: int,
    d: int,
    C: int,
    delta: float,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    methods: list[str] | None = None,
    measured: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The method with the fewest parameters that meets the limits, and why.

    Returns ``{"method", "reason", "candidates"}``; ``candidates`` maps every
    method to its sizes, or to the reason it cannot meet the limits. Ties go
    to the method listed first in :data:`SIZE_FORMULAS`.

    ``measured`` holds what the builder of ``ours`` and ``constant_width``
    measures on the data, :func:`proofs.construction.plan_inputs` (``n_b``,
    ``n_c``, ``label_min``, ``ties``): with it their sizes are those of the
    networks built with the same seed. Without it they are sized for the
    guaranteed code bits :func:`bounds.upper.code_bits`, which the realized
    projection gap usually beats by a few bits (giving other layouts).

    Raises
    ------
    InfeasibleError
        No method meets the limits (the message gives each method's reason).

    Examples
    --------
    >>> pick = smallest_method(20, 2, 2, 0.1, depth=1)
    >>> pick["method"], pick["reason"]
    ('one_layer', 'one_layer: fewest parameters (161) among the methods meeting depth <= 1; ...')
    """
    names = list(SIZE_FORMULAS) if methods is None else methods
    realized = {k: v for k, v in (measured or {}).items() if k in ("n_b", "n_c", "label_min", "ties")}
    cands: dict[str, Any] = {}
    for name in names:
        extra = realized if name in ("ours", "constant_width") else {}
        try:
            cands[name] = SIZE_FORMULAS[name](
                N, d, C, delta, width=width, depth=depth, params=params, **extra
            )
        except MemcapError as err:  # infeasible, or outside a method's domain (N = 1 for ours)
            cands[name] = str(err)
    ok = {k: v for k, v in cands.items() if isinstance(v, dict)}
    limits = ", ".join(
        f"{k} <= {v}" for k, v in (("width", width), ("depth", depth), ("params", params)) if v
    )
    if not ok:
        raise InfeasibleError(
            f"no method meets {limits or 'the request'}: " + "; ".join(f"{k}: {v}" for k, v in cands.items())
        )
    best = min(ok, key=lambda k: (ok[k]["params"], ok[k]["depth"], names.index(k)))
    others = ", ".join(f"{k} {v['params']}" for k, v in ok.items() if k != best)
    reason = (
        f"{best}: fewest parameters ({ok[best]['params']}) among the methods meeting "
        f"{limits or 'the request'}; others: {others or 'none'}"
    )
    skipped = [k for k in cands if k not in ok]
    if skipped:
        reason += f"; cannot meet it: {', '.join(skipped)}"
    return {"method": best, "reason": reason, "candidates": cands}
