"""Networks of width 1, 2 and 3, built lemma by lemma (``docs/theory/upper.md``, Lemmas 11-13).

After the unit ``s`` of Lemma 2 the data lie on a line, sorted, ``4`` apart,
with integer codes ``c_1 < ... < c_N``. The ramp between points ``k`` and
``k + 1`` is ``ReLU(s - a_k) - ReLU(s - a_k - 1)`` with ``a_k = c_k + 2``
(:func:`ramp_knots`): ``0`` on the points up to ``k``, ``1`` on the later ones.

- :func:`ramp_chain` (Lemma 11, width 2): ``u_j = ReLU(u_(j-1) - (t_j - t_(j-1)))``
  equals ``ReLU(s - t_j)`` down the increasing knots ``t``; an accumulator
  ``G_j = ReLU(G_(j-1) + beta_j u_(j-1))`` adds them, starting at
  ``B + l_1 > 0`` so that it stays positive on the data;
- :func:`ramp_pipeline` (Lemma 12, width 3): both knots of a ramp in one layer,
  the accumulator one layer behind;
- :func:`clamp_fit` and :func:`clamped_affine` (Lemma 13, width 1): a width-1
  network is ``label_min + clip(g(<v, x>))``; :func:`clamp_fit` looks for a
  direction along which the labels have that shape, and says why not.

Every weight after the first layer is an integer; the sizes equal
:func:`bounds.narrow.narrow_sizes`.

Examples
--------
>>> import numpy as np
>>> from proofs.construction import memorize
>>> X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, -0.75], [0.25, 0.5]])
>>> c = memorize(X, [3, -1, 3, 0], width=2)
>>> [int(v[0]) for v in c.network.evaluate(X).as_fractions()], c.report["regime"], c.network.depth
([3, -1, 3, 0], 'chain', 7)
>>> c = memorize(X, [1, 1, 0, 1], width=1)
>>> [int(v[0]) for v in c.network.evaluate(X).as_fractions()], c.report["regime"], c.network.widths
([1, 1, 0, 1], 'clamp', [1, 1])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from bounds.upper import V_BITS, WIDTH_ONE, NarrowLayout
from proofs.construction import (
    Projection,
    _exact_projection,
    dyadic_direction,
    integer_codes,
    project_along,
    projection,
)
from proofs.errors import InfeasibleError
from proofs.gadgets import LayerBuilder, Lin, carry
from proofs.network import AffineLayer

__all__ = [
    "CLAMP_STRUCTURE",
    "ClampFit",
    "ramp_knots",
    "ramp_chain",
    "ramp_pipeline",
    "clamp_fit",
    "clamped_affine",
]

Progress = Callable[[str, int, int], None]

#: What ``report["structure"]`` says for a width-1 network.
CLAMP_STRUCTURE = (
    "scalar-first: hidden layer 1 is the single unit z = ReLU(<w, x> + b); every later unit is a "
    "function of z alone"
)


def ramp_knots(codes: np.ndarray) -> list[int]:
    """The ramps' left knots ``a_k = c_k + 2``, ``k = 1 .. N - 1`` (codes in sorted order).

    Every point up to ``k`` has ``s < c_k + 3/2 < a_k`` and every later one
    ``s >= s_k + 4 > c_k + 7/2 > a_k + 1`` (Lemma 2), so the ramp
    ``ReLU(s - a_k) - ReLU(s - a_k - 1)`` is ``0`` or ``1`` on them.

    >>> ramp_knots(np.array([3, 9, 13]))
    [5, 11]
    """
    knots = [int(c) + 2 for c in codes[:-1]]
    assert all(b - a >= 3 for a, b in zip(knots, knots[1:], strict=False)), "codes must be 3 apart"
    return knots


def _steps(labels: np.ndarray) -> list[int]:
    """Label steps ``l_(k+1) - l_k`` along the sorted order."""
    return [int(b) - int(a) for a, b in zip(labels[:-1], labels[1:], strict=True)]


def ramp_chain(
    codes: np.ndarray, labels: np.ndarray, lay: NarrowLayout, progress: Progress | None = None
) -> list[AffineLayer]:
    """Lemma 11: width 2, one knot per layer; returns the layers after ``s`` and the output layer.

    ``codes`` and ``labels`` (shifted, ``>= 0``) are in sorted order. The knots
    are ``a_k, a_k + 1`` for every ramp, the knot weights ``+-(l_(k+1) - l_k)``.
    Layer ``j`` holds ``u_j = ReLU(s - t_j)`` and the accumulator, which adds
    the previous layer's ``u``; the output adds the last knot and ``label_min - B``.

    >>> lay = NarrowLayout(N=3, d=1, n_b=5, n_c=2, kind="chain")
    >>> [layer.n_out for layer in ramp_chain(np.array([3, 9, 13]), np.array([2, 0, 3]), lay)]
    [1, 2, 2, 2, 1]
    """
    knots: list[int] = []
    weights: list[int] = []
    for a, step in zip(ramp_knots(codes), _steps(labels), strict=True):
        knots += [a, a + 1]
        weights += [step, -step]
    T, B = len(knots), lay.offset
    first = LayerBuilder()
    u = carry(first, Lin({0: 1}, -knots[0]))
    layers = [first.build(1)]
    acc = Lin({}, B + int(labels[0]))
    for j in range(1, T):
        b = LayerBuilder()
        new_u = carry(b, u - (knots[j] - knots[j - 1]))
        acc = carry(b, acc + weights[j - 1] * u)
        layers.append(b.build(layers[-1].n_out))
        u = new_u
        if progress:
            progress("chain", j + 1, T)
    out = LayerBuilder()
    out.unit(acc + weights[-1] * u + (lay.label_min - B))
    layers.append(out.build(layers[-1].n_out, relu=False))
    return layers


def ramp_pipeline(
    codes: np.ndarray, labels: np.ndarray, lay: NarrowLayout, progress: Progress | None = None
) -> list[AffineLayer]:
    """Lemma 12: width 3, a whole ramp per layer; returns the layers after ``s`` and the output layer.

    Layer ``k`` holds ``u_k = ReLU(s - a_k)``, ``v_k = ReLU(s - a_k - 1)``, both
    from ``u_(k-1)``, and the accumulator, which adds ``(l_k - l_(k-1)) (u - v)``
    of the previous layer's ramp; the output adds the last ramp and ``label_min - B``.

    >>> lay = NarrowLayout(N=3, d=1, n_b=5, n_c=2, kind="pipeline")
    >>> [layer.n_out for layer in ramp_pipeline(np.array([3, 9, 13]), np.array([2, 0, 3]), lay)]
    [2, 3, 1]
    """
    knots, steps, B = ramp_knots(codes), _steps(labels), lay.offset
    first = LayerBuilder()
    s = Lin({0: 1})
    u, v = carry(first, s - knots[0]), carry(first, s - (knots[0] + 1))
    layers = [first.build(1)]
    acc = Lin({}, B + int(labels[0]))
    for k in range(1, len(knots)):
        b = LayerBuilder()
        gap = knots[k] - knots[k - 1]
        new_u, new_v = carry(b, u - gap), carry(b, u - (gap + 1))
        acc = carry(b, acc + steps[k - 1] * (u - v))
        layers.append(b.build(layers[-1].n_out))
        u, v = new_u, new_v
        if progress:
            progress("pipeline", k + 1, len(knots))
    out = LayerBuilder()
    out.unit(acc + steps[-1] * (u - v) + (lay.label_min - B))
    layers.append(out.build(layers[-1].n_out, relu=False))
    return layers


# -- width 1 -------------------------------------------------------------------------
@dataclass(frozen=True)
class ClampFit:
    """A direction along which the labels are a clamped affine function, and that function.

    The network is ``z1 = ReLU(<weights, x> + bias)``, ``z2 = ReLU(top - z1)``,
    output ``label_min + scale * z2``.

    Attributes
    ----------
    projection : Projection
        The exact order along the direction.
    e, n_b : int
        Scale exponent and code bits of Lemma 2 along it.
    codes : numpy.ndarray
        Codes in sorted order.
    direction : str
        Which candidate direction fitted (``"seeded"``, ``"regression"``, ...).
    shape : str
        ``"step"`` (at most two labels) or ``"affine"`` (labels strictly between
        the least and the largest lie on a line).
    weights : list of Fraction
        First-layer weights (all nonzero).
    bias : Fraction
        First-layer bias (nonzero).
    top, scale : int
        ``1`` and ``D`` for a step, ``D`` and ``1`` for an affine clamp
        (``D`` the label range, at least 1).
    """

    projection: Projection
    e: int
    n_b: int
    codes: np.ndarray
    direction: str
    shape: str
    weights: list[Fraction]
    bias: Fraction
    top: int
    scale: int


def _candidates(X: np.ndarray, labels: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Float directions to try after the seeded one: regression, class means, a batch perceptron."""
    lo, hi = labels.min(), labels.max()
    out: list[tuple[str, np.ndarray]] = []
    if lo == hi:
        return out
    Xc = X - X.mean(axis=0)
    coef, *_ = np.linalg.lstsq(Xc, (labels - labels.mean()).astype(np.float64), rcond=None)
    out.append(("regression", coef))
    low, high = X[labels == lo], X[labels == hi]
    out.append(("class means", high.mean(axis=0) - low.mean(axis=0)))
    sel = (labels == lo) | (labels == hi)
    Z, t = X[sel], np.where(labels[sel] == hi, 1.0, -1.0)
    w, b = high.mean(axis=0) - low.mean(axis=0), 0.0
    for _ in range(50):  # batch perceptron: add the misclassified points, scaled
        wrong = t * (Z @ w + b) <= 0
        if not wrong.any():
            break
        w = w + (t[wrong, None] * Z[wrong]).mean(axis=0)
        b += float(t[wrong].mean())
    out.append(("perceptron", w))
    out.append(("logistic", _logistic(Z, t)))
    return out


