"""A ReLU network that memorizes a labeled data set, built lemma by lemma.

The scheme of ``docs/theory/upper.md`` (THEORY section 3), one function per lemma:

1. :func:`projection`: a seeded dyadic direction ``v`` (``||v|| < 1``), the exact
   order of the projections ``<v, x_i>`` and their exact least gap; redrawn
   while the gap is below the guaranteed ``gamma = delta / (N**2 sqrt d)``.
2. :func:`integer_codes`: the first hidden layer is the single unit
   ``s(x) = 2**e (<v, x> + 1) + 2`` (``2**e gap >= 4``); every point gets an
   integer code ``c_i`` with ``s(x_i) - 3/2 <= c_i <= s(x_i) + 1/2``.
3. :func:`pack_lanes`: sorted points form groups of ``lanes * slots``; each group
   stores one packed integer per lane holding ``(label, code)`` of its slots.
4. :func:`selection`: the lane numbers of the group of ``s`` as sums of steps in
   ``s`` shared by all lanes (``steps`` steps per layer).
5. :func:`extraction_lanes`: each lane reads its slots digit by digit, tests
   equality of the slot's code with ``s`` and adds ``label * T`` to the output;
   with one point per group (the staircase regime) :func:`label_readout` only
   reads the selected point's label digits.

Under ``max_weight_bits`` the float64-safe variant :func:`float64_selection`
replaces 4 and 5: one point per group, each step clamped to an exact ``0`` or
``1`` (``1 - ReLU(1 - ReLU(s - t + 1))``), the label and a step counter
accumulated as small integers; float64 evaluation is then exact after the
first layer (``docs/theory/upper.md``, Lemma 10).

Structure: the first hidden layer is the single unit ``s``, so every later unit
is a function of the scalar ``s`` alone; ``s >= 2`` on the unit ball and is
carried forward as ``ReLU(s) = s``. Every layer after the first has integer
weights (denominator 1) except the output layer (denominator ``2**Q``).

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, -0.75], [0.25, 0.5]])
>>> c = memorize(X, [3, -1, 3, 0], width=16)
>>> out = c.network.evaluate(X).as_fractions()
>>> [int(v[0]) for v in out]
[3, -1, 3, 0]
>>> c.report["regime"], c.report["structure"].split(":")[0]
('staircase', 'scalar-first')
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from bounds.upper import (
    V_BITS,
    Layout,
    NarrowLayout,
    code_bits,
    code_bits_for_gap,
    label_bits,
    layout_sizes,
    plan,
)
from proofs.dot import ExactDots, exact_dots
from proofs.errors import DataError, ParameterError
from proofs.exact import exact_inputs
from proofs.gadgets import (
    LayerBuilder,
    Lin,
    carry,
    clamp,
    digit,
    equality_test,
    product_with_bit,
)
from proofs.network import AffineLayer, Network, int_array

__all__ = [
    "Construction",
    "Projection",
    "STRUCTURE",
    "projection",
    "project_along",
    "dyadic_direction",
    "integer_codes",
    "pack_lanes",
    "selection",
    "extraction_lanes",
    "label_readout",
    "float64_selection",
    "memorize",
    "plan_inputs",
    "build_with_layout",
]

Progress = Callable[[str, int, int], None]

#: What ``report["structure"]`` says; fast exact evaluators rely on it.
STRUCTURE = (
    "scalar-first: hidden layer 1 is the single unit s(x) = 2**e (<v, x> + 1) + 2 >= 2; "
    "every later unit is a function of s alone"
)

@dataclass(frozen=True)
class Projection:
    """A direction and the exact order of the data along it.

    Attributes
    ----------
    v_num : numpy.ndarray
        int64 numerators of ``v = v_num / 2**V_BITS``, all nonzero, ``||v|| < 1``.
    order : numpy.ndarray
        Point indices in increasing exact order of ``<v, x_i>``.
    p : numpy.ndarray
        float64 approximations of ``<v, x_i>`` (unsorted).
    err : float
        Proven bound on ``|p_i - <v, x_i>|``.
    gap : Fraction
        Exact least difference of consecutive projections.
    pair : tuple of int
        A pair of point indices at that gap.
    draws : int
        Directions drawn (1 + redraws).
    dots : proofs.dot.ExactDots or None
        The exact ``<v_num, x_i>`` (``<v, x_i> = T_i / 2**(k + V_BITS)``), when known.
    """

    v_num: np.ndarray
    order: np.ndarray
    p: np.ndarray
    err: float
    gap: Fraction
    pair: tuple[int, int]
    draws: int
    dots: ExactDots | None = field(default=None, repr=False, compare=False)


@dataclass
class Construction:
    """A built network with its report (JSON-ready)."""

    network: Network
    report: dict[str, Any] = field(default_factory=dict)


# -- lemma 1: projection -------------------------------------------------------------
def dyadic_direction(g: np.ndarray) -> np.ndarray | None:
    """Numerators ``v_num`` of ``v = v_num / 2**V_BITS`` near ``g / ||g||``: no zero entry, ``||v|| < 1``.

    ``None`` when ``g`` is zero or not finite (or rounding left the norm at 1).

    >>> dyadic_direction(np.array([3.0, 0.0, -4.0])).tolist()
    [644244480, 1, -858992640]
    """
    norm = float(np.linalg.norm(g))
    if norm == 0.0 or not math.isfinite(norm):
        return None
    v = np.rint(g / norm * (1.0 - 2.0**-20) * 2.0**V_BITS).astype(np.int64)
    v[v == 0] = np.where(g[v == 0] >= 0, 1, -1)
    if sum(int(a) * int(a) for a in v) >= 1 << (2 * V_BITS):
        return None
    return v


def _direction(rng: np.random.Generator, d: int) -> np.ndarray:
    """A dyadic direction of norm below 1 with no zero entry."""
    while True:
        v = dyadic_direction(rng.standard_normal(d))
        if v is not None:
            return v


def _exact_projection(X: np.ndarray, idx: list[int], v_num: np.ndarray) -> list[Fraction]:
    """Exact ``<v, x_i>`` for the rows ``idx``."""
    ex = exact_inputs(X[np.asarray(idx, dtype=np.int64)])
    vs = [int(a) for a in v_num]
    out = []
    for row, den in zip(ex.nums, ex.dens, strict=True):
        num = sum(a * int(b) for a, b in zip(vs, row, strict=True))
        out.append(Fraction(num, int(den) << V_BITS))
    return out


def _approximate(dots: ExactDots) -> tuple[np.ndarray, float]:
    """float64 values of ``<v, x_i> = T_i / 2**(k + V_BITS)`` and a proven bound on their error.

    ``key = floor(T / 2**sh)`` has at most 62 bits, so ``|float(key) - T / 2**sh| < 1 + 2**9``;
    scaling by ``2**(sh - k - V_BITS)`` is exact up to underflow (below ``2**-1074``).
    """
    sh = max(dots.bits - 62, 0)
    scale = sh - dots.k - V_BITS
    p = np.ldexp(dots.prefix(sh).astype(np.float64), scale)
    return p, math.ldexp(1 + 2**9, scale) + 2.0**-1074


def projection(
    X: np.ndarray,
    *,
    seed: int = 0,
    delta: float | None = None,
    max_draws: int = 64,
) -> Projection:
    """Lemma 1: a seeded direction, the exact order of the data along it, the exact gap.

    Directions are drawn from ``numpy.random.default_rng(seed)`` until the
    exact least gap is at least ``gamma = delta / (N**2 sqrt d)`` (when
    ``delta`` is known; else until it is positive).

    Raises
    ------
    DataError
        Two identical points (merge them with ``proofs.data.validate_dataset``),
        or no direction separated the points in ``max_draws`` draws.

    Examples
    --------
    >>> import numpy as np
    >>> pr = projection(np.array([[0.5, 0.5], [-0.5, 0.0], [0.0, 0.25]]), seed=1)
    >>> sorted(pr.order.tolist()), pr.gap > 0
    ([0, 1, 2], True)
    """
    N, d = X.shape
    rng = np.random.default_rng(seed)
    gamma_sq = None if delta is None else Fraction(delta) ** 2 / (N**4 * d)
    last: tuple[int, int] = (0, 1)
    for draw in range(1, max_draws + 1):
        v_num = _direction(rng, d)
        dots = exact_dots(X, v_num.tolist())  # exact <v_num, x_i>, see proofs.dot
        order, ids = dots.order()
        same = np.flatnonzero(ids[1:] == ids[:-1])
        if len(same):  # two projections coincide
            a, b = order[same], order[same + 1]
            twin = np.flatnonzero((X[a] == X[b]).all(axis=1))
            if len(twin):
                i, j = sorted((int(a[twin[0]]), int(b[twin[0]])))
                raise DataError(
                    f"points {i} and {j} are identical; merge duplicates first "
                    f"(proofs.data.validate_dataset or load_dataset merge them)"
                )
            last = (int(a[0]), int(b[0]))
            continue
        G, at = dots.least_gap(order)
        gap = Fraction(G, 1 << (dots.k + V_BITS))
        a0, b0 = int(order[at]), int(order[at + 1])
        if gamma_sq is not None and gap * gap < gamma_sq:
            last = (a0, b0)
            continue
        p, err = _approximate(dots)
        return Projection(v_num, order, p, err, gap, (a0, b0), draw, dots)
    raise DataError(
        f"no direction in {max_draws} draws separated the projections enough (closest pair "
        f"{last}); check delta, or pass another seed"
    )


def project_along(X: np.ndarray, v_num: np.ndarray) -> Projection | None:
    """Lemma 1 along a given dyadic direction: the exact order and gap, or ``None`` on a tie.

    >>> X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, 0.0]])
    >>> project_along(X, dyadic_direction(np.array([1.0, 0.0]))).order.tolist()
    [1, 2, 0]
    """
    dots = exact_dots(X, v_num.tolist())
    order, ids = dots.order()
    if (ids[1:] == ids[:-1]).any():
        return None
    G, at = dots.least_gap(order)
    p, err = _approximate(dots)
    pair = (int(order[at]), int(order[at + 1]))
    return Projection(v_num, order, p, err, Fraction(G, 1 << (dots.k + V_BITS)), pair, 1, dots)


# -- lemma 2: integer codes ----------------------------------------------------------
_XLIMB = 27  # bits of a limb of x; a limb of v has 15 bits, so 64 products sum below 2**53
_VLIMB = 15
_CHUNK = 1 << 12  # rows per block: larger blocks make the BLAS products markedly slower here


def _fixed_point_floor(X: np.ndarray, v_num: np.ndarray, e: int) -> np.ndarray | None:
    """``floor(y_i)`` with ``|y_i - 2**e <v, x_i>| <= 1/2``, from exact integer sums in float64.

    Each ``x`` is truncated to ``F`` fractional bits (error below ``sqrt(d) 2**-F``
    after the dot product, at most ``2**-(e+1)`` by the choice of ``F``) and split
    into signed limbs of 27 bits; ``v_num`` into limbs of 15 bits. Every
    limb-by-limb dot product is an integer below ``2**53`` in magnitude (for
    ``d <= 64``), hence exact in float64 whatever the summation order. Returns
    ``None`` when ``F`` would exceed 62 bits or ``d > 64``.
    """
    d = X.shape[1]
    F = e + 1 + math.ceil(math.log2(d) / 2)
    if F > 62 or d > 64:
        return None
    xlimbs = -(-(F + 1) // _XLIMB)
    sh = F + V_BITS - e  # y = T / 2**sh with T = sum S_ab 2**(27 a + 15 b)
    vlo = v_num & ((1 << _VLIMB) - 1)
    vparts = [(0, vlo.astype(np.float64)), (_VLIMB, (v_num >> _VLIMB).astype(np.float64))]
    out = np.empty(X.shape[0], dtype=np.int64)
    mask = (1 << _XLIMB) - 1
    for lo in range(0, X.shape[0], _CHUNK):
        # truncation toward zero: |x - xi 2**-F| < 2**-F, and |xi| <= 2**F
        xi = (X[lo : lo + _CHUNK] * 2.0**F).astype(np.int64)
        whole = np.zeros(len(xi), dtype=np.int64)
        rest = np.zeros(len(xi), dtype=np.int64)
        for a in range(xlimbs):
            # signed limbs: the low ones in [0, 2**27), the top one carries the sign
            limb = ((xi & mask) if a < xlimbs - 1 else xi).astype(np.float64)
            xi = xi >> _XLIMB
            for vpos, vpart in vparts:
                S = (limb @ vpart).astype(np.int64)
                pos = _XLIMB * a + vpos
                if pos >= sh:
                    whole += S << (pos - sh)
                else:
                    q, r = np.divmod(S, np.int64(1) << (sh - pos))
                    whole += q
                    rest += r << pos
        out[lo : lo + len(whole)] = whole + np.floor_divide(rest, np.int64(1) << sh)
    return out


def integer_codes(X: np.ndarray, pr: Projection) -> tuple[int, int, np.ndarray]:
    """Lemma 2: scale exponent ``e``, code bits ``n_b``, and the codes in sorted order.

    ``s(x) = 2**e (<v, x> + 1) + 2`` with ``2**e gap >= 4``; the code of each
    point is ``floor(y) + 2**e + 2`` for some ``y`` within ``1/2`` of
    ``2**e <v, x>``, so ``s - 3/2 <= c <= s + 1/2`` and ``1 <= c < 2**n_b``.
    ``y = 2**e <v, x>`` exactly when the projection carries its exact values
    (``pr.dots``, as :func:`projection` gives); otherwise ``y`` is the float
    projection when its proven error is small enough, else an exact fixed-point
    sum (:func:`_fixed_point_floor`), else exact integers.

    >>> import numpy as np
    >>> X = np.array([[0.5, 0.5], [-0.5, 0.0], [0.0, 0.25]])
    >>> e, n_b, codes = integer_codes(X, projection(X))
    >>> bool(np.all(np.diff(codes) >= 2)), int(codes.max()) < 2**n_b
    (True, True)
    """
    e, n_b = code_bits_for_gap(pr.gap)
    if n_b > 62:
        raise DataError(f"the projected gap {float(pr.gap):.3g} needs codes of {n_b} bits (> 62)")
    fixed = None
    if pr.dots is not None:
        fixed = pr.dots.floor_scaled(e - V_BITS)[pr.order]  # floor(2**e <v, x>), exact
        if fixed.dtype == object:  # |<v, x>| >= 2**(62 - e): far outside the unit ball
            raise DataError("points must lie in the closed unit ball; load the data with rescale=True")
    elif (2.0**e) * pr.err <= 0.5:
        fixed = np.floor(pr.p[pr.order] * 2.0**e).astype(np.int64)
    else:
        fixed = _fixed_point_floor(X, pr.v_num, e)
        fixed = None if fixed is None else fixed[pr.order]
    if fixed is None:
        vals = []
        for lo in range(0, len(pr.order), _CHUNK):
            vals += _exact_projection(X, pr.order[lo : lo + _CHUNK].tolist(), pr.v_num)
        fixed = np.array([math.floor(val * (1 << e)) for val in vals], dtype=np.int64)
    codes = fixed + (1 << e) + 2
    if codes.min() < 1 or codes.max() >= 1 << n_b:
        raise DataError("points must lie in the closed unit ball; load the data with rescale=True")
    assert np.all(np.diff(codes) >= 2), "codes of neighbours must differ by at least 2"
    return e, n_b, codes


# -- lemma 3: packed lane numbers ------------------------------------------------------
def _field_bits(values: np.ndarray, nbits: int) -> np.ndarray:
    """Bits of non-negative int64 values, most significant first, one uint8 column per bit."""
    raw = np.unpackbits(values.astype(">u8").view(np.uint8).reshape(-1, 8), axis=1)
    if nbits <= 64:
        return raw[:, 64 - nbits :]
    return np.concatenate([np.zeros((len(raw), nbits - 64), dtype=np.uint8), raw], axis=1)


def pack_lanes(codes: np.ndarray, labels: np.ndarray, lay: Layout) -> np.ndarray:
    """Lemma 3: ``P[g, l]``, the packed number of lane ``l`` in group ``g``.

    Sorted point ``g B + l m + r`` (``B = lanes * slots``) sits in slot ``r`` of
    lane ``l`` of group ``g``. Slot ``r`` holds ``label * 2**(k kb) + code`` at bit
    offset ``k w (m - 1 - r)``. Missing points of the last group are padded with
    label 0 and the code of the group's first point. int64 when a lane has at
    most 61 bits, Python ints otherwise.

    >>> lay = Layout(N=3, d=1, n_b=4, n_c=1, k=1, lanes=1, steps=1, slots=2)
    >>> pack_lanes(np.array([3, 7, 12]), np.array([1, 0, 1]), lay).tolist()  # (16+3)*32 + 7, (16+12)*32 + 12
    [[615], [908]]
    """
    B, M = lay.group_size, lay.groups
    total = M * B
    pad = total - len(codes)
    first = codes[(M - 1) * B]
    c = np.concatenate([codes, np.full(pad, first, dtype=np.int64)])
    y = np.concatenate([labels.astype(np.int64), np.zeros(pad, dtype=np.int64)])
    kb_bits, kc_bits = lay.k * lay.kb, lay.k * lay.kc
    nbits = lay.lane_bits
    if nbits <= 61:  # every slot field and their sum fit in int64
        fields = ((y << kb_bits) + c).reshape(M, lay.lanes, lay.slots)
        shifts = lay.k * lay.w * np.arange(lay.slots - 1, -1, -1, dtype=np.int64)
        return (fields << shifts).sum(axis=2)
    bits = np.concatenate([_field_bits(y, kc_bits), _field_bits(c, kb_bits)], axis=1)
    bits = bits.reshape(M * lay.lanes, nbits)
    lead = (-nbits) % 8
    if lead:
        bits = np.concatenate([np.zeros((len(bits), lead), dtype=np.uint8), bits], axis=1)
    packed = np.packbits(bits, axis=1)
    out = np.empty(M * lay.lanes, dtype=object)
    out[:] = [int.from_bytes(row.tobytes(), "big") for row in packed]
    return out.reshape(M, lay.lanes)


# -- lemma 4: selection ----------------------------------------------------------------
def selection(
    P: np.ndarray, thresholds: list[int], lay: Layout, progress: Progress | None = None
) -> tuple[list[AffineLayer], Lin, list[Lin]]:
    """Lemma 4: layers after ``s`` whose lane forms equal ``P[g(s)]``.

    ``thresholds[g - 1]`` separates group ``g - 1`` from group ``g``. Lane ``l``
    is ``P[0, l] + sum_g (P[g, l] - P[g-1, l]) [s >= t_g]``; the steps are shared
    by all lanes, ``lay.steps`` per layer. Layer ``a`` holds ``s`` (unit 0), the
    lane sums so far (units ``1..lanes``, from layer 1 on) and its steps
    (:func:`proofs.gadgets.step`, built here directly as arrays). Returns the
    layers, the form of ``s`` and the lane forms over the last layer.
    """
    lanes_n, D1 = lay.lanes, lay.selection_depth
    jumps = P[1:] - P[:-1]  # row g - 1: the change of every lane at group g
    layers: list[AffineLayer] = []
    n_in = 1
    prev = np.zeros(0, dtype=np.int64)  # groups whose steps the previous layer holds
    prev_base = 0  # index of the previous layer's first step unit
    t_all = np.asarray(thresholds, dtype=object)
    for a in range(D1):
        lo = a * lay.steps + 1
        groups = np.arange(lo, lo + lay.selection_steps(a))
        n_acc = lanes_n if a >= 1 else 0
        zero, one = np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64)
        rows, cols, nums = [zero], [zero], [one]  # unit 0 carries s
        bias: list[Any] = [0]
        if n_acc:
            carry_col = 1 if a >= 2 else 0
            width = carry_col + 2 * len(prev)
            col2 = np.empty((n_acc, width), dtype=np.int64)
            num2 = np.empty((n_acc, width), dtype=P.dtype)
            if carry_col:
                col2[:, 0], num2[:, 0] = 1 + np.arange(n_acc), 1
            col2[:, carry_col:] = prev_base + np.arange(2 * len(prev))
            c = jumps[prev - 1].T  # (lanes, steps)
            num2[:, carry_col:] = np.stack([c, -c], axis=2).reshape(n_acc, 2 * len(prev))
            rows.append(np.repeat(1 + np.arange(n_acc), width))
            cols.append(col2.reshape(-1))
            nums.append(num2.reshape(-1))
            bias += P[0].tolist() if a == 1 else [0] * n_acc
        base = 1 + n_acc
        t = t_all[groups - 1]
        rows.append(base + np.arange(2 * len(groups)))
        cols.append(np.zeros(2 * len(groups), dtype=np.int64))
        nums.append(np.ones(2 * len(groups), dtype=np.int64))
        bias += np.stack([1 - t, -t], axis=1).reshape(-1).tolist()
        n_out = base + 2 * len(groups)
        weights = np.concatenate(nums)  # object when the lanes are Python ints
        layers.append(
            AffineLayer(n_out, n_in, np.concatenate(rows), np.concatenate(cols),
                        int_array(weights), int_array(bias), 1)
        )
        n_in, prev, prev_base = n_out, groups, base
        if progress:
            progress("select", a + 1, D1)
    if D1 == 0:
        return layers, Lin({0: 1}), [Lin({}, int(P[0, ln])) for ln in range(lanes_n)]
    forms = []
    cols_prev = (prev_base + 2 * np.arange(len(prev))).tolist()
    for ln in range(lanes_n):
        terms = {1 + ln: 1} if D1 >= 2 else {}
        for col, cj in zip(cols_prev, jumps[prev - 1, ln].tolist(), strict=True):
            terms[col], terms[col + 1] = cj, -cj
        forms.append(Lin(terms, int(P[0, ln]) if D1 == 1 else 0))
    return layers, Lin({0: 1}), forms


# -- lemma 5: extraction lanes ---------------------------------------------------------
def extraction_lanes(
    s_form: Lin,
    lanes: list[Lin],
    n_in: int,
    lay: Layout,
    label_min: int,
    progress: Progress | None = None,
) -> list[AffineLayer]:
    """Lemma 5: each lane reads its slots digit by digit and adds ``label * T`` to the output.

    Slot ``r`` of a lane: ``kc`` label digits (accumulated into ``lab``), then an
    equality test of the code field with ``s``, then the product
    ``2**(q_r+1) lab T``; the output accumulator holds ``2**Q`` times the sum of
    ``lab T``. Returns the extraction layers and the output layer.
    """
    k, w, m, kc = lay.k, lay.w, lay.slots, lay.kc
    cbig = 1 << lay.n_c
    Q = lay.Q
    U = list(lanes)
    lab: list[Lin] = [Lin() for _ in lanes]
    dig: list[Lin] = [Lin() for _ in lanes]
    tsum: list[Lin] = [Lin() for _ in lanes]
    prods: list[Lin] = []
    out: Lin | None = None
    layers: list[AffineLayer] = []
    D2 = lay.extraction_depth
    for i in range(D2):
        b = LayerBuilder()
        r, j = divmod(i, w)
        new_s = carry(b, s_form) if lay.has_s(i) else Lin()
        if lay.has_out(i):
            acc = out if out is not None else Lin()
            for pf in prods:
                acc = acc + pf
            out = carry(b, acc)
        new_prods: list[Lin] = []
        for ln in range(lay.lanes):
            new_dig, new_U = Lin(), Lin()
            if lay.is_digit(i):
                t = 1 << (k * (m * w - i - 1))
                new_dig, new_U = digit(b, U[ln], t, k)
            new_lab = Lin()
            if lay.has_lab(i):
                prev = lab[ln] if j >= 2 else Lin()
                new_lab = carry(b, prev + (1 << (k * (kc - j))) * dig[ln])
            new_t = Lin()
            if lay.is_trap(i):
                q = lay.q(r)
                new_t = equality_test(b, (1 << q) * s_form - U[ln], q)
            if lay.is_prod(i):
                rp = (i - 1) // w
                q = lay.q(rp)
                pf = product_with_bit(b, lab[ln], tsum[ln], q, cbig)
                new_prods.append((1 << (Q - q - 1)) * pf)
            U[ln], dig[ln], tsum[ln], lab[ln] = new_U, new_dig, new_t, new_lab
        layers.append(b.build(n_in))
        n_in, s_form, prods = b.size, new_s, new_prods
        if progress:
            progress("extract", i + 1, D2)
    final = out if out is not None else Lin()
    for pf in prods:
        final = final + pf
    final = final + (label_min << Q)
    ob = LayerBuilder()
    ob.unit(final)
    layers.append(ob.build(n_in, denom=1 << Q, relu=False))
    return layers


def label_readout(
    lane: Lin, n_in: int, lay: Layout, label_min: int, progress: Progress | None = None
) -> list[AffineLayer]:
    """Lemma 9': a staircase reads the label digits of the one selected point.

    With one point per group the selection already picks the point, so no
    equality test is needed: the ``kc`` label digits of the lane number are
    read (:func:`proofs.gadgets.digit`) and summed into the output. Returns the
    read-out layers and the output layer.
    """
    k, w, kc = lay.k, lay.w, lay.kc
    U, lab, dig = lane, Lin(), Lin()
    layers: list[AffineLayer] = []
    for i in range(kc):
        b = LayerBuilder()
        new_dig, new_U = digit(b, U, 1 << (k * (w - i - 1)), k, rest=lay.has_u(i))
        new_lab = Lin()
        if lay.has_lab(i):
            new_lab = carry(b, (lab if i >= 2 else Lin()) + (1 << (k * (kc - i))) * dig)
        layers.append(b.build(n_in))
        n_in, U, dig, lab = b.size, new_U, new_dig, new_lab
        if progress:
            progress("extract", i + 1, kc)
    ob = LayerBuilder()
    ob.unit(lab + dig + label_min)
    layers.append(ob.build(n_in, relu=False))
    return layers


# -- lemma 10: the float64-safe variant ----------------------------------------------
def float64_selection(
    labels: np.ndarray, thresholds: list[int], lay: Layout, label_min: int,
    progress: Progress | None = None,
) -> list[AffineLayer]:
    """Lemma 10: clamped steps in ``s``, integer label and counter accumulators.

    ``labels`` are the shifted labels in sorted order (one point per group).
    Layer ``a`` holds ``s``, the steps ``h_g = ReLU(s - t_g + 1)`` of its
    groups and the clamps ``z_g = ReLU(1 - h_g)`` (exactly ``0`` or ``1``) of
    the previous layer's steps; from layer 2 on the accumulators
    ``lab = labels[0] + sum_g c_g (1 - z_g)`` with ``c_g = labels[g] -
    labels[g-1] + K > 0`` and ``cnt = sum_g (1 - z_g)`` add the clamps of two
    layers before. The output is ``lab - K cnt + label_min``. Returns the
    layers after the first and the output layer.

    >>> lay = Layout(N=3, d=1, n_b=4, n_c=1, k=1, lanes=1, steps=1, slots=1, clamped=True)
    >>> [layer.n_out for layer in float64_selection(np.array([1, 0, 1]), [6, 9], lay, 0)]
    [2, 3, 3, 2, 1]
    """
    K = lay.counter
    c = {g: int(labels[g]) - int(labels[g - 1]) + K for g in range(1, lay.groups)}
    D1 = lay.selection_depth
    s = Lin({0: 1})
    lab = cnt = Lin()
    prev_h: dict[int, Lin] = {}  # steps of the previous layer
    fired: dict[int, Lin] = {}  # [s >= t_g] from the previous layer's clamps
    layers: list[AffineLayer] = []
    n_in = 1
    for a in range(D1 + 2):
        b = LayerBuilder()
        new_s = carry(b, s) if a < D1 else Lin()
        if a >= 2:
            new_lab = lab + (int(labels[0]) if a == 2 else 0)
            new_cnt = cnt
            for g, f in fired.items():
                new_lab, new_cnt = new_lab + c[g] * f, new_cnt + f
            lab, cnt = carry(b, new_lab), carry(b, new_cnt)
        lo = a * lay.steps + 1
        groups = range(lo, lo + lay.selection_steps(a)) if a < D1 else range(0)
        new_h = {g: Lin({b.unit(s + (1 - thresholds[g - 1])): 1}) for g in groups}
        fired = {g: clamp(b, h) for g, h in prev_h.items()}
        layers.append(b.build(n_in))
        n_in, s, prev_h = b.size, new_s, new_h
        if progress:
            progress("select", a + 1, D1 + 2)
    ob = LayerBuilder()
    ob.unit(lab - K * cnt + label_min)
    layers.append(ob.build(n_in, relu=False))
    return layers


# -- the builder ---------------------------------------------------------------------
def _first_layer(v_num: np.ndarray, e: int) -> AffineLayer:
    """``s(x) = 2**e (<v, x> + 1) + 2`` with ``v = v_num / 2**V_BITS``."""
    if e >= V_BITS:
        sh = e - V_BITS
        weights = [int(a) << sh for a in v_num]
        return AffineLayer.from_dense([weights], [(1 << e) + 2])
    den_bits = V_BITS - e
    return AffineLayer.from_dense([[int(a) for a in v_num]], [((1 << e) + 2) << den_bits], 1 << den_bits)


def _labels(y: Any, n: int) -> np.ndarray:
    arr = np.asarray(y)
    if arr.shape != (n,):
        raise DataError(f"need one label per point: {n} points, labels of shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            bad = np.flatnonzero(~(np.isfinite(arr.astype(float)) & (arr == np.round(arr))))[:10]
            raise DataError(f"labels must be integers; rows {bad.tolist()} are not")
    return arr.astype(np.int64)


def memorize(
    X: Any,
    y: Any,
    *,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    seed: int = 0,
    max_weight_bits: int | None = None,
    delta: float | None = None,
    progress: Progress | None = None,
) -> Construction:
    """Build a ReLU network ``f`` with ``f(x_i) = y_i`` exactly for every point.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Distinct points of the closed unit ball (float64, converted exactly).
    y : array_like, shape (N,)
        Integer labels, any sign.
    width, depth, params : int, optional
        Caps on the built width, depth (hidden layers) and dense parameter
        count; the builder picks the rest (``bounds.upper.plan``). With none
        given, ``width = 32``.
    seed : int
        Seed of the projection direction.
    max_weight_bits : int, optional
        Build the float64-safe variant (regime ``"float64"``, Lemma 10): every
        weight, value and partial sum after the first layer has at most this
        many bits on the data; with 53 or less, float64 evaluation is exact
        after the first layer once that layer's rounding is certified
        (:func:`proofs.float_certify.certify_float64_first_layer`).
    delta : float, optional
        The data's separation, for the guaranteed gap and bit counts in the report.
    progress : callable, optional
        Called as ``progress(phase, done, total)``.

    Returns
    -------
    Construction
        ``.network`` and ``.report`` (regime, sizes requested and built, N, d,
        C, n_b and gamma guaranteed and actual, n_c, seed, redraws, timings,
        structure).

    Raises
    ------
    InfeasibleError
        The requested sizes cannot be met; the message names the nearest feasible ones.
    DataError
        Malformed data, identical points, points outside the unit ball.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.5], [0.5, 0.0], [-0.5, -0.5]])
    >>> c = memorize(X, [1, 2, 1], depth=40)
    >>> c.network.depth <= 40, c.report["C"]
    (True, 2)
    """
    times: dict[str, float] = {}
    clock = time.perf_counter()
    Xa, labels = _checked(X, y, delta)
    N, d = Xa.shape
    label_min = int(labels.min())
    shifted = labels - label_min
    C = int(len(np.unique(labels)))

    fit = None
    if width == 1 and max_weight_bits is None:  # Lemma 13: the direction depends on the labels
        from proofs.narrow import clamp_fit

        fit = clamp_fit(Xa, labels, seed=seed, delta=delta)
        pr = fit.projection
    else:
        pr = projection(Xa, seed=seed, delta=delta)
    if progress:
        progress("project", 1, 1)
    times["project"] = time.perf_counter() - clock

    clock = time.perf_counter()
    e, n_b, codes = (fit.e, fit.n_b, fit.codes) if fit is not None else integer_codes(Xa, pr)
    measured = _measured(Xa, labels, n_b, pr)  # what plan_inputs reports to the size formulas
    n_c, ties = measured["n_c"], measured["ties"]
    lay = plan(
        **measured, width=width, depth=depth, params=params,
        max_weight_bits=max_weight_bits, fits_clamp=fit is not None,
    )
    times["codes"] = time.perf_counter() - clock
    if progress:
        progress("codes", 1, 1)
    if isinstance(lay, NarrowLayout):
        net_layers, layout, structure = _assemble_narrow(pr, e, codes, shifted, lay, fit, times, progress)
    else:
        net_layers = _assemble(pr, e, codes, shifted, lay, label_min, times, progress)
        layout = {
            "k": lay.k, "lanes": lay.lanes, "steps": lay.steps, "slots": lay.slots, "groups": lay.groups,
        }
        structure = STRUCTURE
    report: dict[str, Any] = {
        "construction": "memcap lanes",
        "regime": lay.regime,
        "structure": structure,
        "requested": {"width": width, "depth": depth, "params": params, "max_weight_bits": max_weight_bits},
        "N": N,
        "d": d,
        "C": C,
        "label_min": label_min,
        "n_c": n_c,
        "n_b": n_b,
        "n_b_guaranteed": None if delta is None else code_bits(N, d, delta),
        "gamma": float(pr.gap),
        "gamma_exact": f"{pr.gap.numerator}/{pr.gap.denominator}",
        "gamma_guaranteed": None if delta is None else delta / (N * N * math.sqrt(d)),
        "gap_pair": list(pr.pair),
        "delta": delta,
        "scale_exponent": e,
        "seed": seed,
        "redraws": pr.draws - 1,
        "ties": ties,
        "layout": layout,
        "planned": layout_sizes(lay),
        "times": times,
    }
    net = Network(net_layers, meta=report)
    report["built"] = _sizes(net)
    report["first_layer_bits"] = max(abs(v).bit_length() for v in net.layers[0].integers())
    return Construction(net, report)


def _checked(X: Any, y: Any, delta: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The points as a float64 array and the labels as int64, checked as :func:`memorize` needs them."""
    Xa = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    if Xa.ndim != 2 or Xa.shape[0] < 2 or Xa.shape[1] < 1:
        raise DataError(f"need a 2-D array of at least 2 points, got shape {Xa.shape}")
    if not np.all(np.isfinite(Xa)):
        rows = np.unique(np.nonzero(~np.isfinite(Xa))[0])[:10].tolist()
        raise DataError(f"points contain NaN or inf in rows {rows}")
    labels = _labels(y, Xa.shape[0])
    if delta is not None and not (0 < delta <= 2):
        raise ParameterError(f"delta must lie in (0, 2], got {delta}")
    return Xa, labels


