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
    table.add_column("segment", no_wrap=True)
    for col in ("activation regions", "linear pieces", "after each hidden layer", "bits"):
        table.add_column(col)
    for r in regions:
        layers = r["per_layer"]
        shown = str(layers) if len(layers) <= 8 else f"{layers[:3]} ... {layers[-2:]}"
        table.add_row(
            r["segment"],
            str(r["activation_regions"]) if r["complete"] else f">= {r['activation_regions']}",
            str(r["linear_pieces"]) if r["complete"] else "? (count stopped)",
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
    max_faces: int = typer.Option(
        20000, "--max-faces", min=1, help="Give up on a plane beyond this many regions."
    ),
    max_vertices: int = typer.Option(
        100_000, "--max-vertices", min=2, help="Stop a line count beyond this many vertices (lower bound)."
    ),
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
        report = measure(
            network, X, y, segments=segments, seed=seed, breakpoints=breakpoints, max_vertices=max_vertices
        )
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


def _ints(text: str, what: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise ParameterError(f"{what} must be comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise ParameterError(f"{what} must be positive integers, got {text!r}")
    return values


def _run_sweep(
    n: str,
    d: int,
    classes: int,
    delta: float,
    widths: str | None,
    depth: int | None,
    seed: int,
    regions_up_to: int,
    max_vertices: int,
    relabelings: int,
    show: bool,
    methods: list[str] | None = None,
) -> list[Any]:
    from proofs.tightness import sweep

    ns = _ints(n, "--n")
    ws: list[int | None] = list(_ints(widths, "--widths")) if widths else [None]
    with progress(show) as bar:
        task = bar.add_task("build, verify, measure", total=len(ns) * len(ws))
        return sweep(
            ns,
            d,
            classes,
            delta,
            widths=ws,
            depth=depth,
            seed=seed,
            regions_up_to=regions_up_to,
            max_vertices=max_vertices,
            relabelings=relabelings,
            methods=methods,
            progress=lambda done, total, name: bar.update(task, completed=done, description=name),
        )


_N_HELP = "Point counts N, comma-separated."
_D_HELP = "Dimension d of the random data."
_C_HELP = "Number of classes C."
_DELTA_HELP = "Least pairwise distance delta of the random data."
_W_HELP = "Width caps, comma-separated (default: the builder's default width)."


def tightness_cmd(
    n: str = typer.Option("100,1000,10000", "--n", help=_N_HELP),
    d: int = typer.Option(4, "--d", min=1, help=_D_HELP),
    classes: int = typer.Option(3, "--classes", min=2, help=_C_HELP),
    delta: float = typer.Option(0.02, "--delta", help=_DELTA_HELP),
    widths: str | None = typer.Option(None, "--widths", help=_W_HELP),
    depth: int | None = typer.Option(None, "--depth", min=1, help="Depth cap for every case."),
    seed: int = typer.Option(0, "--seed", help="Seed of the data and of the projection."),
    fmt: str = typer.Option("markdown", "--format", "-f", help="Table format: markdown, latex or csv."),
    plot: Path | None = typer.Option(None, "--plot", help="Also draw W^2 L^2 against N to this PNG."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the table to this file, not stdout."),
    regions_up_to: int = typer.Option(
        1000, "--regions-up-to", min=0, help="Count regions on the data line only for N up to this."
    ),
    max_vertices: int = typer.Option(
        50_000, "--max-vertices", min=2, help="Stop a region count beyond this many vertices (lower bound)."
    ),
    relabelings: int = typer.Option(
        1, "--relabelings", min=0, help="Random relabelings each case must also memorize, same architecture."
    ),
    methods: str | None = typer.Option(
        None,
        "--methods",
        metavar="all|NAME,...",
        help="Also build these methods (ours, one_layer, two_layer, constant_width) on each case's "
        "data: verified, measured, set beside their size formulas in a second table.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print every case as JSON."),
) -> None:
    """Build, verify exactly and measure memcap's construction for each N; compare with the bounds.

    Side by side: measured sizes and what bounds.upper.construction_sizes
    predicts (they must be equal), exact regions along the data line, the
    least depth each explicit lower bound allows at the built width (ratio
    measured / lower), and N next to the numeric VC upper bound of the built
    architecture, which memorized (so shattered) these N points.

    With --methods, a second table (after a blank line) gives each method
    built on the same data: measured sizes and its formula's, regions along
    the data line, build and verify time. A method that cannot meet the
    width cap gets a row saying why. Exits 1 if any case fails a check.
    """
    from bounds.method_table import parse_methods
    from proofs.errors import VerificationError
    from proofs.files import atomic_write
    from proofs.tightness import FORMATS, check, plot_tightness, render, render_methods

    if fmt not in FORMATS:
        raise ParameterError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if plot is not None and plot.suffix.lower() != ".png":
        raise ParameterError(f"--plot {str(plot)!r}: the plot is a PNG, name it *.png")
    names = parse_methods(methods)
    show = not as_json
    cases = _run_sweep(
        n, d, classes, delta, widths, depth, seed, regions_up_to, max_vertices, relabelings, show, names
    )
    if plot is not None:
        plot_tightness(cases, plot)
    if as_json:
        print_json([c.to_dict() for c in cases])
    else:
        table = render(cases, fmt)
        if names:
            table += "\n" + render_methods(cases, fmt)
        if out is not None:
            with atomic_write(out) as handle:
                handle.write(table)
        else:
            print(table, end="")
    failures = check(cases) if names else []
    if failures:
        raise VerificationError(f"{len(failures)} check(s) failed; first: {failures[0]}")


def check_cmd(
    n: str = typer.Option("20,60", "--n", help=_N_HELP),
    d: int = typer.Option(3, "--d", min=1, help=_D_HELP),
    classes: int = typer.Option(3, "--classes", min=2, help=_C_HELP),
    delta: float = typer.Option(0.05, "--delta", help=_DELTA_HELP),
    widths: str | None = typer.Option("24,64", "--widths", help=_W_HELP),
    depth: int | None = typer.Option(None, "--depth", min=1, help="Depth cap for every case."),
    seed: int = typer.Option(0, "--seed", help="Seed of the data and of the projection."),
    as_json: bool = typer.Option(False, "--json", help="Print the failures (and cases) as JSON."),
) -> None:
    """Check that constructions match theory at small sizes; exit 1 naming each failing case.

    Fails when a built network's sizes differ from the formula, when exact
    verification fails (also on a relabeling), or when a measured quantity
    breaks a proven bound (a wrong bound or a wrong count). Meant for CI.
    """
    from proofs.errors import VerificationError
    from proofs.tightness import check

    cases = _run_sweep(n, d, classes, delta, widths, depth, seed, 10**9, 50_000, 1, not as_json)
    failures = check(cases)
    if as_json:
        print_json({"ok": not failures, "failures": failures, "cases": [c.name for c in cases]})
    else:
        for c in cases:
            mark = "[red]FAIL[/]" if c.failures else "[green]ok[/]"
            console.print(f"{mark} {c.name}: width {c.measured['width']}, depth {c.measured['depth']}")
    if failures:
        raise VerificationError(f"{len(failures)} check(s) failed; first: {failures[0]}")


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_cmd)
    app.command("tightness")(tightness_cmd)
    app.command("check")(check_cmd)
