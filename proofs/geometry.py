"""Exact distances between the points of a data set.

Every finite float64 is a dyadic rational, so squared distances and squared
norms of data points are exact rationals. Computing all of them exactly is far
too slow, so each exact answer here comes in two passes:

1. a float64 pass that finds every *candidate*: a pair whose float distance is
   within a proven rounding margin of the best found so far (the margins are
   the standard bounds ``gamma_n = n u / (1 - n u)``, ``u = 2**-53``, for sums
   of ``n`` rounded terms in any order, doubled for safety);
2. an exact pass over the candidates with Python integers.

The float pass is either a blocked Gram pass over all pairs (any N up to a few
tens of thousands), or, for large N, a grid on a few Hadamard projections: a
pair at distance ``r`` differs by at most ``sqrt(d') r`` in every projected
coordinate (``d'`` the dimension padded to a power of two), so only pairs in
neighbouring grid cells can be closer than ``r``. If even the grid would give
too many candidates, :func:`min_distance` certifies a lower bound instead of
the exact minimum and says so (``exact=False``).

References
----------
.. [1] N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
   SIAM, 2002: Lemma 3.1 and section 4.2 (the bound ``gamma_n`` for sums and
   inner products in any order), section 3.1 (exact products of split floats).
.. [2] T. Ogita, S. M. Rump, S. Oishi, "Accurate sum and dot product", SIAM J.
   Sci. Comput. 26(6), 2005: algorithm Sum2 and its error bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from proofs.errors import DataError
from proofs.exact import exact_inputs

__all__ = [
    "MinDistance",
    "min_distance",
    "close_pairs",
    "duplicate_groups",
    "exact_sq_distances",
    "exact_sq_norms",
    "outside_unit_ball",
    "compare_sq_norms",
]

Progress = Callable[[str, int, int], None]
_Projection = tuple[np.ndarray, np.ndarray, float]  # projections, their error bounds, sqrt(d')

_U = 2.0**-53
_HUGE = 2.0**400  # squares of sums of such values stay far from overflow
_TINY = 2.0**-1000  # absolute slack covering underflow in products of tiny values
_SMALL_N = 4_000  # up to this N the Gram pass is always used
_GRAM_MAX_N = 40_000  # largest N for the exhaustive Gram pass
_GRAM_TILE = 1 << 22  # float entries per Gram tile
_PAIR_BUDGET = 30_000_000  # most grid pairs :func:`min_distance` screens in float
_CHUNK = 200_000  # pairs per screening chunk


def _gamma(n: int) -> float:
    """Twice the bound ``n u / (1 - n u)`` on the relative error of an n-term float sum."""
    return 2.0 * n * _U / (1.0 - n * _U)


@dataclass(frozen=True)
class MinDistance:
    """The minimum pairwise Euclidean distance of a point set.

    Attributes
    ----------
    delta_squared : Fraction
        Exact squared distance of ``pair``. It is the minimum over all pairs
        when ``exact`` is true, else an upper bound on it.
    delta : float
        ``sqrt(delta_squared)`` rounded to float64.
    pair : tuple of int
        Row indices ``(i, j)``, ``i < j``, attaining ``delta_squared``.
    method : str
        How it was computed, in words.
    exact : bool
        Whether every pair of points was accounted for.
    lower_bound_squared : Fraction
        A proven lower bound on the squared minimum (equal to
        ``delta_squared`` when ``exact``).
    candidates : int
        Number of pairs checked in exact arithmetic.
    """

    delta_squared: Fraction
    delta: float
    pair: tuple[int, int]
    method: str
    exact: bool = True
    lower_bound_squared: Fraction | None = None
    candidates: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields; fractions as ``"p/q"`` strings."""
        lb = self.lower_bound_squared if self.lower_bound_squared is not None else self.delta_squared
        return {
            "delta_squared": str(self.delta_squared),
            "delta": self.delta,
            "pair": list(self.pair),
            "method": self.method,
            "exact": self.exact,
            "lower_bound_squared": str(lb),
            "lower_bound": _sqrt_float(lb),
            "candidates": self.candidates,
        }


