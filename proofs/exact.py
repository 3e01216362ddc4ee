"""Exact conversion of inputs and exact network outputs.

Every finite float64 is a dyadic rational ``m * 2**e``. :func:`exact_inputs`
writes each row of a batch as integer numerators over one power-of-two
denominator (the least one for that row), without rounding anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from proofs.errors import DataError

__all__ = ["ExactInputs", "ExactOutputs", "exact_inputs"]


@dataclass(frozen=True, eq=False)
class ExactInputs:
    """A batch of rational inputs: row ``i`` is ``nums[i] / dens[i]``.

    ``nums`` has shape ``(N, d)``, ``dens`` shape ``(N,)``; both are int64 when
    the values fit, else object arrays of Python ints. ``dens`` are positive.
    """

    nums: np.ndarray
    dens: np.ndarray

    def __post_init__(self) -> None:
        if self.nums.ndim != 2 or self.dens.shape != (self.nums.shape[0],):
            raise DataError(
                "numerators must be (N, d) and denominators (N,), "
                f"got {self.nums.shape} and {self.dens.shape}"
            )
        bad = [i for i, q in enumerate(self.dens.tolist()) if int(q) <= 0]
        if bad:
            raise DataError(f"denominators must be positive; rows {bad[:10]} are not")

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.nums.shape[0]), int(self.nums.shape[1]))

    def as_fractions(self) -> list[list[Fraction]]:
        return [
            [Fraction(int(v), int(q)) for v in row]
            for row, q in zip(self.nums, self.dens, strict=True)
        ]

    @classmethod
    def from_fractions(cls, rows: Any) -> ExactInputs:
        """Rows of rationals (anything :class:`~fractions.Fraction` accepts).

        >>> from fractions import Fraction as F
        >>> e = ExactInputs.from_fractions([[F(1, 3), F(1, 2)]])
        >>> e.nums.tolist(), e.dens.tolist()
        ([[2, 3]], [6])
        """
        fr = [[Fraction(v) for v in row] for row in rows]
        if not fr or not fr[0]:
            raise DataError("need at least one row with at least one coordinate")
        dens = []
        nums = []
        for row in fr:
            q = 1
            for v in row:
                q = q * v.denominator // _gcd(q, v.denominator)
            dens.append(q)
            nums.append([int(v * q) for v in row])
        return cls(_ints2d(nums), _ints1d(dens))


def _gcd(a: int, b: int) -> int:
    import math

    return math.gcd(a, b)


def _ints1d(values: list[int]) -> np.ndarray:
    if all(-(1 << 62) < v < (1 << 62) for v in values):
        return np.array(values, dtype=np.int64)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _ints2d(rows: list[list[int]]) -> np.ndarray:
    flat = [v for row in rows for v in row]
    n, d = len(rows), len(rows[0]) if rows else 0
    return _ints1d(flat).reshape(n, d)


def exact_inputs(inputs: Any) -> ExactInputs:
    """Convert a float64 array (or an :class:`ExactInputs`) to exact rationals.

    Raises :class:`~proofs.errors.DataError` for non-finite values or a shape
    that is not 2-D.

    Examples
    --------
    >>> e = exact_inputs([[0.5, -0.25], [3.0, 0.0]])
    >>> e.nums.tolist(), e.dens.tolist()
    ([[2, -1], [3, 0]], [4, 1])
    >>> e.as_fractions()[0]
    [Fraction(1, 2), Fraction(-1, 4)]
    """
    if isinstance(inputs, ExactInputs):
        return inputs
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise DataError(f"inputs must be a non-empty 2-D array (rows are points), got shape {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])[:10].tolist()
        raise DataError(f"inputs contain NaN or inf in rows {rows}; remove or replace them")
    m, e = np.frexp(x)
    mant = np.ldexp(m, 53).astype(np.int64)  # exact: |mant| < 2**53
    nz = mant != 0
    low = np.where(nz, mant & -mant, 1)
    tz = np.frexp(low.astype(np.float64))[1] - 1  # trailing zero bits
    odd = np.where(nz, mant >> tz, 0)
    exp2 = np.where(nz, e.astype(np.int64) - 53 + tz, 0)  # x = odd * 2**exp2
    k = np.maximum(0, np.max(np.where(nz, -exp2, 0), axis=1))  # row denominator 2**k
    shift = np.where(nz, exp2 + k[:, None], 0)
    obits = np.frexp(np.abs(odd).astype(np.float64))[1]  # bit length of |odd| (exact: < 2**53)
    if np.where(nz, obits + shift, 0).max(initial=0) <= 62 and k.max(initial=0) <= 61:
        nums = odd << shift
        dens = np.left_shift(np.int64(1), k)
        return ExactInputs(nums.astype(np.int64), dens.astype(np.int64))
    nums_o = np.empty(x.shape, dtype=object)
    for i in range(x.shape[0]):
        nums_o[i, :] = [int(o) << int(s) for o, s in zip(odd[i], shift[i], strict=True)]
    dens_o = np.empty(x.shape[0], dtype=object)
    dens_o[:] = [1 << int(v) for v in k]
    return ExactInputs(nums_o, dens_o)


@dataclass(frozen=True, eq=False)
class ExactOutputs:
    """Exact network outputs: row ``i`` is ``nums[i] / dens[i]`` with ``dens[i] > 0``.

    ``backend`` names the arithmetic that produced them.
    """

    nums: np.ndarray
    dens: np.ndarray
    backend: str

    def as_fractions(self) -> list[list[Fraction]]:
        return [
            [Fraction(int(v), int(q)) for v in row]
            for row, q in zip(self.nums, self.dens, strict=True)
        ]

    def matches(self, labels: Any) -> np.ndarray:
        """Boolean array: output ``i`` (single output) equals integer ``labels[i]`` exactly.

        >>> out = ExactOutputs(np.array([[6], [5]]), np.array([2, 2]), "python")
        >>> out.matches([3, 2]).tolist()
        [True, False]
        """
        y = [int(v) for v in np.asarray(labels).reshape(-1)]
        if self.nums.shape[1] != 1:
            raise DataError(f"matching labels needs one output, the network has {self.nums.shape[1]}")
        if len(y) != self.nums.shape[0]:
            raise DataError(f"{len(y)} labels for {self.nums.shape[0]} outputs")
        return np.array(
            [int(n) == lab * int(q) for n, q, lab in zip(self.nums[:, 0], self.dens, y, strict=True)],
            dtype=bool,
        )

    def same_as(self, other: ExactOutputs) -> bool:
        """Equal as rationals, entry by entry."""
        if self.nums.shape != other.nums.shape:
            return False
        for r1, q1, r2, q2 in zip(self.nums, self.dens, other.nums, other.dens, strict=True):
            for a, b in zip(r1, r2, strict=True):
                if int(a) * int(q2) != int(b) * int(q1):
                    return False
        return True