def _measured(Xa: np.ndarray, labels: np.ndarray, n_b: int, pr: Projection) -> dict[str, int]:
    """What :func:`bounds.upper.plan` is given about the data, besides the requested sizes."""
    label_min = int(labels.min())
    shifted = labels - label_min
    N, d = Xa.shape
    return {
        "N": N,
        "d": d,
        "n_b": n_b,
        "n_c": label_bits(int(shifted.max()) + 1),
        "label_min": label_min,
        "ties": int(np.count_nonzero(np.diff(shifted[pr.order]) == 0)),
    }


def plan_inputs(X: Any, y: Any, *, seed: int = 0, delta: float | None = None) -> dict[str, int]:
    """The data's numbers :func:`memorize` plans its layout with, measured the same way.

    ``N``, ``d``, the code bits ``n_b`` of the projection gap that the seeded
    direction realizes (usually a few bits below the guaranteed
    :func:`bounds.upper.code_bits`), the label bits ``n_c``, ``label_min`` and
    ``ties``. Passed to :func:`bounds.upper.construction_sizes` (with ``C``,
    ``delta`` and the requested sizes), they give exactly the sizes
    :func:`memorize` builds with the same ``seed`` and ``delta``, for every
    width but 1 (whose direction is searched by the labels) and without
    ``max_weight_bits``. Costs one projection: nothing is built.

    >>> import numpy as np
    >>> from bounds.upper import construction_sizes
    >>> X = np.array([[0.0, 0.5], [0.5, 0.0], [-0.5, -0.5], [0.25, 0.25]])
    >>> m = plan_inputs(X, [1, 2, 1, 3])
    >>> sizes = construction_sizes(m["N"], m["d"], 3, 0.25, width=6, **{k: m[k] for k in
    ...     ("n_b", "n_c", "label_min", "ties")})
    >>> sizes["params"] == memorize(X, [1, 2, 1, 3], width=6).network.params
    True
    """
    Xa, labels = _checked(X, y, delta)
    pr = projection(Xa, seed=seed, delta=delta)
    _, n_b, _ = integer_codes(Xa, pr)
    return _measured(Xa, labels, n_b, pr)


