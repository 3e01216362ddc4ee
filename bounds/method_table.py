"""Predicted sizes of every construction for one problem, as a table; nothing is built.

Each row is what one method of :data:`bounds.baselines.SIZE_FORMULAS` builds
for ``N`` points ``delta`` apart in ``d`` dimensions with ``C`` classes,
within an optional width, depth or parameter limit: width, depth, parameters,
nonzeros and max bits, exactly as the builders make them (``max_bits`` is a
proven upper bound for the baselines, computed from the guaranteed
projection gap), with the method's source. A method that cannot meet the
limits gets a row saying why.

Examples
--------
>>> rows = method_rows(100, 2, 3, 0.05, depth=2)
>>> [(r["method"], r["depth"], r["params"]) for r in rows if r["params"] is not None]
[('one_layer', 1, 801), ('two_layer', 2, 478)]
>>> print(render_methods(rows[1:3], "csv").splitlines()[0])
method,width,depth,widths,params,nonzeros,max_bits,source,note
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from bounds.baselines import METHOD_SOURCES, SIZE_FORMULAS
from bounds.errors import MemcapError, ParameterError
from bounds.symbols import Problem
from bounds.tables import FORMATS, tex_escape, tex_number

__all__ = ["METHOD_COLUMNS", "SOURCES", "method_rows", "parse_methods", "render_methods"]

#: Where each method comes from, for the table's source column.
SOURCES: dict[str, str] = {
    "ours": "this work: Theorem 1 (docs/theory/upper.md), sizes of bounds.upper.construction_sizes",
    **METHOD_SOURCES,
    "constant_width": (
        "constant width, depth about sqrt(N log(1/delta)): regime of Vardi-Yehudai-Shamir 2022 "
        "(our construction at width 12)"
    ),
}

#: Row keys and their column headers.
METHOD_COLUMNS: dict[str, str] = {
    "method": "method",
    "width": "width",
    "depth": "depth",
    "widths": "hidden widths",
    "params": "params",
    "nonzeros": "nonzeros",
    "max_bits": "max bits",
    "source": "source",
    "note": "note",
}


def parse_methods(text: str | None) -> list[str] | None:
    """Method names from ``"all"`` or a comma-separated list; ``None`` stays ``None``.

    >>> parse_methods("one_layer, two_layer"), parse_methods("all") == list(SIZE_FORMULAS)
    (['one_layer', 'two_layer'], True)
    """
    if text is None:
        return None
    if text.strip() == "all":
        return list(SIZE_FORMULAS)
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in SIZE_FORMULAS]
    if not names or unknown:
        raise ParameterError(
            f"methods {text!r}: unknown {unknown or 'none given'}; "
            f"give 'all' or a comma-separated list of {', '.join(SIZE_FORMULAS)}"
        )
    return names


def _shown_widths(widths: Sequence[int]) -> str:
    if len(set(widths)) == 1:
        return f"{widths[0]} x {len(widths)}"
    return str(list(widths)) if len(widths) <= 6 else f"{list(widths[:3])} ... ({len(widths)} layers)"


def method_rows(
    N: int,
    d: int,
    C: int,
    delta: float,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    methods: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """One row of predicted sizes per method (default: all of :data:`SIZE_FORMULAS`, ours first).

    Parameters
    ----------
    N, d, C : int
        Points, dimension, classes.
    delta : float
        Least pairwise distance; it sets the code bits and the bit bounds.
    width, depth, params : int, optional
        Limits passed to every size formula.
    methods : sequence of str, optional
        Names from :data:`bounds.baselines.SIZE_FORMULAS`.

    Returns
    -------
    list of dict
        Keys of :data:`METHOD_COLUMNS`; sizes are ``None`` and ``note`` says
        why when a method cannot meet the limits.

    Examples
    --------
    >>> rows = method_rows(100, 2, 3, 0.05, width=24, methods=["two_layer", "constant_width"])
    >>> [(r["method"], r["width"], r["depth"]) for r in rows]
    [('two_layer', 20, 2), ('constant_width', 11, 18)]
    """
    Problem(N=N, delta=delta, d=d, C=C)  # validates, naming the bad value
    names = list(SIZE_FORMULAS) if methods is None else list(methods)
    unknown = [n for n in names if n not in SIZE_FORMULAS]
    if unknown:
        raise ParameterError(f"unknown method(s) {unknown}; choose from {', '.join(SIZE_FORMULAS)}")
    rows = []
    for name in names:
        row: dict[str, Any] = dict.fromkeys(METHOD_COLUMNS)
        row.update(method=name, source=SOURCES[name], note="")
        try:
            sizes = SIZE_FORMULAS[name](N, d, C, delta, width=width, depth=depth, params=params)
        except MemcapError as err:  # infeasible, or outside the method's domain
            row["note"] = f"cannot meet the request: {err}"
        else:
            row.update({k: sizes[k] for k in ("width", "depth", "params", "nonzeros", "max_bits")})
            row["widths"] = _shown_widths(sizes["widths"])
            if name in ("ours", "constant_width"):
                exact = "exact" if sizes.get("max_bits_exact") else "upper bound"
                row["note"] = f"max bits of the layers after the first: {exact}"
            else:
                row["note"] = "max bits: upper bound at the guaranteed gap"
        rows.append(row)
    return rows


def _cells(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [["" if r[k] is None else str(r[k]) for k in METHOD_COLUMNS] for r in rows]


def render_methods(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    *,
    problem: tuple[int, int, int, float] | None = None,
    label: str = "tab:memcap-methods",
) -> str:
    """The rows of :func:`method_rows` as ``latex`` (booktabs), ``markdown`` or ``csv``.

    ``problem = (N, d, C, delta)`` goes into the LaTeX caption and the
    Markdown title.

    Examples
    --------
    >>> rows = method_rows(20, 2, 2, 0.1, methods=["one_layer"])
    >>> print(render_methods(rows, "markdown").splitlines()[-1])
    | one_layer | 40 | 1 | 40 x 1 | 161 | 161 | 34 | one hidden layer, ... | max bits: upper bound at ... |
    """
    heads = list(METHOD_COLUMNS.values())
    cells = _cells(rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(list(METHOD_COLUMNS))
        writer.writerows(cells)
        return buf.getvalue()
    title = "Sizes each construction builds"
    if problem is not None:
        N, d, C, delta = problem
        title += f" for N = {N}, d = {d}, C = {C}, delta = {delta:g}"
    if fmt == "markdown":
        lines = [f"**{title}**", "", "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(lines) + "\n"
    if fmt == "latex":
        cap = "Sizes each construction builds (exact formulas; nothing built)"
        if problem is not None:
            N, d, C, delta = problem
            cap += f" for $N = {N}$, $d = {d}$, $C = {C}$, $\\delta = {tex_number(delta)}$"
        lines = [
            r"\begin{table}[ht]",
            r"\centering",
            r"\small",
            f"\\caption{{{cap}.}}",
            f"\\label{{{label}}}",
            r"\begin{tabular}{llllrrrp{0.3\linewidth}p{0.15\linewidth}}",
            r"\toprule",
            " & ".join(tex_escape(h) for h in heads) + r" \\",
            r"\midrule",
        ]
        lines += [" & ".join(tex_escape(c) for c in row) + r" \\" for row in cells]
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
        return "\n".join(lines) + "\n"
    raise ParameterError(f"table format must be one of {', '.join(FORMATS)}, got {fmt!r}")
