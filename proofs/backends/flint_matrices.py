"""python-flint backend: dense layers as ``fmpz_mat`` products.

Dense layers multiply the batch ``[a | den]`` (an ``fmpz_mat`` of N rows) by
``[W | b]^T`` in FLINT; sparse layers go triplet by triplet on object arrays of
``fmpz`` (:mod:`proofs.backends.sparse`). The layer loop, with its power-of-two
reduction and int64 finish, is :func:`proofs.backends.bigint.run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from proofs.backends.bigint import run
from proofs.backends.sparse import affine, augment, is_dense, plan_layer

try:
    import flint
except ImportError:  # optional at run time: the backend reports itself missing
    flint = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import AffineLayer, Network

__all__ = ["available", "missing", "evaluate"]

_ROWS = 2048  # rows of the batch per fmpz_mat product
_SIZE_CLASSES = [65, 257, 1025, 4097, 16385]  # row bit lengths multiplied apart
_bit_length = np.frompyfunc(lambda v: v.bit_length(), 1, 1)


def available() -> bool:
    return flint is not None


def missing() -> str:
    return "" if available() else "python-flint is not installed (pip install python-flint)"


def _product(a: np.ndarray, den: np.ndarray, layer: AffineLayer) -> np.ndarray:
    plan = plan_layer(layer, flint.fmpz)
    if not is_dense(layer):
        return affine(a, den, plan)
    weight_t = flint.fmpz_mat(plan.dense_t().tolist())
    aug = augment(a, den)
    out = np.empty((a.shape[0], layer.n_out), dtype=object)
    # FLINT's cost follows the largest entry, so rows of similar size go together
    size = _bit_length(aug).max(axis=1).astype(np.int64)
    group = np.digitize(size, _SIZE_CLASSES)
    for g in np.unique(group).tolist():
        rows = np.flatnonzero(group == g)
        for s in range(0, len(rows), _ROWS):  # blocks of rows bound the memory of the copies
            block = rows[s : s + _ROWS]
            out[block, :] = (flint.fmpz_mat(aug[block].tolist()) * weight_t).tolist()
    return out


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    return run(net, inputs, flint.fmpz, _product)
