"""``memcap check-data`` and ``memcap make-data``: inspect and generate data sets."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from proofs.cli.common import console, print_json, progress
from proofs.data import (
    DIGITS,
    Dataset,
    DuplicateRowsWarning,
    load_dataset,
    make_dataset,
    min_distance,
    save_dataset,
)
from proofs.errors import FormatError
from proofs.geometry import MinDistance

__all__ = ["register", "check_data", "make_data"]

_SHORT = 40  # longest fraction printed in full


def _check_suffix(path: Path) -> None:
    """Refuse an output name before any work is done."""
    if path.suffix.lower() not in (".npz", ".csv"):
        raise FormatError(f"{path}: unknown data format {path.suffix or '(no suffix)'!r}; use .npz or .csv")


def _fraction_text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _SHORT else f"{len(text)}-character fraction (see --json)"


def _summary(ds: Dataset, md: MinDistance | None, delta: float | None, out: Path | None) -> dict[str, Any]:
    norm, row = ds.max_norm()
    info: dict[str, Any] = {
        "source": ds.source,
        "N": ds.N,
        "d": ds.d,
        "C": ds.C,
        "classes": ds.classes if ds.C <= 20 else f"{ds.classes[0]}..{ds.classes[-1]}",
        "max_norm": norm,
        "max_norm_row": row,
        "rescale": ds.rescale,
        "notes": list(ds.notes),
    }
    if md is not None:
        info["min_distance"] = md.to_json()
    if delta is not None:
        info["delta_declared"] = delta
        info["delta_holds"] = True  # a violation raised before this point
    if out is not None:
        info["written"] = str(out)
    return info


def _print_summary(info: dict[str, Any], md: MinDistance | None) -> None:
    table = Table(title=f"data set {info['source']}", show_header=False)
    table.add_column("quantity", style="bold")
    table.add_column("value")
    table.add_row("points N", str(info["N"]))
    table.add_row("dimension d", str(info["d"]))
    table.add_row("classes C", f"{info['C']} ({info['classes']})")
    table.add_row("largest norm", f"{info['max_norm']:.12g} (row {info['max_norm_row']})")
    if info["rescale"] is not None:
        table.add_row("rescaled by", repr(info["rescale"]))
    if md is not None:
        i, j = md.pair
        if md.exact:
            table.add_row("min distance delta", f"{md.delta:.17g} (rows {i} and {j})")
            table.add_row("delta^2 (exact)", _fraction_text(md.delta_squared))
        else:
            lb = md.to_json()["lower_bound"]
            table.add_row("min distance delta", f"between {lb:.6g} and {md.delta:.17g} (not exact)")
            closest = f"rows {i} and {j}, delta^2 = {_fraction_text(md.delta_squared)}"
            table.add_row("closest pair found", closest)
        table.add_row("method", md.method)
    if "delta_declared" in info:
        table.add_row("declared delta", f"{info['delta_declared']!r} holds (checked exactly)")
    for note in info["notes"]:
        table.add_row("note", note)
    if "written" in info:
        table.add_row("written", info["written"])
    console.print(table)


def check_data(
    data: str = typer.Argument(
        ..., help=f"Data set: a .npz (arrays X, y) or .csv (label in the last column), or '{DIGITS}'."
    ),
    delta: float | None = typer.Option(
        None, "--delta", help="Declared separation: fail, naming the pair, if two points are closer."
    ),
    rescale: bool = typer.Option(
        False, "--rescale", help="Divide all points by a power of two if some lie outside the unit ball."
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write the cleaned data set (merged, rescaled) to this .npz or .csv."
    ),
    exhaustive: bool = typer.Option(
        False, "--exhaustive", help="Screen all N(N-1)/2 pairs, so the minimum is exact at any N (slow)."
    ),
    no_distance: bool = typer.Option(
        False, "--no-distance", help="Skip the minimum distance (validation and --delta still run)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Validate a data set and report N, d, C, the largest norm and the exact minimum distance.

    Exit status 2 with a one-line message on bad data (NaN, shapes, labels,
    points outside the unit ball, identical points with different labels, a
    pair closer than --delta); no output file is written then.
    """
    if output is not None:
        _check_suffix(output)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateRowsWarning)  # shown from ds.notes
        ds = load_dataset(data, rescale=rescale, delta=delta)
    md = None
    if not no_distance:
        with progress(not json_out) as bar:
            task = bar.add_task("minimum distance", total=None)

            def report(phase: str, done: int, total: int) -> None:
                bar.update(task, description=phase, completed=done, total=total)

            md = min_distance(ds.X, method="gram" if exhaustive else "auto", progress=report)
    if output is not None:
        save_dataset(ds, output)
    info = _summary(ds, md, delta, output)
    if json_out:
        print_json(info)
    else:
        _print_summary(info, md)


def make_data(
    n: int = typer.Option(..., "--n", min=2, help="Number of points N."),
    d: int = typer.Option(..., "--d", min=1, help="Dimension d."),
    classes: int = typer.Option(..., "--classes", min=2, help="Number of classes C; labels are 1..C."),
    delta: float = typer.Option(..., "--delta", help="Least pairwise distance, in (0, 2]."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    output: Path = typer.Option(..., "-o", "--output", help="File to write: .npz (arrays X, y) or .csv."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Generate a random delta-separated labeled set in the closed unit ball.

    Points are uniform in the ball, truncated to short dyadic rationals; pairs
    closer than delta are found exactly and redrawn. Exit status 3 with the
    reason when the request is impossible (packing bound) or too dense to
    sample.
    """
    _check_suffix(output)
    with progress(not json_out) as bar:
        bar.add_task("sampling", total=None)
        ds = make_dataset(n, d, classes, delta, seed=seed)
    save_dataset(ds, output)
    norm, row = ds.max_norm()
    info = {"N": ds.N, "d": ds.d, "C": ds.C, "classes": ds.classes, "delta": delta,
            "seed": seed, "max_norm": norm, "written": str(output)}
    if json_out:
        print_json(info)
    else:
        console.print(
            f"wrote {output}: N = {ds.N} points in the unit ball of R^{ds.d}, labels 1..{ds.C}, "
            f"pairwise distance >= {delta!r} (checked exactly)"
        )


def register(app: typer.Typer) -> None:
    app.command("check-data")(check_data)
    app.command("make-data")(make_data)
