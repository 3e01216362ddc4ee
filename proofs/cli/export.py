"""``memcap export`` and ``memcap precision``: float versions of exact networks, and their cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from proofs.cli.common import console, print_json, progress
from proofs.errors import ParameterError

__all__ = ["register", "precision_table", "certificate_table", "network_certificate_table"]


def export_cmd(
    net: Path = typer.Argument(..., help="Network file written by memcap (.npz or .json)."),
    to: str = typer.Option(
        ...,
        "--to",
        help="onnx (Gemm + Relu), torch (state dict + loader script), numpy (float arrays W0, b0, ...), "
        "npz or json (memcap's lossless interchange formats).",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output file. Default: the network's name with the target's suffix."
    ),
    dtype: str = typer.Option(
        "float64", "--dtype", help="Float type of onnx, torch and numpy exports: float64 or float32."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the files written as JSON."),
) -> None:
    """Export an exact network for float frameworks (ONNX, torch, numpy) or re-save it losslessly.

    Each weight is rounded once, to the nearest value of --dtype. Float exports
    can lose bits: run `memcap precision` to see whether the exported network
    still outputs every label.
    """
    from proofs.export import DTYPES, TARGETS, export_network
    from proofs.io import load_network

    if to not in TARGETS:
        raise ParameterError(f"--to {to!r}: choose one of {', '.join(TARGETS)}")
    if dtype not in DTYPES:
        raise ParameterError(f"--dtype {dtype!r}: choose one of {', '.join(DTYPES)}")
    target = out if out is not None else Path(net.name).with_suffix(TARGETS[to])
    if target.exists() and net.exists() and target.resolve() == net.resolve():
        raise ParameterError(f"the output {str(target)!r} is the input network; give another --out")
    network = load_network(net)
    written = export_network(network, to, target, dtype)
    if as_json:
        print_json({"target": to, "dtype": dtype, "files": [str(p) for p in written]})
    else:
        for path in written:
            console.print(f"wrote {path}", highlight=False)


def _fmt_error(value: float) -> str:
    return f"{value:.3g}"


def _layers(layers: list[int]) -> str:
    if not layers:
        return "no layer"
    shown = ", ".join(str(i) for i in layers[:6])
    return f"layers {shown}" + (f" ... ({len(layers)})" if len(layers) > 6 else "")


def precision_table(report: Any) -> Table:
    """A rich table of a :class:`proofs.precision.PrecisionReport`."""
    table = Table(
        title=f"{report.points} points, depth {report.depth}, weights up to {report.max_bits} bits; "
        f"exact evaluation: {report.exact_correct}/{report.points} labels",
        title_justify="left",
    )
    cols = (
        "runtime", "dtype", "rounded = label", "output = label", "max error", "first departure", "rounds in"
    )
    for col in cols:
        table.add_column(col, justify="right" if col not in ("runtime", "dtype") else "left")
    for r in report.runs:
        if r.first_departure is None:
            dep = f"none (0/{r.checked_points})"
        else:
            dep = f"layer {r.first_departure} ({r.departed_by_layer[-1]}/{r.checked_points})"
        table.add_row(
            r.runtime,
            r.dtype,
            f"{r.rounded_correct}/{r.points}",
            f"{r.exactly_correct}/{r.points}",
            _fmt_error(r.max_error),
            dep,
            _layers(r.inexact_layers),
        )
    later = [(b, i) for i, b in enumerate(report.bits_needed) if i > 0]
    if later:
        unknown = [i for b, i in later if b is None]
        if unknown:
            table.caption = f"layers {unknown[:6]} have non-dyadic terms: no binary float is exact there"
        else:
            bits, where = max(later)
            over = [i for b, i in later if b is not None and b > 53]
            table.caption = (
                f"after the first layer, a layer needs up to {bits} mantissa bits (layer {where}) to be "
                f"exact on exact inputs; float64 has 53"
                + (f": too few for {len(over)} layers" if over else ": enough")
            )
    return table


def certificate_table(cert: dict[str, Any]) -> Table:
    """A rich table of :func:`proofs.float_certify.certify_float64_first_layer`'s result."""
    table = Table(title="float64 first-layer certificate", show_header=False, title_justify="left")
    table.add_column("quantity", style="bold")
    table.add_column("value")
    verdict = "yes" if cert["certified"] else f"NO (points {cert['unstable_points']})"
    table.add_row("certified", verdict)
    table.add_row("checked", cert["checked"])
    table.add_row("first-layer error bound", f"{cert['first_layer_error']:.3g}")
    table.add_row(
        "margin", f"{cert['margin']:.6g} (point {cert['margin_point']}, unit {cert['margin_unit']})"
    )
    table.add_row("margin / error, log2", f"{cert['margin_bits']:.1f} bits")
    return table


