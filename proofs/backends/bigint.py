"""The layer loop shared by the big-integer backends (gmpy2, flint).

Each hidden layer's output goes through ReLU and the per-row power-of-two
reduction (:mod:`proofs.backends.dyadic`); then, if the remaining layers hold
only small integers, the rows whose values have become small finish in int64
under the proof of :func:`proofs.backends.int64.finish_in_int64` (tried a few
times at most, so a deep network whose values stay large pays little).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from proofs.backends.dyadic import reduce_pow2, relu
from proofs.backends.int64 import finish_in_int64

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import AffineLayer, Network

__all__ = ["run", "convert_array", "python_ints"]

_TRIES = 8  # attempts to switch to int64 per evaluation


def convert_array(values: np.ndarray, convert: Callable[[int], Any]) -> np.ndarray:
    """An object array of ``convert(int(v))`` with the shape of ``values``."""
    out = np.empty(values.shape, dtype=object)
    out.reshape(-1)[:] = [convert(int(v)) for v in values.reshape(-1)]
    return out


def python_ints(values: np.ndarray) -> np.ndarray:
    """Backend integers as an object array of Python ints."""
    return convert_array(values, int)


def run(
    net: Network,
    inputs: ExactInputs,
    convert: Callable[[int], Any],
    product: Callable[[np.ndarray, np.ndarray, AffineLayer], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate with integers made by ``convert`` and layer products by ``product(a, den, layer)``.

    Rows that :func:`~proofs.backends.int64.finish_in_int64` takes over leave
    the big-integer batch; the others go on to the output layer.
    """
    a = convert_array(inputs.nums, convert)
    den = convert_array(inputs.dens, convert)
    out_nums = np.empty((len(den), net.output_dim), dtype=object)
    out_dens = np.empty(len(den), dtype=object)
    left = np.arange(len(den))  # original index of each row still in the batch
    small_from = len(net.layers)
    while small_from > 0 and net.layers[small_from - 1].is_small:
        small_from -= 1
    last = len(net.layers) - 1
    tries = 0
    for i, layer in enumerate(net.layers):
        z = product(a, den, layer)
        den = den * convert(layer.denom)
        if i == last:
            out_nums[left] = python_ints(z)
            out_dens[left] = python_ints(den)
            break
        a, den = reduce_pow2(relu(z), den)
        if i + 1 >= small_from and tries < _TRIES:
            tries += 1
            done = finish_in_int64(net, i + 1, a, den)
            if done is not None:
                rows, nums, dens = done
                out_nums[left[rows]] = nums
                out_dens[left[rows]] = dens
                left, a, den = left[~rows], a[~rows], den[~rows]
                if not len(left):
                    break
    return out_nums, out_dens
