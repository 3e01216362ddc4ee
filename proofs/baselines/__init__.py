"""Baseline constructions from prior work, exact and verified, in memcap's network type.

``METHODS`` maps a method name to its builder. Every builder has the
signature of :func:`proofs.construction.memorize`,
``(X, y, *, width=None, depth=None, params=None, seed=0, progress=None)``,
and returns an object with ``.network`` and ``.report``. Their sizes are
stated exactly in :mod:`bounds.baselines`; the proofs are in
docs/theory/baselines.md.

Examples
--------
>>> from proofs.baselines import METHODS
>>> sorted(METHODS)
['constant_width', 'one_layer', 'two_layer']
>>> METHODS["one_layer"]([[0.5], [-0.5]], [1, 2]).network.widths
[4]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proofs.baselines.constant_width import constant_width
from proofs.baselines.one_layer import one_layer
from proofs.baselines.result import BaselineConstruction
from proofs.baselines.two_layer import two_layer

__all__ = ["METHODS", "BaselineConstruction", "one_layer", "two_layer", "constant_width"]

#: Method name -> builder ``(X, y, *, width, depth, params, seed, progress)``.
METHODS: dict[str, Callable[..., Any]] = {
    "one_layer": one_layer,
    "two_layer": two_layer,
    "constant_width": constant_width,
}
