"""Certified floating-point counting of the regions of a network along a segment.

On every piece of the segment where the activation pattern is fixed, each
pre-activation is affine in the parameter ``t``: ``z(t) = alpha + beta t``.
This module propagates ``alpha`` and ``beta`` for all pieces of a layer at
once in float64, together with a rigorous bound on their distance to the exact
values (standard ``gamma_n`` bounds of floating-point dot products). A sign,
an order of two roots or a change of slope is accepted only when the float
margin exceeds the bound; when one cannot be decided (near ties, exact zeros,
weights float64 cannot hold) the filter gives up and the caller counts with
exact integers. The soundness argument is in ``docs/theory/region-filter.md``.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from proofs.network import AffineLayer, Network

__all__ = ["FilterCounts", "certified_counts"]

_U = 2.0**-53  # unit roundoff of float64
_KAPPA = 4 * _U  # |W - fl(W)| <= _KAPPA |fl(W)| for the converted weights
_TINY = 2.0**-1060  # absorbs what underflow can lose in one operation (at most 2**-1075)
_RESCUES = 32  # exact piece maps allowed (width <= 64) to settle undecided tests before giving up
_FLOOR = 2.0**-900  # least per-piece error factor, far above anything underflow loses

_CACHE: weakref.WeakKeyDictionary[AffineLayer, Any] = weakref.WeakKeyDictionary()
_EXACT_CACHE: weakref.WeakKeyDictionary[AffineLayer, Any] = weakref.WeakKeyDictionary()
_BLAS: list[Any] = []  # a threadpoolctl controller, made on first use


def _one_blas_thread() -> Any:
    """A context running BLAS on one thread: threads cost more than they save on these small products."""
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # optional (memcap[regions]); without it BLAS keeps its threads
            _BLAS.append(None)
        else:
            _BLAS.append(ThreadpoolController())
    if _BLAS[0] is None:
        return contextlib.nullcontext()
    return _BLAS[0].limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class FilterCounts:
    """Exact counts proved by the filter.

    ``vertices`` counts the ends 0 and 1; ``breakpoints`` the interior vertices
    where the output's slope changes. When ``stopped_after`` is not ``None``,
    counting stopped at the vertex limit after that hidden layer and
    ``per_layer[-1]`` is a lower bound (as in the exact counter).
    """

    per_layer: list[int]
    vertices: int
    breakpoints: int
    stopped_after: int | None = None


def _gamma(n: int) -> float:
    return n * _U / (1 - n * _U)


def _to_float(values: np.ndarray, denom: int) -> np.ndarray | None:
    """``values / denom`` in float64 within relative ``_KAPPA``; None on overflow or underflow."""
    try:
        out = np.asarray([float(v) for v in values] if values.dtype == object else values, np.float64)
        out = out / float(denom)
    except OverflowError:
        return None
    mag = np.abs(out[out != 0])
    if not np.isfinite(out).all() or len(mag) != int((values != 0).sum()):
        return None
    return out if not len(mag) or mag.min() >= 2.0**-1000 else None


def _float_layer(layer: AffineLayer) -> tuple[np.ndarray, ...] | None:
    """``(W^T, |W^T|, R, b)`` in float64, ``R_j >= sum_i |W_ji|``, cached; None if float64 overflows."""
    if layer in _CACHE:
        return _CACHE[layer]
    w, b = _to_float(layer.nums, layer.denom), _to_float(layer.bias, layer.denom)
    out = None
    if w is not None and b is not None:
        wt = np.zeros((layer.n_in, layer.n_out))
        wt[layer.cols, layer.rows] = w
        abs_wt = np.abs(wt)
        norms = abs_wt.sum(axis=0) * (1 + 2 * _gamma(layer.n_in))
        out = (wt, abs_wt, norms, b) if np.isfinite(norms).all() else None
    _CACHE[layer] = out
    return out


def certified_counts(net: Network, start: Any, end: Any, max_vertices: int | None) -> FilterCounts | None:
    """Counts of the exact 1-D counter on ``x(t) = start + t (end - start)``, or None if undecided.

    ``start`` and ``end`` are tuples of Fractions. A returned result equals
    what exact arithmetic gives; ``None`` means some test fell inside its
    error bound (or float64 cannot hold the weights), and nothing is claimed.

    >>> from fractions import Fraction
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 1]),
    ...                AffineLayer.from_dense([[1, 1]], [-1])])
    >>> certified_counts(net, (Fraction(-2),), (Fraction(3),), None)
    FilterCounts(per_layer=[3], vertices=4, breakpoints=2, stopped_after=None)

    Both units vanish at ``x = 1/2`` below: a tie that only exact arithmetic decides.

    >>> tie = Network([AffineLayer.from_dense([[2], [-2]], [-1, 1]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> certified_counts(tie, (Fraction(0),), (Fraction(1),), None) is None
    True
    """
    try:
        alpha = np.array([[float(v) for v in start]])
        beta = np.array([[float(e - s) for s, e in zip(start, end, strict=True)]])
    except OverflowError:
        return None
    with _one_blas_thread():
        # cheap bounds first, without exact rescues; then sharper bounds, with them
        for precise in (False, True):
            lineage = _Lineage(net, start, end)
            if not precise:
                lineage.budget = 0
            found = _count(net, alpha, beta, max_vertices, lineage, precise)
            if found is not None:
                return found
    return None


class _Lineage:
    """Where each vertex and piece comes from, to decide the few undecided signs exactly.

    ``parents[r]`` maps the pieces after hidden layer ``r`` to those before it,
    ``actives[r]`` holds layer ``r``'s activation mask on the pieces after it.
    A vertex's origin is ``(layer, unit, piece)``: the root of that unit on
    that piece (``(-1, 0, 0)`` and ``(-1, 1, 0)`` for the ends 0 and 1).
    """

    def __init__(self, net: Network, start: Any, end: Any) -> None:
        self.net, self.start, self.end = net, start, end
        self.parents: list[np.ndarray] = []
        self.actives: list[np.ndarray] = []
        self.origins = np.array([[-1, 0, 0], [-1, 1, 0]])
        # an exact rescue costs about width**2 big-integer products per layer: fewer for wide networks
        self.budget = max(
            min(2, _RESCUES), int(_RESCUES * min(1.0, (64 / max(lay.n_in for lay in net.layers)) ** 2))
        )

    def _forward(self, rows: Any, layers: int, masks: list[np.ndarray] | None) -> tuple[list[list[int]], int]:
        """Exact pre-activations of layer ``layers`` (numerators, one common denominator).

        ReLU acts between layers, or the fixed 0/1 ``masks`` of a piece do.
        """
        den = math.lcm(*(Fraction(v).denominator for row in rows for v in row))
        a = [[int(Fraction(v) * den) for v in row] for row in rows]
        for r in range(layers + 1):
            wt, bias, layer_den = _exact_layer(self.net.layers[r])
            prod = (flint.fmpz_mat(a) * wt).tolist()
            z = [[int(v) + den * b for v, b in zip(row, bias, strict=True)] for row in prod]
            den *= layer_den
            if r < layers:
                keep = masks[r].tolist() if masks is not None else None
                a = [
                    [v if (keep[j] if keep is not None else v > 0) else 0 for j, v in enumerate(row)]
                    for row in z
                ]
        return z, den

    def affine(self, layer: int, piece: int, units: Any) -> list[tuple[Fraction, Fraction]]:
        """Exact ``(alpha, beta)`` of the ``units`` of ``layer`` on one of its pieces."""
        self.budget -= 1
        masks = []
        for r in range(layer - 1, -1, -1):
            masks.append(self.actives[r][piece])
            piece = int(self.parents[r][piece])
        z, den = self._forward([self.start, self.end], layer, masks[::-1])
        return [
            (Fraction(z[0][j], den), Fraction(z[1][j] - z[0][j], den)) for j in np.atleast_1d(units).tolist()
        ]

    def vertex(self, k: int) -> Fraction:
        """The exact parameter ``t`` of vertex ``k``."""
        layer, unit, piece = (int(v) for v in self.origins[k])
        if layer < 0:
            return Fraction(unit)
        ((alpha, beta),) = self.affine(layer, piece, unit)
        return -alpha / beta

    def signs(self, k: int, layer: int, units: np.ndarray) -> np.ndarray:
        """Exact signs of the ``units`` of ``layer`` at vertex ``k``."""
        t = self.vertex(k)
        x = [s + t * (e - s) for s, e in zip(self.start, self.end, strict=True)]
        z, _ = self._forward([x], layer, None)
        return np.array([(z[0][j] > 0) - (z[0][j] < 0) for j in units.tolist()], dtype=np.int8)


def _exact_layer(layer: AffineLayer) -> tuple[Any, list[int], int]:
    """``(W^T as an fmpz_mat, bias numerators, denominator)``, cached per layer."""
    if layer not in _EXACT_CACHE:
        w, b, den = layer.to_dense()
        _EXACT_CACHE[layer] = (flint.fmpz_mat(w).transpose(), b, den)
    return _EXACT_CACHE[layer]


@dataclass(frozen=True)
class _RowErrors:
    """Cheap bounds: entry ``(k, j)`` is off by at most ``a[k] R[j] + ca[j]`` (slope: ``b[k] R[j] + cb``)."""

    a: np.ndarray
    b: np.ndarray
    norms: np.ndarray
    ca: np.ndarray
    cb: float

    def at(self, rows: Any) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.a[rows], self.b[rows]
        return np.multiply.outer(a, self.norms) + self.ca, np.multiply.outer(b, self.norms) + self.cb

    def entries(self, rows: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        norms = self.norms[units]
        return self.a[rows] * norms + self.ca[units], self.b[rows] * norms + self.cb

    def finite(self) -> bool:
        return bool(np.isfinite(self.a.sum() + self.b.sum()))

    def take(self, parent: np.ndarray, active: np.ndarray) -> _RowErrors:
        return _RowErrors(self.a[parent], self.b[parent], self.norms, self.ca, self.cb)


@dataclass(frozen=True)
class _EntryErrors:
    """Sharp bounds: one bound per entry, for intercepts ``ea`` and slopes ``eb``."""

    ea: np.ndarray
    eb: np.ndarray

    def at(self, rows: Any) -> tuple[np.ndarray, np.ndarray]:
        return self.ea[rows], self.eb[rows]

    def entries(self, rows: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.ea[rows, units], self.eb[rows, units]

    def finite(self) -> bool:
        return bool(np.isfinite(self.ea.sum() + self.eb.sum()))

    def take(self, parent: np.ndarray, active: np.ndarray) -> _EntryErrors:
        return _EntryErrors(self.ea[parent] * active, self.eb[parent] * active)


_Errors = _RowErrors | _EntryErrors


def _propagate(
    za: np.ndarray, zb: np.ndarray, errs: _Errors, layer: AffineLayer, floats: tuple[np.ndarray, ...]
) -> _Errors:
    """Bounds of the next layer's intercepts and slopes from this layer's values and bounds.

    ``|fl(W^ x^ + b^)_j - (W x + b)_j| <= sum_i |W^_ji| (g |x^_i| + (1 + kappa) E_i) + g |b^_j|``
    with ``g = gamma_{n+1} + kappa``; the sum is bounded by ``R_j max_i (...)``
    (cheap) or computed as a product with ``|W^|`` (sharp).
    """
    _, awt, norms, bias = floats
    g = _gamma(layer.n_in + 1) + _KAPPA
    tiny = (layer.n_in + 16) * _TINY  # more than underflow can lose in one dot product
    if isinstance(errs, _RowErrors):
        r_max = errs.norms.max()
        in_a = errs.a * r_max + errs.ca.max()
        in_b = errs.b * r_max + errs.cb
        # the floor _FLOOR outweighs anything underflow can lose here, even times R
        a = np.maximum((g * np.abs(za).max(axis=1) + (1 + _KAPPA) * in_a) * (1 + 16 * _U), _FLOOR)
        b = np.maximum((g * np.abs(zb).max(axis=1) + (1 + _KAPPA) * in_b) * (1 + 16 * _U), _FLOOR)
        return _RowErrors(a, b, norms, (g * np.abs(bias) + tiny) * (1 + 16 * _U), tiny)
    err = g * np.abs(np.concatenate([za, zb]))
    err += (1 + _KAPPA) * np.concatenate([errs.ea, errs.eb])
    err = err @ awt
    safe = 1 + 2 * _gamma(layer.n_in + 4)  # the rounding of the bound's own products and sums
    s = len(za)
    ea = np.maximum((err[:s] + (g * np.abs(bias) + tiny)) * safe, _FLOOR)
    return _EntryErrors(ea, np.maximum((err[s:] + tiny) * safe, _FLOOR))


def _count(
    net: Network,
    za: np.ndarray,
    zb: np.ndarray,
    max_vertices: int | None,
    lineage: _Lineage,
    precise: bool,
) -> FilterCounts | None:
    """The filter proper, with cheap (:class:`_RowErrors`) or sharp (:class:`_EntryErrors`) bounds.

    Invariant: every float intercept and slope on a piece is within the bound
    ``errs`` gives of the exact one. The input is the first "layer".
    """
    ea, eb = 2 * _U * np.abs(za) + _TINY, 2 * _U * np.abs(zb) + _TINY
    errs: _Errors = _EntryErrors(ea, eb)
    if not precise:
        errs = _RowErrors(np.zeros(1), np.zeros(1), np.ones(za.shape[1]), ea[0], float(eb.max()))
    tv, et = np.array([0.0, 1.0]), np.zeros(2)  # vertex parameters and their error bounds
    per_layer: list[int] = []
    last = len(net.layers) - 1
    for l_idx, layer in enumerate(net.layers):
        floats = _float_layer(layer)
        if floats is None:
            return None
        errs = _propagate(za, zb, errs, layer, floats)
        z = np.concatenate([za, zb]) @ floats[0]
        za, zb = z[: len(za)], z[len(za) :]
        za += floats[3]
        if not (np.isfinite(z.sum()) and errs.finite()):
            return None
        if l_idx == last:
            return _final(zb, errs.at(slice(None))[1], per_layer, len(tv), (lineage, l_idx))
        pos, undecided = _signs(za, zb, errs, tv, et)
        if undecided.any() and not _rescue(pos, undecided, l_idx, lineage):
            return None
        step = _split(za, zb, pos, errs, tv, et, max_vertices, (lineage, l_idx))
        if step is None:
            return None
        if isinstance(step, int):
            per_layer.append(step)
            return FilterCounts(per_layer, 0, 0, l_idx)
        parent, active, tv, et, rows, units = step
        lineage.parents.append(parent)
        lineage.actives.append(active)
        new = np.stack([np.full(len(rows), l_idx), units, rows], axis=1)
        lineage.origins = np.insert(lineage.origins, rows + 1, new, axis=0)
        per_layer.append(len(tv) - 1)
        za, zb = za[parent] * active, zb[parent] * active
        errs = errs.take(parent, active)
    raise AssertionError("unreachable: the last layer returns")  # pragma: no cover


def _rescue(pos: np.ndarray, undecided: np.ndarray, layer: int, lineage: _Lineage) -> bool:
    """Decide the undecided signs in exact arithmetic (few only); False when a sign is 0 or too many."""
    rows, units = np.nonzero(undecided)
    if len(np.unique(rows)) > lineage.budget:
        return False
    for k in np.unique(rows).tolist():
        cols = units[rows == k]
        exact = lineage.signs(k, layer, cols)
        if (exact == 0).any():
            return False
        pos[k, cols] = exact > 0
    return True


def _signs(
    za: np.ndarray, zb: np.ndarray, errs: _Errors, tv: np.ndarray, et: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``z > 0`` at every vertex (pieces' left ends, then the last right end), and where undecided.

    The pre-activations are continuous, so either neighbouring piece gives the
    value at a vertex. Where the second array is False the first is proved.
    """
    rows = np.append(np.arange(len(za)), len(za) - 1)
    t = tv[:, None]
    e = et[:, None]
    g2 = _gamma(2)
    za, zb = za[rows], zb[rows]
    ea, eb = errs.at(rows)
    v = za + zb * t
    abs_zb = np.abs(zb)
    bound = g2 * np.abs(za) + abs_zb * (g2 * np.abs(t) + e) + ea + eb * (np.abs(t) + e) + 16 * _TINY
    return v > 0, ~(np.abs(v) > bound * (1 + 16 * _U))


def _split(
    za: np.ndarray,
    zb: np.ndarray,
    pos: np.ndarray,
    errs: _Errors,
    tv: np.ndarray,
    et: np.ndarray,
    max_vertices: int | None,
    origin: tuple[_Lineage, int],
) -> tuple[np.ndarray, ...] | int | None:
    """Cut every piece at the roots of the units crossing zero inside it.

    Returns the parent piece of each new piece, the new activation masks, the
    new vertices with their errors, and the piece and unit of each new vertex;
    or the lower bound when the limit is passed; or None when an order of
    roots is undecided.
    """
    cross = pos[:-1] ^ pos[1:]
    rows, units = np.nonzero(cross)
    pieces = len(tv) - 1
    counts = np.bincount(rows, minlength=pieces)
    if max_vertices is not None:
        found = int((counts > 0).sum())
        if len(tv) + found > max_vertices:
            return len(tv) - 1 + found
    alpha, beta = za[rows, units], zb[rows, units]
    e_a, e_b = errs.entries(rows, units)
    denom = np.abs(beta) - e_b
    if not (denom > 0).all():
        return None
    root = -alpha / beta
    eps = ((e_a + np.abs(root) * (1 + 4 * _U) * e_b) / denom + _U * np.abs(root) + _TINY) * (1 + 16 * _U)
    order = np.lexsort((root, rows))
    rows, units, root, eps = rows[order], units[order], root[order], eps[order]
    same = rows[1:] == rows[:-1]
    close = same & ~((root[1:] - root[:-1]) > (eps[1:] + eps[:-1]) * (1 + 4 * _U))
    if close.any() and not _order_exactly(rows, units, root, eps, np.unique(rows[1:][close]), *origin):
        return None
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.full(cross.shape, np.iinfo(np.int64).max)
    rank[rows, units] = np.arange(len(rows)) - first[rows]
    parent = np.repeat(np.arange(pieces), counts + 1)
    sub = np.arange(len(parent)) - (first + np.arange(pieces))[parent]
    # a crossing unit is active left of its root iff it is positive at the left end
    active = pos[:-1][parent] ^ (sub[:, None] > rank[parent])
    tv = np.insert(tv, rows + 1, root)
    et = np.insert(et, rows + 1, eps)
    if not np.isfinite(eps.sum()):
        return None
    return parent, active, tv, et, rows, units


def _order_exactly(
    rows: np.ndarray,
    units: np.ndarray,
    root: np.ndarray,
    eps: np.ndarray,
    pieces: np.ndarray,
    lineage: _Lineage,
    layer: int,
) -> bool:
    """Sort the roots of the given pieces exactly, in place; False on a tie or past the budget."""
    if len(pieces) > lineage.budget:
        return False
    for k in pieces.tolist():
        idx = np.flatnonzero(rows == k)
        exact = [-a / b for a, b in lineage.affine(layer, k, units[idx])]
        perm = sorted(range(len(idx)), key=exact.__getitem__)
        if any(exact[i] == exact[j] for i, j in zip(perm, perm[1:], strict=False)):
            return False
        units[idx], root[idx], eps[idx] = units[idx][perm], root[idx][perm], eps[idx][perm]
    return True


def _final(
    zb: np.ndarray,
    eb: np.ndarray,
    per_layer: list[int],
    vertices: int,
    origin: tuple[_Lineage, int],
) -> FilterCounts | None:
    """Count interior vertices where some output's slope changes (a few decided exactly)."""
    diff = np.abs(zb[1:] - zb[:-1])
    bound = (eb[1:] + eb[:-1] + 2 * _TINY) * (1 + 16 * _U)
    changed = (diff > bound).any(axis=1)
    unsure = np.flatnonzero(~changed)
    lineage, layer = origin
    if 2 * len(unsure) > lineage.budget:
        return None
    units = np.arange(zb.shape[1])
    for k in unsure.tolist():
        left, right = lineage.affine(layer, k, units), lineage.affine(layer, k + 1, units)
        changed[k] = any(u[1] != v[1] for u, v in zip(left, right, strict=True))
    return FilterCounts(per_layer, vertices, int(changed.sum()))
