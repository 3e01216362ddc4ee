"""The ``memcap`` command line: parses, calls the Python API, prints.

Each command group lives in its own module with a ``register(app)`` function;
no logic lives only here. Errors of memcap's own become one line on stderr and
a non-zero exit status, never a traceback; a command run with ``--json`` then
also prints one JSON object on stdout (:func:`main`).
"""

from __future__ import annotations

import importlib
import sys
import warnings

import typer

from proofs.cli.common import clean_warnings, console_err, json_command, report_error, reset_output
from proofs.data import DuplicateRowsWarning
from proofs.errors import MemcapError

__all__ = ["app", "main"]

app = typer.Typer(
    name="memcap",
    help=(
        "State, prove by construction, and check the memorization capacity of deep "
        "ReLU networks. Depth L counts hidden layers; width W is the largest hidden layer."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One line per command module; each defines register(app).
_COMMAND_MODULES = [
    "proofs.cli.demo",
    "proofs.cli.info",
    "proofs.cli.data",
    "proofs.cli.memorize",
    "proofs.cli.compare",
    "proofs.cli.export",
    "proofs.cli.analyze",
    "proofs.cli.bounds",
]

for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def _print_version(value: bool) -> None:
    if value:
        from proofs import __version__

        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print memcap's version and exit."
    ),
) -> None:
    """Options that apply to every command."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Warnings of memcap's own (duplicate rows merged) are one ``warning:``
    line on stderr. A failure is one line on stderr; with ``--json`` the command also prints
    one JSON object on stdout, ``{"ok": false, "exit_code", "error", ...}``
    (:func:`proofs.cli.common.report_error`), unless it printed its own.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    reset_output()
    try:
        with warnings.catch_warnings():  # puts the global showwarning back afterwards
            warnings.showwarning = clean_warnings((DuplicateRowsWarning,))
            app(args=args, prog_name="memcap")
    except SystemExit as ex:  # typer's standalone mode always exits; usage errors give 2
        code = ex.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        # typer has printed the click error it exits for (usage, bad option value), if any
        usage = ex.__context__
        message = getattr(usage, "format_message", None)
        if status and callable(message):
            report_error(
                message(),
                status,
                command=json_command(app, args),
                kind=type(usage).__name__,
                show=False,
            )
        return status
    except MemcapError as err:
        report_error(
            str(err),
            err.exit_code,
            command=json_command(app, args),
            kind=type(err).__name__,
            details=err.details,
        )
        return err.exit_code
    except KeyboardInterrupt:
        console_err.print("interrupted")
        return 130
    return 0

if __name__ == "__main__":
    sys.exit(main())
