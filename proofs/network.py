"""Exact ReLU networks: integer layers over one positive denominator each.

A network is a sequence of affine layers. Layer ``l`` maps ``x`` to
``(W_l x + b_l) / q_l`` where ``W_l`` and ``b_l`` hold integers and ``q_l`` is a
positive integer (a power of two where the construction allows). Every layer but
the last is followed by ReLU. Depth is the number of hidden layers, width the
largest hidden layer (README, "Conventions").

Weights are stored sparsely as sorted ``(row, col, numerator)`` triplets with no
zero numerator. Numerators and biases are numpy arrays of dtype ``int64`` when
every entry fits in 62 bits, else of dtype ``object`` holding Python ints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from proofs.errors import NetworkError

if TYPE_CHECKING:
    from proofs.exact import ExactOutputs

__all__ = ["AffineLayer", "Network", "int_array", "bits"]

_SMALL = 1 << 62


def int_array(values: Iterable[Any]) -> np.ndarray:
    """Integers as an ``int64`` array if all fit in 62 bits, else an ``object`` array.

    Examples
    --------
    >>> int_array([1, -2]).dtype
    dtype('int64')
    >>> int_array([1, 2**70]).dtype
    dtype('O')
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        flat = values.reshape(-1)
        if not len(flat) or (int(flat.max()) < _SMALL and int(flat.min()) > -_SMALL):
            return flat.astype(np.int64)
    items = values if isinstance(values, list) else list(values)
    if all(type(v) is int for v in items):  # plain ints (not bools): numpy checks the range in C
        try:
            arr = np.array(items, dtype=np.int64)
        except OverflowError:  # beyond 64 bits
            arr = None
        if arr is not None and (not len(arr) or (-_SMALL < arr.min() and arr.max() < _SMALL)):
            return arr.reshape(len(items))
    else:
        items = [_as_int(v) for v in items]
    if all(-_SMALL < v < _SMALL for v in items):
        return np.array(items, dtype=np.int64).reshape(len(items))
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        # gmpy2 / flint integers expose __index__ as well
        try:
            return int(value.__index__())
        except (AttributeError, TypeError):
            raise NetworkError(
                f"expected an integer, got {value!r} of type {type(value).__name__}"
            ) from None
    return int(value)


def bits(n: int) -> int:
    """Magnitude bits of an integer: ``bit_length(|n|)``.

    >>> bits(0), bits(1), bits(-255), bits(256)
    (0, 1, 8, 9)
    """
    return abs(int(n)).bit_length()


