"""Lower bounds: what every network that memorizes N delta-separated points needs.

All start from one remark (``docs/theory/lower.md``, Lemma 1): an architecture
that memorizes every delta-separated labeled N-set shatters one such set, since
thresholding the output at 3/2 is a change of output bias. So ``N <= VCdim``.

Explicit bounds, proven in ``docs/theory/lower.md``:

- :data:`VC_RECURSION`: the sign-pattern counting lemma applied layer by layer
  (:func:`vc_log2_patterns`), evaluated numerically;
- :data:`VC_CLOSED`: its closed-form corollary;
- :func:`bits_bound` (:data:`BITS_FLOAT32`, :data:`BITS_FLOAT64`): counting
  the functions of ``b``-bit weights;
- :data:`LINE_REGIONS`: linear pieces along a line.

Asymptotic bounds with unknown constants, shown as stated:
:data:`SEED_LOWER`, :data:`GOLDBERG_JERRUM`, :data:`SYZ_VC_LOG`,
:data:`SYZ_VC_CUBIC`, :data:`BARTLETT_VC`, :data:`SIEGEL_LOWER`.

Examples
--------
>>> from bounds.lower import vc_dimension_bound, vc_least_depth
>>> vc_dimension_bound([3, 3], d=2) >= 1
True
>>> int(vc_least_depth(N=1000, W=4, d=2)[()])
3
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy
from sympy.codegen.cfunctions import log2

from bounds.errors import ParameterError
from bounds.statement import Bound, Direction, Source, Status
from bounds.symbols import C, L, N, P, W, d, delta, dense_params

__all__ = [
    "sign_patterns_log2",
    "vc_log2_patterns",
    "vc_dimension_bound",
    "vc_uniform_margin",
    "vc_least_depth",
    "vc_least_width",
    "vc_sum_params",
    "bits_bound",
    "VC_RECURSION",
    "VC_CLOSED",
    "BITS_FLOAT32",
    "BITS_FLOAT64",
    "LINE_REGIONS",
    "SEED_LOWER",
    "SEED_TYPO_NOTE",
    "GOLDBERG_JERRUM",
    "SYZ_VC_LOG",
    "SYZ_VC_CUBIC",
    "BARTLETT_VC",
    "SIEGEL_LOWER",
    "LOWER_BOUNDS",
]

_DOCS = "docs/theory/lower.md"
_TWO_E = 2.0 * math.e
_REL = 1e-12  # relative slack, always in the direction that weakens a lower bound


def sign_patterns_log2(M: Any, D: Any, n: Any) -> np.ndarray:
    """log2 of the most sign vectors ``M`` polynomials of degree ``<= D`` in ``n`` variables have.

    Warren's lemma (Anthony and Bartlett 1999, Thm 8.3): ``2 (2 e M D / n)^n``
    when ``M >= n``; never more than ``2^M``. Vectorized.

    Examples
    --------
    >>> float(sign_patterns_log2(3, 1, 5))  # fewer polynomials than variables: 2^M
    3.0
    >>> round(float(sign_patterns_log2(100, 2, 4)), 3)
    33.346
    """
    M, D, n = (np.asarray(x, dtype=float) for x in (M, D, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        lemma = 1.0 + n * np.log2(_TWO_E * M * D / n)
    return np.where(M < n, M, np.minimum(M, lemma))


def _check_widths(widths: Any, dim: int) -> list[int]:
    ks = [int(k) for k in widths]
    if not ks or min(ks) < 1 or dim < 1:
        raise ParameterError(f"hidden widths must be a non-empty list of positive integers, got {widths!r}")
    return ks


def vc_log2_patterns(m: float, widths: Any, d: int) -> float:
    """log2 of the bound on sign patterns a ReLU net with hidden ``widths`` has on ``m`` inputs.

    The product over hidden layers ``i`` of the lemma's bound for ``m k_i``
    polynomials of degree ``i`` in ``P_i`` variables (the parameters of layers
    ``1..i``), times its bound for the ``m`` outputs (degree ``L + 1`` in all
    ``P`` parameters). See ``docs/theory/lower.md``, Theorem 2.

    Examples
    --------
    >>> round(vc_log2_patterns(10, [2], d=1), 3)
    30.0
    """
    ks = _check_widths(widths, d)
    total, feeding, prev = 0.0, 0, d
    for i, k in enumerate(ks, start=1):
        feeding += k * (prev + 1)
        total += float(sign_patterns_log2(m * k, i, feeding))
        prev = k
    total += float(sign_patterns_log2(m, len(ks) + 1, feeding + prev + 1))
    return total


def vc_dimension_bound(widths: Any, d: int) -> int:
    """The largest ``m`` with ``m <= vc_log2_patterns(m)``: an upper bound on the VC dimension.

    ``m - vc_log2_patterns(m)`` is convex in ``m`` and ``<= 0`` at ``m = 1``, so
    the ``m`` it allows form an interval found by bisection.

    Examples
    --------
    >>> vc_dimension_bound([1], d=1)
    43
    """
    ks = _check_widths(widths, d)
    lo, hi = 1, 2
    while hi <= vc_log2_patterns(hi, ks, d) * (1 + _REL):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mid <= vc_log2_patterns(mid, ks, d) * (1 + _REL):
            lo = mid
        else:
            hi = mid
    return lo


def _layer_params(i: Any, width: Any, dim: Any) -> Any:
    """Parameters of hidden layers ``1..i`` of a width-``width`` net on ``R^dim``."""
    return width * (dim + 1) + (i - 1) * width * (width + 1)


def vc_uniform_margin(N: Any, W: Any, L: Any, d: Any) -> np.ndarray:
    """``log2 patterns(N) - N`` for hidden widths all ``W``, depth ``L``, vectorized.

    Memorizing needs it ``>= 0`` (Theorem 2 of ``docs/theory/lower.md``).

    Examples
    --------
    >>> bool(vc_uniform_margin(1000, 4, 3, 2) >= 0), bool(vc_uniform_margin(1000, 4, 2, 2) >= 0)
    (True, False)
    """
    N, W, L, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (N, W, L, d)))
    total = np.zeros(N.shape)
    top = int(np.nanmax(L)) if L.size else 0
    for i in range(1, top + 1):
        term = sign_patterns_log2(N * W, i, _layer_params(i, W, d))
        total += np.where(i <= L, term, 0.0)
    total += sign_patterns_log2(N, L + 1, dense_params(W, L, d))
    return total * (1 + _REL) - N


def vc_least_depth(N: Any, W: Any, d: Any, max_depth: int = 10**6) -> np.ndarray:
    """Least depth the VC recursion allows at width ``W``, vectorized; ``inf`` past ``max_depth``.

    Scans the layers once: the layer terms do not depend on the depth, so
    their running sum plus the output term at depth ``i`` is the bound at ``i``.

    Examples
    --------
    >>> vc_least_depth([100, 10000], 8, 2).tolist()
    [1.0, 5.0]
    """
    N, W, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (N, W, d)))
    shape = N.shape
    n, w, dim = N.ravel().copy(), W.ravel().copy(), d.ravel().copy()
    out = np.full(n.shape, np.inf)
    idx = np.arange(n.size)
    cum = np.zeros(n.size)
    for i in range(1, max_depth + 1):
        feeding = _layer_params(i, w, dim)
        cum += sign_patterns_log2(n * w, i, feeding)
        total = cum + sign_patterns_log2(n, i + 1, feeding + w + 1)
        ok = total * (1 + _REL) >= n
        out[idx[ok]] = i
        if ok.all():
            break
        keep = ~ok
        idx, cum, n, w, dim = idx[keep], cum[keep], n[keep], w[keep], dim[keep]
    return out.reshape(shape)


def vc_least_width(N: Any, L: Any, d: Any, max_width: int = 2**40) -> np.ndarray:
    """Least width the VC recursion allows at depth ``L``, vectorized (bisection on ``W``).

    The bound grows with ``W`` (``docs/theory/lower.md``, Remark 3), so bisection is exact.

    Examples
    --------
    >>> vc_least_width(10000, [1, 7], 2).tolist()
    [137.0, 5.0]
    """
    N, L, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (N, L, d)))
    lo = np.zeros(N.shape)  # infeasible (width 0)
    hi = np.ones(N.shape)
    grow = vc_uniform_margin(N, hi, L, d) < 0
    while grow.any():
        lo = np.where(grow, hi, lo)
        hi = np.where(grow, hi * 2, hi)
        if hi.max() > max_width:
            bad = np.flatnonzero(grow & (hi > max_width))
            raise ParameterError(
                f"no width up to {max_width} fits N={N.flat[bad[0]]:g} points at depth L={L.flat[bad[0]]:g}; "
                "raise the depth"
            )
        grow = vc_uniform_margin(N, hi, L, d) < 0
    while (hi - lo > 1).any():
        mid = np.floor((lo + hi) / 2)
        ok = vc_uniform_margin(N, np.maximum(mid, 1), L, d) >= 0
        active = hi - lo > 1
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid, lo)
    return hi


def vc_sum_params(width: Any, depth: Any, dim: Any) -> Any:
    """``S = P_1 + ... + P_L + P``: the exponent sum of the VC recursion for uniform widths.

    Examples
    --------
    >>> from bounds.symbols import W, L, d
    >>> sympy.expand(vc_sum_params(W, L, d) - (sum(_layer_params(i, W, d) for i in range(1, 4))
    ...                                        + dense_params(W, 3, d))).subs(L, 3)
    0
    """
    return (depth + 1) * width * (dim + 1) + width * (width + 1) * (depth - 1) * (depth + 2) / 2 + width + 1


def _vc_numeric(n: Any, dim: Any, c: Any, dl: Any, w: Any, depth: Any, *_: Any) -> np.ndarray:
    return vc_uniform_margin(n, w, depth, dim)


_i = sympy.Symbol("i", positive=True, integer=True)
_Phi = sympy.Function("Phi")
_P = sympy.Function("P")

VC_RECURSION = Bound(
    key="vc-recursion",
    title="VC dimension by layer-wise sign-pattern counting",
    quantity="VC dimension",
    direction=Direction.NECESSARY,
    status=Status.DERIVED,
    lhs=sympy.Sum(_Phi(N * W, _i, _P(_i)), (_i, 1, L)) + _Phi(N, L + 1, _P(L + 1)),
    rhs=N,
    source=Source(
        "Warren's lemma (Anthony and Bartlett 1999, Thm 8.3) applied layer by layer as in "
        "Bartlett, Harvey, Liaw and Mehrabian 2019",
        year=2019,
        tag="[OURS]",
        docs=_DOCS + "#theorem-2",
        short="ours, Warren lemma by layers",
    ),
    note=(
        "Phi(M, D, n) = min(M, 1 + n log2(2 e M D / n)) if M >= n else M; "
        "P(i) = parameters of hidden layers 1..i, P(L+1) = all parameters; evaluated numerically"
    ),
    numeric=_vc_numeric,
)

VC_CLOSED = Bound(
    key="vc-closed",
    title="VC bound, closed form",
    quantity="W^2 L^2",
    direction=Direction.NECESSARY,
    status=Status.DERIVED,
    lhs=vc_sum_params(W, L, d) * log2(sympy.E * N * (L + 1)) + L + 1,
    rhs=N,
    source=Source(
        "corollary of Theorem 2", tag="[OURS]", docs=_DOCS + "#corollary-3", short="ours, corollary of Thm 2"
    ),
    note="S(W, L, d) <= (W+1)^2 (L+1)^2 when d <= W, so (W+1)^2 (L+1)^2 >= (N - L - 1) / log2(e N (L+1))",
)


def bits_bound(bits: int, label: str | None = None) -> Bound:
    """The bit-counting bound ``b P >= N log2 C`` for weights of ``bits`` bits.

    Examples
    --------
    >>> bits_bound(8).statement()
    '8*P >= N*log2(C)'
    """
    bits = int(bits)
    if bits < 1:
        raise ParameterError(f"bits per weight must be a positive integer, got {bits}")
    name = label or f"{bits}-bit"
    return Bound(
        key=f"bits-{bits}",
        title=f"bit counting, {name} weights",
        quantity="parameters",
        direction=Direction.NECESSARY,
        status=Status.DERIVED,
        lhs=bits * P,
        rhs=N * log2(C),
        source=Source(
            "counting argument", tag="[OURS]", docs=_DOCS + "#theorem-4", short="ours, bit counting"
        ),
        condition=(
            f"every weight and bias takes one of at most 2^{bits} values (0 among them); P = dense parameters"
        ),
        note="needs the network to realize all C^N labelings of one fixed point set",
        setting=f"weights restricted to 2^{bits} values ({name})",
    )


BITS_FLOAT32 = bits_bound(32, "float32")
BITS_FLOAT64 = bits_bound(64, "float64")

LINE_REGIONS = Bound(
    key="line-regions",
    title="linear pieces along a line",
    quantity="depth",
    direction=Direction.NECESSARY,
    status=Status.DERIVED,
    lhs=L * log2(W + 1),
    rhs=log2(sympy.floor((N - 1) / 2) + 1),
    source=Source(
        "counting breakpoints", tag="[OURS]", docs=_DOCS + "#theorem-5", short="ours, breakpoints on a line"
    ),
    condition="N <= 2/delta + 1 (N collinear delta-separated points exist)",
    applies=sympy.Le((N - 1) * delta, 2),
)

SEED_TYPO_NOTE = (
    "the paper's text states Omega(N / log(1/delta)); the arXiv listing abstract prints "
    "Omega(N log(1/delta)) without the '/'. memcap uses the paper's '/' form"
)

SEED_LOWER = Bound(
    key="yang-yang-lower",
    title="Yang and Yang, lower bound",
    quantity="W^2 L^2",
    direction=Direction.NECESSARY,
    status=Status.ASYMPTOTIC,
    lhs=W**2 * L**2,
    rhs=N / sympy.log(1 / delta),
    relation="Omega",
    source=Source(
        "X. Yang and Y. Yang, Memorization capacity of deep ReLU neural networks characterized "
        "by width and depth, arXiv 2603.09589",
        year=2026,
        tag="[V abstract]",
        url="https://arxiv.org/abs/2603.09589",
        short="Yang-Yang 2026",
    ),
    note=SEED_TYPO_NOTE,
)

GOLDBERG_JERRUM = Bound(
    key="goldberg-jerrum",
    title="Goldberg and Jerrum, VC dimension",
    quantity="VC dimension",
    direction=Direction.NECESSARY,
    status=Status.ASYMPTOTIC,
    lhs=P**2 + P * W * L,
    rhs=N,
    relation="Omega",
    source=Source(
        "P. Goldberg and M. Jerrum, Machine Learning 18 (1995); as stated by Bartlett, Maiorov and Meir 1998",
        year=1995,
        tag="[V via Bartlett-Maiorov-Meir 1998]",
        short="Goldberg-Jerrum 1995",
    ),
    note="VCdim <= c1 (P^2 + P U) with P parameters and U = W L hidden units; c1 unknown here",
)

_SYZ = Source(
    "Z. Shen, H. Yang and S. Zhang, Optimal approximation rate of ReLU networks in terms of "
    "width and depth, J. Math. Pures Appl.",
    year=2022,
    tag="[V full text]",
    short="Shen-Yang-Zhang 2022",
)

SYZ_VC_LOG = Bound(
    key="syz-vc-log",
    title="Shen-Yang-Zhang, VC dimension (log form)",
    quantity="W^2 L^2",
    direction=Direction.NECESSARY,
    status=Status.ASYMPTOTIC,
    lhs=W**2 * L**2 * sympy.log(W * L),
    rhs=N,
    relation="Omega",
    source=_SYZ,
    note="from VCdim(width <= W, depth <= L) <= min{O(W^2 L^2 ln(W L)), O(W^3 L^2)}",
)

SYZ_VC_CUBIC = Bound(
    key="syz-vc-cubic",
    title="Shen-Yang-Zhang, VC dimension (cubic form)",
    quantity="W^3 L^2",
    direction=Direction.NECESSARY,
    status=Status.ASYMPTOTIC,
    lhs=W**3 * L**2,
    rhs=N,
    relation="Omega",
    source=_SYZ,
    note="from VCdim(width <= W, depth <= L) <= min{O(W^2 L^2 ln(W L)), O(W^3 L^2)}",
)

BARTLETT_VC = Bound(
    key="bartlett-vc",
    title="Bartlett-Harvey-Liaw-Mehrabian, VC dimension",
    quantity="VC dimension",
    direction=Direction.NECESSARY,
    status=Status.ASYMPTOTIC,
    lhs=P * L * sympy.log(P),
    rhs=N,
    relation="Omega",
    source=Source(
        "P. Bartlett, N. Harvey, C. Liaw and A. Mehrabian, Nearly-tight VC-dimension and "
        "pseudodimension bounds for piecewise linear neural networks, JMLR 20",
        year=2019,
        tag="[V abstract]",
        short="Bartlett et al. 2019",
    ),
    note="VCdim = O(P L log P); their explicit constant is not verified here",
)

#: Siegel's paper, source of both the lower bound here and the upper bound in the catalogue.
SIEGEL_2023 = Source(
    "J. W. Siegel, Sharp lower bounds on interpolation by deep ReLU neural networks at "
    "irregularly spaced data, arXiv 2302.00834",
    year=2023,
    tag="[V abstract]",
    url="https://arxiv.org/abs/2302.00834",
    short="Siegel 2023",
)

SIEGEL_LOWER = Bound(
    key="siegel-lower",
    title="Siegel, irregularly spaced data",
    quantity="parameters",
    direction=Direction.NECESSARY,
    status=Status.ASYMPTOTIC,
    lhs=P,
    rhs=N,
    relation="Omega",
    source=SIEGEL_2023,
    condition="delta exponentially small in N",
)

#: Every lower bound, explicit ones first.
LOWER_BOUNDS: tuple[Bound, ...] = (
    VC_RECURSION,
    VC_CLOSED,
    BITS_FLOAT32,
    BITS_FLOAT64,
    LINE_REGIONS,
    SEED_LOWER,
    GOLDBERG_JERRUM,
    SYZ_VC_LOG,
    SYZ_VC_CUBIC,
    BARTLETT_VC,
    SIEGEL_LOWER,
)
