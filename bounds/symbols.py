"""Problem symbols and a validated memorization problem.

The symbols are the letters every bound is written in: ``N`` points, input
dimension ``d``, ``C`` classes, separation ``delta``, width ``W`` (largest
hidden layer), depth ``L`` (number of hidden layers), ``b`` bits per weight
and ``P`` parameters (by default those of the dense network,
:func:`dense_params`). :class:`Problem` holds one concrete ``(N, delta, d, C)``
and refuses values no data set can have.

Examples
--------
>>> from bounds.symbols import Problem, dense_params, W, L, d
>>> Problem(N=100, delta=0.1, d=2, C=3)
Problem(N=100, delta=0.1, d=2, C=3)
>>> dense_params(W, L, d).expand()
L*W**2 + L*W - W**2 + W*d + W + 1
>>> dense_params(4, 2, 3)
41
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import sympy

from bounds.errors import ParameterError

__all__ = [
    "N",
    "d",
    "C",
    "delta",
    "W",
    "L",
    "b",
    "P",
    "SYMBOLS",
    "Problem",
    "dense_params",
    "as_size",
    "max_separated_points",
]

N = sympy.Symbol("N", positive=True, integer=True)
d = sympy.Symbol("d", positive=True, integer=True)
C = sympy.Symbol("C", positive=True, integer=True)
delta = sympy.Symbol("delta", positive=True)
W = sympy.Symbol("W", positive=True, integer=True)
L = sympy.Symbol("L", positive=True, integer=True)
b = sympy.Symbol("b", positive=True, integer=True)
P = sympy.Symbol("P", positive=True, integer=True)

#: The symbols in the fixed order used by every lambdified bound.
SYMBOLS: tuple[sympy.Symbol, ...] = (N, d, C, delta, W, L, b, P)


def dense_params(width: Any, depth: Any, dim: Any) -> Any:
    """Weights and biases of the dense network ``dim -> width^depth -> 1``.

    ``width * (dim + 1)`` for the first hidden layer, ``width * (width + 1)``
    for each further one, ``width + 1`` for the scalar output. Works on ints,
    numpy arrays and sympy expressions alike.

    Examples
    --------
    >>> dense_params(1, 1, 1)
    4
    """
    return width * (dim + 1) + (depth - 1) * width * (width + 1) + width + 1


def as_size(name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` as an ``int >= minimum`` or raise :class:`ParameterError`.

    Integral floats such as ``3.0`` are accepted; ``2.5``, booleans, strings
    and NaN are not.

    Examples
    --------
    >>> as_size("N", 5.0)
    5
    >>> as_size("N", 2.5)
    Traceback (most recent call last):
    ...
    bounds.errors.ParameterError: N must be an integer, got 2.5; give a whole number such as 2
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif math.isfinite(float(value)) and float(value).is_integer():
        out = int(float(value))
    else:
        hint = f"; give a whole number such as {math.floor(value)}" if math.isfinite(value) else ""
        raise ParameterError(f"{name} must be an integer, got {value!r}{hint}")
    if out < minimum:
        raise ParameterError(f"{name} must be at least {minimum}, got {out}")
    return out


def max_separated_points(delta_value: float, dim: int) -> float:
    """Volume-packing cap ``(1 + 2/delta)^d`` on delta-separated points in the unit ball.

    Balls of radius ``delta/2`` around the points are disjoint and lie in the
    ball of radius ``1 + delta/2``; comparing volumes gives the cap. Returns
    ``inf`` when the cap overflows a float.

    Examples
    --------
    >>> max_separated_points(1.0, 2)
    9.0
    """
    log_cap = dim * math.log1p(2.0 / delta_value)
    return (1.0 + 2.0 / delta_value) ** dim if log_cap < 700 else math.inf


@dataclass(frozen=True)
class Problem:
    """``N`` points in the unit ball of ``R^d``, pairwise ``>= delta`` apart, ``C`` classes.

    Raises :class:`~bounds.errors.ParameterError` for ``N < 1``, ``d < 1``,
    ``C < 2``, non-integer sizes, ``delta`` outside ``(0, 2]``, and for more
    points than the volume-packing cap :func:`max_separated_points` allows.

    Examples
    --------
    >>> Problem(N=10, delta=3.0, d=2, C=2)
    Traceback (most recent call last):
    ...
    bounds.errors.ParameterError: delta must satisfy 0 < delta <= 2 (points lie in the unit ball), got 3.0
    >>> Problem(N=1000, delta=1.0, d=2, C=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bounds.errors.ParameterError: no 1000 points ... at most (1 + 2/delta)^d = 9 fit; lower N or delta, ...
    """

    N: int
    delta: float
    d: int
    C: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "N", as_size("N", self.N))
        object.__setattr__(self, "d", as_size("d", self.d))
        object.__setattr__(self, "C", as_size("C (number of classes)", self.C, minimum=2))
        dv = self.delta
        if isinstance(dv, bool) or not isinstance(dv, numbers.Real) or not math.isfinite(float(dv)):
            raise ParameterError(f"delta must be a finite real number, got {dv!r}")
        dv = float(dv)
        if not 0.0 < dv <= 2.0:
            raise ParameterError(
                f"delta must satisfy 0 < delta <= 2 (points lie in the unit ball), got {self.delta!r}"
            )
        object.__setattr__(self, "delta", dv)
        cap = max_separated_points(dv, self.d)
        if self.N > cap * (1 + 1e-12):
            raise ParameterError(
                f"no {self.N} points in the unit ball of R^{self.d} are pairwise >= {dv} apart: "
                f"at most (1 + 2/delta)^d = {cap:.6g} fit; lower N or delta, or raise d"
            )

    @property
    def collinear_possible(self) -> bool:
        """Whether ``N`` collinear delta-separated points fit (``N <= 2/delta + 1``)."""
        return (self.N - 1) * self.delta <= 2.0 * (1 + 1e-12)
