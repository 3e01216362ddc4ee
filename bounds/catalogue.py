"""The catalogue: every bound memcap knows, lower and upper, with its source.

Upper bounds (sufficient sizes) are prior constructions as their authors state
them, plus ours (:data:`OURS`, whose exact sizes come from
:func:`bounds.upper.construction_sizes`, imported lazily). Lower bounds live in
:mod:`bounds.lower`. Tags follow ``THEORY``: ``[V abstract]`` and
``[V full text]`` were checked against the source, ``[U]`` is recalled and is
only ever shown as text.

Examples
--------
>>> from bounds.catalogue import get, upper_bounds
>>> get("zhang").statement()
'W >= N'
>>> [bd.key for bd in upper_bounds()][:3]
['ours', 'ours-theorem', 'yang-yang-upper']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy
from sympy.codegen.cfunctions import log2

from bounds.errors import MemcapError, ParameterError
from bounds.lower import LOWER_BOUNDS, SEED_TYPO_NOTE, SIEGEL_2023
from bounds.statement import Bound, Direction, Source, Status
from bounds.symbols import C, L, N, P, W, d, delta
from bounds.upper import construction_sizes

__all__ = [
    "OURS",
    "OURS_THEOREM",
    "CODE_BITS",
    "LABEL_BITS",
    "YANG_YANG_UPPER",
    "ZHANG",
    "BAUM",
    "HUANG_BABRI",
    "HUANG_2003",
    "YUN_SRA_JADBABAIE",
    "PARK",
    "VARDI",
    "VARDI_DEPTH",
    "SYZ_PROP_32",
    "SIEGEL_UPPER",
    "UPPER_BOUNDS",
    "CATALOGUE",
    "get",
    "lower_bounds",
    "upper_bounds",
    "syz_prop32_sizes",
]

_SUF = Direction.SUFFICIENT
_ASY = Status.ASYMPTOTIC


def _our_numeric(n: Any, dim: Any, c: Any, dl: Any, w: Any, depth: Any, *_: Any) -> np.ndarray:
    """Margin ``L - depth_built(W)`` of our construction, point by point (not vectorized)."""
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (n, dim, c, dl, w, depth)))
    out = np.empty(arrays[0].shape)
    for idx in np.ndindex(out.shape):
        nn, dd, cc, de, ww, ll = (a[idx] for a in arrays)
        try:
            sizes = construction_sizes(int(nn), int(dd), int(cc), float(de), width=int(ww))
        except MemcapError:
            out[idx] = -np.inf
            continue
        ok = sizes["width"] <= ww
        out[idx] = (ll - sizes["depth"]) if ok else -np.inf
    return out


OURS = Bound(
    key="ours",
    title="memcap construction",
    quantity="depth",
    direction=_SUF,
    status=Status.DERIVED,
    lhs=L,
    rhs=sympy.Function("L_memcap")(N, d, C, delta, W),
    source=Source(
        "memcap construction theorem", tag="[OURS]", docs="docs/theory/upper.md", short="ours, exact sizes"
    ),
    note="exact sizes from bounds.upper.construction_sizes (what proofs.construction builds)",
    numeric=_our_numeric,
)

#: Guaranteed code bits and label bits of our construction, as sympy expressions.
CODE_BITS = sympy.Max(1, sympy.ceiling(log2(4 * N**2 * sympy.sqrt(d) / delta))) + 2
LABEL_BITS = sympy.Max(1, sympy.ceiling(log2(C)))


def _bits_numeric(n: Any, dim: Any, c: Any, dl: Any) -> tuple[np.ndarray, np.ndarray]:
    """:data:`CODE_BITS` and :data:`LABEL_BITS` in numpy; rounded up where a float is unsure."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ell = np.log2(4.0 * n * n * np.sqrt(dim) / dl)
    near = np.abs(ell - np.round(ell)) <= 1e-9
    e = np.maximum(1.0, np.where(near, np.round(ell) + 1.0, np.ceil(ell)))
    return e + 2.0, np.maximum(1.0, np.ceil(np.log2(c)))