_POW2 = np.array([1 << i for i in range(63)], dtype=np.int64)


def _bit_lengths(values: np.ndarray) -> np.ndarray:
    """``bit_length(|v|)`` of every integer, vectorized for int64 arrays."""
    if values.dtype != object:
        return np.searchsorted(_POW2, np.abs(values), side="right")
    return np.array([abs(int(v)).bit_length() for v in values], dtype=np.int64)


def _sizes(net: Network) -> dict[str, Any]:
    """``net.sizes()``, computed with arrays (same values, much faster on big networks)."""
    max_bits = total = 0
    for layer in net.layers:
        wb, bb = _bit_lengths(layer.nums), _bit_lengths(layer.bias)
        max_bits = max(max_bits, int(wb.max(initial=0)), int(bb.max(initial=0)), layer.denom.bit_length())
        total += int(wb.sum()) + len(wb) + int(bb[bb > 0].sum()) + int((bb > 0).sum())
        total += layer.denom.bit_length()
    return {
        "input_dim": net.input_dim,
        "output_dim": net.output_dim,
        "depth": net.depth,
        "width": net.width,
        "widths": net.widths,
        "params": net.params,
        "nonzeros": net.nonzeros,
        "max_bits": max_bits,
        "total_bits": total,
    }


def _assemble(
    pr: Projection,
    e: int,
    codes: np.ndarray,
    shifted: np.ndarray,
    lay: Layout,
    label_min: int,
    times: dict[str, float],
    progress: Progress | None,
) -> list[AffineLayer]:
    """Lemmas 3-5 for a fixed layout: the layers of the network."""
    clock = time.perf_counter()
    P = np.zeros((0, 0), dtype=np.int64) if lay.clamped else pack_lanes(codes, shifted[pr.order], lay)
    B = lay.group_size
    thresholds = [int(codes[g * B - 1]) + 3 for g in range(1, lay.groups)]
    if progress:
        progress("pack", 1, 1)
    times["pack"] = time.perf_counter() - clock
    clock = time.perf_counter()
    first = _first_layer(pr.v_num, e)
    if lay.clamped:
        layers = float64_selection(shifted[pr.order], thresholds, lay, label_min, progress)
        times["select"] = time.perf_counter() - clock
        return [first, *layers]
    sel, s_form, lanes = selection(P, thresholds, lay, progress)
    times["select"] = time.perf_counter() - clock
    clock = time.perf_counter()
    n_in = sel[-1].n_out if sel else 1
    if lay.staircase:
        ext = label_readout(lanes[0], n_in, lay, label_min, progress)
    else:
        ext = extraction_lanes(s_form, lanes, n_in, lay, label_min, progress)
    times["extract"] = time.perf_counter() - clock
    return [first, *sel, *ext]


