"""int64 backend: numpy machine integers, only where no overflow is proven.

Before computing anything, :func:`proofs.backends.magnitude.check_int64` bounds
every intermediate value from the actual inputs; if a bound exceeds
``2**63 - 1`` the backend refuses with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from proofs.backends.magnitude import check_int64
from proofs.backends.sparse import affine, is_dense, plan_layer
from proofs.errors import ParameterError

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import Network

__all__ = ["available", "missing", "evaluate"]


def available() -> bool:
    return True


def missing() -> str:
    return ""


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    check = check_int64(net, inputs)
    if not check.safe:
        raise ParameterError(
            f"backend 'int64' cannot be proven exact on these inputs: {check.reason}; "
            "use backend 'auto', 'flint', 'gmpy2' or 'python'"
        )
    a = inputs.nums.astype(np.int64)
    den = inputs.dens.astype(np.int64)
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        plan = plan_layer(layer)
        z = affine(a, den, plan, plan.dense_t(np.int64) if is_dense(layer) else None)
        den = den * np.int64(layer.denom)
        a = z if i == last else np.maximum(z, 0)
    return a, den