def our_theorem() -> Bound:
    """Our theorem (deep regime, one bit per digit) as a :class:`Bound` in the final sizes.

    The hypotheses and constants are read from :data:`bounds.upper.THEOREM`;
    ``W`` and ``L`` are the built width and depth.
    """
    from bounds import upper

    t = upper.THEOREM
    their = {s.name: s for s in t["condition"].free_symbols | sympy.sympify(t["min_depth"]).free_symbols}
    nb, nc = sympy.symbols("n_b n_c", positive=True, integer=True)
    final_l = (L - t["e"]) / t["c"]
    subs = {
        their["k"]: 1,
        their["N"]: N,
        their["W"]: W,
        their["L"]: final_l,
        their["n_b"]: nb,
        their["n_c"]: nc,
    }
    cond = t["condition"].subs(subs)
    min_w = sympy.sympify(t["min_width"]).subs(subs)
    min_d = sympy.sympify(t["min_depth"]).subs(subs)
    parts = [cond.lhs - cond.rhs, W - min_w, final_l - min_d]
    fns = [sympy.lambdify((N, W, L, nb, nc), part, "numpy") for part in parts]

    def numeric(n: Any, dim: Any, c: Any, dl: Any, w: Any, depth: Any, *_: Any) -> np.ndarray:
        bits_b, bits_c = _bits_numeric(n, dim, c, dl)
        return np.minimum.reduce([np.asarray(f(n, w, depth, bits_b, bits_c), dtype=float) for f in fns])

    full = {nb: CODE_BITS, nc: LABEL_BITS}
    return Bound(
        key="ours-theorem",
        title="memcap theorem (deep regime)",
        quantity="W^2 L^2",
        direction=_SUF,
        status=Status.DERIVED,
        lhs=cond.lhs.subs(full),
        rhs=cond.rhs.subs(full),
        source=Source(
            "memcap construction theorem, Theorem 1",
            tag="[OURS]",
            docs="docs/theory/upper.md",
            short="ours, Theorem 1",
        ),
        condition=f"W >= {sympy.sstr(min_w)} and {sympy.sstr(final_l)} >= {sympy.sstr(min_d)}",
        note=(
            "W, L are the built width and depth; code bits n_b = max(1, ceil(log2(4 N^2 sqrt(d) / delta))) "
            "+ 2, label bits n_c = max(1, ceil(log2 C))"
        ),
        numeric=numeric,
    )


OURS_THEOREM = our_theorem()

_SEED = Source(
    "X. Yang and Y. Yang, Memorization capacity of deep ReLU neural networks characterized by "
    "width and depth, arXiv 2603.09589",
    year=2026,
    tag="[V abstract]",
    url="https://arxiv.org/abs/2603.09589",
    short="Yang-Yang 2026",
)

YANG_YANG_UPPER = Bound(
    key="yang-yang-upper",
    title="Yang and Yang, upper bound",
    quantity="W^2 L^2",
    direction=_SUF,
    status=_ASY,
    lhs=W**2 * L**2,
    rhs=N * sympy.log(1 / delta),
    relation="O",
    source=_SEED,
    note="their lower bound: " + SEED_TYPO_NOTE,
)

ZHANG = Bound(
    key="zhang",
    title="Zhang et al., one hidden layer",
    quantity="width",
    direction=_SUF,
    status=Status.EXPLICIT,
    lhs=W,
    rhs=N,
    source=Source(
        "C. Zhang, S. Bengio, M. Hardt, B. Recht and O. Vinyals, Understanding deep learning "
        "requires rethinking generalization, ICLR",
        year=2017,
        tag="[V abstract]",
        short="Zhang et al. 2017",
    ),
    note=(
        "2N + d weights at depth 1; deeper nets copy the nonnegative hidden values "
        "(ReLU(h) = h), so any depth L >= 1 works at width N"
    ),
)

