"""``memcap compare``: every construction on one data set, side by side."""

from __future__ import annotations

from pathlib import Path

import typer

from proofs.cli.common import console_err, print_json, progress
from proofs.errors import ParameterError, VerificationError

__all__ = ["register"]

_FORMATS = ("markdown", "latex", "csv")


def compare_cmd(
    data: Path = typer.Argument(
        ..., help="Data set: .npz with arrays X and y, or .csv (label last), or 'digits'."
    ),
    methods: str | None = typer.Option(
        None, "--methods", "-m", help="Comma-separated methods (default: all; see the table's first column)."
    ),
    fmt: str = typer.Option("markdown", "--format", "-f", help="Table format: markdown, latex or csv."),
    width: int | None = typer.Option(None, "--width", "-W", min=1, help="Width limit for every method."),
    depth: int | None = typer.Option(None, "--depth", "-L", min=1, help="Depth limit for every method."),
    params: int | None = typer.Option(
        None, "--params", "-P", min=1, help="Parameter limit for every method."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the projection direction."),
    regions: bool | None = typer.Option(
        None,
        "--regions/--no-regions",
        help="Count linear pieces along the data line (exact, slowest column). Default: only for N <= 500.",
        show_default=False,
    ),
    backend: str = typer.Option("auto", "--backend", help="Exact arithmetic backend for verification."),
    rescale: bool = typer.Option(
        False, "--rescale", help="Divide the points by a power of two if they leave the unit ball."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the table to this file."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON instead of a table."),
) -> None:
    """Build every construction on DATA, verify each exactly, and tabulate their sizes.

    Columns: width, depth, parameters, nonzeros, max bits, linear pieces along
    the data line, build and verification seconds. A method that cannot meet
    the limits gets a row saying why.
    """
    from proofs.baselines.compare import compare, format_table
    from proofs.data import load_dataset
    from proofs.files import atomic_write

    if fmt not in _FORMATS:
        raise ParameterError(f"--format {fmt!r}: choose one of {', '.join(_FORMATS)}")
    names = None if methods is None else [m.strip() for m in methods.split(",") if m.strip()]
    ds = load_dataset(data, rescale=rescale)
    with progress(not as_json) as bar:
        task = bar.add_task("building and verifying", total=None)

        def step(_phase: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        rows = compare(
            ds.X,
            ds.y,
            methods=names,
            width=width,
            depth=depth,
            params=params,
            seed=seed,
            backend=backend,
            regions=regions,
            progress=step,
        )
    text = format_table(rows, fmt)
    if out is not None:
        with atomic_write(out) as handle:
            handle.write(text + "\n")
        console_err.print(f"wrote {out}")
    if as_json:
        print_json({"data": str(data), "N": ds.N, "d": ds.d, "C": ds.C, "rows": rows})
    else:
        typer.echo(text)
    failed = [r["method"] for r in rows if r["verdict"] not in (None, "memorized") and r["width"] is not None]
    if failed:
        raise VerificationError(f"exact verification failed for {failed}; see the verdict column")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
