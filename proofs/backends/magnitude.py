"""A proof that int64 evaluation cannot overflow, from the actual inputs.

For an input row with numerators bounded by ``M`` and denominator ``D``, every
quantity the evaluation forms in layer ``l`` (a product ``w * a``, a partial sum,
``b * D``, the layer output) is bounded by ``P_u M + Q_u D`` for the row's unit
``u``, where the nonnegative integer vectors ``P`` and ``Q`` propagate by the
weights' absolute values (ReLU never increases a magnitude)::

    P^0 = 1,  Q^0 = 0,
    P^l = |W_l| P^{l-1},  Q^l = |W_l| Q^{l-1} + |b_l| q_1 ... q_{l-1}.

The denominators grow to ``D q_1 ... q_l``. The batch is safe when every bound,
at the rows on the Pareto frontier of ``(M, D)`` (the bounds are monotone in
both), stays at most ``2**63 - 1``. All of this is exact integer arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import Network

__all__ = ["INT64_MAX", "Int64Check", "check_int64", "pareto_frontier"]

INT64_MAX = (1 << 63) - 1


@dataclass(frozen=True)
class Int64Check:
    """Outcome of :func:`check_int64`.

    ``bound`` is the largest proven magnitude of any intermediate value (None
    when the check stopped before computing it); ``reason`` says why the batch
    is unsafe (empty when safe).
    """

    safe: bool
    bound: int | None
    reason: str


def pareto_frontier(m: np.ndarray, d: np.ndarray) -> list[tuple[int, int]]:
    """The pairs ``(m_i, d_i)`` not dominated in both coordinates by another pair.

    >>> pareto_frontier(np.array([5, 3, 1, 5]), np.array([1, 2, 8, 1]))
    [(5, 1), (3, 2), (1, 8)]
    """
    order = np.lexsort((-d, -m))  # by m descending, then d descending
    ms, ds = m[order], d[order]
    before = np.concatenate(([-1], np.maximum.accumulate(ds)[:-1])) if len(ds) else ds
    keep = ds > before  # d beats every pair with a larger (or equal) m
    return [(int(a), int(b)) for a, b in zip(ms[keep], ds[keep], strict=True)]


def check_int64(net: Network, inputs: ExactInputs) -> Int64Check:
    """Whether int64 evaluation of ``net`` on ``inputs`` is proven free of overflow.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> from proofs.exact import exact_inputs
    >>> net = Network([AffineLayer.from_dense([[3, -4]], [1], denom=2)])
    >>> check_int64(net, exact_inputs([[0.5, 0.25]]))  # M = 2, D = 4: (3 + 4) * 2 + 1 * 4
    Int64Check(safe=True, bound=18, reason='')
    >>> big = Network([AffineLayer.from_dense([[2**61] * 4], [0])])
    >>> check_int64(big, exact_inputs([[1.0, 1.0, 1.0, 1.0]])).reason
    "layer 0: values may need 64 bits, more than int64's 63"
    """
    if inputs.nums.dtype != np.int64 or inputs.dens.dtype != np.int64:
        return Int64Check(False, None, "the inputs' numerators or denominators need more than 62 bits")
    if inputs.nums.size and int(inputs.nums.min()) == -INT64_MAX - 1:
        return Int64Check(False, None, "an input numerator is -2**63")
    for i, layer in enumerate(net.layers):
        if not layer.is_small:
            return Int64Check(False, None, f"layer {i} stores integers of more than 62 bits")
    frontier = pareto_frontier(np.abs(inputs.nums).max(axis=1), inputs.dens)
    p = [1] * net.input_dim
    q = [0] * net.input_dim
    den = 1  # product of the denominators of the layers before this one
    worst = 0
    for i, layer in enumerate(net.layers):
        absw = [abs(int(v)) for v in layer.nums]
        p_next = [0] * layer.n_out
        q_next = [abs(int(b)) * den for b in layer.bias]
        for r, c, w in zip(layer.rows.tolist(), layer.cols.tolist(), absw, strict=True):
            p_next[r] += w * p[c]
            q_next[r] += w * q[c]
        p, q = p_next, q_next
        den *= layer.denom
        forms = [*zip(p, q, strict=True), (0, den)]
        for m_i, d_i in frontier:
            bound = max(pu * m_i + qu * d_i for pu, qu in forms)
            worst = max(worst, bound)
            if bound > INT64_MAX:
                return Int64Check(
                    False,
                    None,
                    f"layer {i}: values may need {bound.bit_length()} bits, more than int64's 63",
                )
    return Int64Check(True, worst, "")
