"""``memcap demo``: the main job on a built-in example."""

from __future__ import annotations

import typer

from proofs.cli.common import console
from proofs.network import AffineLayer, Network

__all__ = ["register"]


def demo() -> None:
    """Build a small exact network and evaluate it exactly."""
    net = Network(
        [AffineLayer.from_dense([[1], [-1]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])]
    )
    out = net.evaluate([[-0.75], [0.5]])
    console.print(net, out.as_fractions())


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