def _logistic(Z: np.ndarray, t: np.ndarray, steps: int = 60) -> np.ndarray:
    """Newton steps of logistic regression of the classes ``t = +-1``, until they separate."""
    A = np.hstack([Z, np.ones((len(Z), 1))])
    w = np.zeros(A.shape[1])
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        for _ in range(steps):
            m = t * (A @ w)
            if np.all(m > 0):
                break
            p = 1.0 / (1.0 + np.exp(-m))  # probability of the right class
            grad = A.T @ (t * (1.0 - p))
            H = (A * (p * (1.0 - p))[:, None]).T @ A
            H += np.eye(len(w)) * (1e-12 * float(np.trace(H)) + 1e-300)
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
            if not np.all(np.isfinite(step)):
                break
            w = w + step
    return w[:-1]


def _not_monotone(L: list[int]) -> tuple[int, int, int] | None:
    """Positions ``i < j < k`` with ``L[j]`` above or below both ``L[i]`` and ``L[k]``, if any."""
    i, trend = 0, 0
    for j in range(1, len(L)):
        if L[j] == L[j - 1]:
            continue
        here = 1 if L[j] > L[j - 1] else -1
        if trend and here != trend:
            return i, j - 1, j
        i, trend = j - 1, here
    return None


def _rows(pr: Projection, positions: list[int], L: list[int]) -> str:
    rows = ", ".join(str(int(pr.order[p])) for p in positions)
    labs = ", ".join(str(L[p]) for p in positions)
    return f"rows {rows} have labels {labs}"


