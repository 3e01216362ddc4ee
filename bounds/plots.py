"""The (W, L) frontier as a figure: lower bounds shaded, our construction and prior ones marked.

matplotlib is imported lazily and drawn with its Agg canvas, so importing
:mod:`bounds` never needs it and no global backend is switched. Saving is left
to the caller (the command line writes files atomically).

Examples
--------
>>> from bounds.symbols import Problem
>>> from bounds.plots import frontier_figure, figure_bytes
>>> fig = frontier_figure(Problem(N=200, delta=0.01, d=2, C=2), widths=[1, 4, 16, 64, 256])
>>> figure_bytes(fig, "png")[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np

from bounds.catalogue import CATALOGUE, ZHANG, syz_prop32_sizes
from bounds.errors import MemcapError, ParameterError
from bounds.statement import Bound
from bounds.symbols import Problem
from bounds.tradeoff import frontier

__all__ = ["default_widths", "frontier_figure", "figure_bytes", "prior_points"]


def default_widths(problem: Problem, count: int = 16) -> list[int]:
    """About ``count`` widths, log-spaced from 1 to ``2 N``.

    Examples
    --------
    >>> default_widths(Problem(N=10, delta=0.1, d=1, C=2), count=5)
    [1, 2, 4, 9, 20]
    """
    top = max(2, 2 * problem.N)
    grid = np.unique(np.round(np.geomspace(1, top, count)).astype(int))
    return [int(w) for w in grid]


def prior_points(problem: Problem) -> list[tuple[str, list[tuple[int, int]]]]:
    """Sizes of prior constructions to mark: ``[(label, [(width, depth), ...]), ...]``.

    Zhang et al. (width ``N``, depth 1); Shen-Yang-Zhang Prop. 3.2 for its width
    parameters ``W' = 1, 2, 4, ...`` (its setting differs: 1-D integer inputs,
    0/1 labels); and the exact baselines of ``bounds.baselines`` when available.
    """
    out: list[tuple[str, list[tuple[int, int]]]] = [
        (f"{ZHANG.source.label} (W = N, L = 1)", [(problem.N, 1)])
    ]
    syz: list[tuple[int, int]] = []
    wp = 1
    while 16 * wp + 30 <= 4 * problem.N and len(syz) < 12:
        syz.append(syz_prop32_sizes(problem.N, wp))
        wp *= 2
    out.append(("Shen-Yang-Zhang Prop. 3.2 (1-D integer inputs, 0/1 labels)", syz))
    try:
        from bounds import baselines
    except ImportError:  # the baselines module is optional for plots
        return out
    for name in ("one_layer_sizes", "two_layer_sizes"):
        fn = getattr(baselines, name, None)
        if fn is None:
            continue
        try:
            sizes = fn(problem.N, problem.d, problem.C, problem.delta)
        except MemcapError:
            continue
        label = name.replace("_sizes", "").replace("_", "-")
        out.append((f"memcap baseline {label}", [(int(sizes["width"]), int(sizes["depth"]))]))
    return out


def frontier_figure(
    problem: Problem,
    widths: Any = None,
    bounds: list[Bound] | None = None,
    title: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """A matplotlib ``Figure``: least depth against width, both on log axes.

    Each explicit lower bound is a step curve; the region below their maximum
    (infeasible for every network) is shaded. Bounds that hold only for
    restricted weights (float32, float64) are dotted and not shaded. Our construction's built sizes
    and prior constructions are marked. ``progress(done, total)`` reports
    the widths sized so far.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ws = default_widths(problem) if widths is None else sorted({int(w) for w in widths})
    if not ws or ws[0] < 1:
        raise ParameterError(f"plot widths must be positive integers, got {widths!r}")
    fr = frontier(problem, ws, list(bounds if bounds is not None else CATALOGUE), progress)
    x = np.asarray(fr["widths"], dtype=float)

    fig = Figure(figsize=(9.5, 5.0), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xscale("log")
    ax.set_yscale("log")

    lows = []
    styles = iter(
        [("tab:blue", "-"), ("tab:cyan", "--"), ("tab:green", "-."), ("tab:olive", ":"), ("tab:purple", "-")]
        * 3
    )
    for key, depths in fr["lower"].items():
        y = np.asarray(depths, dtype=float)
        if np.isnan(y).all():
            continue
        color, ls = next(styles)
        finite = np.where(np.isfinite(y), y, np.nan)
        if key in fr["restricted"]:
            ax.step(
                x,
                finite,
                where="post",
                color=color,
                ls=":",
                lw=1.0,
                label=f"lower: {key} ({key.removeprefix('bits-')}-bit weights only)",
            )
            continue
        lows.append(np.nan_to_num(y, nan=1.0))
        ax.step(x, finite, where="post", color=color, ls=ls, lw=1.4, label=f"lower: {key}")
    if lows:
        top = np.max(lows, axis=0)
        ax.fill_between(
            x, 0.5, top, step="post", color="0.6", alpha=0.3, label="infeasible: below a lower bound"
        )
    theorem = fr["upper"].get("ours-theorem")
    if theorem is not None:
        y = np.asarray(theorem, dtype=float)
        ax.step(
            x,
            np.where(np.isfinite(y), y, np.nan),
            where="post",
            color="tab:red",
            ls="--",
            lw=1.0,
            label="ours: Theorem 1 suffices above",
        )
    if fr["ours"]:
        ow, od = zip(*sorted(set(fr["ours"])), strict=True)
        ax.plot(ow, od, "o-", color="tab:red", ms=4, lw=1.6, label="ours (built sizes)")
    markers = iter("s^vDP*X")
    for label, pts in prior_points(problem):
        if pts:
            pw, pd = zip(*pts, strict=True)
            ax.plot(pw, pd, next(markers, "x"), ls="none", ms=6, label=label)
    ax.set_xlabel("width W (largest hidden layer)")
    ax.set_ylabel("depth L (hidden layers)")
    ax.set_ylim(bottom=0.8)
    ax.grid(True, which="both", alpha=0.25)
    ax.set_title(
        title or f"memorizing N={problem.N} points, delta={problem.delta:g}, d={problem.d}, C={problem.C}",
        fontsize=10,
    )
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    return fig


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """The figure encoded as ``png`` or ``pdf``."""
    if fmt not in ("png", "pdf"):
        raise ParameterError(f"plot format must be png or pdf, got {fmt!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()
