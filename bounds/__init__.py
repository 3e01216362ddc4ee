"""memcap's symbolic side: bounds on memorization capacity as sympy statements.

The facade: :func:`query` (what every bound implies for one problem),
:class:`Bound` (one statement with its source and status), :data:`CATALOGUE`
(every bound), :class:`Problem` (validated ``N, delta, d, C``), and the
trade-off solvers :func:`least_depth` and :func:`least_width`. Names load on
first use, so ``import bounds.errors`` stays cheap for the command line.

Examples
--------
>>> import bounds
>>> res = bounds.query(N=1000, delta=0.002, d=2, C=2, width=8)
>>> res.value("line-regions")
3.0
>>> bounds.get("yang-yang-lower").relation
'Omega'
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "query",
    "sweep",
    "QueryResult",
    "Bound",
    "Direction",
    "Status",
    "Source",
    "Problem",
    "CATALOGUE",
    "get",
    "lower_bounds",
    "upper_bounds",
    "least_depth",
    "least_width",
    "least_params",
    "frontier",
]

_WHERE = {
    "query": "bounds.queries",
    "sweep": "bounds.queries",
    "QueryResult": "bounds.queries",
    "Bound": "bounds.statement",
    "Direction": "bounds.statement",
    "Status": "bounds.statement",
    "Source": "bounds.statement",
    "Problem": "bounds.symbols",
    "CATALOGUE": "bounds.catalogue",
    "get": "bounds.catalogue",
    "lower_bounds": "bounds.catalogue",
    "upper_bounds": "bounds.catalogue",
    "least_depth": "bounds.tradeoff",
    "least_width": "bounds.tradeoff",
    "least_params": "bounds.tradeoff",
    "frontier": "bounds.tradeoff",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bounds' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
