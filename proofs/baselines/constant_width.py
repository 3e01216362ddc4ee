"""Constant width, depth about ``sqrt(N log(1/delta))`` (regime of Vardi-Yehudai-Shamir 2022).

Our main construction (:func:`proofs.construction.memorize`) run at a fixed
small width: its depth then grows like ``sqrt(N (n_b + n_c))``, the regime of
Vardi, Yehudai and Shamir. Sizes: :func:`bounds.baselines.constant_width_sizes`.
"""

from __future__ import annotations

from typing import Any

from bounds.baselines import CONSTANT_WIDTH
from proofs.baselines.projection import Progress
from proofs.baselines.result import BaselineConstruction
from proofs.errors import InfeasibleError

__all__ = ["constant_width"]


def constant_width(
    X: Any,
    y: Any,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> BaselineConstruction:
    """Memorize ``(X, y)`` with the main construction at width ``CONSTANT_WIDTH`` (or ``width`` if smaller).

    Raises
    ------
    InfeasibleError
        The main construction cannot meet the limits, or is not installed.
    """
    try:
        from proofs.construction import memorize
    except ImportError:
        raise InfeasibleError(
            "method constant_width runs the main construction (proofs.construction), "
            "which is not available in this installation; use one_layer or two_layer"
        ) from None
    w = CONSTANT_WIDTH if width is None else min(width, CONSTANT_WIDTH)
    built = memorize(X, y, width=w, depth=depth, params=params, seed=seed, progress=progress)
    report = dict(built.report)
    report["method"] = "constant_width"
    report["requested"] = {"width": width, "depth": depth, "params": params}
    report["built"] = built.network.sizes()
    return BaselineConstruction(built.network, report)
