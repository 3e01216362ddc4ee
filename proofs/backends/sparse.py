"""The affine part of a layer on a batch held as a numpy array (int64 or object).

A batch is an ``(N, n_in)`` array of numerators ``a`` with one denominator per
row ``den``; the layer gives the numerators ``a W^T + den b^T`` over
``den * q``. Sparse layers are multiplied triplet by triplet in blocks of rows
(gather the used columns, multiply by the nonzero weights, add up each row's
run of triplets with ``np.add.reduceat``), so zeros cost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from proofs.network import AffineLayer

__all__ = ["affine", "dense_weight", "is_dense"]

_BLOCK = 1 << 16  # entries of one temporary (rows x nonzeros) block


def is_dense(layer: AffineLayer, density: float = 0.25) -> bool:
    """True when at least ``density`` of the weight matrix is nonzero.

    >>> from proofs.network import AffineLayer
    >>> is_dense(AffineLayer.from_dense([[1, 0], [0, 0]], [0, 0]))
    True
    """
    return layer.nnz >= density * layer.n_out * layer.n_in


def dense_weight(layer: AffineLayer, nums: np.ndarray) -> np.ndarray:
    """The ``(n_in, n_out)`` transposed weight matrix holding ``nums`` (zeros elsewhere).

    >>> from proofs.network import AffineLayer
    >>> layer = AffineLayer.from_dense([[1, 0], [0, -2]], [0, 0])
    >>> dense_weight(layer, layer.nums).tolist()
    [[1, 0], [0, -2]]
    """
    out = np.zeros((layer.n_in, layer.n_out), dtype=nums.dtype)
    out[layer.cols, layer.rows] = nums
    return out


def affine(
    a: np.ndarray,
    den: np.ndarray,
    layer: AffineLayer,
    nums: np.ndarray,
    bias: np.ndarray,
    weight_t: np.ndarray | None = None,
) -> np.ndarray:
    """Numerators ``a W^T + den b^T`` of the layer's output (before ReLU).

    ``nums`` and ``bias`` are the layer's numerators in the batch's element type
    (int64, or objects such as gmpy2 or flint integers). With ``weight_t`` (from
    :func:`dense_weight`) the product is one dense matrix product; without it
    the product runs over the stored triplets only.

    Examples
    --------
    >>> from proofs.network import AffineLayer
    >>> layer = AffineLayer.from_dense([[1, 2], [0, 0], [0, -1]], [1, 1, 0])
    >>> a, den = np.array([[3, 4]]), np.array([2])
    >>> affine(a, den, layer, layer.nums, layer.bias).tolist()
    [[13, 2, -4]]
    """
    n = a.shape[0]
    if weight_t is not None:
        out = a @ weight_t
    else:
        out = np.zeros((n, layer.n_out), dtype=a.dtype)
        if layer.nnz:
            rows, cols = layer.rows, layer.cols
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            used = rows[starts]
            step = max(1, _BLOCK // layer.nnz)
            for s in range(0, n, step):
                prod = a[s : s + step, cols] * nums
                out[s : s + step, used] = np.add.reduceat(prod, starts, axis=1)
    if any(int(b) != 0 for b in layer.bias):
        out = out + den[:, None] * bias[None, :]
    return out
