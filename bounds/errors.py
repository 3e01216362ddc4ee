"""Exceptions shared by every part of memcap.

``bounds`` owns the base class because ``proofs`` may import ``bounds`` but
not the other way round. The command line turns any :class:`MemcapError` into
a one-line message and a non-zero exit status (and, with ``--json``, a JSON
object holding the message and :attr:`MemcapError.details`).
"""

from typing import Any

__all__ = ["MemcapError", "ParameterError", "InfeasibleError", "AsymptoticBoundError"]


class MemcapError(Exception):
    """Base class of every error memcap raises on purpose.

    ``details`` holds JSON-ready facts the message names (for example the
    offending ``rows``), for programs that read errors.

    >>> MemcapError("rows 1, 3 are bad", details={"rows": [1, 3]}).details
    {'rows': [1, 3]}
    """

    exit_code = 2

    def __init__(self, *args: Any, details: dict[str, Any] | None = None) -> None:
        super().__init__(*args)
        self.details: dict[str, Any] = dict(details or {})


class ParameterError(MemcapError, ValueError):
    """A problem parameter (N, d, C, delta, W, L, ...) is invalid."""


class InfeasibleError(MemcapError):
    """A request cannot be met (for example below a proven lower bound)."""

    exit_code = 3


class AsymptoticBoundError(MemcapError, TypeError):
    """A bound with an unknown constant was asked for a number."""
