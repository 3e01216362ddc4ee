"""Exact sizes of the narrow regimes: widths 1, 2 and 3 (``docs/theory/upper.md``, Lemmas 11-13).

After the unit ``s`` of Lemma 2, the data sit on a line, sorted, with integer
codes ``c_1 < ... < c_N`` and shifted labels ``l_1, ..., l_N``. Between
consecutive points ``k`` and ``k + 1`` lies a *ramp*
``ReLU(s - a_k) - ReLU(s - a_k - 1)`` with ``a_k = c_k + 2``: ``0`` on the
points up to ``k``, ``1`` on the later ones. Its weight is the label step
``l_(k+1) - l_k``. Three layouts, a :class:`NarrowLayout` each:

- ``"chain"`` (width 2): one knot per layer, ``u = ReLU(u' - (t - t'))`` down
  the ``2 (N - 1)`` knots, and an accumulator that adds each knot's unit with
  the offset ``B = 2**(n_b + n_c - 1)`` keeping it positive; depth ``2N - 1``;
- ``"pipeline"`` (width 3, ``N >= 3``): both knots of a ramp in one layer and
  the accumulator one layer behind; depth ``N``;
- ``"clamp"`` (width 1): a width-1 network is a clamped affine function of one
  projection; it memorizes only labels of that shape (the builder decides it on
  the data), always when ``N = 2``; depth 2.

A ramp between equal labels (a *tie*) has weight ``0`` and is not stored, so
the nonzero count of the chain and the pipeline is ``2 ties`` below the count
without ties; every other size depends only on ``N, d, n_b, n_c`` and the
least label. These formulas *equal* what ``proofs.narrow`` builds
(``tests/test_narrow.py``).

Examples
--------
>>> lay = NarrowLayout(N=5, d=2, n_b=10, n_c=2, kind="chain")
>>> lay.depth, lay.width, narrow_widths(lay)
(9, 2, [1, 1, 2, 2, 2, 2, 2, 2, 2])
>>> narrow_sizes(NarrowLayout(N=5, d=2, n_b=10, n_c=2, kind="pipeline", ties=1))["nonzeros"]
30
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bounds.errors import ParameterError

__all__ = [
    "NARROW_KINDS",
    "NarrowLayout",
    "narrow_for_width",
    "narrow_sizes",
    "narrow_widths",
]

#: The narrow regimes, by width.
NARROW_KINDS = {1: "clamp", 2: "chain", 3: "pipeline"}


@dataclass(frozen=True)
class NarrowLayout:
    """The integers that fix a narrow network.

    Attributes
    ----------
    N, d : int
        Points and input dimension.
    n_b, n_c : int
        Code and label bits.
    kind : str
        ``"clamp"`` (width 1), ``"chain"`` (width 2) or ``"pipeline"`` (width 3, ``N >= 3``).
    label_min : int
        Smallest label (in the output bias).
    ties : int
        Neighbours in the projected order with equal labels (chain and pipeline):
        their ramps have weight ``0`` and are not stored.
    """

    N: int
    d: int
    n_b: int
    n_c: int
    kind: str
    label_min: int = 0
    ties: int = 0

    def __post_init__(self) -> None:
        if self.kind not in NARROW_KINDS.values():
            raise ParameterError(f"narrow layout kind {self.kind!r}: choose clamp, chain or pipeline")
        if self.N < 2 or self.d < 1 or self.n_b < 1 or self.n_c < 1:
            raise ParameterError(
                f"need N >= 2, d >= 1, n_b >= 1, n_c >= 1; got {self.N}, {self.d}, {self.n_b}, {self.n_c}"
            )
        if self.kind == "pipeline" and self.N < 3:
            raise ParameterError(f"a pipeline needs N >= 3 points, got N={self.N}; use the chain")
        top = 0 if self.kind == "clamp" else self.N - 1
        if not 0 <= self.ties <= top:
            raise ParameterError(f"ties must lie in 0..{top} for a {self.kind}, got {self.ties}")

    @property
    def regime(self) -> str:
        return self.kind

    @property
    def offset(self) -> int:
        """``B = 2**(n_b + n_c - 1)``: the accumulator holds ``B + l``, positive on the data."""
        return 1 << (self.n_b + self.n_c - 1)

    @property
    def knots(self) -> int:
        """Knots of the chain ``2 (N - 1)``, ramps of the pipeline ``N - 1``, none for a clamp."""
        return {"clamp": 0, "chain": 2 * (self.N - 1), "pipeline": self.N - 1}[self.kind]

    @property
    def depth(self) -> int:
        return {"clamp": 2, "chain": 2 * self.N - 1, "pipeline": self.N}[self.kind]

    @property
    def width(self) -> int:
        return {"clamp": 1, "chain": 2, "pipeline": 3}[self.kind]

    @property
    def output_bias(self) -> int:
        """``label_min`` for a clamp, ``label_min - B`` otherwise."""
        return self.label_min if self.kind == "clamp" else self.label_min - self.offset


def narrow_widths(lay: NarrowLayout) -> list[int]:
    """Every hidden width, first layer to last.

    >>> narrow_widths(NarrowLayout(N=4, d=3, n_b=8, n_c=1, kind="pipeline"))
    [1, 2, 3, 3]
    """
    if lay.kind == "clamp":
        return [1, 1]
    if lay.kind == "chain":
        return [1, 1] + [2] * (lay.knots - 1)
    return [1, 2] + [3] * (lay.N - 2)


def _params(lay: NarrowLayout) -> int:
    """Dense parameters of ``d -> widths -> 1``, in O(1) (the middle layers repeat)."""
    d, N = lay.d, lay.N
    if lay.kind == "clamp":
        return (d + 1) + 2 + 2
    if lay.kind == "chain":  # d -> 1 -> 1 -> 2 (x T-1) -> 1
        return (d + 1) + 2 + 2 * 2 + (lay.knots - 2) * 3 * 2 + 3
    return (d + 1) + 2 * 2 + 3 * 3 + (N - 3) * 4 * 3 + 4  # d -> 1 -> 2 -> 3 (x N-2) -> 1


def _nonzeros(lay: NarrowLayout) -> int:
    """Nonzero weights and biases (Lemmas 11-13 list every unit)."""
    d, N, out = lay.d, lay.N, int(lay.output_bias != 0)
    if lay.kind == "clamp":  # z1: d weights and a bias; z2: weight, bias; output: weight, bias?
        return (d + 1) + 2 + 1 + out
    T = lay.knots
    if lay.kind == "chain":
        # s; u_1; T - 1 layers of (u: weight, bias; G: G or B + l_1, and the knot weight);
        # output: G, the last knot's weight, the bias
        return (d + 1) + 2 + (T - 1) * 3 + 1 + T - 2 * lay.ties + out
    # s; (u_1, v_1); N - 2 layers of (u, v: weight, bias; G: G or B + l_1, two ramp weights);
    # output: G, the last ramp's two weights, the bias
    return (d + 1) + 4 + (N - 2) * 5 + 1 + 2 * (N - 1 - lay.ties) + out


def _max_bits(lay: NarrowLayout) -> int:
    """Largest numerator or denominator bits after the first layer (exact).

    Chain and pipeline: the first accumulator bias ``B + l_1`` has ``n_b + n_c``
    bits, above every knot (``a_1 + 1 <= 2**n_b + 2``) and every label step
    (``< 2**n_c``); the output bias ``label_min - B``. Clamp: the clamp's bias
    or weight ``D = max l``, with ``bitlength(D) = n_c``, and the output bias.
    """
    if lay.kind == "clamp":
        return max(lay.n_c, abs(lay.label_min).bit_length())
    return max(lay.n_b + lay.n_c, abs(lay.output_bias).bit_length())


def narrow_sizes(lay: NarrowLayout) -> dict[str, Any]:
    """Every size of the network built for ``lay`` (same keys as ``bounds.upper.layout_sizes``).

    >>> s = narrow_sizes(NarrowLayout(N=3, d=2, n_b=6, n_c=1, kind="clamp", label_min=-1))
    >>> s["width"], s["depth"], s["params"], s["nonzeros"], s["max_bits"]
    (1, 2, 7, 7, 1)
    """
    value_bits = None if lay.kind == "clamp" else lay.n_b + lay.n_c + 1
    return {
        "regime": lay.regime,
        "width": lay.width,
        "depth": lay.depth,
        "params": _params(lay),
        "nonzeros": _nonzeros(lay),
        "max_bits": _max_bits(lay),
        "max_bits_exact": True,
        "max_value_bits": value_bits,
        "k": None,
        "lanes": None,
        "steps": None,
        "slots": None,
        "groups": lay.N,
        "n_b": lay.n_b,
        "n_c": lay.n_c,
        "selection_depth": None,
        "extraction_depth": None,
        "lane_bits": None,
        "ties": lay.ties,
        "offset": None if lay.kind == "clamp" else lay.offset,
    }


def narrow_for_width(
    N: int, d: int, n_b: int, n_c: int, W: int, label_min: int = 0, ties: int = 0
) -> NarrowLayout | None:
    """The least-depth chain or pipeline of width at most ``W`` (``None`` for ``W < 2``).

    >>> narrow_for_width(10, 2, 12, 2, 3).kind, narrow_for_width(2, 2, 12, 2, 3).kind
    ('pipeline', 'chain')
    """
    if W < 2:
        return None
    kind = "pipeline" if W >= 3 and N >= 3 else "chain"
    return NarrowLayout(N, d, n_b, n_c, kind, label_min, ties)