@dataclass(frozen=True, eq=False)
class AffineLayer:
    """One affine map ``x -> (W x + b) / denom`` with integer ``W``, ``b``.

    Parameters
    ----------
    n_out, n_in : int
        Output and input dimensions.
    rows, cols : numpy.ndarray of int64
        Coordinates of the nonzero weights, sorted by ``(row, col)``.
    nums : numpy.ndarray
        The nonzero integer weight numerators (int64 or object dtype).
    bias : numpy.ndarray
        ``n_out`` integer bias numerators (int64 or object dtype).
    denom : int
        The layer's positive integer denominator.

    Use :meth:`from_dense`, :meth:`from_triplets` or :meth:`from_rationals`
    rather than the raw constructor.
    """

    n_out: int
    n_in: int
    rows: np.ndarray
    cols: np.ndarray
    nums: np.ndarray
    bias: np.ndarray
    denom: int

    def __post_init__(self) -> None:
        if self.n_out < 1 or self.n_in < 1:
            raise NetworkError(f"layer shape must be positive, got {self.n_out}x{self.n_in}")
        if not isinstance(self.denom, int) or self.denom < 1:
            raise NetworkError(f"layer denominator must be a positive integer, got {self.denom!r}")
        nnz = len(self.nums)
        if len(self.rows) != nnz or len(self.cols) != nnz:
            raise NetworkError("rows, cols and nums must have the same length")
        if len(self.bias) != self.n_out:
            raise NetworkError(f"bias has length {len(self.bias)}, expected {self.n_out}")
        if nnz:
            if self.rows.min() < 0 or self.rows.max() >= self.n_out:
                raise NetworkError("a weight row index is out of range")
            if self.cols.min() < 0 or self.cols.max() >= self.n_in:
                raise NetworkError("a weight column index is out of range")
            key = self.rows * self.n_in + self.cols
            if np.any(np.diff(key) <= 0):
                raise NetworkError("weight triplets must be sorted by (row, col) without repeats")
            if np.asarray(self.nums == 0, dtype=bool).any():
                raise NetworkError("stored weight numerators must be nonzero")

    # -- construction -----------------------------------------------------
    @classmethod
    def from_triplets(
        cls,
        n_out: int,
        n_in: int,
        triplets: Iterable[tuple[int, int, Any]],
        bias: Sequence[Any],
        denom: int = 1,
    ) -> AffineLayer:
        """Build from ``(row, col, numerator)`` triplets; repeats are summed, zeros dropped.

        Examples
        --------
        >>> layer = AffineLayer.from_triplets(1, 2, [(0, 1, 3), (0, 0, -1)], [5], denom=2)
        >>> layer.to_dense()
        ([[-1, 3]], [5], 2)
        """
        acc: dict[tuple[int, int], int] = {}
        for r, c, v in triplets:
            key = (int(r), int(c))
            acc[key] = acc.get(key, 0) + _as_int(v)
        items = sorted((k, v) for k, v in acc.items() if v != 0)
        rows = np.array([k[0] for k, _ in items], dtype=np.int64)
        cols = np.array([k[1] for k, _ in items], dtype=np.int64)
        return cls(
            n_out=int(n_out),
            n_in=int(n_in),
            rows=rows,
            cols=cols,
            nums=int_array(v for _, v in items),
            bias=int_array(bias),
            denom=_as_int(denom),
        )

    @classmethod
    def from_dense(cls, weight: Sequence[Sequence[Any]], bias: Sequence[Any], denom: int = 1) -> AffineLayer:
        """Build from a dense integer matrix (list of rows) and bias.

        >>> AffineLayer.from_dense([[1, 0], [0, 2]], [0, -1]).nnz
        2
        """
        n_out = len(weight)
        if n_out == 0:
            raise NetworkError("a layer needs at least one output")
        n_in = len(weight[0])
        if any(len(row) != n_in for row in weight):
            raise NetworkError("weight rows have different lengths")
        trip = ((r, c, v) for r, row in enumerate(weight) for c, v in enumerate(row))
        return cls.from_triplets(n_out, n_in, trip, bias, denom)

    @classmethod
    def from_rationals(cls, weight: Sequence[Sequence[Any]], bias: Sequence[Any]) -> AffineLayer:
        """Build from rational entries, using the least common denominator.

        >>> from fractions import Fraction as F
        >>> AffineLayer.from_rationals([[F(1, 2), F(1, 3)]], [1]).to_dense()
        ([[3, 2]], [6], 6)
        """
        entries = [Fraction(v) for row in weight for v in row] + [Fraction(v) for v in bias]
        q = 1
        for v in entries:
            q = q * v.denominator // math.gcd(q, v.denominator)
        w = [[_exact_times(v, q) for v in row] for row in weight]
        b = [_exact_times(v, q) for v in bias]
        return cls.from_dense(w, b, q)

    # -- views ------------------------------------------------------------
    @property
    def nnz(self) -> int:
        """Number of nonzero weights (biases not included)."""
        return len(self.nums)

    @property
    def params(self) -> int:
        """Dense parameter count ``n_out * n_in + n_out``."""
        return self.n_out * self.n_in + self.n_out

    @property
    def nonzeros(self) -> int:
        """Nonzero weights plus nonzero biases."""
        return self.nnz + sum(1 for v in self.bias if int(v) != 0)

    @property
    def is_small(self) -> bool:
        """True when weights and biases are stored as int64."""
        return self.nums.dtype != object and self.bias.dtype != object

    def integers(self) -> Iterable[int]:
        """Every stored integer: weight numerators, biases, then the denominator."""
        yield from (int(v) for v in self.nums)
        yield from (int(v) for v in self.bias)
        yield self.denom

    def to_dense(self) -> tuple[list[list[int]], list[int], int]:
        """``(W, b, denom)`` as Python lists of ints."""
        w = [[0] * self.n_in for _ in range(self.n_out)]
        for r, c, v in zip(self.rows.tolist(), self.cols.tolist(), self.nums, strict=True):
            w[r][c] = int(v)
        return w, [int(v) for v in self.bias], self.denom

    def to_fractions(self) -> tuple[list[list[Fraction]], list[Fraction]]:
        """Weights and biases as exact :class:`~fractions.Fraction` values."""
        w, b, q = self.to_dense()
        return [[Fraction(v, q) for v in row] for row in w], [Fraction(v, q) for v in b]

    def same_as(self, other: AffineLayer) -> bool:
        """Exact equality of shape, triplets, biases and denominator."""
        return (
            self.n_out == other.n_out
            and self.n_in == other.n_in
            and self.denom == other.denom
            and np.array_equal(self.rows, other.rows)
            and np.array_equal(self.cols, other.cols)
            and [int(v) for v in self.nums] == [int(v) for v in other.nums]
            and [int(v) for v in self.bias] == [int(v) for v in other.bias]
        )


