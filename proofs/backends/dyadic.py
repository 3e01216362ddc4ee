"""ReLU and the per-row power-of-two reduction shared by the big-integer backends.

Row ``i`` of a batch is ``a[i] / den[i]``. Dividing ``a[i]`` and ``den[i]`` by
the largest power of two that divides all of them changes no rational value;
with dyadic weights (power-of-two denominators) it keeps the integers short,
for example a step gadget's output ``den / den`` becomes ``1 / 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["relu", "reduce_pow2", "trailing_zeros"]


def trailing_zeros(v: Any) -> int:
    """Exponent of the largest power of two dividing a nonzero integer.

    Works for Python, gmpy2 and flint integers alike.

    >>> trailing_zeros(12), trailing_zeros(-8), trailing_zeros(1)
    (2, 3, 0)
    """
    return int((v & -v).bit_length()) - 1


def relu(z: np.ndarray) -> np.ndarray:
    """Entry-wise ``max(z, 0)``.

    >>> relu(np.array([[-2, 3]], dtype=object)).tolist()
    [[0, 3]]
    """
    return np.maximum(z, 0)


def reduce_pow2(a: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide each row and its (positive) denominator by their common power of two.

    Examples
    --------
    >>> a = np.array([[4, 0], [6, 3]], dtype=object)
    >>> den = np.array([8, 2], dtype=object)
    >>> a2, d2 = reduce_pow2(a, den)
    >>> a2.tolist(), d2.tolist()
    ([[1, 0], [6, 3]], [2, 2])
    """
    acc = np.bitwise_or.reduce(a, axis=1) | den  # nonzero because den > 0
    shift = np.array([trailing_zeros(v) for v in acc], dtype=object)
    if not any(shift):
        return a, den
    return a >> shift[:, None], den >> shift
