"""Exceptions shared by every part of memcap.

``bounds`` owns the base class because ``proofs`` may import ``bounds`` but
not the other way round. The command line turns any :class:`MemcapError` into
a one-line message and a non-zero exit status.
"""

__all__ = ["MemcapError", "ParameterError", "InfeasibleError", "AsymptoticBoundError"]


class MemcapError(Exception):
    """Base class of every error memcap raises on purpose."""

    exit_code = 2


class ParameterError(MemcapError, ValueError):
    """A problem parameter (N, d, C, delta, W, L, ...) is invalid."""


class InfeasibleError(MemcapError):
    """A request cannot be met (for example below a proven lower bound)."""

    exit_code = 3


class AsymptoticBoundError(MemcapError, TypeError):
    """A bound with an unknown constant was asked for a number."""
