"""``memcap memorize`` and ``memcap verify``: build a memorizing network, check one exactly."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from proofs.cli.common import console, console_err, print_json, progress
from proofs.errors import ParameterError, VerificationError

__all__ = ["register", "summary_table", "run_memorize"]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"{list(value[:4])} ... ({len(value)} entries)"
    return str(value)


def summary_table(summary: dict[str, Any], title: str) -> Table:
    """A two-column rich table of a JSON-ready summary (nested dicts flattened)."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("quantity", style="bold")
    table.add_column("value")
    for key, value in summary.items():
        if isinstance(value, dict) and key != "phase_seconds":
            for sub, v in value.items():
                if v is not None:
                    table.add_row(f"{key}.{sub}", _fmt(v))
        elif value is not None:
            table.add_row(key, _fmt(value))
    return table


def run_memorize(
    X: Any,
    y: Any,
    *,
    data_path: Path,
    out: Path,
    cert: Path | None,
    width: int | None,
    depth: int | None,
    params: int | None,
    seed: int,
    backend: str,
    show_progress: bool,
    max_weight_bits: int | None = None,
    method: str = "ours",
) -> dict[str, Any]:
    """Build, verify exactly, then write the network (and certificate); return the summary.

    Nothing is written unless every point verified. Shared by ``memorize`` and ``demo``.
    With ``max_weight_bits`` the float64-safe variant is built and its float64
    certificate (:func:`proofs.float_certify.certify_float64_clamped`) recorded.
    ``method`` is ``ours``, a baseline of :data:`proofs.baselines.METHODS`, or
    ``auto`` (:func:`proofs.baselines.select.build_with_method`).
    """
    from proofs.baselines.select import build_with_method
    from proofs.certificate import save_verified
    from proofs.construction import memorize
    from proofs.verify import memorize_summary, verify

    if max_weight_bits is not None and method not in ("ours", "auto"):
        raise ParameterError(f"--max-weight-bits needs --method ours (or auto), not {method}")
    with progress(show_progress) as bar:
        tasks: dict[str, Any] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=max(total, 1))
            bar.update(tasks[phase], completed=done, total=max(total, 1))

        if method == "ours" or max_weight_bits is not None:
            built = memorize(
                X, y, width=width, depth=depth, params=params, seed=seed,
                max_weight_bits=max_weight_bits, progress=on_progress,
            )
            used, reason = "ours", "asked for" if method == "ours" else "--max-weight-bits needs ours"
        else:
            built, used, reason = build_with_method(
                method, X, y, width=width, depth=depth, params=params, seed=seed, progress=on_progress
            )
        task = bar.add_task("exact verification", total=1)
        result = verify(built.network, X, y, backend=backend)
        bar.update(task, completed=1)
        float64 = None
        if max_weight_bits is not None:
            from proofs.float_certify import certify_float64_clamped

            task = bar.add_task("float64 certificate", total=1)
            float64 = certify_float64_clamped(built.network, X)
            bar.update(task, completed=1)
    if not result.memorized:
        raise VerificationError(f"the built network failed exact verification: {result.summary()}")
    started = time.perf_counter()
    certificate = save_verified(built.network, result, out, data_path, cert, labels=y, float64=float64)
    summary = memorize_summary(built.network, result, built.report, X, y)
    summary["method"], summary["method_reason"] = used, reason
    summary["network_file"] = str(out)
    summary["network_sha256"] = certificate["network"]["sha256"]
    if cert is not None:
        summary["certificate_file"] = str(cert)
    if float64 is not None:
        summary["float64_certified"] = float64["certified"]
        summary["float64_margin"] = float64["first_layer"]["margin"]
        summary["float64_step_error"] = float64["step_error"]
    summary.setdefault("phase_seconds", {})["write"] = round(time.perf_counter() - started, 4)
    return summary