def _assemble_narrow(
    pr: Projection,
    e: int,
    codes: np.ndarray,
    shifted: np.ndarray,
    lay: NarrowLayout,
    fit: Any,
    times: dict[str, float],
    progress: Progress | None,
) -> tuple[list[AffineLayer], dict[str, Any], str]:
    """Lemmas 11-13: the layers of a narrow network, its layout for the report, its structure."""
    from proofs.narrow import CLAMP_STRUCTURE, clamped_affine, ramp_chain, ramp_pipeline

    clock = time.perf_counter()
    layout: dict[str, Any] = {"kind": lay.kind, "ties": lay.ties}
    if lay.kind == "clamp":
        assert fit is not None, "a clamp needs the direction the labels fit"
        layers = clamped_affine(fit, lay)
        layout.update(direction=fit.direction, shape=fit.shape)
        structure = CLAMP_STRUCTURE
    else:
        build = ramp_chain if lay.kind == "chain" else ramp_pipeline
        layers = [_first_layer(pr.v_num, e), *build(codes, shifted[pr.order], lay, progress)]
        layout.update(knots=lay.knots, offset=lay.offset)
        structure = STRUCTURE
    times["build"] = time.perf_counter() - clock
    return layers, layout, structure


def build_with_layout(
    X: Any,
    y: Any,
    *,
    k: int,
    lanes: int,
    steps: int,
    slots: int,
    staircase: bool = False,
    clamped: bool = False,
    seed: int = 0,
) -> Network:
    """The network for a layout chosen by hand (``n_b`` and ``n_c`` from the data).

    For tests and studies of the layouts :func:`bounds.upper.plan` does not pick.

    >>> import numpy as np
    >>> X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, -0.75], [0.25, 0.5], [0.0, 0.0]])
    >>> net = build_with_layout(X, [1, 2, 3, 1, 2], k=1, lanes=1, steps=1, slots=2)
    >>> [int(v[0]) for v in net.evaluate(X).as_fractions()]
    [1, 2, 3, 1, 2]
    """
    Xa = np.asarray(X, dtype=np.float64)
    labels = _labels(y, Xa.shape[0])
    label_min = int(labels.min())
    shifted = labels - label_min
    pr = projection(Xa, seed=seed)
    e, n_b, codes = integer_codes(Xa, pr)
    lay = Layout(Xa.shape[0], Xa.shape[1], n_b, label_bits(int(shifted.max()) + 1), k, lanes, steps,
                 slots, label_min, staircase, clamped)
    return Network(_assemble(pr, e, codes, shifted, lay, label_min, {}, None), meta={"layout": str(lay)})