BAUM = Bound(
    key="baum",
    title="Baum, one hidden layer",
    quantity="width",
    direction=_SUF,
    status=_ASY,
    lhs=W,
    rhs=N,
    relation="O",
    source=Source(
        "E. B. Baum, On the capabilities of multilayer perceptrons, J. Complexity",
        1988,
        "[V abstract]",
        short="Baum 1988",
    ),
    condition="depth 1",
    setting="threshold units",
)

HUANG_BABRI = Bound(
    key="huang-babri",
    title="Huang and Babri, one hidden layer",
    quantity="width",
    direction=_SUF,
    status=_ASY,
    lhs=W,
    rhs=N,
    relation="O",
    source=Source(
        "G.-B. Huang and H. A. Babri, Upper bounds on the number of hidden neurons in feedforward "
        "networks with arbitrary bounded nonlinear activation functions, IEEE TNN",
        1998,
        "[V abstract]",
        short="Huang-Babri 1998",
    ),
    condition="depth 1; at most N hidden neurons",
    setting="bounded nonlinear activations (ReLU is unbounded)",
)

HUANG_2003 = Bound(
    key="huang-2003",
    title="Huang, two hidden layers",
    quantity="width",
    direction=_SUF,
    status=Status.EXPLICIT,
    lhs=W,
    rhs=2 * sympy.sqrt(3 * N),
    source=Source(
        "G.-B. Huang, Learning capability and storage capacity of two-hidden-layer feedforward "
        "networks, IEEE TNN",
        2003,
        "[V abstract]",
        short="Huang 2003",
    ),
    condition="depth 2; 2 sqrt((m+2) N) hidden neurons in all for m = 1 output, so width at most that",
    setting="sigmoid activations, fitting to arbitrarily small error (not exact)",
    applies=sympy.false,
)

YUN_SRA_JADBABAIE = Bound(
    key="yun-sra-jadbabaie",
    title="Yun, Sra and Jadbabaie, two hidden layers",
    quantity="width",
    direction=_SUF,
    status=_ASY,
    lhs=W,
    rhs=sympy.sqrt(N),
    relation="Theta",
    source=Source(
        "C. Yun, S. Sra and A. Jadbabaie, Small ReLU networks are powerful memorizers, NeurIPS",
        2019,
        "[V abstract]",
        short="Yun-Sra-Jadbabaie 2019",
    ),
    condition="depth 2; width Theta(sqrt N) is necessary and sufficient",
    note=(
        "recalled, unverified [U]: ReLU condition 4 floor(d1/4) floor(d2/(4 dy)) >= N for "
        "hidden widths d1, d2 and dy outputs"
    ),
)

PARK = Bound(
    key="park",
    title="Park, Lee, Yun and Shin, constant width",
    quantity="parameters",
    direction=_SUF,
    status=_ASY,
    lhs=P,
    rhs=N ** sympy.Rational(2, 3),
    relation="O",
    source=Source(
        "S. Park, J. Lee, C. Yun and J. Shin, Provable memorization via deep neural networks "
        "using sub-linear parameters, COLT",
        2021,
        "[V abstract]",
        short="Park et al. 2021",
    ),
    condition="constant width",
)

_VARDI = Source(
    "G. Vardi, G. Yehudai and O. Shamir, On the optimal memorization power of ReLU neural networks, ICLR",
    2022,
    "[V abstract]",
    short="Vardi et al. 2022",
)

VARDI = Bound(
    key="vardi",
    title="Vardi, Yehudai and Shamir, width 12",
    quantity="parameters",
    direction=_SUF,
    status=_ASY,
    lhs=P,
    rhs=sympy.sqrt(N),
    relation="O~",
    source=_VARDI,
    condition="width 12",
    note="large bit complexity is necessary for this regime",
)