def memorize_cmd(
    data: Path = typer.Argument(
        ...,
        metavar="DATA",
        help="Data set: .npz with arrays X and y, or .csv (label last), or 'digits'.",
    ),
    width: int | None = typer.Option(
        None, "--width", "-W", min=1, help="Target width W (largest hidden layer)."
    ),
    depth: int | None = typer.Option(
        None, "--depth", "-L", min=1, help="Target depth L (hidden layers)."
    ),
    params: int | None = typer.Option(
        None,
        "--params",
        "-P",
        min=1,
        help="Parameter budget; the builder picks W and L. Not with --width/--depth.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the random projection direction."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the network (.npz or .json)."),
    cert: Path | None = typer.Option(None, "--cert", help="Also write a certificate (JSON) here."),
    rescale: bool = typer.Option(
        False, "--rescale", help="Divide the points by a power of two if they leave the unit ball."
    ),
    backend: str = typer.Option("auto", "--backend", help="Exact arithmetic backend for verification."),
    max_weight_bits: int | None = typer.Option(
        None,
        "--max-weight-bits",
        "-B",
        min=1,
        help="Build the float64-safe variant: weights and values after the first layer fit B bits "
        "(B <= 53: float64 runs it exactly; the first layer is certified and recorded).",
    ),
    method: str = typer.Option(
        "auto",
        "--method",
        "-m",
        help="Construction: ours, one_layer, two_layer, constant_width (docs/theory/baselines.md), "
        "or auto: the one with the fewest parameters meeting the request, with the reason shown.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Build a ReLU network that memorizes DATA exactly, verify every point, save it.

    Give a width, a depth, both, or a parameter budget; the builder chooses the
    rest and says which regime it used. The network and the certificate are
    written only after every point was checked in exact arithmetic.
    """
    from proofs.data import load_dataset

    if params is not None and (width is not None or depth is not None):
        raise ParameterError("give --params alone, or --width and/or --depth, not both kinds")
    if out.suffix.lower() not in (".npz", ".json"):
        raise ParameterError(f"--out {str(out)!r}: the network file must end in .npz or .json")
    if cert is not None and cert.resolve() == out.resolve():
        raise ParameterError("--cert and --out name the same file; give two different paths")
    ds = load_dataset(data, rescale=rescale)
    summary = run_memorize(
        ds.X,
        ds.y,
        data_path=data,
        out=out,
        cert=cert,
        width=width,
        depth=depth,
        params=params,
        seed=seed,
        backend=backend,
        show_progress=not as_json,
        max_weight_bits=max_weight_bits,
        method=method,
    )
    if as_json:
        print_json(summary)
    else:
        console.print(summary_table(summary, f"memorized {data}"))


def verify_cmd(
    net: Path = typer.Argument(..., metavar="NET", help="Network file (.npz or .json)."),
    data: Path = typer.Argument(..., metavar="DATA", help="Data set file (.npz or .csv) or 'digits'."),
    cert: Path | None = typer.Option(
        None, "--cert", help="Certificate to check: digests, sizes, counts and verdict must all match."
    ),
    rescale: bool = typer.Option(False, "--rescale", help="Rescale the data as memorize --rescale did."),
    backend: str = typer.Option("auto", "--backend", help="Exact arithmetic backend."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check exactly that NET outputs every label of DATA; exit 1 on any failure.

    Every point is evaluated in exact arithmetic. With --cert, the SHA-256 of
    both files is recomputed and every claim of the certificate is compared.
    The first failing points are named with their exact outputs.
    """
    from proofs.certificate import check_certificate, data_digest, read_certificate
    from proofs.data import load_dataset
    from proofs.files import sha256_file
    from proofs.io import load_network
    from proofs.verify import verify

    mismatches: tuple[str, ...] = ()
    with progress(not as_json) as bar:
        task = bar.add_task("exact verification", total=1)
        if cert is not None:
            claims = read_certificate(cert)
            check = check_certificate(claims, net, data, backend=backend, rescale=rescale)
            result, mismatches = check.verification, check.mismatches
        else:
            network = load_network(net)
            ds = load_dataset(data, rescale=rescale)
            result = verify(network, ds.X, ds.y, backend=backend)
        bar.update(task, completed=1)
    ok = result.memorized and not mismatches
    payload: dict[str, Any] = {
        "ok": ok,
        **result.to_json(),
        "network_sha256": sha256_file(net),
        "data_sha256": data_digest(data),
    }
    if cert is not None:
        payload["certificate"] = str(cert)
        payload["mismatches"] = list(mismatches)
    if as_json:
        print_json(payload)
    else:
        console.print(summary_table(payload, f"verify {net} on {data}"))
    if mismatches:
        for line in mismatches[1:]:
            console_err.print(f"also: {line}", highlight=False)
        raise VerificationError(f"certificate does not match: {mismatches[0]}")
    if not result.memorized:
        raise VerificationError(result.summary())


def register(app: typer.Typer) -> None:
    app.command("memorize")(memorize_cmd)
    app.command("verify")(verify_cmd)