def _sqrt_float(q: Fraction) -> float:
    return math.sqrt(q.numerator / q.denominator) if q.numerator else 0.0


def _as_points(X: Any, min_rows: int = 2) -> np.ndarray:
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < min_rows or x.shape[1] < 1:
        raise DataError(f"need a 2-D array of at least {min_rows} points, got shape {x.shape}")
    if not np.isfinite(x).all():
        rows = np.unique(np.nonzero(~np.isfinite(x))[0])[:10].tolist()
        raise DataError(f"points contain NaN or inf in rows {rows}; remove or replace them")
    big = np.nonzero((np.abs(x) > _HUGE).any(axis=1))[0]
    if big.size:
        raise DataError(
            f"coordinates above 2**400 in rows {big[:10].tolist()} would overflow the float pass; "
            "rescale the data (check-data --rescale)"
        )
    return np.ascontiguousarray(x + 0.0)  # + 0.0 turns -0.0 into 0.0


def duplicate_groups(X: Any) -> np.ndarray:
    """For each row, the index of the first row equal to it (exactly).

    Examples
    --------
    >>> duplicate_groups([[0.0, 1.0], [0.5, 0.5], [-0.0, 1.0]]).tolist()
    [0, 1, 0]
    """
    x = np.ascontiguousarray(np.asarray(X, dtype=np.float64) + 0.0)
    rows = x.view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)]


def exact_sq_norms(X: Any) -> list[Fraction]:
    """Exact squared Euclidean norms of the rows.

    Examples
    --------
    >>> exact_sq_norms([[0.6, 0.8], [0.5, 0.0]])[1]
    Fraction(1, 4)
    """
    sums, dens = _sq_norm_parts(np.asarray(X, dtype=np.float64))
    return [Fraction(int(t), int(q) * int(q)) for t, q in zip(sums, dens, strict=True)]


