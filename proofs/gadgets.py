"""Exact ReLU gadgets of the construction, as units added to a layer.

A gadget reads *linear forms* over the previous layer's units (:class:`Lin`:
integer coefficients and an integer constant), adds ReLU units to the layer
being built (:class:`LayerBuilder`), and returns linear forms over the new
units that equal the gadget's value on the data. Every identity below is exact
under the stated condition (``docs/theory/upper.md``, Lemmas 3-6):

- :func:`carry`: ``ReLU(x) = x`` for ``x >= 0``;
- :func:`step`: ``ReLU(x - t + 1) - ReLU(x - t)`` is ``1`` for ``x >= t``, ``0`` for ``x <= t - 1``;
- :func:`digit`: the top ``k``-bit digit of an integer ``0 <= U < 2**k t`` and the rest;
- :func:`equality_test`: ``2**(q+1) T(z/2**q)`` for ``z = 2**q s - U``, where the
  trapezoid ``T`` is ``1`` on ``|.| <= 3/2`` and ``0`` on ``|.| >= 5/2``;
- :func:`product_with_bit`: ``2**(q+1) c T`` for ``0 <= c < cbig``, ``T`` in ``{0, 1}``;
- :func:`clamp`: ``1 - ReLU(1 - h)`` is ``0`` for ``h = 0`` and ``1`` for ``h >= 1``, and float64
  computes it exactly (Lemma 10, the float64-safe regime).

Examples
--------
A step at ``t = 3`` on a scalar input, evaluated exactly:

>>> from proofs.network import Network
>>> b = LayerBuilder()
>>> h = step(b, Lin({0: 1}), 3)
>>> out = LayerBuilder()
>>> _ = out.unit(h)
>>> net = Network([b.build(1), out.build(b.size, relu=False)])
>>> [int(v[0]) for v in net.evaluate([[1.5], [2.0], [3.0], [7.25]]).as_fractions()]
[0, 0, 1, 1]
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from proofs.network import AffineLayer, int_array

__all__ = [
    "Lin",
    "LayerBuilder",
    "carry",
    "step",
    "digit",
    "equality_test",
    "product_with_bit",
    "clamp",
]


class Lin:
    """A linear form ``sum(coef * unit) + const`` with integer coefficients.

    >>> (Lin({0: 2}, 1) + Lin({0: -2, 1: 3})).terms
    {1: 3}
    >>> (3 * Lin({2: 1}, -1)).const
    -3
    """

    __slots__ = ("terms", "const")

    def __init__(self, terms: dict[int, int] | None = None, const: int = 0):
        self.terms = {i: c for i, c in (terms or {}).items() if c}
        self.const = int(const)

    def __add__(self, other: Lin | int) -> Lin:
        if isinstance(other, int):  # the terms are shared: forms are never changed in place
            out = Lin.__new__(Lin)
            out.terms, out.const = self.terms, self.const + int(other)
            return out
        terms = dict(self.terms)
        for i, c in other.terms.items():
            terms[i] = terms.get(i, 0) + c
        return Lin(terms, self.const + other.const)

    def __sub__(self, other: Lin | int) -> Lin:
        return self + (-1) * other

    def __rmul__(self, c: int) -> Lin:
        c = int(c)
        return Lin({i: c * v for i, v in self.terms.items()}, c * self.const)

    def __neg__(self) -> Lin:
        return (-1) * self

    def __repr__(self) -> str:
        return f"Lin({self.terms}, {self.const})"


class LayerBuilder:
    """Collects the units of one layer; :meth:`build` makes the :class:`AffineLayer`."""

    def __init__(self) -> None:
        self._rows: list[tuple[dict[int, int], int]] = []

    @property
    def size(self) -> int:
        return len(self._rows)

    def unit(self, pre: Lin) -> int:
        """Add a unit with pre-activation ``pre``; return its index in this layer."""
        self._rows.append((pre.terms, pre.const))
        return len(self._rows) - 1

    def build(self, n_in: int, denom: int = 1, relu: bool = True) -> AffineLayer:
        """The affine layer (``relu`` is documentation only: the network applies it)."""
        del relu
        counts = [len(terms) for terms, _ in self._rows]
        total = sum(counts)
        cols = np.fromiter(chain.from_iterable(t for t, _ in self._rows), dtype=np.int64, count=total)
        nums = int_array(list(chain.from_iterable(t.values() for t, _ in self._rows)))
        rows = np.repeat(np.arange(len(self._rows), dtype=np.int64), counts)
        order = np.lexsort((cols, rows))  # by row, then by column
        return AffineLayer(
            len(self._rows), n_in, rows[order], cols[order], nums[order],
            int_array([b for _, b in self._rows]), denom,
        )


def carry(layer: LayerBuilder, x: Lin) -> Lin:
    """One unit ``ReLU(x)``; equals ``x`` whenever ``x >= 0`` on the data."""
    return Lin({layer.unit(x): 1})


def step(layer: LayerBuilder, x: Lin, t: int) -> Lin:
    """Two units; their difference is ``[x >= t]`` when no data value lies in ``(t - 1, t)``."""
    h1 = layer.unit(x + (1 - t))
    h2 = layer.unit(x - t)
    return Lin({h1: 1, h2: -1})


def digit(layer: LayerBuilder, U: Lin, t: int, k: int, rest: bool = True) -> tuple[Lin, Lin]:
    """Top ``k``-bit digit of an integer ``0 <= U < 2**k * t``, and the rest ``U - t * digit``.

    Adds ``1 + 2 (2**k - 1)`` units: ``ReLU(U)`` and one step at each ``j t``,
    ``j = 1 .. 2**k - 1``. Returns ``(digit, rest)`` as forms over the new units.
    With ``rest=False`` the unit ``ReLU(U)`` is left out and the rest is ``Lin()``.
    """
    u = layer.unit(U) if rest else -1
    value = Lin()
    for j in range(1, 1 << k):
        value = value + step(layer, U, j * t)
    return value, (Lin({u: 1}) - t * value) if rest else Lin()


def equality_test(layer: LayerBuilder, z: Lin, q: int) -> Lin:
    """Four units whose combination is ``2**(q+1) T(z / 2**q)``.

    ``T`` is the trapezoid ``ReLU(u + 5/2) - ReLU(u + 3/2) - ReLU(u - 3/2) + ReLU(u - 5/2)``:
    ``1`` for ``|u| <= 3/2`` and ``0`` for ``|u| >= 5/2``. The units are scaled by
    ``2**(q+1)`` so that every weight is an integer.
    """
    p = 1 << q
    a = layer.unit(2 * z + 5 * p)
    b = layer.unit(2 * z + 3 * p)
    c = layer.unit(2 * z - 3 * p)
    e = layer.unit(2 * z - 5 * p)
    return Lin({a: 1, b: -1, c: -1, e: 1})


def product_with_bit(layer: LayerBuilder, c: Lin, tsum: Lin, q: int, cbig: int) -> Lin:
    """One unit equal to ``2**(q+1) c T`` where ``tsum = 2**(q+1) T``, ``T`` in ``{0, 1}``, ``0 <= c < cbig``.

    It is ``ReLU(2**(q+1) (c - cbig) + cbig tsum)``: ``2**(q+1) c`` if ``T = 1``,
    and ``0`` if ``T = 0`` because ``c - cbig < 0``.
    """
    p = 1 << (q + 1)
    return Lin({layer.unit(p * c + cbig * tsum - p * cbig): 1})


def clamp(layer: LayerBuilder, h: Lin) -> Lin:
    """One unit ``z = ReLU(1 - h)``; the form ``1 - z`` is ``0`` for ``h = 0`` and ``1`` for ``h >= 1``.

    Applied to a step ``h = ReLU(s - t + 1)`` of the previous layer it gives
    ``[s >= t]`` when no data value of ``s - t`` lies in ``(-1, 0)``. In float64
    the unit is exact: ``fl(1 - h)`` is ``1`` for ``h = 0`` and at most ``0`` for ``h >= 1``.

    >>> from proofs.network import Network
    >>> b = LayerBuilder()
    >>> _ = b.unit(Lin({0: 1}, -2))  # h = ReLU(s - 3 + 1)
    >>> c = LayerBuilder()
    >>> f = clamp(c, Lin({0: 1}))
    >>> out = LayerBuilder()
    >>> _ = out.unit(f)
    >>> net = Network([b.build(1), c.build(1), out.build(1, relu=False)])
    >>> [int(v[0]) for v in net.evaluate([[0.5], [1.0], [3.0], [7.25]]).as_fractions()]
    [0, 0, 1, 1]
    """
    return Lin({layer.unit(-h + 1): -1}, 1)
