"""``memcap bounds``, ``memcap table`` and ``memcap plot``: the symbolic side on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from proofs.cli.common import console, print_json, progress
from proofs.errors import ParameterError
from proofs.files import atomic_write

__all__ = ["register"]

_N = typer.Option(..., "--n", help="Number of data points N (>= 1).")
_DELTA = typer.Option(..., "--delta", help="Least pairwise distance delta, 0 < delta <= 2 (unit ball).")
_D = typer.Option(..., "--d", help="Input dimension d (>= 1).")
_C = typer.Option(2, "--classes", "-C", help="Number of classes C (>= 2).")
_W = typer.Option(None, "--width", "-W", help="Given width W: each bound's least depth is listed.")
_L = typer.Option(None, "--depth", "-L", help="Given depth L: each bound's least width is listed.")
_P = typer.Option(
    None, "--params", "-P", help="Given parameter count: each bound's least parameter count is listed."
)


def _query(n: int, delta: float, d: int, classes: int, width: Any, depth: Any, params: Any) -> Any:
    from bounds.queries import query

    if (width, depth, params).count(None) != 2:
        raise ParameterError("give exactly one of --width, --depth or --params")
    return query(N=n, delta=delta, d=d, C=classes, width=width, depth=depth, params=params)


def bounds_cmd(
    n: int = _N,
    delta: float = _DELTA,
    d: int = _D,
    classes: int = _C,
    width: int | None = _W,
    depth: int | None = _L,
    params: int | None = _P,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """What every known bound implies for N points, delta apart, in d dimensions, with C classes.

    Lists each lower bound (necessary) and upper bound (sufficient) with its
    source and status, the least depth (for --width), width (for --depth) or
    parameter count (for --params) it implies, and the gap ratio between our
    construction and the best explicit lower bound. Bounds with unknown
    constants are shown as stated, never as numbers.
    """
    result = _query(n, delta, d, classes, width, depth, params)
    if as_json:
        print_json(result.to_dict())
    else:
        console.print(result)


def table_cmd(
    n: int = _N,
    delta: float = _DELTA,
    d: int = _D,
    classes: int = _C,
    width: int | None = _W,
    depth: int | None = _L,
    params: int | None = _P,
    fmt: str = typer.Option(
        "latex", "--format", "-f", help="latex (booktabs, needs \\usepackage{booktabs}), markdown or csv."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the table to this file (default: stdout)."
    ),
    methods: str | None = typer.Option(
        None,
        "--methods",
        metavar="all|NAME,...",
        help="Instead of the bounds, compare the sizes each construction builds (ours, one_layer, "
        "two_layer, constant_width; exact formulas, nothing built). --width/--depth/--params are "
        "then optional limits.",
    ),
) -> None:
    """The bounds table for a paper: LaTeX with booktabs, Markdown or CSV.

    With --methods, the comparison table of the constructions instead: for
    each method its width, depth, parameters, nonzeros, max bits and source,
    as bounds.upper and bounds.baselines predict them for (N, d, C, delta).
    """
    from bounds.tables import FORMATS, render

    if fmt not in FORMATS:
        raise ParameterError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if methods is not None:
        from bounds.method_table import method_rows, parse_methods, render_methods

        rows = method_rows(
            n, d, classes, delta, width=width, depth=depth, params=params, methods=parse_methods(methods)
        )
        text = render_methods(rows, fmt, problem=(n, d, classes, delta))
    else:
        text = render(_query(n, delta, d, classes, width, depth, params), fmt)
    if out is None:
        typer.echo(text, nl=False)
        return
    with atomic_write(out) as handle:
        handle.write(text)
    console.print(f"wrote {out}", highlight=False)


def _parse_widths(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        widths = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as err:
        raise ParameterError(f"--widths {text!r}: give positive integers separated by commas") from err
    bad = [w for w in widths if w < 1]
    if not widths or bad:
        raise ParameterError(f"--widths {text!r}: give positive integers separated by commas (bad: {bad})")
    return widths


def plot_cmd(
    n: int = _N,
    delta: float = _DELTA,
    d: int = _D,
    classes: int = _C,
    out: Path = typer.Option(..., "--out", "-o", help="Image file to write: .png or .pdf."),
    widths: str | None = typer.Option(
        None, "--widths", help="Comma-separated widths to evaluate (default: 16 log-spaced from 1 to 2N)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Plot the (W, L) frontier on log axes.

    Each explicit lower bound's least depth per width is drawn and the region
    below them is shaded (no network there memorizes every data set); our
    construction's built sizes and prior constructions are marked.
    """
    from bounds.plots import figure_bytes, frontier_figure
    from bounds.symbols import Problem

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise ParameterError(f"--out {str(out)!r}: the file name must end in .png or .pdf")
    problem = Problem(N=n, delta=delta, d=d, C=classes)
    with progress(not quiet) as bar:
        task = bar.add_task("sizing our construction", total=None)
        fig = frontier_figure(
            problem,
            widths=_parse_widths(widths),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    data = figure_bytes(fig, fmt)
    with atomic_write(out, "wb") as handle:
        handle.write(data)
    console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("bounds")(bounds_cmd)
    app.command("table")(table_cmd)
    app.command("plot")(plot_cmd)
