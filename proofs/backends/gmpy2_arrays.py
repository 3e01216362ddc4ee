"""gmpy2 backend: numpy object arrays of ``mpz``, multiplied triplet by triplet.

Sparse layers cost only their nonzeros (:mod:`proofs.backends.sparse`); the
layer loop, with its power-of-two reduction and int64 finish, is
:func:`proofs.backends.bigint.run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from proofs.backends.bigint import run
from proofs.backends.sparse import affine, plan_layer

try:
    import gmpy2
except ImportError:  # optional at run time: the backend reports itself missing
    gmpy2 = None

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import AffineLayer, Network

__all__ = ["available", "missing", "evaluate"]


def available() -> bool:
    return gmpy2 is not None


def missing() -> str:
    return "" if available() else "gmpy2 is not installed (pip install gmpy2)"


def _product(a: np.ndarray, den: np.ndarray, layer: AffineLayer) -> np.ndarray:
    return affine(a, den, plan_layer(layer, gmpy2.mpz))


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    return run(net, inputs, gmpy2.mpz, _product)
