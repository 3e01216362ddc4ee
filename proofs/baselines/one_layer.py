"""One hidden layer: ramp pairs along a projection (Baum; Huang-Babri; Zhang et al.).

The points are projected to distinct exact numbers ``t_i`` and sorted. One
ramp pair (two units) lifts the output from the label base to the first
label, left of every point; one ramp pair per gap between consecutive points
adds the difference of their labels. Width ``2N``, depth 1, every weight a
small integer over one power-of-two denominator. Sizes:
:func:`bounds.baselines.one_layer_sizes`; proof: docs/theory/baselines.md.
"""

from __future__ import annotations

import time
from typing import Any

from bounds.baselines import one_layer_sizes
from proofs.baselines.projection import (
    Progress,
    check_points_labels,
    grid_run,
    label_base,
    line_units,
    project_to_line,
    ramp_pair,
)
from proofs.baselines.result import BaselineConstruction, baseline_report, data_delta_squared
from proofs.network import AffineLayer, Network

__all__ = ["one_layer", "one_layer_breakpoints"]


def one_layer_breakpoints(
    t_sorted: list[Any], y_sorted: list[int], base: int, k: int
) -> list[tuple[int, int]]:
    """Ramp pairs ``(m_P, m_Q)``: the offset pair left of all points, then one per gap.

    >>> from fractions import Fraction as F
    >>> one_layer_breakpoints([F(0), F(1)], [2, 1], 1, 3)
    [(-2, -1), (2, 1)]
    """
    lift = y_sorted[0] - base
    pairs = [ramp_pair(grid_run(None, t_sorted[0], lift + 1, k), lift)]
    for i in range(len(t_sorted) - 1):
        jump = y_sorted[i + 1] - y_sorted[i]
        pairs.append(ramp_pair(grid_run(t_sorted[i], t_sorted[i + 1], abs(jump) + 1, k), jump))
    return pairs


def one_layer(
    X: Any,
    y: Any,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> BaselineConstruction:
    """Memorize ``(X, y)`` with one hidden layer of ``2N`` units.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points (float64, converted exactly).
    y : array_like of int, shape (N,)
        Labels.
    width, depth, params : int, optional
        Upper limits; the construction needs width ``2N``, depth 1 and
        ``2N(d + 2) + 1`` parameters.
    seed : int
        Seed of the projection direction.
    progress : callable, optional
        Called as ``progress(phase, done, total)``.

    Raises
    ------
    InfeasibleError
        A limit is below what the construction needs.
    DataError
        Malformed data, or two identical points.

    Examples
    --------
    >>> from proofs.verify import verify
    >>> X, y = [[0.5, 0.0], [0.0, 0.5], [-0.5, -0.5]], [2, 0, 1]
    >>> c = one_layer(X, y)
    >>> c.network.widths, verify(c.network, X, y).verdict
    ([6], 'memorized')
    """
    t0 = time.perf_counter()
    x, labels = check_points_labels(X, y)
    n, d = x.shape
    C = max(labels) - min(labels) + 1
    one_layer_sizes(n, d, C, width=width, depth=depth, params=params)  # feasibility, before any work
    delta2 = data_delta_squared(X)
    proj = project_to_line(x, seed=seed, delta_squared=delta2, progress=progress)
    t1 = time.perf_counter()
    k = proj.grid_exponent(C)
    base = label_base(labels)
    pairs = one_layer_breakpoints([proj.t[i] for i in proj.order], [labels[i] for i in proj.order], base, k)
    hidden = line_units(proj, k, [m for pair in pairs for m in pair])
    out = AffineLayer.from_triplets(
        1, 2 * n, [(0, 2 * j + s, 1 - 2 * s) for j in range(n) for s in (0, 1)], [base]
    )
    net = Network([hidden, out], meta={"construction": "one_layer", "seed": seed})
    if progress is not None:
        progress("layers", 1, 1)
    t2 = time.perf_counter()
    return BaselineConstruction(
        net,
        baseline_report(
            "one_layer", net, n, d, C, proj, k, seed, delta2, (width, depth, params), (t1 - t0, t2 - t1)
        ),
    )
