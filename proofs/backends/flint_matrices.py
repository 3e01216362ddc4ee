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
from proofs.backends.sparse import affine, augment, is_dense, plan_layer

try:
    import flint
except ImportError:  # optional at run time: the backend reports itself missing
    flint = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from proofs.backends.sparse import LayerPlan
    from proofs.exact import ExactInputs
    from proofs.network import Network

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


def _dense_product(a: np.ndarray, den: np.ndarray, plan: LayerPlan) -> np.ndarray:
    prod = flint.fmpz_mat(augment(a, den).tolist()) * flint.fmpz_mat(plan.dense_t().tolist())
    out = np.empty((a.shape[0], plan.n_out), dtype=object)
    out[:, :] = prod.tolist()
    return out


def evaluate(net: Network, inputs: ExactInputs) -> tuple[Any, Any]:
    a = _fmpz(inputs.nums)
    den = _fmpz(inputs.dens)
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        plan = plan_layer(layer, flint.fmpz)
        z = _dense_product(a, den, plan) if is_dense(layer) else affine(a, den, plan)
        den = den * flint.fmpz(layer.denom)
        if i == last:
            a = z
        else:
            a, den = reduce_pow2(relu(z), den)
    return _ints(a), _ints(den)
