"""What every bound implies for one problem and one given size (``bounds.query``).

Give the problem ``(N, delta, d, C)`` and one of ``width``, ``depth`` or
``params``; the result lists, for each bound of the catalogue, the least depth
(for a width), least width (for a depth) or least parameter count it implies,
and the gap ratio between our construction and the best explicit lower bound.
Asymptotic bounds are listed with their statement, never with a number.

Examples
--------
>>> from bounds.queries import query
>>> res = query(N=1000, delta=0.002, d=2, C=2, width=8)
>>> res.solves_for
'depth'
>>> res.value("line-regions"), res.value("vc-recursion")
(3.0, 2.0)
>>> res.value("yang-yang-lower") is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bounds.catalogue import CATALOGUE
from bounds.errors import ParameterError
from bounds.statement import Bound, fmt_number
from bounds.symbols import Problem, as_size
from bounds.tradeoff import least_depth, least_params, least_width, our_sizes

__all__ = ["Row", "QueryResult", "query", "sweep"]

_SOLVES = {"width": "depth", "depth": "width", "params": "params"}


@dataclass(frozen=True)
class Row:
    """One bound's answer: ``value`` is the implied least size, ``None`` if asymptotic."""

    bound: Bound
    value: float | None
    applicable: bool = True
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The value as shown in tables."""
        if not self.bound.explicit:
            return "asymptotic"
        if not self.applicable or self.value is None or math.isnan(self.value):
            return "n/a"
        if self.bound.direction.value == "sufficient" and math.isinf(self.value):
            return "none"
        return fmt_number(self.value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``inf`` as the string ``"inf"``, missing as ``null``)."""
        bd = self.bound
        value: Any = self.value
        if value is not None and math.isnan(value):
            value = None
        elif value is not None and math.isinf(value):
            value = "inf"
        return {
            "key": bd.key,
            "title": bd.title,
            "direction": bd.direction.value,
            "status": bd.status.value,
            "quantity": bd.quantity,
            "value": value,
            "applicable": self.applicable,
            "statement": bd.statement(),
            "latex": bd.latex(),
            "relation": bd.relation,
            "source": bd.source.citation,
            "year": bd.source.year,
            "tag": bd.source.tag,
            "docs": bd.source.docs,
            "condition": bd.condition,
            "setting": bd.setting,
            "note": bd.note,
            **({"detail": self.detail} if self.detail else {}),
        }


@dataclass(frozen=True)
class QueryResult:
    """The answer of :func:`query`; renders as a rich table and as LaTeX."""

    problem: Problem
    given: str
    given_value: int
    rows: list[Row]
    ours: dict[str, Any] | None
    ours_reason: str
    best_lower: Row | None
    best_upper: Row | None
    gap_ratio: float | None
    gap_note: str

    @property
    def solves_for(self) -> str:
        """The size each row's value is: ``depth``, ``width`` or ``params``."""
        return _SOLVES[self.given]

    def row(self, key: str) -> Row:
        """The row of the bound ``key``."""
        for r in self.rows:
            if r.bound.key == key:
                return r
        raise ParameterError(f"no row {key!r}; rows: {', '.join(r.bound.key for r in self.rows)}")

    def value(self, key: str) -> float | None:
        """The implied least size of bound ``key`` (``None`` if asymptotic)."""
        return self.row(key).value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        p = self.problem
        return {
            "problem": {"N": p.N, "delta": p.delta, "d": p.d, "C": p.C},
            "given": {self.given: self.given_value},
            "solves_for": self.solves_for,
            "rows": [r.to_dict() for r in self.rows],
            "ours": self.ours,
            "ours_reason": self.ours_reason or None,
            "best_lower": self.best_lower.bound.key if self.best_lower else None,
            "best_upper": self.best_upper.bound.key if self.best_upper else None,
            "gap_ratio": self.gap_ratio,
            "gap_note": self.gap_note,
        }

    def title(self) -> str:
        """One line naming the problem and the question."""
        p = self.problem
        return (
            f"N={p.N}, delta={p.delta:g}, d={p.d}, C={p.C}, {self.given}={self.given_value}: "
            f"least {self.solves_for} implied by each bound"
        )

    def summary(self) -> str:
        """The gap sentence."""
        if self.gap_ratio is None:
            return f"gap ratio: not available ({self.gap_note})"
        return f"gap ratio {self.gap_ratio:.4g}: {self.gap_note}"

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title=self.title(), title_justify="left")
        for name in ("bound", "direction", "status", f"least {self.solves_for}", "statement", "source"):
            table.add_column(name, overflow="fold")
        for r in self.rows:
            bd = r.bound
            src = f"{bd.source.label} {bd.source.tag}"
            table.add_row(bd.title, bd.direction.value, bd.status.value, r.text, bd.statement(), src)
        notes = [f"{r.bound.key}: {r.bound.note}" for r in self.rows if r.bound.note]
        notes += [f"{r.bound.key}: setting: {r.bound.setting}" for r in self.rows if r.bound.setting]
        parts: list[Any] = [table, Text(self.summary(), style="bold")]
        if self.ours_reason:
            parts.append(Text(f"our construction: {self.ours_reason}"))
        parts.append(Text("notes:\n  " + "\n  ".join(notes)))
        return Group(*parts)

    def _repr_latex_(self) -> str:
        lines = [
            r"\begin{array}{llll}",
            r"\text{bound} & \text{status} & \text{least "
            + self.solves_for
            + r"} & \text{statement} \\ \hline",
        ]
        for r in self.rows:
            lines.append(
                rf"\text{{{r.bound.title}}} & \text{{{r.bound.status.value}}} & "
                rf"\text{{{r.text}}} & {r.bound.latex()} \\"
            )
        lines.append(r"\end{array}")
        return "$$" + "\n".join(lines) + "$$"


