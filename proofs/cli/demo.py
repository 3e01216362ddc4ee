"""``memcap demo``: make an example data set, memorize it, verify it exactly, certify it."""

from __future__ import annotations

from pathlib import Path

import typer

from proofs.cli.common import console, print_json
from proofs.cli.memorize import run_memorize, summary_table

__all__ = ["register"]


def demo(
    n: int = typer.Option(500, "--n", min=2, help="Number of points."),
    d: int = typer.Option(8, "--d", min=1, help="Dimension of the points."),
    classes: int = typer.Option(5, "--classes", min=2, help="Number of labels (1..classes)."),
    delta: float = typer.Option(
        0.05, "--delta", min=1e-12, max=2.0, help="Least distance between points."
    ),
    width: int = typer.Option(8, "--width", "-W", min=1, help="Target width W (at least 5)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the data and of the projection."),
    out_dir: Path = typer.Option(
        Path("memcap-demo"), "--out-dir", help="Folder for data.npz, network.npz and certificate.json."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Memorize a random example data set exactly, in seconds.

    Draws N delta-separated points in the unit ball of R^d with labels 1..C,
    builds a network of the given width that memorizes them, checks every
    point in exact arithmetic, and writes the data, the network and a
    certificate to --out-dir. Re-check them with `memcap verify`.
    """
    from proofs.data import make_dataset, save_dataset

    ds = make_dataset(n, d, classes, delta, seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    data_path = out_dir / "data.npz"
    save_dataset(ds, data_path)
    summary = run_memorize(
        ds.X,
        ds.y,
        data_path=data_path,
        out=out_dir / "network.npz",
        cert=out_dir / "certificate.json",
        width=width,
        depth=None,
        params=None,
        seed=seed,
        backend="auto",
        show_progress=not as_json,
    )
    if as_json:
        print_json(summary)
        return
    console.print(summary_table(summary, f"memcap demo: {ds.N} points in R^{ds.d}, {ds.C} classes"))
    console.print(
        f"Re-check: memcap verify {out_dir / 'network.npz'} {data_path} --cert {out_dir / 'certificate.json'}"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
