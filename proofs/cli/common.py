"""Helpers shared by the command modules: consoles, JSON output, errors, warnings, progress."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = [
    "console",
    "console_err",
    "print_json",
    "progress",
    "json_command",
    "report_error",
    "reset_output",
    "clean_warnings",
]

console = Console()
console_err = Console(stderr=True)


class _JsonOutput:
    """Whether the running command has already written its JSON object on stdout."""

    written = False


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON on stdout (for ``--json``)."""
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
    _JsonOutput.written = True


def json_command(app: Any, args: Sequence[str]) -> str | None:
    """The name of the command ``args`` runs if it asks for ``--json``, else ``None``.

    ``app`` is the program's typer app. The command line is parsed leniently
    (no callbacks, no errors), so this also answers for a command line that
    failed: a command without a ``--json`` option, or a command line that
    cannot be parsed at all, gives ``None``.
    """
    # the program's own options are flags, so its first other word names the command
    name = next((a for a in args if not a.startswith("-")), None)
    if name is None:
        return None
    rest = list(args)
    del rest[rest.index(name)]
    try:
        sub = typer.main.get_command(app).commands.get(name)  # type: ignore[attr-defined]
        if sub is None:
            return None
        ctx = sub.make_context(name, rest, resilient_parsing=True)
    except Exception:  # whatever the parser makes of it, it is not a --json request
        return None
    wanted = any("--json" in p.opts and ctx.params.get(p.name or "") for p in sub.params)
    return name if wanted else None


def report_error(
    message: str,
    exit_code: int,
    *,
    command: str | None = None,
    kind: str | None = None,
    details: dict[str, Any] | None = None,
    show: bool = True,
) -> None:
    """Report a failed command: one line on stderr and, for ``--json``, one JSON object on stdout.

    ``command`` is the command that asked for ``--json`` (``None``: no JSON).
    The object is ``{"ok": false, "exit_code", "error", "error_type",
    "command"}`` followed by ``details`` (such as the offending ``rows``); it is
    not written when the command already wrote its own JSON before failing.
    ``show=False`` leaves stderr to a message printed elsewhere.
    """
    if show:
        console_err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if command is None or _JsonOutput.written:
        return
    payload: dict[str, Any] = {
        "ok": False,
        "exit_code": exit_code,
        "error": message,
        "error_type": kind,
        "command": command,
    }
    for key, value in (details or {}).items():
        payload.setdefault(key, value)
    print_json(payload)


def reset_output() -> None:
    """Forget earlier output: a new command line starts (:func:`report_error` relies on it)."""
    _JsonOutput.written = False


def clean_warnings(categories: tuple[type[Warning], ...]) -> Callable[..., None]:
    """A ``warnings.showwarning`` that prints ``categories`` as one ``warning:`` line on stderr.

    No file name, line number or source line: the message is meant for the
    person at the command line. Other warnings go to the ``showwarning`` in
    place when this is called. Install it inside ``warnings.catch_warnings()``,
    which puts the old one back.
    """
    fallback = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, categories):
            console_err.print(f"[yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
        else:
            fallback(message, category, filename, lineno, file, line)

    return show


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
