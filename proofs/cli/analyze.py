"""``memcap analyze``, ``memcap tightness`` and ``memcap check``: measure networks against theory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from proofs.cli.common import console, print_json, progress
from proofs.errors import ParameterError

__all__ = ["register"]


def _regions_table(regions: list[dict[str, Any]]) -> Table:
    table = Table(title="exact regions along segments", title_justify="left")
    for col in ("segment", "activation regions", "linear pieces", "after each hidden layer", "bits"):
        table.add_column(col)
    for r in regions:
        layers = r["per_layer"]
        shown = str(layers) if len(layers) <= 8 else f"{layers[:3]} ... {layers[-2:]}"
        table.add_row(
            r["segment"],
            str(r["activation_regions"]),
            str(r["linear_pieces"]),
            shown,
            str(r["max_breakpoint_bits"]),
        )
    return table


def _sizes_table(sizes: dict[str, Any], title: str) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("quantity", style="bold")
    table.add_column("value")
    widths = sizes["widths"]
    table.add_row("layer widths", str(widths) if len(widths) <= 12 else f"{widths[:6]} ... ({len(widths)})")
    for key in ("depth", "width", "params", "nonzeros", "max_fan_in", "max_fan_out", "longest_path"):
        table.add_row(key.replace("_", " "), str(sizes[key]))
    table.add_row("max bits", str(sizes["max_bits"]))
    table.add_row("total bits", str(sizes["total_bits"]))
    hist = sizes["bits_histogram"]
    table.add_row("bits histogram", ", ".join(f"{k}: {v}" for k, v in list(hist.items())[-8:]))
    if sizes.get("active"):
        act = sizes["active"]
        table.add_row("active units on data", f"{act['units']} (per layer {act['per_layer'][:8]})")
    return table


def analyze_cmd(
    net: Path = typer.Argument(
        ..., metavar="NET", help="Network: memcap .npz/.json, .onnx, or torch .pt/.pth (Linear/ReLU)."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="Data set (.npz or .csv): active units, data line, exact verification."
    ),
    segments: int = typer.Option(2, "--segments", min=0, help="Random chords of the unit ball to count on."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random chords."),
    breakpoints: bool = typer.Option(False, "--breakpoints", help="List every exact breakpoint (JSON)."),
    regions_2d: str | None = typer.Option(
        None,
        "--regions-2d",
        metavar="PLANE",
        help="Count regions on a plane exactly: axes:I,J[:H], points:I,J,K (data rows) or auto.",
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="With --regions-2d: write a PNG picture here."),
    max_faces: int = typer.Option(20000, "--max-faces", min=1, help="Give up on a plane beyond this many."),
    rescale: bool = typer.Option(False, "--rescale", help="Rescale the data as memorize --rescale did."),
    as_json: bool = typer.Option(False, "--json", help="Print the measurements as JSON."),
) -> None:
    """Measure NET: graph counts, bits, exact linear regions along lines (and on a plane).

    Regions are exact: breakpoints are rationals, whatever the weights' bits.
    'Activation regions' are pieces with one activation pattern; 'linear
    pieces' are maximal pieces where the output is one affine map. The data
    line runs along the weight vector of the first unit (for memcap's
    construction, the projection direction).
    """
    from proofs.imports import load_model
    from proofs.tightness import measure

    if out is not None and regions_2d is None:
        raise ParameterError("--out draws the plane of --regions-2d; give --regions-2d as well")
    if out is not None and out.suffix.lower() != ".png":
        raise ParameterError(f"--out {str(out)!r}: the picture is a PNG, name it *.png")
    network = load_model(net)
    X = y = None
    if data is not None:
        from proofs.data import load_dataset

        ds = load_dataset(data, rescale=rescale)
        X, y = ds.X, ds.y
    with progress(not as_json) as bar:
        task = bar.add_task("measuring", total=2 if regions_2d else 1)
        report = measure(network, X, y, segments=segments, seed=seed, breakpoints=breakpoints)
        bar.update(task, advance=1)
        if regions_2d is not None:
            report["plane"] = _plane(network, regions_2d, X, y, out, max_faces)
            bar.update(task, advance=1)
    report["network"] = str(net)
    if as_json:
        print_json(report)
        return
    console.print(_sizes_table(report["sizes"], f"analyze {net}"))
    console.print(_regions_table(report["regions"]))
    if "plane" in report:
        p = report["plane"]
        console.print(
            f"{p['plane']}: {p['activation_regions']} activation regions, "
            f"{p['linear_regions']} linear regions" + (f"; picture in {out}" if out else "")
        )
    if "verification" in report:
        v = report["verification"]
        console.print(f"exact verification: {v['verdict']} ({v['matched']} of {v['checked']} points)")


def _plane(network: Any, spec: str, X: Any, y: Any, out: Path | None, max_faces: int) -> dict[str, Any]:
    from proofs.regions import plane_coordinates, plane_from_spec, plane_regions, plot_plane_regions

    plane = plane_from_spec(spec, network.input_dim, X)
    result = plane_regions(network, plane, max_faces=max_faces)
    if out is not None:
        points = plane_coordinates(plane, X) if X is not None else None
        plot_plane_regions(result, out, points=points, labels=y)
    return result.to_dict()


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_cmd)