VARDI_DEPTH = Bound(
    key="vardi-depth",
    title="Vardi, Yehudai and Shamir, depth L",
    quantity="parameters",
    direction=_SUF,
    status=_ASY,
    lhs=P,
    rhs=N / L,
    relation="O~",
    source=_VARDI,
    condition="depth L <= sqrt(N)",
)

_W1 = sympy.Max(sympy.floor((W - 30) / 16), 0)
_L1 = sympy.Max(sympy.floor((L - 10) / 6), 0)

SYZ_PROP_32 = Bound(
    key="syz-prop-3.2",
    title="Shen, Yang and Zhang, Prop. 3.2",
    quantity="W^2 L^2",
    direction=_SUF,
    status=Status.EXPLICIT,
    lhs=_W1**2 * _L1**2 * sympy.floor(sympy.log(_W1 + 2, 3)),
    rhs=N,
    source=Source(
        "Z. Shen, H. Yang and S. Zhang, Optimal approximation rate of ReLU networks in terms of "
        "width and depth, J. Math. Pures Appl., Prop. 3.2",
        2022,
        "[V full text]",
        short="Shen-Yang-Zhang 2022",
    ),
    condition="width 16 W' + 30 and depth 6 L' + 10 fit J <= W'^2 L'^2 floor(log3(W' + 2)) points",
    setting="one-dimensional integer inputs, 0/1 labels; projecting R^d data to integers is not counted",
)

SIEGEL_UPPER = Bound(
    key="siegel-upper",
    title="Siegel, O(N) parameters",
    quantity="parameters",
    direction=_SUF,
    status=_ASY,
    lhs=P,
    rhs=N,
    relation="O",
    source=SIEGEL_2023,
    note="stated in the abstract as always sufficient",
)

#: Upper bounds, ours first.
UPPER_BOUNDS: tuple[Bound, ...] = (
    OURS,
    OURS_THEOREM,
    YANG_YANG_UPPER,
    ZHANG,
    BAUM,
    HUANG_BABRI,
    HUANG_2003,
    YUN_SRA_JADBABAIE,
    PARK,
    VARDI,
    VARDI_DEPTH,
    SYZ_PROP_32,
    SIEGEL_UPPER,
)

#: Every bound, lower bounds first.
CATALOGUE: tuple[Bound, ...] = LOWER_BOUNDS + UPPER_BOUNDS


def get(key: str) -> Bound:
    """The bound with this key; :class:`ParameterError` listing the keys otherwise."""
    for bound in CATALOGUE:
        if bound.key == key:
            return bound
    raise ParameterError(f"no bound {key!r}; known: {', '.join(b.key for b in CATALOGUE)}")


def lower_bounds(explicit_only: bool = False) -> list[Bound]:
    """The necessary conditions, optionally only those with known constants."""
    return [bd for bd in LOWER_BOUNDS if bd.explicit or not explicit_only]


def upper_bounds(explicit_only: bool = False) -> list[Bound]:
    """The sufficient conditions, optionally only those with known constants."""
    return [bd for bd in UPPER_BOUNDS if bd.explicit or not explicit_only]


def syz_prop32_sizes(n_points: int, width_param: int) -> tuple[int, int]:
    """Width and depth of Prop. 3.2's network for ``n_points`` at its width parameter ``W'``.

    The least ``L'`` with ``W'^2 L'^2 floor(log3(W' + 2)) >= n_points`` gives
    width ``16 W' + 30`` and depth ``6 L' + 10``.

    Examples
    --------
    >>> syz_prop32_sizes(1000, 4)
    (94, 58)
    """
    w = int(width_param)
    if w < 1:
        raise ParameterError(f"Prop. 3.2 needs W' >= 1, got {width_param}")
    k = 0
    while 3 ** (k + 1) <= w + 2:
        k += 1
    need = -(-int(n_points) // (w * w * k))  # L'^2 >= ceil(n / (W'^2 k))
    lp = max(1, math.isqrt(need - 1) + 1)
    return 16 * w + 30, 6 * lp + 10