def network_certificate_table(cert: dict[str, Any]) -> Table:
    """A rich table of :func:`proofs.float_certify.certify_float64`'s result."""
    table = Table(title="float64 network certificate", show_header=False, title_justify="left")
    table.add_column("quantity", style="bold")
    table.add_column("value")
    n = cert["points"]
    verdict = "yes" if cert["certified"] else f"NO (first points {cert['first_failing']})"
    table.add_row("every label, rounded", verdict)
    table.add_row("outputs = label exactly", f"{cert['exact']}/{n}")
    table.add_row("outputs within 1/2", f"{cert['rounded']}/{n}")
    table.add_row("output error bound", f"{cert['max_error']:.3g}")
    table.add_row("layers proven exact", str(cert["exact_layers"]) if cert["exact_layers"] else "none")
    return table


def precision_cmd(
    net: Path = typer.Argument(..., help="Network file written by memcap (.npz or .json)."),
    data: Path = typer.Argument(..., help="Its data set: .npz (X, y), .csv (label last) or 'digits'."),
    dtype: list[str] = typer.Option(
        ["float64", "float32"], "--dtype", help="Float types to run in (repeat the option)."
    ),
    runtime: list[str] = typer.Option(
        [],
        "--runtime",
        help="numpy and/or onnxruntime (repeat the option). Default: every one installed.",
    ),
    layer_points: int = typer.Option(
        200, "--layer-points", min=0, help="Points compared with exact values layer by layer."
    ),
    certify: bool = typer.Option(
        False, "--certify", help="Also certify the float64 first layer by exact error analysis."
    ),
    certify_all: bool = typer.Option(
        False,
        "--certify-all",
        help="Also prove which labels every float64 evaluation returns, in any summation order "
        "(exact error propagation through every unit of every point: slow on big data).",
    ),
    rescale: bool = typer.Option(
        False, "--rescale", help="Divide the points by a power of two if they leave the unit ball."
    ),
    backend: str = typer.Option("auto", "--backend", help="Exact arithmetic backend for the reference."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Run NET in float64 and float32 on DATA and count the labels that survive.

    Every point's float output is compared with its label (rounded to the
    nearest integer, and exactly) and with the exact output (largest error).
    The first points are also compared layer by layer: where the float run
    first departs from the exact one, and at which layers it rounds on its
    own (its output differs from the exact image of its own float input).
    This measures and never certifies, except --certify: an exact
    certificate that float64 rounding in the first layer moves no point
    across a step, and --certify-all: an exact proof of what every float64
    evaluation outputs on every point.
    """
    from proofs.data import load_dataset
    from proofs.io import load_network
    from proofs.precision import precision_report

    network = load_network(net)
    ds = load_dataset(data, rescale=rescale)
    with progress(not as_json) as bar:
        task = bar.add_task("exact reference", total=None)

        def on_step(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"{name} done", completed=done, total=total)

        report = precision_report(
            network,
            ds.X,
            ds.y,
            dtypes=tuple(dtype),
            runtimes=tuple(runtime) or None,
            layer_points=layer_points,
            backend=backend,
            progress=on_step,
        )
        cert = None
        if certify:
            from proofs.float_certify import certify_float64_first_layer

            bar.update(task, description="first-layer certificate")
            cert = certify_float64_first_layer(network, ds.X)
        whole = None
        if certify_all:
            from proofs.float_certify import certify_float64

            bar.update(task, description="whole-network float64 certificate")
            whole = certify_float64(network, ds.X, ds.y)
    if as_json:
        payload = report.to_json()
        if cert is not None:
            payload["float64_first_layer"] = cert
        if whole is not None:
            payload["float64_network"] = whole
        print_json(payload)
        return
    console.print(precision_table(report))
    if cert is not None:
        console.print(certificate_table(cert))
    if whole is not None:
        console.print(network_certificate_table(whole))


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
    app.command("precision")(precision_cmd)
