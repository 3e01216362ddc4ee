"""int64 backend: numpy machine integers, only where no overflow is proven.

Before computing anything, :func:`proofs.backends.magnitude.check_int64` bounds
every intermediate value from the actual inputs; if a bound exceeds
``2**63 - 1`` the backend refuses with the reason.

The big-integer backends use the same proof mid-way: when, after a hidden
layer, the activations have become small (a step gadget's output reduces to
``0`` or ``1`` over ``1``) and the remaining layers are proven safe on them,
they finish in int64 with :func:`finish_in_int64`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from proofs.backends.magnitude import check_int64
from proofs.backends.sparse import affine, is_dense, plan_layer
from proofs.errors import ParameterError
from proofs.exact import ExactInputs
from proofs.network import Network

if TYPE_CHECKING:
    from proofs.network import AffineLayer

__all__ = ["available", "missing", "evaluate", "run_layers", "finish_in_int64"]

_SMALL = 1 << 62


def available() -> bool:
    return True


def missing() -> str:
    return ""


def run_layers(
    layers: Sequence[AffineLayer], a: np.ndarray, den: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate ``layers`` (the last one without ReLU) in int64, without any check."""
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        plan = plan_layer(layer)
        z = affine(a, den, plan, plan.dense_t(np.int64) if is_dense(layer) else None)
        den = den * np.int64(layer.denom)
        a = z if i == last else np.maximum(z, 0)
    return a, den


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    check = check_int64(net, inputs)
    if not check.safe:
        raise ParameterError(
            f"backend 'int64' cannot be proven exact on these inputs: {check.reason}; "
            "use backend 'auto', 'flint', 'gmpy2' or 'python'"
        )
    return run_layers(net.layers, inputs.nums.astype(np.int64), inputs.dens.astype(np.int64))


def finish_in_int64(
    net: Network, start: int, a: np.ndarray, den: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Layers ``start:`` of ``net`` in int64 for the rows of ``a / den`` where that is proven safe.

    ``a`` and ``den`` hold big integers (objects). The rows whose values fit in
    62 bits are checked together with :func:`check_int64`; if the proof holds,
    returns ``(rows, nums, dens)``: a boolean mask of those rows and their
    outputs. Returns None, computing nothing, when no row qualifies or the
    proof fails.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1]], [0]), AffineLayer.from_dense([[3]], [1], denom=2)])
    >>> a, den = np.array([[5], [2**70]], dtype=object), np.array([4, 1], dtype=object)
    >>> rows, nums, dens = finish_in_int64(net, 1, a, den)
    >>> rows.tolist(), nums.tolist(), dens.tolist()
    ([True, False], [[19]], [8])
    >>> finish_in_int64(net, 1, a[1:], den[1:]) is None
    True
    """
    rest = net.layers[start:]
    if not all(layer.is_small for layer in rest):
        return None
    rows = (np.abs(a).max(axis=1) < _SMALL) & (den < _SMALL)
    rows = rows.astype(bool)
    if not rows.any():
        return None
    a64 = np.array([[int(v) for v in row] for row in a[rows]], dtype=np.int64).reshape(-1, a.shape[1])
    den64 = np.array([int(v) for v in den[rows]], dtype=np.int64)
    if not check_int64(Network(rest), ExactInputs(a64, den64)).safe:
        return None
    nums, dens = run_layers(rest, a64, den64)
    return rows, nums, dens
