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


def available() -> bool:
    return flint is not None


def missing() -> str:
    return "" if available() else "python-flint is not installed (pip install python-flint)"


def _product(a: np.ndarray, den: np.ndarray, layer: AffineLayer) -> np.ndarray:
    plan = plan_layer(layer, flint.fmpz)
    if not is_dense(layer):
        return affine(a, den, plan)
    prod = flint.fmpz_mat(augment(a, den).tolist()) * flint.fmpz_mat(plan.dense_t().tolist())
    out = np.empty((a.shape[0], layer.n_out), dtype=object)
    out[:, :] = prod.tolist()
    return out


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    return run(net, inputs, flint.fmpz, _product)