def _fit_along(
    X: np.ndarray, labels: np.ndarray, pr: Projection, name: str
) -> ClampFit | str:
    """Lemma 13 decided exactly along one direction: the clamp, or why there is none."""
    L = [int(v) for v in labels[pr.order]]
    N, lo, hi = len(L), min(L), max(L)
    bad = _not_monotone(L)
    if bad is not None:
        return _rows(pr, list(bad), L) + " in projection order (not monotone)"
    sign = 1 if L[0] <= L[-1] else -1
    e, n_b, codes = integer_codes(X, pr)
    scale = 1 << e
    v = [Fraction(int(a), 1 << V_BITS) for a in pr.v_num]
    mid = [p for p in range(N) if lo < L[p] < hi]
    D = hi - lo
    if not mid:  # two values (or one): a step between the last point of the left class and the next
        K = next((p for p in range(1, N) if L[p] != L[0]), N)
        t = Fraction(2 * int(codes[K - 1]) + 5, 2)  # s < t - 1 on the left, s >= t + 1 on the right
        # z1 = ReLU(t - s) if the larger label is on the right (or there is one label), else ReLU(s - t)
        side = -1 if sign > 0 else 1
        weights = [side * scale * a for a in v]
        bias = side * (scale + 2 - t)
        return ClampFit(pr, e, n_b, codes, name, "step", weights, bias, 1, max(D, 1))
    for a, b in zip(mid, mid[1:], strict=False):
        if L[a] == L[b]:
            return (
                _rows(pr, [a, b], L) + f", both strictly between {lo} and {hi}: a clamped affine "
                "function takes such a value at one projection only"
            )
    near = [mid[0] - 1, *mid, mid[-1] + 1]
    ps = _exact_projection(X, [int(pr.order[p]) for p in near], pr.v_num)
    s = {p: scale * (val + 1) + 2 for p, val in zip(near, ps, strict=True)}
    first, last = mid[0], mid[-1]
    slopes = [sign * D * m for m in (1, 2)] if first == last else [
        Fraction(L[last] - L[first]) / (s[last] - s[first])
    ]
    reason = ""
    for alpha in slopes:
        gamma = (L[first] - lo) - alpha * s[first]  # g(s) = alpha s + gamma, clipped to [0, D]
        if any(alpha * s[p] + gamma != L[p] - lo for p in mid):
            off = next(p for p in mid if alpha * s[p] + gamma != L[p] - lo)
            return _rows(pr, [first, last, off], L) + " strictly between the least and largest label, " \
                "and their projections are not on one line"
        left, right = alpha * s[near[0]] + gamma, alpha * s[near[-1]] + gamma
        if (sign > 0 and (left > 0 or right < D)) or (sign < 0 and (left < D or right > 0)):
            return _rows(pr, [near[0], first, last, near[-1]], L) + ": the line through the middle " \
                "labels does not clamp the outer ones"
        bias = D - alpha * (scale + 2) - gamma
        if bias != 0:
            weights = [-alpha * scale * a for a in v]
            return ClampFit(pr, e, n_b, codes, name, "affine", weights, bias, D, 1)
        reason = (
            "the labels fit a clamped affine function whose upper breakpoint passes through the "
            "origin, a case this builder does not build (its first bias would be zero)"
        )
    return reason


