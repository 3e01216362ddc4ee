"""Bounds as objects: a sympy statement with its direction, status and source.

A :class:`Bound` states ``lhs >= rhs`` (explicit) or ``lhs = Omega(rhs)`` /
``O(rhs)`` / ``Theta(rhs)`` (asymptotic) in the symbols of
:mod:`bounds.symbols`. A *necessary* bound holds for every network that
memorizes every delta-separated labeled N-set; a *sufficient* one guarantees
such a network exists. Bounds whose constant is unknown are never evaluated
as numbers: :meth:`Bound.margin` raises :class:`~bounds.errors.AsymptoticBoundError`.

Examples
--------
>>> from bounds.statement import Bound, Direction, Source, Status
>>> from bounds.symbols import N, W, L
>>> bd = Bound("toy", "toy bound", "W^2 L^2", Direction.NECESSARY, Status.DERIVED,
...            W**2 * L**2, N / 2, source=Source("our docs", docs="docs/theory/lower.md"))
>>> bd.latex()
'L^{2} W^{2} \\\\geq \\\\frac{N}{2}'
>>> float(bd.margin(N=8, W=1, L=2))
0.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import sympy

from bounds.errors import AsymptoticBoundError, ParameterError
from bounds.symbols import SYMBOLS, dense_params

__all__ = ["Direction", "Status", "Source", "Bound", "RELATIONS", "fmt_number"]

#: Relations a bound may state, with their LaTeX form.
RELATIONS = {">=": r"\geq", "Omega": r"\Omega", "O": r"O", "Theta": r"\Theta", "O~": r"\tilde{O}"}


class Direction(Enum):
    """Whether a bound is necessary (lower) or sufficient (upper) for memorization."""

    NECESSARY = "necessary"
    SUFFICIENT = "sufficient"


class Status(Enum):
    """How much of a bound's constant is known."""

    EXPLICIT = "explicit"
    DERIVED = "derived here"
    ASYMPTOTIC = "asymptotic, constant unknown"


@dataclass(frozen=True)
class Source:
    """Where a bound comes from: a paper's theorem, or our proof in ``docs/theory``.

    ``tag`` is the verification tag of ``THEORY``: ``[V abstract]``,
    ``[V full text]``, ``[U]`` or ``[OURS]``.
    """

    citation: str
    year: int | None = None
    tag: str = "[OURS]"
    url: str | None = None
    docs: str | None = None
    short: str = ""

    @property
    def label(self) -> str:
        """A short label for tables: ``short`` if given, else the citation."""
        return self.short or self.citation

    def __str__(self) -> str:
        parts = [self.citation]
        if self.year is not None and str(self.year) not in self.citation:
            parts.append(str(self.year))
        parts.append(self.tag)
        if self.docs:
            parts.append(f"proof: {self.docs}")
        return ", ".join(parts)


NumericTest = Callable[..., np.ndarray]