def _given(width: Any, depth: Any, params: Any) -> tuple[str, int]:
    given = [(k, v) for k, v in (("width", width), ("depth", depth), ("params", params)) if v is not None]
    if len(given) != 1:
        names = ", ".join(k for k, _ in given) or "none"
        raise ParameterError(f"give exactly one of width, depth or params (got {names})")
    key, value = given[0]
    return key, as_size(key, value)


def _solve(bound: Bound, problem: Problem, given: str, value: int) -> float:
    base = {"N": problem.N, "d": problem.d, "C": problem.C, "delta": problem.delta}
    if given == "width":
        return float(least_depth(bound, **base, W=value))
    if given == "depth":
        return float(least_width(bound, **base, L=value))
    return least_params(bound, problem)


def query(
    N: Any,
    delta: Any,
    d: Any,
    C: Any,
    *,
    width: Any = None,
    depth: Any = None,
    params: Any = None,
    bounds: list[Bound] | None = None,
) -> QueryResult:
    """What each bound implies for ``N`` points, separation ``delta``, dimension ``d``, ``C`` classes.

    Give exactly one of ``width`` (rows are least depths), ``depth`` (least
    widths) or ``params`` (least dense parameter counts over all ``(W, L)``).

    Raises
    ------
    ParameterError
        For invalid problems (see :class:`~bounds.symbols.Problem`) or sizes.
    """
    problem = Problem(N=N, delta=delta, d=d, C=C)
    given, value = _given(width, depth, params)
    ours, reason = our_sizes(problem, **{given: value})
    rows: list[Row] = []
    for bound in bounds if bounds is not None else CATALOGUE:
        if not bound.explicit:
            rows.append(Row(bound, None))
        elif bound.key == "ours":
            rows.append(_our_row(bound, ours, given))
        elif not bound.is_applicable(N=problem.N, delta=problem.delta, d=problem.d, C=problem.C):
            rows.append(Row(bound, float("nan"), applicable=False))
        else:
            rows.append(Row(bound, _solve(bound, problem, given, value)))
    lowers = [r for r in rows if _usable(r) and r.bound.necessary]
    uppers = [r for r in rows if _usable(r) and not r.bound.necessary and not math.isinf(r.value or 0)]
    best_lower = max(lowers, key=lambda r: r.value or 0.0, default=None)
    best_upper = min(uppers, key=lambda r: r.value or 0.0, default=None)
    gap, note = _gap(problem, given, value, best_lower, best_upper, ours, lowers)
    return QueryResult(problem, given, value, rows, ours, reason, best_lower, best_upper, gap, note)


def _usable(row: Row) -> bool:
    bd = row.bound
    return (
        bd.explicit
        and row.applicable
        and not bd.setting
        and row.value is not None
        and not math.isnan(row.value)
    )


def _our_row(bound: Bound, ours: dict[str, Any] | None, given: str) -> Row:
    if ours is None:
        return Row(bound, float("nan"), applicable=False)
    key = {"width": "depth", "depth": "width", "params": "params"}[given]
    detail: dict[str, Any] = {
        k: ours[k] for k in ("width", "depth", "params", "nonzeros", "max_bits", "regime") if k in ours
    }
    return Row(bound, float(ours[key]), detail=detail)


def _gap(
    problem: Problem,
    given: str,
    value: int,
    best_lower: Row | None,
    best_upper: Row | None,
    ours: dict[str, Any] | None,
    lowers: list[Row],
) -> tuple[float | None, str]:
    if best_lower is None or best_upper is None or not best_lower.value:
        return None, "needs an explicit upper and an explicit lower bound"
    up = float(best_upper.value or 0.0)
    low = float(best_lower.value)
    where = f"{given} {value}"
    if best_upper.bound.key == "ours" and ours is not None and given != "params":
        # compare at the size we actually built
        built = int(ours["width" if given == "width" else "depth"])
        if built != value:
            low = max(_solve(r.bound, problem, given, built) for r in lowers)
            where = f"{given} {built} (built)"
    if math.isinf(low):
        return None, "the lower bound exceeds every size searched"
    what = _SOLVES[given]
    lower_name = best_lower.bound.title if low == best_lower.value else "the best explicit lower bound"
    return up / low, (
        f"{best_upper.bound.title} needs {what} {fmt_number(up)}, {lower_name} "
        f"at least {fmt_number(low)}, at {where}"
    )


def sweep(bound: Bound, **arrays: Any) -> np.ndarray:
    """Vectorized least depth (given ``W``) or least width (given ``L``) over arrays of points.

    Pass arrays for ``N, d, C, delta`` and one of ``W`` or ``L``; they
    broadcast. Problems are not validated point by point: check the ranges first.

    Examples
    --------
    >>> from bounds.lower import LINE_REGIONS
    >>> sweep(LINE_REGIONS, N=[11, 101], d=2, C=2, delta=0.01, W=1).tolist()
    [3.0, 6.0]
    """
    if ("W" in arrays) == ("L" in arrays):
        raise ParameterError("sweep needs exactly one of W (for least depth) or L (for least width)")
    if "W" in arrays:
        return least_depth(bound, **arrays)
    return least_width(bound, **arrays)
