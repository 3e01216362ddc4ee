"""Two hidden layers of about ``2 sqrt(N)`` units (regime of Huang 2003, Yun-Sra-Jadbabaie 2019).

The sorted projections are cut into ``G`` groups of ``B`` consecutive points.
The first layer holds the line unit ``ReLU(2**k (t - t_low))`` and a step
(two units) at each group boundary. A second-layer unit sees, on the points
of group g, ``2**k t - m_g`` with a breakpoint ``m_g`` of its own for every
group, because the steps shift its bias group by group. So ``B`` ramp pairs
(one offset pair, one per gap inside a group) serve all groups at once.
Sizes: :func:`bounds.baselines.two_layer_sizes`; proof: docs/theory/baselines.md.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

from bounds.baselines import two_layer_sizes
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

__all__ = ["two_layer", "group_breakpoints"]


def group_breakpoints(
    t_groups: list[list[Fraction]],
    y_groups: list[list[int]],
    base: int,
    k: int,
) -> tuple[list[list[int]], list[int], int]:
    """Breakpoints of every second-layer unit in every group, the step indices, and ``m_low``.

    Returns ``(m, steps, m_low)``: ``m[u][g]`` is unit ``u``'s breakpoint in
    group ``g`` (units ``2j`` and ``2j + 1`` form ramp pair ``j``; pair 0 lifts
    to the group's first label, pair ``i`` spans gap ``i`` of the group, or is
    parked right of all points in a short last group); ``steps[g - 1]`` is the
    index ``m_b`` of the step before group ``g >= 1`` (units at ``m_b - 1`` and
    ``m_b``); ``m_low`` lies left of every breakpoint.

    >>> from fractions import Fraction as F
    >>> m, steps, low = group_breakpoints([[F(0), F(1)], [F(2)]], [[1, 2], [1]], 1, 2)
    >>> m, steps, low
    ([[-1, 5], [-1, 5], [1, 9], [2, 9]], [6], -2)
    """
    B = len(t_groups[0])
    m: list[list[int]] = [[] for _ in range(2 * B)]
    steps = []
    park = None
    for g, (ts, ys) in enumerate(zip(t_groups, y_groups, strict=True)):
        lo = None if g == 0 else t_groups[g - 1][-1]
        if g > 0:
            steps.append(grid_run(lo, ts[0], 2, k) + 1)
        lift = ys[0] - base
        pairs = [ramp_pair(grid_run(lo, ts[0], lift + 1, k), lift)]
        for i in range(1, B):
            if i < len(ts):
                jump = ys[i] - ys[i - 1]
                pairs.append(ramp_pair(grid_run(ts[i - 1], ts[i], abs(jump) + 1, k), jump))
            else:
                park = grid_run(ts[-1], None, 1, k) if park is None else park
                pairs.append((park, park))
        for j, (mp, mq) in enumerate(pairs):
            m[2 * j].append(mp)
            m[2 * j + 1].append(mq)
    first = min([row[0] for row in m] + [s - 1 for s in steps]) - 1
    m_low = first if first != 0 else -1
    return m, steps, m_low


def two_layer(
    X: Any,
    y: Any,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> BaselineConstruction:
    """Memorize ``(X, y)`` with two hidden layers of about ``2 sqrt(N)`` units each.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points (float64, converted exactly).
    y : array_like of int, shape (N,)
        Labels.
    width, depth, params : int, optional
        Upper limits. Without limits the group size makes both layers about
        ``2 sqrt(N)`` wide; with a width or parameter limit the group size
        with the fewest parameters within it is used.
    seed : int
        Seed of the projection direction.
    progress : callable, optional
        Called as ``progress(phase, done, total)``.

    Raises
    ------
    InfeasibleError
        A limit is below what the construction can meet (the message names
        the least width and parameters it needs).
    DataError
        Malformed data, or two identical points.

    Examples
    --------
    >>> from proofs.verify import verify
    >>> X = [[0.5, 0.0], [0.0, 0.5], [-0.5, -0.5], [0.25, -0.75], [-0.25, 0.25]]
    >>> y = [2, 0, 1, 1, 2]
    >>> c = two_layer(X, y)
    >>> c.network.widths, verify(c.network, X, y).verdict
    ([5, 4], 'memorized')
    """
    t0 = time.perf_counter()
    x, labels = check_points_labels(X, y)
    n, d = x.shape
    C = max(labels) - min(labels) + 1
    plan = two_layer_sizes(n, d, C, width=width, depth=depth, params=params)
    B, G = plan["group_size"], plan["groups"]
    delta2 = data_delta_squared(X)
    proj = project_to_line(x, seed=seed, delta_squared=delta2, progress=progress)
    t1 = time.perf_counter()
    k = proj.grid_exponent(C)
    base = label_base(labels)
    order = proj.order
    t_groups = [[proj.t[i] for i in order[g * B : (g + 1) * B]] for g in range(G)]
    y_groups = [[labels[i] for i in order[g * B : (g + 1) * B]] for g in range(G)]
    m, steps, m_low = group_breakpoints(t_groups, y_groups, base, k)
    first = line_units(proj, k, [m_low] + [v for s in steps for v in (s - 1, s)])
    # second layer, in units of eps: T + m_low - m[u][0] - sum_g (m[u][g] - m[u][g-1]) step_g
    trip = []
    for u, row in enumerate(m):
        trip.append((u, 0, 1))
        for g in range(1, G):
            shift = row[g] - row[g - 1]
            trip += [(u, 2 * g - 1, -shift), (u, 2 * g, shift)]
    second = AffineLayer.from_triplets(2 * B, 2 * G - 1, trip, [m_low - row[0] for row in m])
    out = AffineLayer.from_triplets(
        1, 2 * B, [(0, 2 * j + s, 1 - 2 * s) for j in range(B) for s in (0, 1)], [base]
    )
    net = Network([first, second, out], meta={"construction": "two_layer", "seed": seed})
    if progress is not None:
        progress("layers", 1, 1)
    t2 = time.perf_counter()
    return BaselineConstruction(
        net,
        baseline_report(
            "two_layer",
            net,
            n,
            d,
            C,
            proj,
            k,
            seed,
            delta2,
            (width, depth, params),
            (t1 - t0, t2 - t1),
            {"group_size": B, "groups": G},
        ),
    )
