"""``memcap info NET``: the sizes of a saved network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from proofs.backends import auto_backends
from proofs.cli.common import console, print_json
from proofs.io import int_to_decimal, load_network
from proofs.network import Network

__all__ = ["register", "info", "network_info"]

_SHORT = 30  # longest integer printed in full


def _int_text(n: int) -> str:
    if n > 1 and n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    text = str(n) if n.bit_length() < 100 else ""
    return text if text and len(text) <= _SHORT else f"{n.bit_length()}-bit integer"


def network_info(net: Network, source: str = "") -> dict[str, Any]:
    """Sizes, denominators and the automatic backend choices, JSON-ready.

    Denominators are decimal strings (they may have thousands of digits).
    """
    info: dict[str, Any] = {"source": source, **net.sizes()}
    info["denominators"] = [int_to_decimal(q) for q in net.denominators]
    info["auto_backend"] = auto_backends(net)
    info["meta"] = net.meta
    return info


def info(
    net: Path = typer.Argument(..., help="Network file: .json (interchange format) or .npz."),
    json_out: bool = typer.Option(False, "--json", help="Print the sizes as JSON."),
) -> None:
    """Print a network's sizes: dimensions, depth, widths, parameters, bits, denominators.

    Depth counts hidden layers; width is the largest hidden layer; params counts
    every weight and bias of the dense network with these widths; max and total
    bits measure the exact weights. The auto backend is what exact evaluation
    would use for integer inputs in [-1, 1] and for arbitrary float inputs.
    """
    network = load_network(net)
    data = network_info(network, str(net))
    if json_out:
        print_json(data)
        return
    table = Table(title=f"network {net}", show_header=False)
    table.add_column("quantity", style="bold")
    table.add_column("value")
    widths = data["widths"]
    rows = [
        ("input dimension", str(data["input_dim"])),
        ("output dimension", str(data["output_dim"])),
        ("depth (hidden layers)", str(data["depth"])),
        ("widths", " ".join(map(str, widths)) if len(widths) <= 12 else
         f"{' '.join(map(str, widths[:5]))} ... {' '.join(map(str, widths[-5:]))}"),
        ("width (largest)", str(data["width"])),
        ("parameters (dense)", f"{data['params']:,}"),
        ("nonzeros", f"{data['nonzeros']:,}"),
        ("max bits", f"{data['max_bits']:,}"),
        ("total bits", f"{data['total_bits']:,}"),
        ("denominators", ", ".join(_int_text(q) for q in network.denominators[:8])
         + (" ..." if len(network.denominators) > 8 else "")),
        ("auto backend", f"{data['auto_backend']['integer']} (integer inputs in [-1, 1]), "
         f"{data['auto_backend']['float']} (float inputs)"),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("info")(info)
