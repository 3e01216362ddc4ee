"""gmpy2 backend: numpy object arrays of ``mpz``, multiplied triplet by triplet.

Sparse layers cost only their nonzeros; rows are reduced by their common power
of two after each hidden layer (:mod:`proofs.backends.dyadic`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from proofs.backends.dyadic import reduce_pow2, relu
from proofs.backends.sparse import affine, plan_layer

try:
    import gmpy2
except ImportError:  # optional at run time: the backend reports itself missing
    gmpy2 = None

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import Network

__all__ = ["available", "missing", "evaluate"]


def available() -> bool:
    return gmpy2 is not None


def missing() -> str:
    return "" if available() else "gmpy2 is not installed (pip install gmpy2)"


def _mpz(values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    out.reshape(-1)[:] = [gmpy2.mpz(int(v)) for v in values.reshape(-1)]
    return out


def _ints(values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    out.reshape(-1)[:] = [int(v) for v in values.reshape(-1)]
    return out


def evaluate(net: Network, inputs: ExactInputs) -> tuple[Any, Any]:
    a = _mpz(inputs.nums)
    den = _mpz(inputs.dens)
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        z = affine(a, den, plan_layer(layer, gmpy2.mpz))
        den = den * gmpy2.mpz(layer.denom)
        if i == last:
            a = z
        else:
            a, den = reduce_pow2(relu(z), den)
    return _ints(a), _ints(den)
