"""Trade-offs between width and depth: least depth for a width, least width for a depth.

Every explicit bound of the catalogue is monotone in ``W`` and ``L`` (the
proofs in ``docs/theory/lower.md`` say why), so the least depth at a width is
found by doubling then bisection, vectorized over any number of points. The
VC recursion has its own one-pass scan (:func:`bounds.lower.vc_least_depth`).
Our construction's sizes come from :func:`bounds.upper.construction_sizes`.

Examples
--------
>>> from bounds.tradeoff import least_depth, least_width
>>> from bounds.lower import LINE_REGIONS, BITS_FLOAT32
>>> float(least_depth(LINE_REGIONS, N=1001, d=2, C=2, delta=0.002, W=3))
5.0
>>> float(least_width(BITS_FLOAT32, N=10**6, d=2, C=2, delta=1e-3, L=1))
7813.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bounds.errors import MemcapError, ParameterError
from bounds.lower import VC_RECURSION, vc_least_depth, vc_least_width
from bounds.statement import Bound
from bounds.symbols import Problem, dense_params
from bounds.upper import construction_sizes

__all__ = [
    "least_integer",
    "least_depth",
    "least_width",
    "least_params",
    "our_sizes",
    "frontier",
]

_CAP = 2**40


def least_integer(
    ok: Callable[[np.ndarray, np.ndarray], np.ndarray], size: int, cap: int = _CAP
) -> np.ndarray:
    """Least integer ``x >= 1`` with ``ok(x, idx)``, for each of ``size`` points; ``inf`` past ``cap``.

    ``ok(x, idx)`` answers for the points ``idx`` (an index array) at the
    candidates ``x`` (same length); it must be monotone in ``x``. Only points
    still undecided are evaluated: doubling, then bisection.

    Examples
    --------
    >>> least_integer(lambda x, idx: x * x >= 50, 1).tolist()
    [8.0]
    """
    lo = np.zeros(size)
    hi = np.ones(size)
    good = np.zeros(size, dtype=bool)
    idx = np.arange(size)
    while idx.size:
        good[idx] = ok(hi[idx], idx)
        idx = idx[~good[idx] & (hi[idx] <= cap)]
        lo[idx] = hi[idx]
        hi[idx] *= 2
    idx = np.flatnonzero(good & (hi - lo > 1))
    while idx.size:
        mid = np.floor((lo[idx] + hi[idx]) / 2)
        fine = ok(mid, idx)
        hi[idx[fine]] = mid[fine]
        lo[idx[~fine]] = mid[~fine]
        idx = idx[hi[idx] - lo[idx] > 1]
    return np.where(good, hi, np.inf)


def _solve(bound: Bound, vals: dict[str, np.ndarray], var: str) -> np.ndarray:
    """Least ``var`` (``"L"`` or ``"W"``) at which ``bound`` holds, over the broadcast points."""
    shape = np.broadcast(*vals.values()).shape
    flat = {k: np.broadcast_to(v, shape).ravel() for k, v in vals.items()}
    size = int(np.prod(shape, dtype=int))
    out = least_integer(
        lambda x, idx: np.broadcast_to(
            bound.holds(**{k: v[idx] for k, v in flat.items()}, **{var: x}), x.shape
        ),
        size,
    )
    return out.reshape(shape)


def _values(kw: dict[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=float) for k, v in kw.items() if v is not None}


def _mask(bound: Bound, out: np.ndarray, vals: dict[str, np.ndarray]) -> np.ndarray:
    if bound.applies is None:
        return out
    return np.where(bound.is_applicable(**vals), out, np.nan)


def least_depth(bound: Bound, **values: Any) -> np.ndarray:
    """Least depth ``L`` at which ``bound`` holds, given ``N, d, C, delta, W`` (arrays broadcast).

    ``inf`` when no depth up to ``2**40`` does, ``nan`` where the bound does
    not apply. Asymptotic bounds raise :class:`~bounds.errors.AsymptoticBoundError`.
    """
    bound._require_explicit()
    vals = _values(values)
    shape = np.broadcast(*vals.values()).shape
    if bound is VC_RECURSION:
        out = vc_least_depth(vals["N"], vals["W"], vals["d"])
    else:
        out = _solve(bound, vals, "L")
    return _mask(bound, np.broadcast_to(out, shape), vals)


def least_width(bound: Bound, **values: Any) -> np.ndarray:
    """Least width ``W`` at which ``bound`` holds, given ``N, d, C, delta, L`` (arrays broadcast)."""
    bound._require_explicit()
    vals = _values(values)
    shape = np.broadcast(*vals.values()).shape
    if bound is VC_RECURSION:
        out = vc_least_width(vals["N"], vals["L"], vals["d"])
    else:
        out = _solve(bound, vals, "W")
    return _mask(bound, np.broadcast_to(out, shape), vals)


def least_params(bound: Bound, problem: Problem, max_widths: int = 1 << 15) -> float:
    """Least dense parameter count ``P(W, L)`` over all ``(W, L)`` at which ``bound`` holds.

    Scans widths ``1, 2, ...`` with the least depth at each; stops once even
    depth 1 costs more than the best found. If ``max_widths`` widths do not
    settle it, returns the smaller of the best found and ``P(max_widths + 1, 1)``,
    still a valid lower bound.

    Examples
    --------
    >>> from bounds.lower import BITS_FLOAT32
    >>> least_params(BITS_FLOAT32, Problem(N=1000, delta=0.01, d=2, C=2)) >= 1000 / 32
    True
    """
    base = {"N": problem.N, "d": problem.d, "C": problem.C, "delta": problem.delta}
    best = np.inf
    start, chunk = 1, 256
    while start <= max_widths:
        widths = np.arange(start, min(start + chunk, max_widths + 1), dtype=float)
        depths = least_depth(bound, **base, W=widths)
        if np.isnan(depths).all():
            return float("nan")
        cost = dense_params(widths, depths, problem.d)
        best = min(best, float(np.nanmin(cost)))
        nxt = widths[-1] + 1
        if dense_params(nxt, 1, problem.d) >= best:
            return best
        start, chunk = int(nxt), chunk * 2
    return min(best, float(dense_params(max_widths + 1, 1, problem.d)))


def our_sizes(problem: Problem, **request: Any) -> tuple[dict[str, Any] | None, str]:
    """Sizes our construction builds for ``problem`` and ``width=``/``depth=``/``params=``.

    Returns ``(sizes, "")``, or ``(None, reason)`` when the request is
    infeasible for it.
    """
    try:
        sizes = construction_sizes(problem.N, problem.d, problem.C, problem.delta, **request)
    except MemcapError as err:
        return None, str(err)
    return dict(sizes), ""


def frontier(
    problem: Problem,
    widths: Any,
    bounds: list[Bound],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The (W, L) frontier: least depth per width for each explicit bound, and ours.

    Returns ``{"widths": [...], "lower": {key: depths}, "upper": {key: depths},
    "ours": [(width, depth) built, ...], "restricted": [keys]}``; depths are
    floats (``inf``/``nan`` as in :func:`least_depth`). Lower bounds holding
    only in a restricted setting (``bits-32``: float32 weights) are listed in
    ``restricted``; upper bounds of another setting are left out.
    ``progress(done, total)``, if given, is called after each width our
    construction is sized for.

    Examples
    --------
    >>> from bounds.lower import LINE_REGIONS
    >>> fr = frontier(Problem(N=101, delta=0.02, d=2, C=2), [1, 3], [LINE_REGIONS])
    >>> fr["lower"]["line-regions"]
    [6.0, 3.0]
    """
    ws = np.asarray(sorted({int(w) for w in widths}), dtype=float)
    if ws.size == 0 or ws[0] < 1:
        raise ParameterError(f"frontier widths must be positive integers, got {widths!r}")
    base = {"N": problem.N, "d": problem.d, "C": problem.C, "delta": problem.delta}
    out: dict[str, Any] = {"widths": ws.tolist(), "lower": {}, "upper": {}, "ours": [], "restricted": []}
    for bound in bounds:
        if not bound.explicit or bound.key == "ours" or (bound.setting and not bound.necessary):
            continue
        if bound.setting:
            out["restricted"].append(bound.key)
        side = "lower" if bound.necessary else "upper"
        out[side][bound.key] = np.broadcast_to(least_depth(bound, **base, W=ws), ws.shape).tolist()
    for done, w in enumerate(ws, start=1):
        sizes, _ = our_sizes(problem, width=int(w))
        if sizes is not None:
            out["ours"].append((int(sizes["width"]), int(sizes["depth"])))
        if progress is not None:
            progress(done, len(ws))
    return out
