"""Arithmetic backends for exact evaluation, behind one interface.

Every backend computes the same exact semantics (see :mod:`proofs.network`):
activations are integer numerators over a positive per-row denominator;
layer ``l`` maps ``(a, D)`` to ``(W_l a + b_l D, q_l D)``, then ReLU on the
numerators. Backends differ only in how the integers are held, and may divide a
row's numerators and denominator by a common power of two (same rationals).

=========  ===============================================================
name       arithmetic
=========  ===============================================================
``int64``  numpy machine integers; only where :func:`check_int64` proves
           that no intermediate value can overflow
``flint``  python-flint ``fmpz_mat`` products (dense layers)
``gmpy2``  numpy object arrays of gmpy2 ``mpz``, triplet by triplet
``python`` plain Python integers, one row at a time: the reference
``scalar`` networks whose first hidden layer has one unit: piecewise-linear
           functions of that unit, propagated along the sorted data
=========  ===============================================================

The flint and gmpy2 backends skip zero weights, reduce rows by powers of two
and, once the remaining layers are proven int64-safe on the current values,
finish in int64 (:mod:`proofs.backends.bigint`).

A backend whose library is missing reports itself unavailable instead of
failing at import. A backend that exploits a structure defines
``applicable(net) -> bool``; forcing it on another network is an error.

``"auto"`` takes int64 when :func:`check_int64` proves it safe, else the first
available one of :data:`BIG_INTEGER_ORDER`. Structure-exploiting backends run
only when named.

Examples
--------
>>> from proofs.network import AffineLayer, Network
>>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])])
>>> evaluate(net, [[-0.75], [2.0]]).as_fractions()
[[Fraction(3, 4)], [Fraction(2, 1)]]
>>> choose_backend(net, exact_inputs([[-0.75]]))
'int64'
>>> evaluate(net, [[1e300]], backend="int64")
Traceback (most recent call last):
...
bounds.errors.ParameterError: backend 'int64' cannot be proven exact on these inputs: ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from proofs.backends import flint_matrices as _flint
from proofs.backends import gmpy2_arrays as _gmpy2
from proofs.backends import int64 as _int64
from proofs.backends import python as _python
from proofs.backends import scalar as _scalar
from proofs.backends.magnitude import Int64Check, check_int64
from proofs.errors import DataError, ParameterError
from proofs.exact import ExactInputs, ExactOutputs, exact_inputs

if TYPE_CHECKING:
    from proofs.network import Network

__all__ = [
    "BACKENDS",
    "BIG_INTEGER_ORDER",
    "Int64Check",
    "applies",
    "auto_backends",
    "available_backends",
    "check_int64",
    "choose_backend",
    "evaluate",
]

# name -> module with `available() -> bool`, `missing() -> str` (why unavailable),
# `evaluate(net, ExactInputs) -> (nums, dens)` and, for structure-exploiting
# backends, `applicable(net) -> bool`. One line per backend.
BACKENDS: dict[str, Any] = {
    "int64": _int64,
    "flint": _flint,
    "gmpy2": _gmpy2,
    "python": _python,
    "scalar": _scalar,
}

# Big-integer backends, fastest first; "auto" takes the first available one.
BIG_INTEGER_ORDER = ["flint", "gmpy2", "python"]


def available_backends() -> list[str]:
    """Names of the backends usable on this machine.

    >>> "python" in available_backends()
    True
    """
    return [name for name, mod in BACKENDS.items() if mod.available()]


def applies(name: str, net: Network) -> bool:
    """Whether backend ``name`` can evaluate ``net`` at all (int64 also depends on inputs).

    >>> from proofs.network import AffineLayer, Network
    >>> applies("gmpy2", Network([AffineLayer.from_dense([[1]], [0])]))
    True
    """
    check = getattr(BACKENDS[name], "applicable", None)
    return check is None or bool(check(net))


def choose_backend(net: Network, inputs: ExactInputs) -> str:
    """The backend ``"auto"`` uses (see the module text for the order)."""
    if check_int64(net, inputs).safe:
        return "int64"
    return next(name for name in BIG_INTEGER_ORDER if BACKENDS[name].available())


def auto_backends(net: Network) -> dict[str, str]:
    """What ``"auto"`` picks for two kinds of input, without seeing the inputs.

    ``"integer"``: points with integer coordinates in ``[-1, 1]``;
    ``"float"``: arbitrary float64 points (denominators up to ``2**1074``).

    >>> from proofs.network import AffineLayer, Network
    >>> auto_backends(Network([AffineLayer.from_dense([[3, 1]], [0])]))["integer"]
    'int64'
    """
    ones = ExactInputs(np.ones((1, net.input_dim), dtype=np.int64), np.ones(1, dtype=np.int64))
    big = next(name for name in BIG_INTEGER_ORDER if BACKENDS[name].available())
    return {"integer": choose_backend(net, ones), "float": big}


def evaluate(net: Network, inputs: Any, backend: str = "auto") -> ExactOutputs:
    """Evaluate ``net`` exactly on ``inputs`` with the named backend (or ``"auto"``).

    Parameters
    ----------
    net : Network
    inputs : array_like or ExactInputs
        Rows are points; floats convert exactly (:func:`proofs.exact.exact_inputs`).
    backend : str
        ``"auto"`` or one of :data:`BACKENDS`.

    Returns
    -------
    ExactOutputs
        The same rationals whichever backend ran; ``.backend`` names it.

    Raises
    ------
    DataError
        If the inputs' dimension differs from the network's.
    ParameterError
        For an unknown or unavailable backend, a backend that does not apply to
        this network, or ``"int64"`` where overflow cannot be ruled out.
    """
    x = exact_inputs(inputs)
    if x.shape[1] != net.input_dim:
        raise DataError(
            f"inputs have {x.shape[1]} coordinates but the network expects {net.input_dim}"
        )
    if backend != "auto" and backend not in BACKENDS:
        raise ParameterError(f"unknown backend {backend!r}; choose one of {sorted(BACKENDS)} or 'auto'")
    name = choose_backend(net, x) if backend == "auto" else backend
    mod = BACKENDS[name]
    if not mod.available():
        raise ParameterError(
            f"backend {name!r} is not available here ({mod.missing()}); available: {available_backends()}"
        )
    if not applies(name, net):
        raise ParameterError(
            f"backend {name!r} does not apply to this network (hidden widths {net.widths}); "
            "see proofs.backends for what it needs, or use backend 'auto'"
        )
    nums, dens = mod.evaluate(net, x)
    return ExactOutputs(nums, dens, name)
