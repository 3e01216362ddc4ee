"""memcap's executable side: exact networks, constructions, verification, analysis."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("memcap")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
