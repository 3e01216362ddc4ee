"""Exceptions of the executable side of memcap."""

from bounds.errors import InfeasibleError, MemcapError, ParameterError

__all__ = [
    "MemcapError",
    "ParameterError",
    "InfeasibleError",
    "DataError",
    "NetworkError",
    "FormatError",
    "VerificationError",
]


class DataError(MemcapError, ValueError):
    """A data set is malformed or violates a declared property."""


class NetworkError(MemcapError, ValueError):
    """A network is malformed (shapes, denominators, types)."""


class FormatError(MemcapError, ValueError):
    """A file cannot be read as the format it claims to be."""


class VerificationError(MemcapError):
    """A network does not memorize its data, or a certificate does not match."""

    exit_code = 1