@dataclass(frozen=True, eq=False)
class Bound:
    """One statement about memorization capacity.

    Parameters
    ----------
    key : str
        Short identifier, e.g. ``"vc-recursion"``.
    title : str
        Human name.
    quantity : str
        What is bounded: ``"depth"``, ``"width"``, ``"parameters"``, ``"W^2 L^2"``,
        ``"VC dimension"``.
    direction : Direction
    status : Status
    lhs, rhs : sympy.Expr
        The statement reads ``lhs >= rhs``, or ``lhs = relation(rhs)``.
    relation : str
        One of :data:`RELATIONS`.
    source : Source
    condition : str
        When the bound applies, in words (empty: always).
    applies : sympy.Boolean or None
        The same condition as a sympy boolean, evaluated numerically.
    note : str
        A caveat printed with the bound wherever it is shown.
    setting : str
        Non-empty when the result is for another setting (other activations,
        approximate fitting, one-dimensional inputs, ...); such bounds are
        shown but never used for gap ratios.
    numeric : callable or None
        A vectorized ``numeric(N, d, C, delta, W, L, b) -> margin`` replacing
        ``lhs - rhs`` when the statement is a recursion, not a closed form.
    """

    key: str
    title: str
    quantity: str
    direction: Direction
    status: Status
    lhs: sympy.Expr
    rhs: sympy.Expr
    relation: str = ">="
    source: Source = field(default_factory=lambda: Source("unknown", tag="[U]"))
    condition: str = ""
    applies: Any = None
    note: str = ""
    setting: str = ""
    numeric: NumericTest | None = None
    _fns: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ParameterError(f"relation must be one of {sorted(RELATIONS)}, got {self.relation!r}")
        if (self.relation == ">=") == (self.status is Status.ASYMPTOTIC):
            raise ParameterError(
                f"bound {self.key!r}: explicit bounds use '>=', asymptotic ones Omega/O/Theta"
            )

    @property
    def explicit(self) -> bool:
        """True when every constant is known, so the bound may be evaluated."""
        return self.status is not Status.ASYMPTOTIC

    @property
    def necessary(self) -> bool:
        """True for lower bounds (necessary conditions)."""
        return self.direction is Direction.NECESSARY

    # -- display ---------------------------------------------------------
    def statement(self) -> str:
        """The statement in plain text."""
        if self.relation == ">=":
            return f"{sympy.sstr(self.lhs)} >= {sympy.sstr(self.rhs)}"
        return f"{sympy.sstr(self.lhs)} = {self.relation}({sympy.sstr(self.rhs)})"

    def latex(self) -> str:
        """The statement in LaTeX, by sympy's printer."""
        lhs, rhs = sympy.latex(self.lhs), sympy.latex(self.rhs)
        if self.relation == ">=":
            return f"{lhs} \\geq {rhs}"
        return f"{lhs} = {RELATIONS[self.relation]}\\left({rhs}\\right)"

    def _repr_latex_(self) -> str:
        cond = rf"\quad\text{{({_tex_text(self.condition)})}}" if self.condition else ""
        return f"$\\displaystyle {self.latex()}{cond}$"

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(title=self.title, show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        table.add_row("statement", self.statement())
        table.add_row("bounds", f"{self.quantity} ({self.direction.value})")
        table.add_row("status", self.status.value)
        table.add_row("source", str(self.source))
        if self.condition:
            table.add_row("applies when", self.condition)
        if self.setting:
            table.add_row("setting", self.setting)
        if self.note:
            table.add_row("note", self.note)
        return table

    def __repr__(self) -> str:
        return f"Bound({self.key!r}: {self.statement()}, {self.direction.value}, {self.status.value})"

    # -- numbers ---------------------------------------------------------
    def _require_explicit(self) -> None:
        if not self.explicit:
            raise AsymptoticBoundError(
                f"bound {self.key!r} ({self.statement()}) has an unknown constant; it is "
                "shown and compared only asymptotically, never evaluated as a number"
            )

    def margin(self, **values: Any) -> np.ndarray:
        """``lhs - rhs`` at the given values (arrays broadcast); ``>= 0`` means it holds.

        Symbols not given default to ``nan`` so a missing value shows up as
        ``nan`` instead of a silent number.
        """
        self._require_explicit()
        args = _args(values)
        if self.numeric is not None:
            return np.asarray(self.numeric(*args), dtype=float)
        fn = self._fn("margin", lambda: sympy.lambdify(SYMBOLS, self.lhs - self.rhs, "numpy"))
        return np.asarray(fn(*args), dtype=float)

    def holds(self, **values: Any) -> np.ndarray:
        """Whether the statement holds; a necessary one is given a relative 1e-12 of slack."""
        self._require_explicit()
        if self.numeric is not None:
            return self.margin(**values) >= 0
        args = _args(values)
        lhs = self._fn("lhs", lambda: sympy.lambdify(SYMBOLS, self.lhs, "numpy"))
        rhs = self._fn("rhs", lambda: sympy.lambdify(SYMBOLS, self.rhs, "numpy"))
        lv = np.asarray(lhs(*args), dtype=float)
        rv = np.asarray(rhs(*args), dtype=float)
        slack = 1e-12 * np.maximum(np.abs(rv), 1.0)
        ok = lv >= rv - slack if self.necessary else lv >= rv  # sufficient: exact
        return np.asarray(ok)

    def is_applicable(self, **values: Any) -> np.ndarray:
        """Whether :attr:`applies` holds at the values (always true without a condition)."""
        if self.applies is None:
            shape = np.broadcast(*[np.asarray(v) for v in values.values()]).shape if values else ()
            return np.ones(shape, dtype=bool)
        fn = self._fn("applies", lambda: sympy.lambdify(SYMBOLS, self.applies, "numpy"))
        args = _args(values)
        return np.asarray(fn(*args), dtype=bool)

    def _fn(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._fns:
            self._fns[name] = make()
        return self._fns[name]

    def value(self, **values: Any) -> float:
        """``lhs - rhs`` at one point, by sympy substitution (slow; the sweep baseline)."""
        self._require_explicit()
        subs = {s: sympy.nsimplify(values[s.name]) for s in SYMBOLS if s.name in values}
        out = (self.lhs - self.rhs).subs(subs).evalf()
        try:
            return float(out)
        except TypeError as err:
            missing = sorted(str(s) for s in out.free_symbols)
            raise ParameterError(f"bound {self.key!r} needs values for {', '.join(missing)}") from err


def _args(values: dict[str, Any]) -> list[np.ndarray]:
    """Numeric arguments in :data:`SYMBOLS` order; ``P`` defaults to the dense count."""
    out = {s.name: np.asarray(values.get(s.name, np.nan), dtype=float) for s in SYMBOLS}
    if "P" not in values:
        out["P"] = np.asarray(dense_params(out["W"], out["L"], out["d"]), dtype=float)
    return [out[s.name] for s in SYMBOLS]


def _tex_text(text: str) -> str:
    for ch in "\\{}$&%#_^~":
        text = text.replace(ch, "" if ch in "\\{}" else f"\\{ch}" if ch not in "^~" else " ")
    return text


def fmt_number(x: float) -> str:
    """A compact decimal for tables: integers exactly, others to 4 significant digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "inf"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"