def _sq_norm_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row ``i`` has squared norm ``sums[i] / dens[i]**2`` (object arrays of Python ints)."""
    sums = np.empty(x.shape[0], dtype=object)
    dens = np.empty(x.shape[0], dtype=object)
    for s in range(0, x.shape[0], 20_000):
        e = exact_inputs(x[s : s + 20_000])
        nums = e.nums.astype(object)
        sums[s : s + 20_000] = (nums * nums).sum(axis=1)
        dens[s : s + 20_000] = e.dens.astype(object)
    return sums, dens


def compare_sq_norms(X: Any, bound: float) -> np.ndarray:
    """Exact sign of ``|x|**2 - bound`` for every row: -1, 0 or 1.

    ``bound`` is a float (so exact). A float pass with a proven margin settles
    most rows; each remaining row is split without error into float terms
    (Veltkamp: ``x**2 = xh**2 + 2 xh xl + xl**2`` exactly), summed with
    ``-bound`` by a compensated sum with a proven error bound, and where that
    bound does not settle the sign, by :func:`math.fsum` (correctly rounded, so
    its sign is exact). Rows with coordinates below ``2**-400``, where the
    split could underflow, use Python integers instead.

    Examples
    --------
    >>> compare_sq_norms([[0.6, 0.8], [0.5, 0.5], [1.0, 0.0]], 1.0).tolist()
    [1, -1, 0]
    """
    x = _as_points(X, min_rows=1)
    n2 = np.einsum("ij,ij->i", x, x)
    slack = _gamma(x.shape[1] + 2) * n2 + x.shape[1] * _TINY
    sign = np.where(n2 - slack > bound, 1, np.where(n2 + slack < bound, -1, 0)).astype(np.int64)
    unsure = np.nonzero(sign == 0)[0]  # not settled by the float pass
    if unsure.size == 0:
        return sign
    rows = x[unsure]
    c = rows * 134217729.0  # 2**27 + 1
    hi = c - (c - rows)
    lo = rows - hi
    terms = np.concatenate([hi * hi, 2.0 * hi * lo, lo * lo, np.full((rows.shape[0], 1), -bound)], axis=1)
    # compensated sum (Ogita-Rump-Oishi Sum2): error <= u|res| + gamma_n**2 sum|t|
    total = np.zeros(rows.shape[0])
    comp = np.zeros(rows.shape[0])
    for col in terms.T:
        a = total + col
        b = a - total
        comp += (total - (a - b)) + (col - b)
        total = a
    res = total + comp
    margin = 2.0 * _gamma(terms.shape[1]) ** 2 * np.abs(terms).sum(axis=1) + _TINY
    sure = np.abs(res) > margin
    sign[unsure[sure]] = np.sign(res[sure]).astype(np.int64)
    tiny = ((np.abs(rows) < 2.0**-400) & (rows != 0)).any(axis=1)
    for k in np.nonzero(~sure)[0].tolist():
        i = int(unsure[k])
        if tiny[k]:
            t2 = exact_sq_norms(x[i : i + 1])[0] - Fraction(bound)
            sign[i] = (t2 > 0) - (t2 < 0)
        else:  # exact split terms; fsum rounds their sum correctly, so its sign is exact
            t1 = math.fsum(terms[k].tolist())
            sign[i] = (t1 > 0) - (t1 < 0)
    return sign


def outside_unit_ball(X: Any) -> list[int]:
    """Rows outside the closed unit ball, decided exactly.

    Examples
    --------
    >>> outside_unit_ball([[0.5, 0.5], [1.0, 0.5], [0.0, -1.0]])
    [1]
    """
    return np.nonzero(compare_sq_norms(X, 1.0) > 0)[0].tolist()


def exact_sq_distances(X: Any, pairs_i: Any, pairs_j: Any) -> list[Fraction]:
    """Exact squared distances ``|X[i] - X[j]|**2`` for the given index pairs.

    Examples
    --------
    >>> exact_sq_distances([[0.1, 0.0], [0.0, 0.0]], [0], [1])[0] == Fraction(0.1) ** 2
    True
    """
    x = np.asarray(X, dtype=np.float64)
    ii = np.asarray(pairs_i, dtype=np.int64).reshape(-1)
    jj = np.asarray(pairs_j, dtype=np.int64).reshape(-1)
    if ii.size == 0:
        return []
    rows = np.unique(np.concatenate([ii, jj]))
    e = exact_inputs(x[rows])
    pi = np.searchsorted(rows, ii)
    pj = np.searchsorted(rows, jj)
    common = _common_int64(e.nums, e.dens)
    if common is not None:  # every row as int64 over one 2**k, small enough for int64 sums
        ints, den = common
        out: list[Fraction] = []
        for s in range(0, ii.size, 50_000):
            diff = ints[pi[s : s + 50_000]] - ints[pj[s : s + 50_000]]
            out.extend(Fraction(int(t), den * den) for t in np.einsum("ij,ij->i", diff, diff))
        return out
    nums = e.nums.astype(object)
    dens = e.dens.astype(object)
    out = []
    for s in range(0, ii.size, 20_000):
        a, b = pi[s : s + 20_000], pj[s : s + 20_000]
        qa, qb = dens[a], dens[b]
        diff = nums[a] * qb[:, None] - nums[b] * qa[:, None]
        sums = (diff * diff).sum(axis=1)
        out.extend(
            Fraction(int(t), (int(p) * int(r)) ** 2) for t, p, r in zip(sums, qa, qb, strict=True)
        )
    return out


def _common_int64(nums: np.ndarray, dens: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Rows as int64 numerators over one power of two, if every sum of squared differences fits."""
    if nums.dtype != np.int64 or dens.dtype != np.int64:
        return None
    den = int(dens.max())
    shift = np.log2(den // dens).astype(np.int64)  # dens are powers of two
    top = int(np.abs(nums).max(axis=1).max()) if nums.size else 0
    # |difference| < 2**(bits + 1); d squares of it must stay below 2**63
    bits = max(top.bit_length() + int(shift.max()), 0)
    if 2 * (bits + 1) + int(nums.shape[1]).bit_length() > 62:
        return None
    return nums << shift[:, None], den


def _direct_bounds(x: np.ndarray, ii: np.ndarray, jj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proven float lower and upper bounds on the squared distances of pairs."""
    g = _gamma(x.shape[1] + 3)
    lo = np.empty(ii.size)
    hi = np.empty(ii.size)
    step = max(1, 4_000_000 // x.shape[1])
    for s in range(0, ii.size, step):
        diff = x[ii[s : s + step]] - x[jj[s : s + step]]
        d2 = np.einsum("ij,ij->i", diff, diff)
        slack = g * d2 + x.shape[1] * _TINY
        lo[s : s + step] = d2 - slack
        hi[s : s + step] = d2 + slack
    return lo, hi


class _Best:
    """Running candidates: pairs whose lower bound is at most the best upper bound."""

    def __init__(self, hi: float = math.inf, *, fixed: bool = False) -> None:
        self.hi = hi
        self.fixed = fixed  # keep ``hi`` (find all pairs below it, not only the closest)
        self.ii: list[np.ndarray] = []
        self.jj: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.up: list[np.ndarray] = []

    def add(self, ii: np.ndarray, jj: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        if hi.size:
            self.lower(float(hi.min()))
        keep = lo <= self.hi
        if keep.any():
            self.ii.append(ii[keep])
            self.jj.append(jj[keep])
            self.lo.append(lo[keep])
            self.up.append(hi[keep])

    def lower(self, hi: float) -> None:
        if not self.fixed:
            self.hi = min(self.hi, hi)

    def pairs(self, nearest: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The candidates; with ``nearest``, only those that may be among the ``nearest`` closest."""
        if not self.ii:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        ii, jj, lo, up = (np.concatenate(v) for v in (self.ii, self.jj, self.lo, self.up))
        keep = lo <= self.hi
        if nearest is not None and np.count_nonzero(keep) > nearest:
            # at least `nearest` pairs lie below t, so the `nearest` closest all have lo <= t
            t = np.partition(up[keep], nearest - 1)[nearest - 1]
            keep &= lo <= t
        return ii[keep], jj[keep]


def _gram_pass(x: np.ndarray, best: _Best, progress: Progress | None) -> None:
    """Screen all pairs with blocked Gram matrices; refine survivors directly."""
    n, d = x.shape
    norms = np.einsum("ij,ij->i", x, x)
    c = 2.0 * _gamma(d + 2)
    rows = max(1, min(n, _GRAM_TILE // n))
    for i0 in range(0, n - 1, rows):
        i1 = min(n, i0 + rows)
        g = x[i0:i1] @ x[i0:].T
        d2 = norms[i0:i1, None] + norms[None, i0:] - 2.0 * g
        slack = c * (norms[i0:i1, None] + norms[None, i0:]) + d * _TINY
        lo = d2 - slack
        upper = np.triu(np.ones(d2.shape, bool), k=1)
        best.lower(float(np.where(upper, d2 + slack, np.inf).min()))
        ri, ci = np.nonzero(upper & (lo <= best.hi))
        if ri.size:
            ii, jj = ri + i0, ci + i0
            dlo, dhi = _direct_bounds(x, ii, jj)
            best.add(ii, jj, dlo, dhi)
        if progress is not None:
            progress("gram pass", i1, n)


def _hadamard_projection(x: np.ndarray, m: int, seed: int) -> _Projection:
    """``m`` rows of a random-signed Sylvester-Hadamard map, with error bounds.

    Returns projections ``p`` (N, m), the per-point bound on the float error of
    each coordinate, and ``sqrt(d')``: for every pair, each coordinate of the
    exact projected difference is at most ``sqrt(d')`` times their distance.
    """
    n, d = x.shape
    dp = 1 << max(0, (d - 1).bit_length())
    rng = np.random.default_rng(seed)
    rows = rng.choice(dp, size=min(m, dp), replace=False)
    signs = rng.choice([-1.0, 1.0], size=d)
    # Sylvester-Hadamard entry (i, j) is (-1)**popcount(i & j)
    both = rows[:, None] & np.arange(d)[None, :]
    parity = np.zeros(both.shape, dtype=np.int64)
    for bit in range(max(1, dp.bit_length())):
        parity ^= (both >> bit) & 1
    basis = (1.0 - 2.0 * parity) * signs[None, :]
    p = x @ basis.T
    err = _gamma(d) * np.abs(x).sum(axis=1) + d * _TINY
    return p, err, math.sqrt(dp)


class _Grid:
    """Points bucketed by cells of side ``h`` in their first ``m`` projected coordinates."""

    def __init__(self, p: np.ndarray, h: float) -> None:
        lo = p.min(axis=0)
        cells = np.floor((p - lo) / h).astype(np.int64)
        ranges = cells.max(axis=0) + 3
        key = np.zeros(p.shape[0], dtype=np.int64)
        self.strides: list[int] = []
        mult = 1
        for k in range(p.shape[1]):
            self.strides.append(mult)
            key += (cells[:, k] + 1) * mult
            mult *= int(ranges[k])
        self.order = np.argsort(key, kind="stable")
        skey = key[self.order]
        self.ukeys, self.starts, self.counts = np.unique(skey, return_index=True, return_counts=True)
        m = p.shape[1]
        offs = np.array(np.meshgrid(*[[-1, 0, 1]] * m, indexing="ij")).reshape(m, -1).T
        keys = offs @ np.array(self.strides, dtype=np.int64)
        self.offsets = [int(k) for k in keys if k > 0]

    def neighbours(self, off: int) -> tuple[np.ndarray, np.ndarray]:
        target = self.ukeys + off
        pos = np.minimum(np.searchsorted(self.ukeys, target), self.ukeys.size - 1)
        found = np.nonzero(self.ukeys[pos] == target)[0]
        return found, pos[found]

    def count(self) -> int:
        total = int((self.counts * (self.counts - 1) // 2).sum())
        for off in self.offsets:
            a, b = self.neighbours(off)
            total += int((self.counts[a] * self.counts[b]).sum())
        return total

    def pair_chunks(self) -> Any:
        """Yield ``(i, j)`` arrays of point indices, every pair of neighbouring points once."""
        pos = np.arange(self.order.size)
        cell_of = np.repeat(np.arange(self.ukeys.size), self.counts)
        ends = self.starts + self.counts
        # within a cell: each point with the later points of its cell
        yield from self._expand(pos, pos + 1, ends[cell_of] - pos - 1)
        for off in self.offsets:
            a, b = self.neighbours(off)
            src = np.repeat(self.starts[a], self.counts[a]) + _ramp(self.counts[a])
            tb = np.repeat(b, self.counts[a])
            yield from self._expand(src, self.starts[tb], self.counts[tb])

    def _expand(self, src: np.ndarray, start: np.ndarray, count: np.ndarray) -> Any:
        keep = count > 0
        src, start, count = src[keep], start[keep], count[keep]
        csum = np.cumsum(count)
        s = 0
        while s < src.size:
            e = int(np.searchsorted(csum, (csum[s - 1] if s else 0) + _CHUNK, side="right"))
            e = max(e, s + 1)
            c = count[s:e]
            ii = np.repeat(src[s:e], c)
            jj = np.repeat(start[s:e], c) + _ramp(c)
            yield self.order[ii], self.order[jj]
            s = e


def _ramp(counts: np.ndarray) -> np.ndarray:
    """``[0..c0-1, 0..c1-1, ...]`` for the given counts."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _grid_for(x: np.ndarray, r2: float, proj: _Projection, m: int) -> _Grid:
    p, err, scale = proj
    h = (scale * math.sqrt(r2) + 2.0 * float(err.max())) * (1.0 + 1e-9)
    extent = float((p[:, :m].max(axis=0) - p[:, :m].min(axis=0)).max())
    h = max(h, extent / 30_000.0, 1e-300)
    return _Grid(p[:, :m], h)


def _screen(x: np.ndarray, grid: _Grid, proj: _Projection, r2: float, best: _Best) -> None:
    """Screen neighbouring pairs by all projected coordinates, then directly."""
    p, err, scale = proj
    mp = p.shape[1]
    bound = scale * math.sqrt(r2) * (1.0 + 1e-12)
    for ii, jj in grid.pair_chunks():
        dp = p[ii] - p[jj]
        pd = np.sqrt(np.einsum("ij,ij->i", dp, dp)) * (1.0 - _gamma(mp + 3))
        cut = min(bound, scale * math.sqrt(max(best.hi, 0.0)) * (1.0 + 1e-12))
        keep = pd - math.sqrt(mp) * (err[ii] + err[jj]) <= cut
        ii, jj = ii[keep], jj[keep]
        if ii.size:
            lo, hi = _direct_bounds(x, ii, jj)
            sel = lo <= r2
            best.add(np.minimum(ii, jj)[sel], np.maximum(ii, jj)[sel], lo[sel], hi[sel])


def close_pairs(
    X: Any,
    delta: float,
    *,
    limit: int | None = None,
    method: str = "auto",
    seed: int = 0,
    progress: Progress | None = None,
) -> list[tuple[int, int, Fraction]]:
    """Every pair of rows at distance strictly less than ``delta``, found exactly.

    Returns ``(i, j, d2)`` with ``i < j`` and ``d2`` the exact squared
    distance, sorted by ``d2``; only the ``limit`` closest if given. ``method``
    forces the float pass (``"gram"`` or ``"grid"``) as in :func:`min_distance`.
    The grid costs about the number of pairs whose projections are close, small
    when ``delta`` is small against the spread of the data; when it would cost
    more than the Gram pass over all pairs, the Gram pass runs instead, so the
    answer is always exact (in quadratic time at worst).

    Examples
    --------
    >>> close_pairs([[0.0], [0.25], [1.0]], 0.5)
    [(0, 1, Fraction(1, 16))]
    """
    x = _as_points(X)
    d2 = Fraction(float(delta)) ** 2
    r2 = float(d2) * (1.0 + 8 * _U)
    best = _Best(r2, fixed=True)
    n = x.shape[0]
    if method == "gram" or (method == "auto" and n <= _SMALL_N):
        _gram_pass(x, best, progress)
    else:
        proj = _hadamard_projection(x, 16, seed)
        grid = _grid_for(x, r2, proj, _grid_dims(x))
        if method == "auto" and grid.count() > n * (n - 1) // 32:
            _gram_pass(x, best, progress)
        else:
            _screen(x, grid, proj, r2, best)
    ii, jj = best.pairs(limit)
    found = [
        (int(i), int(j), q)
        for i, j, q in zip(ii, jj, exact_sq_distances(x, ii, jj), strict=True)
        if q < d2
    ]
    found.sort(key=lambda t: (float(t[2]), t[0], t[1]))  # then nearly sorted: few exact comparisons
    found.sort(key=lambda t: (t[2], t[0], t[1]))
    return found if limit is None else found[:limit]


def _grid_dims(x: np.ndarray) -> int:
    return min(x.shape[1], 4, max(1, int(math.log(max(x.shape[0], 2), 8))))


def _neighbour_pairs(x: np.ndarray, proj: _Projection) -> _Best:
    """Near neighbours along one projection: a proven upper bound on the minimum."""
    order = np.argsort(proj[0][:, 0], kind="stable")
    best = _Best()
    for k in range(1, 5):
        ii, jj = order[:-k], order[k:]
        lo, up = _direct_bounds(x, ii, jj)
        best.add(np.minimum(ii, jj), np.maximum(ii, jj), lo, up)
    return best


def min_distance(
    X: Any,
    *,
    method: str = "auto",
    seed: int = 0,
    pair_budget: int = _PAIR_BUDGET,
    progress: Progress | None = None,
) -> MinDistance:
    """The exact minimum pairwise distance of the rows of ``X``.

    With ``method="auto"`` the answer is exact (``exact=True``) for every N up
    to 40,000, and beyond that whenever the grid on Hadamard projections has at
    most ``pair_budget`` pairs to screen at the radius of the minimum (data
    with close pairs, low dimension). Otherwise (large N, high dimension, no
    close pairs) the result is the best pair found, exact, with a proven lower
    bound on the minimum (``exact=False``), and ``method`` says so.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Finite float64 points, N >= 2.
    method : {"auto", "gram", "grid"}
        ``"gram"`` screens all N(N-1)/2 pairs (exact for any N, quadratic
        time); ``"grid"`` uses only the projection grid (exact or partial).
    seed : int
        Seed of the random projection (an exact answer does not depend on it).
    pair_budget : int
        Most pairs the grid may screen in float arithmetic.
    progress : callable, optional
        Called as ``progress(phase, done, total)``.

    Returns
    -------
    MinDistance

    Raises
    ------
    DataError
        Fewer than 2 points, a non-2-D array, NaN or inf.

    Examples
    --------
    >>> md = min_distance([[0.0, 0.0], [0.75, 0.0], [0.0, 0.5]])
    >>> md.delta_squared, md.pair, md.exact
    (Fraction(1, 4), (0, 2), True)
    """
    if method not in ("auto", "gram", "grid"):
        raise DataError(f"unknown method {method!r}; use 'auto', 'gram' or 'grid'")
    x = _as_points(X)
    n = x.shape[0]
    first = duplicate_groups(x)
    dup = np.nonzero(first != np.arange(n))[0]
    if dup.size:
        j = int(dup[0])
        return MinDistance(Fraction(0), 0.0, (int(first[j]), j), "identical rows", True, Fraction(0), 1)
    gram = f"exact: blocked float64 Gram pass over all {n * (n - 1) // 2} pairs"
    if method == "gram" or (method == "auto" and n <= _SMALL_N):
        best = _Best()
        _gram_pass(x, best, progress)
        return _finish(x, best, gram)
    proj = _hadamard_projection(x, 16, seed)
    m = _grid_dims(x)
    near = _neighbour_pairs(x, proj)
    r2 = near.hi
    grid = _grid_for(x, r2, proj, m)
    # a grid pair costs about 16 Gram pairs: below _GRAM_MAX_N, take the cheaper pass
    cap = min(pair_budget, n * (n - 1) // 32) if method == "auto" and n <= _GRAM_MAX_N else pair_budget
    while grid.count() > cap:
        if method == "auto" and n <= _GRAM_MAX_N:
            _gram_pass(x, near, progress)
            return _finish(x, near, gram)
        r2 /= 2.0
        grid = _grid_for(x, r2, proj, m)
    how = f"grid on {m} Hadamard projections of dimension {int(round(proj[2] ** 2))}"
    if progress is not None:
        progress("grid pass", 0, 1)
    best = _Best(near.hi)
    _screen(x, grid, proj, r2, best)
    if progress is not None:
        progress("grid pass", 1, 1)
    if best.pairs()[0].size:
        res = _finish(x, best, f"exact: {how}, every pair closer than the minimum screened")
        if res.delta_squared <= Fraction(r2):
            return res
    # no pair is closer than sqrt(r2): report the best near neighbour and the bound
    up = _finish(x, near, "")
    return MinDistance(
        up.delta_squared,
        up.delta,
        up.pair,
        f"partial: {how}; no pair is closer than {math.sqrt(r2):.6g} (every pair that could be was "
        f"screened); the pair shown is the closest of near neighbours along one projection",
        False,
        Fraction(r2),
        up.candidates,
    )


def _finish(x: np.ndarray, best: _Best, method: str) -> MinDistance:
    ii, jj = best.pairs()
    exact = exact_sq_distances(x, ii, jj)
    k = min(range(len(exact)), key=lambda t: (exact[t], int(ii[t]), int(jj[t])))
    q = exact[k]
    return MinDistance(q, _sqrt_float(q), (int(ii[k]), int(jj[k])), method, True, q, len(exact))
