"""Build with a named method, or with the smallest one for the request (``auto``).

``auto`` asks :func:`bounds.baselines.smallest_method` which method meets the
width, depth and parameter limits with the fewest parameters (formulas only,
nothing is built to decide), then builds that one. Our construction and
``constant_width`` are sized with the code bits their builder measures on the
data (:func:`proofs.construction.plan_inputs`, one projection with the same
seed), so the parameter counts in the reason are those of the networks built.
``memcap memorize --method`` calls :func:`build_with_method`.
"""

from __future__ import annotations

import math
from typing import Any

from bounds.baselines import smallest_method
from proofs.baselines.compare import available_methods
from proofs.baselines.projection import Progress, check_points_labels
from proofs.baselines.result import data_delta_squared
from proofs.errors import ParameterError

__all__ = ["METHOD_CHOICES", "build_with_method", "choose_method"]

#: Values of ``--method``: ``auto`` and every method name.
METHOD_CHOICES = ("auto", "ours", "one_layer", "two_layer", "constant_width")


def choose_method(
    X: Any,
    y: Any,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    seed: int = 0,
) -> tuple[str, str]:
    """The method ``auto`` builds for these data and limits (and ``seed``), and the reason.

    At width 1 only ``ours`` applies, and whether it can depends on the labels
    (``docs/theory/upper.md``, Lemma 13): ``ours`` is chosen and decides on the data.

    >>> choose_method([[0.5], [-0.5], [0.0]], [1, 2, 1], depth=1)[0]
    'one_layer'
    >>> choose_method([[0.5], [-0.5], [0.0]], [1, 2, 1], width=1)[0]
    'ours'
    """
    x, labels = check_points_labels(X, y)
    n, d = x.shape
    if width == 1 and "ours" in available_methods():
        return "ours", (
            "ours: the only method that builds width 1, for labels that are a clamped affine "
            "function of a projection (decided on the data)"
        )
    C = max(labels) - min(labels) + 1
    delta2 = data_delta_squared(X)
    delta = 2.0 if delta2 is None else min(2.0, math.sqrt(delta2))
    names = [m for m in available_methods() if m in METHOD_CHOICES]
    measured = None
    if "ours" in names:  # proofs.construction is installed; constant_width runs it too
        from proofs.construction import plan_inputs

        measured = plan_inputs(X, y, seed=seed)
    pick = smallest_method(
        n, d, C, delta, width=width, depth=depth, params=params, methods=names, measured=measured
    )
    return pick["method"], pick["reason"]


def build_with_method(
    method: str,
    X: Any,
    y: Any,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[Any, str, str]:
    """Build with ``method`` (or the ``auto`` choice); return ``(construction, name, reason)``.

    Raises
    ------
    ParameterError
        Unknown or unavailable method (the message lists the choices).
    InfeasibleError
        The method, or every method for ``auto``, cannot meet the limits.

    Examples
    --------
    >>> built, name, reason = build_with_method("two_layer", [[0.5], [-0.5], [0.0]], [1, 2, 1])
    >>> name, built.network.depth, reason
    ('two_layer', 2, 'asked for')
    """
    table = available_methods()
    if method == "auto":
        name, reason = choose_method(X, y, width=width, depth=depth, params=params, seed=seed)
    elif method in table:
        name, reason = method, "asked for"
    else:
        raise ParameterError(
            f"unknown or unavailable method {method!r}; choose one of auto, {', '.join(table)}"
        )
    built = table[name](X, y, width=width, depth=depth, params=params, seed=seed, progress=progress)
    return built, name, reason