def clamp_fit(X: np.ndarray, labels: np.ndarray, *, seed: int = 0, delta: float | None = None) -> ClampFit:
    """Lemma 13: a direction along which ``labels`` are a clamped affine function, decided exactly.

    Directions tried, in order: the seeded one of Lemma 1, the least-squares
    regression of the labels, the difference of the means of the least- and
    largest-labelled points, a batch perceptron and Newton steps of logistic
    regression separating those two classes. Along each, the order is exact; the labels fit when they are
    monotone along it and those strictly between the least and the largest lie
    on one line whose clamp leaves the others at the least or largest label.

    Raises
    ------
    InfeasibleError
        No direction tried fits; the message gives the reason along the first.

    Examples
    --------
    >>> X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, -0.75], [0.25, 0.5]])
    >>> clamp_fit(X, np.array([2, 0, 0, 2])).shape
    'step'
    >>> clamp_fit(np.array([[-0.5], [0.0], [0.5]]), np.array([0, 1, 0]))
    Traceback (most recent call last):
    ...
    bounds.errors.InfeasibleError: width 1: no width-1 network along the 2 directions tried
    (seeded, regression); along the seeded one, rows 0, 1, 2 have labels 0, 1, 0 in projection order ...
    """
    pr = projection(X, seed=seed, delta=delta)
    tried: list[tuple[str, str]] = []
    seen: set[tuple[int, ...]] = set()
    found = _fit_along(X, labels, pr, "seeded")
    if isinstance(found, ClampFit):
        return found
    tried.append(("seeded", found))
    seen.add(tuple(pr.v_num.tolist()))
    for name, g in _candidates(X, labels):
        v_num = dyadic_direction(g)
        if v_num is None or tuple(v_num.tolist()) in seen:
            continue
        seen.add(tuple(v_num.tolist()))
        along = project_along(X, v_num)
        if along is None:
            tried.append((name, "two projections coincide"))
            continue
        found = _fit_along(X, labels, along, name)
        if isinstance(found, ClampFit):
            return found
        tried.append((name, found))
    names = ", ".join(n for n, _ in tried)
    raise InfeasibleError(
        f"width 1: no width-1 network along the {len(tried)} directions tried ({names}); "
        f"along the {tried[0][0]} one, {tried[0][1]}. {WIDTH_ONE[0].upper()}{WIDTH_ONE[1:]}; "
        f"use width >= 2, which fits any labels"
    )


def clamped_affine(fit: ClampFit, lay: NarrowLayout) -> list[AffineLayer]:
    """Lemma 13's network: ``z1 = ReLU(<w, x> + b)``, ``z2 = ReLU(top - z1)``, ``label_min + scale z2``.

    >>> X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, -0.75]])
    >>> fit = clamp_fit(X, np.array([4, 1, 2]))
    >>> lay = NarrowLayout(N=3, d=2, n_b=fit.n_b, n_c=2, kind="clamp", label_min=1)
    >>> from proofs.network import Network
    >>> [int(v[0]) for v in Network(clamped_affine(fit, lay)).evaluate(X).as_fractions()]
    [4, 1, 2]
    """
    assert fit.bias != 0 and all(w != 0 for w in fit.weights)
    first = AffineLayer.from_rationals([fit.weights], [fit.bias])
    second = AffineLayer.from_dense([[-1]], [fit.top])
    out = AffineLayer.from_dense([[fit.scale]], [lay.label_min])
    return [first, second, out]
