"""The affine part of a layer on a batch held as a numpy array (int64 or object).

A batch is an ``(N, n_in)`` array of numerators ``a`` with one denominator per
row ``den``; the layer gives the numerators ``a W^T + den b^T`` over
``den * q``. The bias is handled as one more input column holding ``den``, so
a layer is one product ``[a | den] [W | b]^T``. Sparse layers are multiplied
triplet by triplet in blocks of rows (gather the used columns, multiply by the
nonzero weights, add up each row's run of triplets with ``np.add.reduceat``),
so zeros cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from proofs.network import AffineLayer

__all__ = ["LayerPlan", "plan_layer", "affine", "augment", "is_dense"]

_BLOCK = 1 << 16  # entries of one temporary (rows x nonzeros) block


def is_dense(layer: AffineLayer, density: float = 0.25) -> bool:
    """True when at least ``density`` of the weight matrix is nonzero.

    >>> from proofs.network import AffineLayer
    >>> is_dense(AffineLayer.from_dense([[1, 0], [0, 0]], [0, 0]))
    True
    """
    return layer.nnz >= density * layer.n_out * layer.n_in


@dataclass(frozen=True)
class LayerPlan:
    """A layer's nonzero weights and biases as sorted triplets of ``[W | b]``.

    ``nums`` hold the backend's element type; ``starts`` index the first
    triplet of each row that has any, ``used`` those rows.
    """

    n_out: int
    n_in: int
    rows: np.ndarray
    cols: np.ndarray
    nums: np.ndarray
    starts: np.ndarray
    used: np.ndarray

    def dense_t(self, dtype: Any = object) -> np.ndarray:
        """The ``(n_in + 1, n_out)`` matrix ``[W | b]^T``, zeros where nothing is stored."""
        out = np.zeros((self.n_in + 1, self.n_out), dtype=dtype)
        out[self.cols, self.rows] = self.nums
        return out


def plan_layer(layer: AffineLayer, convert: Callable[[Any], Any] = int) -> LayerPlan:
    """Triplets of ``[W | b]`` (bias in column ``n_in``), numerators mapped by ``convert``.

    >>> from proofs.network import AffineLayer
    >>> p = plan_layer(AffineLayer.from_dense([[1, 0], [0, 0]], [0, 5]))
    >>> p.rows.tolist(), p.cols.tolist(), p.nums.tolist(), p.used.tolist()
    ([0, 1], [0, 2], [1, 5], [0, 1])
    """
    brows = np.flatnonzero([int(b) != 0 for b in layer.bias]).astype(np.int64)
    rows = np.concatenate([layer.rows, brows]).astype(np.int64)
    cols = np.concatenate([layer.cols, np.full(len(brows), layer.n_in, dtype=np.int64)])
    values = [*layer.nums, *(layer.bias[r] for r in brows.tolist())]
    order = np.lexsort((cols, rows))
    nums = np.empty(len(values), dtype=object)
    nums[:] = [convert(int(values[k])) for k in order.tolist()]
    rows, cols = rows[order], cols[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, np.int64)
    return LayerPlan(layer.n_out, layer.n_in, rows, cols, nums, starts, rows[starts])


def augment(a: np.ndarray, den: np.ndarray) -> np.ndarray:
    """The batch with its denominators as one more column: ``[a | den]``."""
    return np.concatenate([a, den.reshape(-1, 1)], axis=1)


def affine(a: np.ndarray, den: np.ndarray, plan: LayerPlan, dense_t: np.ndarray | None = None) -> np.ndarray:
    """Numerators ``a W^T + den b^T`` of the layer's output (before ReLU).

    With ``dense_t`` (from :meth:`LayerPlan.dense_t`) the product is one dense
    matrix product; without it the product runs over the stored triplets only.
    The result has the dtype of ``a``.

    Examples
    --------
    >>> from proofs.network import AffineLayer
    >>> p = plan_layer(AffineLayer.from_dense([[1, 2], [0, 0], [0, -1]], [1, 1, 0]))
    >>> a, den = np.array([[3, 4]]), np.array([2])
    >>> affine(a, den, p).tolist(), affine(a, den, p, p.dense_t(np.int64)).tolist()
    ([[13, 2, -4]], [[13, 2, -4]])
    """
    aug = augment(a, den)
    if dense_t is not None:
        return aug @ dense_t
    n = a.shape[0]
    out = np.zeros((n, plan.n_out), dtype=a.dtype)
    if len(plan.nums):
        nums = plan.nums.astype(a.dtype)
        step = max(1, _BLOCK // len(plan.nums))
        for s in range(0, n, step):
            prod = aug[s : s + step, plan.cols] * nums
            out[s : s + step, plan.used] = np.add.reduceat(prod, plan.starts, axis=1)
    return out