def _exact_times(value: Fraction, q: int) -> int:
    scaled = value * q
    assert scaled.denominator == 1
    return int(scaled)


class Network:
    """An exact ReLU network: hidden affine layers with ReLU, then an affine output.

    Parameters
    ----------
    layers : sequence of AffineLayer
        At least one layer; consecutive dimensions must match. The last layer
        is the output layer and has no ReLU.
    meta : dict, optional
        Free-form JSON-serializable description (construction, regime, seed).

    Examples
    --------
    ``|x|`` on the line as ``ReLU(x) + ReLU(-x)``:

    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> net.depth, net.width, net.params, net.nonzeros
    (1, 2, 7, 4)
    >>> net.evaluate([[-0.75], [0.5]]).as_fractions()
    [[Fraction(3, 4)], [Fraction(1, 2)]]
    """

    def __init__(self, layers: Sequence[AffineLayer], meta: dict[str, Any] | None = None):
        layers = tuple(layers)
        if not layers:
            raise NetworkError("a network needs at least one (output) layer")
        for i, (a, b) in enumerate(zip(layers, layers[1:], strict=False)):
            if a.n_out != b.n_in:
                raise NetworkError(
                    f"layer {i} has {a.n_out} outputs but layer {i + 1} expects {b.n_in} inputs"
                )
        self.layers: tuple[AffineLayer, ...] = layers
        self.meta: dict[str, Any] = dict(meta or {})

    # -- sizes --------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        return self.layers[0].n_in

    @property
    def output_dim(self) -> int:
        return self.layers[-1].n_out

    @property
    def depth(self) -> int:
        """Number of hidden layers (affine map then ReLU)."""
        return len(self.layers) - 1

    @property
    def widths(self) -> list[int]:
        """Hidden layer widths, input to output."""
        return [layer.n_out for layer in self.layers[:-1]]

    @property
    def width(self) -> int:
        """Largest hidden layer (0 for a network without hidden layers)."""
        return max(self.widths, default=0)

    @property
    def params(self) -> int:
        """Weights and biases of the dense network with these layer widths."""
        return sum(layer.params for layer in self.layers)

    @property
    def nonzeros(self) -> int:
        """Nonzero weights and biases actually stored."""
        return sum(layer.nonzeros for layer in self.layers)

    @cached_property
    def max_bits(self) -> int:
        """Largest magnitude bit length of any stored numerator or denominator."""
        return max(bits(v) for layer in self.layers for v in layer.integers())

    @cached_property
    def total_bits(self) -> int:
        """Bits to write the network sparsely.

        Each nonzero numerator (weight or bias) costs its magnitude bits plus a
        sign bit; each layer denominator costs its magnitude bits.
        """
        total = 0
        for layer in self.layers:
            total += sum(bits(v) + 1 for v in layer.nums)
            total += sum(bits(v) + 1 for v in layer.bias if int(v) != 0)
            total += bits(layer.denom)
        return total

    @property
    def denominators(self) -> list[int]:
        """Each layer's denominator, input to output.

        >>> Network([AffineLayer.from_dense([[1]], [0], denom=4)]).denominators
        [4]
        """
        return [layer.denom for layer in self.layers]

    def sizes(self) -> dict[str, Any]:
        """All size measures as a JSON-ready dict."""
        return {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "depth": self.depth,
            "width": self.width,
            "widths": self.widths,
            "params": self.params,
            "nonzeros": self.nonzeros,
            "max_bits": self.max_bits,
            "total_bits": self.total_bits,
        }

    def same_as(self, other: Network) -> bool:
        """Exact equality of every layer (metadata ignored)."""
        return len(self.layers) == len(other.layers) and all(
            a.same_as(b) for a, b in zip(self.layers, other.layers, strict=True)
        )

    # -- evaluation -----------------------------------------------------------
    def evaluate(self, inputs: Any, backend: str = "auto") -> ExactOutputs:
        """Evaluate exactly on a batch of inputs (rows).

        ``inputs`` is a float64 array (converted exactly, see
        :func:`proofs.exact.exact_inputs`) or an :class:`proofs.exact.ExactInputs`.
        ``backend`` names an arithmetic backend (see :mod:`proofs.backends`) or
        ``"auto"``; every backend returns the same exact result.
        """
        from proofs.backends import evaluate

        return evaluate(self, inputs, backend=backend)

    def __repr__(self) -> str:
        return (
            f"Network(input_dim={self.input_dim}, widths={self.widths}, "
            f"output_dim={self.output_dim}, max_bits={self.max_bits})"
        )

