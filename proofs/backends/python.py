"""Reference backend: plain Python integers, one row at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import Network

__all__ = ["available", "missing", "evaluate"]


def available() -> bool:
    return True


def missing() -> str:
    return ""


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    layers = [
        (
            layer.rows.tolist(),
            layer.cols.tolist(),
            [int(v) for v in layer.nums],
            [int(v) for v in layer.bias],
            layer.denom,
        )
        for layer in net.layers
    ]
    last = len(layers) - 1
    n = inputs.shape[0]
    out = np.empty((n, net.output_dim), dtype=object)
    dens = np.empty(n, dtype=object)
    for i in range(n):
        a = [int(v) for v in inputs.nums[i]]
        den = int(inputs.dens[i])
        for l_idx, (rows, cols, nums, bias, q) in enumerate(layers):
            z = [b * den for b in bias]
            for r, c, w in zip(rows, cols, nums, strict=True):
                z[r] += w * a[c]
            den *= q
            a = z if l_idx == last else [v if v > 0 else 0 for v in z]
        out[i, :] = a
        dens[i] = den
    return out, dens
