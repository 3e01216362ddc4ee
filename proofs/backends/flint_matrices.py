"""python-flint backend: dense layers as ``fmpz_mat`` products.

Dense layers multiply the batch (an ``fmpz_mat`` of N rows) by the transposed
weight matrix in FLINT; sparse layers go triplet by triplet on object arrays of
``fmpz``. Rows are reduced by their common power of two after each hidden
layer (:mod:`proofs.backends.dyadic`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from proofs.backends.dyadic import reduce_pow2, relu
from proofs.backends.sparse import affine, is_dense

try:
    import flint
except ImportError:  # optional at run time: the backend reports itself missing
    flint = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import AffineLayer, Network

__all__ = ["available", "missing", "evaluate"]


def available() -> bool:
    return flint is not None


def missing() -> str:
    return "" if available() else "python-flint is not installed (pip install python-flint)"


def _fmpz(values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    out.reshape(-1)[:] = [flint.fmpz(int(v)) for v in values.reshape(-1)]
    return out


def _ints(values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    out.reshape(-1)[:] = [int(v) for v in values.reshape(-1)]
    return out


def _dense_product(a: np.ndarray, layer: AffineLayer) -> np.ndarray:
    weight_t = [[0] * layer.n_out for _ in range(layer.n_in)]
    for r, c, w in zip(layer.rows.tolist(), layer.cols.tolist(), layer.nums, strict=True):
        weight_t[c][r] = int(w)
    prod = flint.fmpz_mat(a.tolist()) * flint.fmpz_mat(weight_t)
    out = np.empty((a.shape[0], layer.n_out), dtype=object)
    out[:, :] = prod.tolist()
    return out


def evaluate(net: Network, inputs: ExactInputs) -> tuple[Any, Any]:
    a = _fmpz(inputs.nums)
    den = _fmpz(inputs.dens)
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        bias = _fmpz(layer.bias)
        if is_dense(layer):
            z = _dense_product(a, layer)
            if any(int(b) != 0 for b in layer.bias):
                z = z + den[:, None] * bias[None, :]
        else:
            z = affine(a, den, layer, _fmpz(layer.nums), bias)
        den = den * flint.fmpz(layer.denom)
        if i == last:
            a = z
        else:
            a, den = reduce_pow2(relu(z), den)
    return _ints(a), _ints(den)
