"""Helpers shared by the command modules: consoles, JSON output, progress."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["console", "console_err", "print_json", "progress"]

console = Console()
console_err = Console(stderr=True)


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON on stdout (for ``--json``)."""
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def progress(enabled: bool = True) -> Progress:
    """A rich progress display on stderr; silent when ``enabled`` is false."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console_err,
        disable=not enabled,
        transient=True,
    )
