"""Exact sizes of our memorizing construction, and our theorem's constants.

The construction (``proofs.construction``, proven in ``docs/theory/upper.md``)
is fixed by a handful of integers, a :class:`Layout`:

- ``k`` bits per *digit* (``k = 1``: the deep regime, one bit per layer;
  ``k > 1``: the multi-bit regime, ``2**k - 1`` steps per digit);
- ``lanes`` extraction lanes, ``steps`` selection steps per layer;
- ``groups`` groups of ``lanes * slots`` consecutive points each;
- ``staircase``: one point per group and no equality test (the narrowest
  lane layouts, width 4);
- ``clamped``: the float64-safe layouts built under ``max_weight_bits``: one
  point per group, every step clamped to an exact ``0`` or ``1``, the label
  and a step counter accumulated as small integers (regime ``"float64"``).

Widths 1, 2 and 3 are the narrow regimes of :mod:`bounds.narrow` (a
:class:`~bounds.narrow.NarrowLayout`: ``"clamp"``, ``"chain"``, ``"pipeline"``);
:func:`plan` returns one of them when it is the least deep layout within a
width cap (ties go to the lane layouts), or the narrowest within a depth cap.

From a layout and the code and label bit counts ``n_b``, ``n_c`` this module
computes every size of the network the builder makes: the hidden widths, the
depth, the dense parameter count, the nonzeros, and the largest weight
numerator/denominator bits after the first layer. These are not bounds: the
tests check that they *equal* what ``proofs.construction.memorize`` builds
(``max_bits`` is exact where ``max_bits_exact`` says so, else a bound).
With ``max_weight_bits=B`` every weight and every value after the first layer,
partial sums of each dot product included, has at most ``B`` bits on the data
(``max_value_bits``), so for ``B <= 53`` float64 evaluation is exact after the
first layer once the first layer's rounding is certified
(``docs/theory/upper.md``, Lemma 10).
:func:`plan` picks the layout for a width, depth, parameter or bit budget,
and :func:`construction_sizes` is the one-call entry point.

Examples
--------
>>> s = construction_sizes(1000, 8, 10, 0.01, width=32)
>>> s["regime"], s["width"] <= 32
('deep', True)
>>> s["depth"] == plan(1000, 8, s["n_b"], s["n_c"], width=32).depth
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import sympy

from bounds.errors import InfeasibleError, ParameterError
from bounds.narrow import NarrowLayout, narrow_for_width, narrow_sizes, narrow_widths

__all__ = [
    "V_BITS",
    "MIN_DEPTH",
    "MAX_K",
    "FLOAT64_MIN_DEPTH",
    "Layout",
    "AnyLayout",
    "NarrowLayout",
    "WIDTH_ONE",
    "code_bits",
    "code_bits_for_gap",
    "label_bits",
    "layout_sizes",
    "plan",
    "construction_sizes",
    "lane_units",
    "hidden_widths",
    "THEOREM",
    "theorem_constants",
    "theorem_holds",
]

#: Fractional bits of the projection direction: ``v`` lies on the grid ``2**-V_BITS``.
V_BITS = 30
#: Least depth of the construction's layouts: ``s``, a selection layer and a
#: label digit (staircase, ``k >= n_c``) or a digit, a test and a product (one group).
MIN_DEPTH = 3
#: Least depth of the float64-safe layouts: ``s``, a step, its clamp, the accumulators.
FLOAT64_MIN_DEPTH = 4
#: Largest bits per digit the planner considers (``2**(MAX_K + 1) + 4`` units per lane).
MAX_K = 6
#: Why width 1 is refused without data (``docs/theory/upper.md``, Lemma 13).
WIDTH_ONE = (
    "a width-1 network is a clamped affine function of one projection (docs/theory/upper.md, "
    "Lemma 13), so it memorizes N > 2 points only for labels of that shape"
)


# -- bit counts -------------------------------------------------------------------
def code_bits_for_gap(gap: Fraction) -> tuple[int, int]:
    """Scale exponent ``e`` and code bits ``n_b`` for a projected gap ``gap``.

    ``e >= 1`` is least with ``2**e * gap >= 4`` (data 4 apart after scaling);
    codes lie in ``[1, 2**(e+1) + 3)``, so ``n_b = e + 2``.

    >>> code_bits_for_gap(Fraction(1, 100))
    (9, 11)
    """
    if gap <= 0:
        raise ParameterError(f"the projected gap must be positive, got {gap}")
    e = 1
    while (gap * (1 << e)) < 4:
        e += 1
    return e, e + 2


def code_bits(N: int, d: int, delta: float) -> int:
    """Guaranteed code bits: ``n_b`` for the gap ``gamma = delta / (N**2 sqrt d)``.

    Decided exactly: ``e`` is least with ``(2**e delta)**2 >= 16 N**4 d``.

    >>> code_bits(1000, 8, 0.01)
    33
    """
    _check_problem(N, d, 2, delta)
    dl = Fraction(delta)
    e = 1
    while (dl * (1 << e)) ** 2 < 16 * N**4 * d:
        e += 1
    return e + 2


def label_bits(C: int) -> int:
    """Label bits ``n_c = max(1, ceil(log2 C))``: labels shifted to ``0..C-1``.

    >>> [label_bits(c) for c in (2, 3, 4, 5, 10)]
    [1, 2, 2, 3, 4]
    """
    if C < 1:
        raise ParameterError(f"need at least one class, got C={C}")
    return max(1, (C - 1).bit_length())


def _check_problem(N: int, d: int, C: int, delta: float) -> None:
    if N < 2:
        raise ParameterError(f"need N >= 2 points, got N={N}")
    if d < 1:
        raise ParameterError(f"need dimension d >= 1, got d={d}")
    if C < 1:
        raise ParameterError(f"need C >= 1 classes, got C={C}")
    if not (0 < delta <= 2):
        raise ParameterError(f"delta must lie in (0, 2] for points of the unit ball, got {delta}")


# -- layouts ------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """The integers that fix the construction.

    Attributes
    ----------
    N, d : int
        Points and input dimension.
    n_b, n_c : int
        Code and label bits.
    k : int
        Bits per digit.
    lanes : int
        Extraction lanes (each holds ``slots`` points of every group).
    steps : int
        Selection steps per selection layer.
    slots : int
        Slots per lane; a group holds ``lanes * slots`` points.
    label_min : int
        Smallest label (the output bias).
    staircase : bool
        One point per group and no equality test: the lane only reads the
        label digits of the selected point (needs ``lanes = slots = 1``).
    clamped : bool
        The float64-safe layout (one point per group, clamped steps, label and
        counter accumulators; needs ``k = lanes = slots = 1``).
    """

    N: int
    d: int
    n_b: int
    n_c: int
    k: int
    lanes: int
    steps: int
    slots: int
    label_min: int = 0
    staircase: bool = False
    clamped: bool = False

    def __post_init__(self) -> None:
        if self.staircase and (self.lanes, self.slots) != (1, 1):
            raise ParameterError("a staircase layout has one lane and one slot")
        if self.clamped and (self.staircase or (self.k, self.lanes, self.slots) != (1, 1, 1)):
            raise ParameterError("a clamped layout has k = 1, one lane, one slot and is no staircase")

    @property
    def S(self) -> int:
        """Step pairs per digit, ``2**k - 1``."""
        return (1 << self.k) - 1

    @property
    def kb(self) -> int:
        """Digits of a code field."""
        return -(-self.n_b // self.k)

    @property
    def kc(self) -> int:
        """Digits of a label field."""
        return -(-self.n_c // self.k)

    @property
    def w(self) -> int:
        """Digits per slot."""
        return self.kb + self.kc

    @property
    def group_size(self) -> int:
        return self.lanes * self.slots

    @property
    def groups(self) -> int:
        """Number of groups ``M = ceil(N / (lanes * slots))``."""
        return -(-self.N // self.group_size)

    @property
    def lane_bits(self) -> int:
        """Bits of a packed lane number, ``k * slots * w``."""
        return self.k * self.slots * self.w

    @property
    def selection_depth(self) -> int:
        """Selection layers ``ceil((M - 1) / steps)``."""
        return -(-(self.groups - 1) // self.steps) if self.groups > 1 else 0

    @property
    def extraction_depth(self) -> int:
        """Extraction layers ``(slots - 1) w + kc + 2`` (``kc`` for a staircase, 2 if clamped)."""
        if self.clamped:  # the last clamps, then the accumulators
            return 2
        if self.staircase:
            return self.kc
        return (self.slots - 1) * self.w + self.kc + 2

    @property
    def depth(self) -> int:
        return 1 + self.selection_depth + self.extraction_depth

    @property
    def regime(self) -> str:
        if self.clamped:
            return "float64"
        if self.staircase:
            return "staircase"
        return "deep" if self.k == 1 else "multibit"

    def q(self, r: int) -> int:
        """Bits below the code field of slot ``r`` when it is tested."""
        return self.k * self.w * (self.slots - 1 - r)

    @property
    def Q(self) -> int:
        """The output accumulator holds ``2**Q`` times the output."""
        return self.q(0) + 1

    def selection_steps(self, a: int) -> int:
        """Steps in selection layer ``a``."""
        return min(self.steps, self.groups - 1 - a * self.steps)

    # -- extraction layer ``i`` (0-based): which units it holds --------------------
    def is_digit(self, i: int) -> bool:
        """Layer ``i`` extracts a digit (all digits before the last slot's code)."""
        return i < (self.slots - 1) * self.w + self.kc

    def has_u(self, i: int) -> bool:
        """Layer ``i`` carries the rest of the lane number (a staircase drops it last)."""
        return self.is_digit(i) and not (self.staircase and i == self.kc - 1)

    def has_lab(self, i: int) -> bool:
        r, j = divmod(i, self.w)
        if self.staircase:
            return 1 <= i <= self.kc - 1
        return r < self.slots and 1 <= j <= self.kc

    def is_trap(self, i: int) -> bool:
        r, j = divmod(i, self.w)
        return not self.staircase and r < self.slots and j == self.kc

    def is_prod(self, i: int) -> bool:
        r, j = divmod(i - 1, self.w)
        return not self.staircase and 0 <= r < self.slots and j == self.kc and i >= 1

    def has_s(self, i: int) -> bool:
        """``s`` is carried up to the layer before the last equality test."""
        return not self.staircase and i < (self.slots - 1) * self.w + self.kc

    def has_out(self, i: int) -> bool:
        """The output accumulator exists after the first product layer."""
        return not self.staircase and i >= self.kc + 2

    def per_lane(self, i: int) -> int:
        return (
            2 * self.S * self.is_digit(i)
            + self.has_u(i)
            + self.has_lab(i)
            + 4 * self.is_trap(i)
            + self.is_prod(i)
        )

    def extraction_width(self, i: int) -> int:
        return self.has_s(i) + self.has_out(i) + self.lanes * self.per_lane(i)

    @property
    def selection_width(self) -> int:
        """Widest selection layer (1 when there is none)."""
        D1 = self.selection_depth
        if D1 == 0:
            return 1
        widths = [1 + 2 * self.selection_steps(0)]
        if D1 >= 2:
            widths += [1 + 2 * self.selection_steps(a) + self.lanes for a in (1, D1 - 1)]
        return max(widths)

    @property
    def extraction_max_width(self) -> int:
        """Widest extraction layer: an equality test with a digit, or one slot only."""
        if self.staircase:
            return 2 * self.S + min(2, self.kc - 1)
        if self.slots >= 2:  # the output accumulator exists from slot 1 on
            return 1 + (self.slots >= 3) + self.lanes * (2 * self.S + 6)
        return max(1 + self.lanes * (2 * self.S + 1 + (self.kc >= 2)), 5 * self.lanes)

    @property
    def width(self) -> int:
        if self.clamped:
            return max(w for w, _ in _clamped_layers(self, _clamped_indices(self)))
        return max(self.selection_width, self.extraction_max_width)

    @property
    def counter(self) -> int:
        """``K = 2**n_c``: a clamped layout's label weights ``label_g - label_(g-1) + K`` are positive."""
        return 1 << self.n_c


#: What :func:`plan` returns: a lane layout or a narrow one (widths 1-3).
AnyLayout = Layout | NarrowLayout


def _clamped_indices(lay: Layout) -> list[int]:
    """Hidden layers (after ``s``) of a clamped layout that differ from their neighbours."""
    top = lay.selection_depth + 1
    return sorted({a for a in (0, 1, 2, 3, top - 2, top - 1, top) if 0 <= a <= top})


def _clamped_layers(lay: Layout, indices: list[int]) -> list[tuple[int, int]]:
    """Width and nonzeros of hidden layers ``a`` (after ``s``) of a clamped layout.

    Layer ``a < D1`` holds ``s``, the steps ``ReLU(s - t + 1)`` of its groups
    and the clamps ``ReLU(1 - h)`` of the previous layer's steps; layer ``D1``
    the last clamps; layers ``2 .. D1 + 1`` the label and counter accumulators,
    which add the clamps of two layers before.
    """
    D1 = lay.selection_depth

    def st(a: int) -> int:
        return lay.selection_steps(a) if 0 <= a < D1 else 0

    out = []
    for a in indices:
        acc = 2 <= a <= D1 + 1
        width = (a < D1) * (1 + st(a)) + 2 * acc + st(a - 1)
        nz = (a < D1) * (1 + 2 * st(a)) + 2 * acc * ((a >= 3) + st(a - 2) + 1) + 2 * st(a - 1)
        out.append((width, nz))
    return out


def _u_terms(lay: Layout, i: int) -> tuple[int, bool]:
    """Nonzero weights of the lane form ``U_i`` and whether it has a bias."""
    if i >= 1:
        return 1 + 2 * lay.S, False
    D1 = lay.selection_depth
    if D1 == 0:
        return 0, True
    last = 2 * lay.selection_steps(D1 - 1)
    return (last, True) if D1 == 1 else (last + 1, False)


def _extraction_layer(lay: Layout, i: int) -> tuple[int, int]:
    """Width and nonzeros (weights plus biases) of extraction layer ``i``."""
    nz = 0
    if lay.has_s(i):
        nz += 1
    if lay.has_out(i):
        nz += lay.has_out(i - 1) + lay.lanes * lay.is_prod(i - 1)
    per = 0
    if lay.is_digit(i):
        terms, has_bias = _u_terms(lay, i)
        u = lay.has_u(i)
        per += (u + 2 * lay.S) * terms + 2 * lay.S + (u and has_bias)
    if lay.has_lab(i):
        per += (1 if i % lay.w >= 2 else 0) + 2 * lay.S
    if lay.is_trap(i):
        per += 4 * (2 + 2 * lay.S) + 4
    if lay.is_prod(i):
        per += 5 + 1
    return lay.extraction_width(i), nz + lay.lanes * per


def _selection_layer(lay: Layout, a: int) -> tuple[int, int]:
    """Width and nonzeros of selection layer ``a``."""
    sa = lay.selection_steps(a)
    nz = 1 + 4 * sa
    if a >= 1:
        nz += lay.lanes * ((a >= 2) + 2 * lay.selection_steps(a - 1) + (a == 1))
    return 1 + 2 * sa + lay.lanes * (a >= 1), nz


Block = tuple[list[tuple[int, int]], int]


def _blocks(lay: Layout) -> list[Block]:
    """Hidden and output layers as ``([(width, nonzeros), ...], repeats)`` blocks.

    Runs of identical layers (middle selection layers, middle slots) appear
    once with their repeat count, so sizes cost O(slot digits), not O(depth).
    """
    out: list[Block] = [([(1, lay.d + 1)], 1)]
    D1 = lay.selection_depth
    if lay.clamped:
        if D1 >= 6:  # layers 3 .. D1 - 2 are alike
            out.append((_clamped_layers(lay, [0, 1, 2]), 1))
            out.append((_clamped_layers(lay, [3]), D1 - 4))
            out.append((_clamped_layers(lay, [D1 - 1, D1, D1 + 1]), 1))
        else:
            out.append((_clamped_layers(lay, list(range(D1 + 2))), 1))
        out.append(([(1, 2 + (lay.label_min != 0))], 1))  # label - K * counter + label_min
        return out
    if D1 >= 4:
        out.append(([_selection_layer(lay, 0), _selection_layer(lay, 1)], 1))
        out.append(([_selection_layer(lay, 2)], D1 - 3))
        out.append(([_selection_layer(lay, D1 - 1)], 1))
    else:
        out.append(([_selection_layer(lay, a) for a in range(D1)], 1))
    D2, w, m = lay.extraction_depth, lay.w, lay.slots
    spans = [(0, 2 * w, 1), (2 * w, 3 * w, m - 3), ((m - 1) * w, D2, 1)] if m >= 4 else [(0, D2, 1)]
    for lo, hi, mult in spans:
        out.append(([_extraction_layer(lay, i) for i in range(lo, hi)], mult))
    last = D2 - 1
    if lay.staircase:  # lab so far plus the last digit's steps
        out.append(([(1, lay.has_lab(last) + 2 * lay.S + (lay.label_min != 0))], 1))
    else:
        out.append(([(1, lay.has_out(last) + lay.lanes + (lay.label_min != 0))], 1))
    return [(layers, mult) for layers, mult in out if layers]


def layout_sizes(lay: AnyLayout) -> dict[str, Any]:
    """Every size of the network built for ``lay`` (narrow layouts: :func:`bounds.narrow.narrow_sizes`).

    >>> lay = Layout(N=10, d=3, n_b=5, n_c=1, k=1, lanes=1, steps=2, slots=2)
    >>> s = layout_sizes(lay)
    >>> s["depth"], s["width"], s["groups"]
    (12, 9, 5)
    """
    if isinstance(lay, NarrowLayout):
        return narrow_sizes(lay)
    params = nonzeros = depth = 0
    prev = lay.d
    for layers, mult in _blocks(lay):
        first = prev
        for width, _ in layers:
            params += (first + 1) * width
            first = width
        if mult > 1:
            again = layers[-1][0]
            for width, _ in layers:
                params += (mult - 1) * (again + 1) * width
                again = width
        nonzeros += mult * sum(nz for _, nz in layers)
        depth += mult * len(layers)
        prev = layers[-1][0]
    hidden = depth - 1
    return {
        "regime": lay.regime,
        "width": lay.width,
        "depth": hidden,
        "params": params,
        "nonzeros": nonzeros,
        "max_bits": _max_bits(lay),
        "max_bits_exact": lay.selection_depth >= 2 and not lay.clamped,
        "max_value_bits": _max_value_bits(lay),
        "k": lay.k,
        "lanes": lay.lanes,
        "steps": lay.steps,
        "slots": lay.slots,
        "groups": lay.groups,
        "n_b": lay.n_b,
        "n_c": lay.n_c,
        "selection_depth": lay.selection_depth,
        "extraction_depth": lay.extraction_depth,
        "lane_bits": lay.lane_bits,
    }


def hidden_widths(lay: AnyLayout) -> list[int]:
    """Every hidden width, first layer to last.

    >>> hidden_widths(Layout(N=4, d=2, n_b=3, n_c=1, k=1, lanes=1, steps=1, slots=2))
    [1, 3, 4, 9, 5, 5, 5, 6, 2]
    """
    if isinstance(lay, NarrowLayout):
        return narrow_widths(lay)
    out: list[int] = []
    for layers, mult in _blocks(lay)[:-1]:
        out.extend(width for width, _ in layers * mult)
    return out


# -- planning ----------------------------------------------------------------------
def lane_units(k: int) -> int:
    """Units of one lane in an equality-test layer: ``u_k = 2**(k+1) + 4``.

    >>> [lane_units(k) for k in (1, 2, 3)]
    [8, 12, 20]
    """
    return 2 * ((1 << k) - 1) + 6


def _digits(n_b: int, n_c: int, k: int) -> tuple[int, int]:
    return -(-n_b // k), -(-n_c // k)


def _bits_of(k: int, w: int, kc: int, m: int, n_c: int, label_min: int) -> int:
    """Largest weight bits after the first layer (see :func:`_max_bits`)."""
    q0 = k * w * (m - 1)
    cands = [
        k * m * w,  # the first digit threshold S * 2**(k (m w - 1))
        k * (m * w - kc) + 2,  # 2 t on the first equality test
        q0 + 3,  # equality-test bias 5 * 2**q
        q0 + n_c + 2,  # product bias 2**(q+1) * 2**n_c
        q0 + 2,  # output denominator 2**Q, Q = q0 + 1
    ]
    if label_min:
        cands.append(q0 + 1 + abs(label_min).bit_length())
    return max(cands)


def _clamped_bits(n_b: int, n_c: int, steps: int, label_min: int) -> int:
    """A bound on the weight bits after the first layer of a clamped layout.

    Step biases ``1 - t`` (``t <= 2**n_b + 2``), label weights below ``2 K``,
    accumulator biases below ``(2 steps + 1) K`` and the output bias.
    """
    return max(n_b + 1, n_c + (2 * steps + 1).bit_length(), abs(label_min).bit_length(), 1)


def _clamped_value_bits(N: int, n_b: int, n_c: int, label_min: int) -> int:
    """A bound on the bits of every value and partial sum after the first layer, clamped.

    A step's terms: ``|s| + |1 - t| < 2**(n_b + 1) + 2``; an accumulator's:
    the previous value, its weights and bias, all below ``(2 N + 1) 2**n_c``.
    """
    return max(n_b + 2, n_c + (2 * N + 1).bit_length(), abs(label_min).bit_length() + 1)


def _max_value_bits(lay: Layout) -> int:
    """A bound on the bits of every hidden value after the first layer."""
    if lay.clamped:
        return _clamped_value_bits(lay.N, lay.n_b, lay.n_c, lay.label_min)
    return lay.lane_bits + 1


def _max_bits(lay: Layout) -> int:
    """Largest numerator or denominator bits in every layer after the first."""
    if lay.clamped:
        return _clamped_bits(lay.n_b, lay.n_c, lay.steps, lay.label_min)
    if lay.staircase:  # the first digit threshold, and the output bias
        return max(lay.k * lay.w, abs(lay.label_min).bit_length())
    return _bits_of(lay.k, lay.w, lay.kc, lay.slots, lay.n_c, lay.label_min)


def _slot_candidates(top: int, star: float) -> list[int]:
    """Slots to try: 1, 2, 3, the largest allowed, and every integer in
    ``[star / 2 - 2, 2 star + 3]`` around the continuous optimum ``star``."""
    top = max(1, top)
    lo, hi = max(1, int(star / 2) - 2), min(top, int(2 * star) + 3)
    return sorted(c for c in {1, 2, 3, top, *range(lo, hi + 1)} if c <= top)


def _lane_candidates(top: int, extra: int) -> list[int]:
    cands = set(range(1, min(top, 64) + 1))
    x = 64.0
    while x < top:
        cands.add(int(x))
        x *= 1.1
    cands.update({top, extra})
    return sorted(c for c in cands if 1 <= c <= top)


def _fixed_width(
    N: int, d: int, n_b: int, n_c: int, label_min: int, W: int, ties: int = 0
) -> AnyLayout | None:
    """The least-depth layout of width at most ``W`` (ties: least width, then a lane layout).

    The chain and the pipeline (widths 2 and 3) are candidates at every ``W >= 2``:
    at ``W = 4, 5`` the pipeline (depth ``N``) is shallower than the staircase
    (depth ``N + kc``), so a width cap never costs depth.
    """
    best: AnyLayout | None = None
    for k in range(1, MAX_K + 1):
        kb, kc = _digits(n_b, n_c, k)
        steps = max(1, min(N - 1, (W - 2) // 2 if N - 1 > (W - 1) // 2 else N - 1))
        lay = Layout(N, d, n_b, n_c, k, 1, steps, 1, label_min, staircase=True)
        if lay.width <= W and (best is None or (lay.depth, lay.width) < (best.depth, best.width)):
            best = lay
        for lanes in _lane_candidates(max(1, (W - 2) // 5), (W - 2) // lane_units(k)):
            steps = max(1, (W - 1 - lanes) // 2)
            top = -(-N // lanes)
            # minimizer of N / (lanes m steps) + m w, the depth without ceilings
            for m in _slot_candidates(top, math.sqrt(N / (lanes * steps * (kb + kc)))):
                lay = Layout(N, d, n_b, n_c, k, lanes, steps, m, label_min)
                if 2 <= lay.groups <= steps + 1:
                    lay = Layout(N, d, n_b, n_c, k, lanes, lay.groups - 1, m, label_min)
                if best is not None and lay.depth > best.depth:
                    continue
                if lay.width > W:
                    continue
                if best is None or (lay.depth, lay.width) < (best.depth, best.width):
                    best = lay
    narrow = narrow_for_width(N, d, n_b, n_c, W, label_min, ties)
    if narrow is not None and (best is None or narrow.depth < best.depth):
        best = narrow
    return best


def _narrow_within(N: int, d: int, n_b: int, n_c: int, label_min: int, L: int, ties: int) -> AnyLayout | None:
    """The narrowest chain or pipeline of depth at most ``L``, if any."""
    for W in (2, 3):
        lay = narrow_for_width(N, d, n_b, n_c, W, label_min, ties)
        if lay is not None and lay.depth <= L:
            return lay
    return None


def _fixed_depth(
    N: int, d: int, n_b: int, n_c: int, label_min: int, L: int, ties: int = 0
) -> AnyLayout | None:
    """The least-width layout of depth at most ``L`` (ties: least depth).

    The chain (width 2, depth ``2N - 1``) and the pipeline (width 3, depth
    ``N``) win whenever they fit.
    """
    narrow = _narrow_within(N, d, n_b, n_c, label_min, L, ties)
    if narrow is not None:
        return narrow
    best: Layout | None = None
    for k in range(1, MAX_K + 1):
        kb, kc = _digits(n_b, n_c, k)
        w = kb + kc
        room = L - 1 - kc
        if room >= 1:
            lay = Layout(N, d, n_b, n_c, k, 1, -(-(N - 1) // room), 1, label_min, staircase=True)
            if best is None or (lay.width, lay.depth) < (best.width, best.depth):
                best = lay
        # the extraction depth (m - 1) w + kc + 2 and the first layer must fit
        m_hi = (L - 3 - kc) // w + 1
        if m_hi < 1:
            continue
        for lanes in _lane_candidates(N, 1):
            if best is not None and 5 * lanes > best.width:
                break
            top = min(m_hi, -(-N // lanes))
            # maximizer of m (L - m w), the room for selection steps times slots
            for m in _slot_candidates(top, (L - kc - 3) / (2 * w)):
                lay = Layout(N, d, n_b, n_c, k, lanes, 1, m, label_min)
                if lay.groups > 1:
                    room = L - 1 - lay.extraction_depth
                    if room < 1:
                        continue
                    lay = Layout(N, d, n_b, n_c, k, lanes, -(-(lay.groups - 1) // room), m, label_min)
                if lay.depth > L:
                    continue
                if best is None or (lay.width, lay.depth) < (best.width, best.depth):
                    best = lay
    return best


def plan(
    N: int,
    d: int,
    n_b: int,
    n_c: int,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    max_weight_bits: int | None = None,
    label_min: int = 0,
    ties: int = 0,
    fits_clamp: bool = False,
) -> AnyLayout:
    """The layout the builder uses for these sizes and requests.

    ``width`` and ``depth`` are caps on the built network. With ``width`` only,
    the least depth is chosen; with ``depth`` only, the least width; with
    both, the least depth within the width (it must not exceed ``depth``);
    with ``params`` only, the least depth whose dense parameter count fits.
    With nothing, ``width = 32``. ``max_weight_bits`` selects the float64-safe
    clamped layouts (regime ``"float64"``), planned the same way, whose
    weights, values and partial sums after the first layer fit that many bits.

    Width 2 and 3 are met for any labels (the chain and the pipeline of
    :mod:`bounds.narrow`); ``ties`` (neighbours with equal labels, known from
    the data) only changes their nonzero count. Width 1 (the clamp) is met for
    ``N = 2``, and otherwise only when ``fits_clamp`` says the builder found the
    labels to be a clamped affine function of a projection (Lemma 13); it is
    never chosen unless asked for.

    Raises
    ------
    InfeasibleError
        No layout meets the request; the message names the nearest feasible sizes.

    Examples
    --------
    >>> lay = plan(500, 4, 20, 2, width=16)
    >>> (lay.regime, lay.k, lay.lanes, lay.width <= 16)
    ('multibit', 2, 2, True)
    >>> plan(500, 4, 20, 2, width=3).regime, plan(500, 4, 20, 2, width=2).depth
    ('pipeline', 999)
    >>> plan(500, 4, 20, 2, depth=2)
    Traceback (most recent call last):
    ...
    bounds.errors.InfeasibleError: depth 2 is below the least depth 3 of this construction ...
    >>> plan(500, 4, 20, 2, width=1)
    Traceback (most recent call last):
    ...
    bounds.errors.InfeasibleError: width 1: a width-1 network is a clamped affine function ...
    """
    if N < 2 or d < 1 or n_b < 1 or n_c < 1:
        raise ParameterError(f"need N >= 2, d >= 1, n_b >= 1, n_c >= 1; got {N}, {d}, {n_b}, {n_c}")
    for name, val in (("width", width), ("depth", depth), ("params", params), ("max_weight_bits",
                                                                              max_weight_bits)):
        if val is not None and (not isinstance(val, int) or val < 1):
            raise ParameterError(f"{name} must be a positive integer, got {val!r}")
    if width is None and depth is None and params is None:
        width = 32
    if max_weight_bits is not None:
        return _clamped_plan(N, d, n_b, n_c, label_min, width, depth, params, max_weight_bits)
    if width == 1:
        return _clamp_plan(N, d, n_b, n_c, label_min, depth, params, fits_clamp)
    if depth is not None and depth < MIN_DEPTH:
        raise InfeasibleError(
            f"depth {depth} is below the least depth {MIN_DEPTH} of this construction "
            f"(the unit s, a selection layer, a label digit); use depth >= "
            f"{MIN_DEPTH}, or a one- or two-hidden-layer construction from proofs.baselines"
        )
    if params is not None and width is None and depth is None:
        return _fixed_params(N, d, n_b, n_c, label_min, params, ties)
    if width is not None:
        lay = _fixed_width(N, d, n_b, n_c, label_min, width, ties)
        if lay is None:
            raise InfeasibleError(f"no layout of width <= {width} fits; use a larger width")
        if depth is not None and lay.depth > depth:
            alt = _fixed_depth(N, d, n_b, n_c, label_min, depth, ties)
            hint = f"; or depth {depth} with width {alt.width}" if alt else ""
            raise InfeasibleError(
                f"width {width} and depth {depth} are too small for N={N} points with "
                f"{n_b} code bits and {n_c} label bits: the least depth at width {width} is "
                f"{lay.depth}{hint}"
            )
        if params is not None:
            _check_params(lay, params)
        return lay
    assert depth is not None
    lay = _fixed_depth(N, d, n_b, n_c, label_min, depth, ties)
    if lay is None:
        raise InfeasibleError(
            f"no layout of depth <= {depth} fits N={N} points with {n_b} code bits and "
            f"{n_c} label bits; use a larger depth"
        )
    if params is not None:
        _check_params(lay, params)
    return lay


def _clamped(N: int, d: int, n_b: int, n_c: int, label_min: int, steps: int) -> Layout:
    steps = max(1, min(steps, N - 1))
    return Layout(N, d, n_b, n_c, 1, 1, steps, 1, label_min, clamped=True)


def _clamped_width(N: int, d: int, n_b: int, n_c: int, label_min: int, W: int) -> Layout | None:
    """The least-depth clamped layout of width at most ``W`` (width grows with the steps)."""
    lo, hi = 1, N - 1
    if _clamped(N, d, n_b, n_c, label_min, 1).width > W:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _clamped(N, d, n_b, n_c, label_min, mid).width <= W:
            lo = mid
        else:
            hi = mid - 1
    lay = _clamped(N, d, n_b, n_c, label_min, lo)
    # fewest steps with the same selection depth: same depth, least width
    return _clamped(N, d, n_b, n_c, label_min, -(-(N - 1) // lay.selection_depth))


def _clamped_plan(
    N: int, d: int, n_b: int, n_c: int, label_min: int,
    width: int | None, depth: int | None, params: int | None, bits: int,
) -> Layout:
    """:func:`plan` under ``max_weight_bits``: the float64-safe clamped layouts."""
    need = max(_clamped_value_bits(N, n_b, n_c, label_min), _clamped_bits(n_b, n_c, 1, label_min))
    if need > bits:
        raise InfeasibleError(
            f"max_weight_bits={bits} is too small: codes of {n_b} bits and {N} points need {need} "
            f"bits for the clamped steps and counters; use max_weight_bits >= {need}"
        )
    if depth is not None and depth < FLOAT64_MIN_DEPTH:
        raise InfeasibleError(
            f"depth {depth} is below the least depth {FLOAT64_MIN_DEPTH} of the float64-safe "
            f"construction (s, a step, its clamp, the accumulators); use depth >= {FLOAT64_MIN_DEPTH}"
        )
    least = _clamped(N, d, n_b, n_c, label_min, 1).width
    if width is not None and width < least:
        raise InfeasibleError(
            f"width {width} is below the least width {least} of the float64-safe construction for "
            f"N={N} points; use width >= {least}"
        )
    if params is not None and width is None and depth is None:
        best: Layout | None = None
        smallest: int | None = None
        W = least
        while W <= min(1 << 16, 4 * math.isqrt(params) + 24):
            lay = _clamped_width(N, d, n_b, n_c, label_min, W)
            if lay is not None:
                p = layout_sizes(lay)["params"]
                smallest = p if smallest is None else min(smallest, p)
                if p <= params and (best is None or lay.depth < best.depth):
                    best = lay
            W = W + 1 if W < 24 else int(W * 1.25)
        if best is None:
            raise InfeasibleError(
                f"no float64-safe layout fits {params} parameters for N={N} points; the smallest "
                f"found needs {smallest if smallest is not None else 'more'} parameters"
            )
        return best
    if width is not None:
        found = _clamped_width(N, d, n_b, n_c, label_min, width)
        assert found is not None
        if depth is not None and found.depth > depth:
            alt = _clamped(N, d, n_b, n_c, label_min, -(-(N - 1) // max(1, depth - 3)))
            raise InfeasibleError(
                f"width {width} and depth {depth} are too small for the float64-safe construction "
                f"of N={N} points: the least depth at width {width} is {found.depth}; or depth "
                f"{depth} with width {alt.width}"
            )
    else:
        assert depth is not None
        found = _clamped(N, d, n_b, n_c, label_min, -(-(N - 1) // (depth - 3)))
    if params is not None:
        _check_params(found, params)
    return found


def _clamp_plan(
    N: int, d: int, n_b: int, n_c: int, label_min: int,
    depth: int | None, params: int | None, fits_clamp: bool,
) -> NarrowLayout:
    """:func:`plan` at width 1: the clamp, for ``N = 2`` or labels the builder found to fit."""
    if N > 2 and not fits_clamp:
        raise InfeasibleError(
            f"width 1: {WIDTH_ONE}; memorize decides this on the data (labels of two values "
            f"separated by a hyperplane fit), without data the least width for any labels is 2; "
            f"use width >= 2"
        )
    if depth is not None and depth < 2:
        raise InfeasibleError(
            f"depth {depth} is below the least depth 2 of a width-1 network that clamps on both "
            f"sides; use depth >= 2, or a one-hidden-layer construction from proofs.baselines"
        )
    lay = NarrowLayout(N, d, n_b, n_c, "clamp", label_min)
    if params is not None:
        _check_params(lay, params)
    return lay


def _check_params(lay: AnyLayout, params: int) -> None:
    got = layout_sizes(lay)["params"]
    if got > params:
        raise InfeasibleError(
            f"the layout for these sizes has {got} parameters, above the budget {params}; "
            f"raise the budget to {got} or relax width/depth"
        )


def _fixed_params(N: int, d: int, n_b: int, n_c: int, label_min: int, P: int, ties: int = 0) -> AnyLayout:
    """Least depth whose dense parameter count is at most ``P``, over a grid of widths up to ``4 sqrt(P)``.

    The chain and the pipeline are candidates too (about ``12 N`` parameters);
    depth ties go to the wider layouts.
    """
    best: AnyLayout | None = None
    least: tuple[int, AnyLayout] | None = None
    W = 5
    # a layout of width W has a layer of W units fed by one of at least W / 4
    top = min(1 << 16, 4 * math.isqrt(P) + 24)
    narrow = [narrow_for_width(N, d, n_b, n_c, w, label_min, ties) for w in (3, 2)]
    while W <= top:
        lay = _fixed_width(N, d, n_b, n_c, label_min, W, ties)
        for cand in [lay, *narrow] if W == 5 else [lay]:
            if cand is None:
                continue
            p = layout_sizes(cand)["params"]
            if least is None or p < least[0]:
                least = (p, cand)
            if p <= P and (best is None or cand.depth < best.depth):
                best = cand
        W = W + 1 if W < 24 else int(W * 1.25)
    if best is None:
        need = least[0] if least else "more"
        raise InfeasibleError(
            f"no layout fits {P} parameters for N={N} points with {n_b} code bits and {n_c} "
            f"label bits; the smallest found needs {need} parameters"
        )
    return best


def construction_sizes(
    N: int,
    d: int,
    C: int,
    delta: float,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    n_b: int | None = None,
    n_c: int | None = None,
    max_weight_bits: int | None = None,
    label_min: int = 0,
    ties: int = 0,
    fits_clamp: bool = False,
) -> dict[str, Any]:
    """Sizes of the network ``memorize`` builds for ``N`` points of ``R^d`` with ``C`` classes.

    ``n_b`` is the code bit count actually used (``memorize`` reports it);
    ``None`` means the guaranteed one, :func:`code_bits` ``(N, d, delta)``.
    ``n_c`` defaults to :func:`label_bits` ``(C)`` (labels ``label_min ..
    label_min + C - 1``). ``max_bits`` counts every layer after the first; it is
    exact when the selection has at least two layers (``max_bits_exact``), else
    an upper bound: the first extraction layer's biases then absorb the first
    group's lane number, whose top digits depend on the data.

    ``ties`` (neighbours with equal labels along the projection, reported by
    ``memorize``) lowers the nonzero count of the chain and the pipeline by
    ``2 ties``; with the default ``0`` their count is the largest over all
    labelings. Width 1 is sized for ``N = 2``, ``C = 1``, or with ``fits_clamp``.

    >>> s = construction_sizes(100, 2, 2, 0.1, depth=60)
    >>> s["depth"] <= 60, s["n_b"], s["n_c"]
    (True, 22, 1)
    >>> s = construction_sizes(100, 2, 2, 0.1, width=2)
    >>> s["regime"], s["depth"], s["max_bits"]
    ('chain', 199, 23)
    """
    _check_problem(N, d, C, delta)
    nb = code_bits(N, d, delta) if n_b is None else int(n_b)
    nc = label_bits(C) if n_c is None else int(n_c)
    lay = plan(
        N, d, nb, nc, width=width, depth=depth, params=params,
        max_weight_bits=max_weight_bits, label_min=label_min, ties=ties,
        fits_clamp=fits_clamp or C == 1,
    )
    out = layout_sizes(lay)
    out["layout"] = asdict(lay)
    out["widths"] = hidden_widths(lay)
    return out


# -- the theorem ---------------------------------------------------------------------
N_, W_, L_, k_, n_b_, n_c_ = sympy.symbols("N W L k n_b n_c", positive=True, integer=True)
#: ``u_k``, units per lane in an equality-test layer.
U_K = 2 ** (k_ + 1) + 4
#: ``w_k``, digits per slot.
W_K = sympy.ceiling(n_b_ / k_) + sympy.ceiling(n_c_ / k_)

#: Our theorem (``docs/theory/upper.md``, Theorem 1) for ``k`` bits per digit:
#: if ``W >= 2 u_k + 2``, ``L >= 2 w_k`` and ``W**2 L**2 >= 64 u_k N w_k``, the
#: network built for width ``W`` has width ``<= a W + b`` and depth ``<= c L + e``.
#: For ``k = 1``: ``u_1 = 8``, ``w_1 = n_b + n_c``, so ``K = 512``.
THEOREM: dict[str, Any] = {
    "K": 64 * U_K,
    "a": 1,
    "b": 0,
    "c": 1,
    "e": 2,
    "min_width": 2 * U_K + 2,
    "min_depth": 2 * W_K,
    "condition": sympy.Ge(W_**2 * L_**2, 64 * U_K * N_ * W_K),
    "width": W_,
    "depth": L_ + 2,
}


def theorem_constants(k: int = 1) -> dict[str, int]:
    """The theorem's numbers for ``k`` bits per digit (``w_k`` stays symbolic).

    >>> theorem_constants(1)
    {'K': 512, 'a': 1, 'b': 0, 'c': 1, 'e': 2, 'min_width': 18}
    """
    sub = {k_: k}
    return {
        "K": int(THEOREM["K"].subs(sub)),
        "a": 1,
        "b": 0,
        "c": 1,
        "e": 2,
        "min_width": int(THEOREM["min_width"].subs(sub)),
    }


def theorem_holds(N: int, n_b: int, n_c: int, W: int, L: int, k: int = 1) -> bool:
    """Whether the theorem's hypotheses hold for these sizes and ``k``.

    >>> theorem_holds(1000, 20, 4, 40, 160)
    True
    >>> theorem_holds(1000, 20, 4, 40, 40)
    False
    """
    u = lane_units(k)
    w = sum(_digits(n_b, n_c, k))
    return W >= 2 * u + 2 and L >= 2 * w and W * W * L * L >= 64 * u * N * w
