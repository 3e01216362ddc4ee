"""Exact evaluation along one line: networks whose first hidden layer has one unit.

When the first hidden layer has a single unit ``s``, every later unit is a
piecewise-linear function of the scalar ``s``. This backend computes ``s``
exactly for every point, sorts the distinct values, and then propagates, layer
by layer, each unit's function *restricted to the data*: a list of pieces
(runs of consecutive sorted data values) with exact affine coefficients
``(A s + B) / den`` on each. Work is shared by all points of a piece, so a unit
that is constant on a group of points costs one operation, not one per point.

Semantics are those of :mod:`proofs.backends` exactly: nothing is rounded.

- ``s`` is computed over one common denominator ``D``: float64 inputs (or
  exact inputs that are float64 values) go straight to
  :func:`proofs.dot.exact_dots`, exact float64 matrix products combined in
  int64 words, without converting the inputs to integers; other exact inputs
  use int64 limbs and base ``2**31`` digits, or Python ints when that does not
  fit. The points are sorted exactly by the numerators ``S``.
- The integers are int64 numpy arrays where a bound on their bit lengths
  proves that no overflow can happen, and arrays of Python ints otherwise.
- ReLU splits a piece where the affine function changes sign: the values with
  ``A S + B D > 0`` are those beyond one integer threshold, found by a binary
  search among the sorted ``S``. Adjacent pieces with equal coefficients are
  merged, so constant units stay one piece.
- Sums of inputs over different pieces are formed from the inputs' jumps when
  each has few pieces; nonnegative sums with nonnegative weights (which no
  ReLU can change) are kept as formulas and computed once, when read.

Examples
--------
>>> from proofs.network import AffineLayer, Network
>>> from proofs.backends import evaluate
>>> net = Network([AffineLayer.from_dense([[1, 1]], [0]),          # s = ReLU(x1 + x2)
...                AffineLayer.from_dense([[1], [1]], [-1, -2]),   # ReLU(s - 1), ReLU(s - 2)
...                AffineLayer.from_dense([[1, -1]], [0])])        # a ramp from 1 to 2
>>> evaluate(net, [[0.5, 0.25], [1.0, 0.5], [2.0, 1.0]], backend="scalar").as_fractions()
[[Fraction(0, 1)], [Fraction(1, 2)], [Fraction(1, 1)]]
"""

from __future__ import annotations

import heapq
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from proofs.errors import MemcapError

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import AffineLayer, Network

__all__ = ["available", "missing", "applicable", "evaluate", "exact_rows", "line_values"]

_LIMIT = 62  # int64 arithmetic is used only for results below 2**62 in magnitude


def available() -> bool:
    return True


def missing() -> str:
    return ""


def applicable(net: Network) -> bool:
    """True when the network has a hidden layer and the first one has one unit.

    >>> from proofs.network import AffineLayer, Network
    >>> applicable(Network([AffineLayer.from_dense([[1, 1]], [0]), AffineLayer.from_dense([[2]], [0])]))
    True
    """
    return net.depth >= 1 and net.layers[0].n_out == 1


# -- integer arrays with a known bit bound --------------------------------------------
def _bits(arr: np.ndarray) -> int:
    """Largest magnitude bit length in an int64 or object array."""
    if len(arr) == 0:
        return 0
    return max(abs(int(arr.max())), abs(int(arr.min()))).bit_length()  # no copy for abs


def _shrink(arr: np.ndarray) -> tuple[np.ndarray, int]:
    """The array as int64 when it fits, with its bit bound."""
    b = _bits(arr)
    if arr.dtype == object and b < _LIMIT:
        return arr.astype(np.int64), b
    return arr, b


def _obj(arr: np.ndarray) -> np.ndarray:
    return arr if arr.dtype == object else arr.astype(object)


class _Fn:
    """A unit's function on the sorted distinct data values.

    Piece ``p`` covers indices ``starts[p]`` up to ``starts[p + 1]`` (exclusive)
    and there the unit equals ``(A[p] * s + B[p]) / den``. ``A`` is ``None`` for
    a function constant on every piece (most units of a construction).
    """

    __slots__ = ("starts", "A", "B", "den", "abits", "bbits", "nonneg")

    def __init__(
        self, starts: np.ndarray, A: np.ndarray | None, B: np.ndarray, den: int, nonneg: bool = False
    ) -> None:
        self.starts = starts
        if A is not None and not np.asarray(A != 0).any():
            A = None
        self.A: np.ndarray | None = None
        self.abits = 0
        if A is not None:
            self.A, self.abits = _shrink(A)
        self.B, self.bbits = _shrink(B)
        self.den = den
        self.nonneg = nonneg  # known to be >= 0 at every data value (a ReLU changes nothing)


class _Sum:
    """A nonnegative unit kept as a formula: ``(sum(w * child) + bias) / q``.

    Sums of nonnegative units with nonnegative weights and bias (accumulators,
    carried labels) are never split by a ReLU, so they are only computed when
    a unit that needs their pieces reads them (:meth:`concrete`), once.
    """

    __slots__ = ("terms", "bias", "q", "order", "_fn")
    nonneg = True
    created = 0

    def __init__(self, terms: list[tuple[int, Any]], bias: int, q: int) -> None:
        self.terms, self.bias, self.q = terms, bias, q
        self._fn: _Fn | None = None
        _Sum.created += 1
        self.order = _Sum.created  # children are always created before parents

    def concrete(self) -> _Fn:
        if self._fn is None:
            self._fn = _materialize(self)
        return self._fn


def _concrete(f: Any) -> _Fn:
    return f.concrete() if isinstance(f, _Sum) else f


def _materialize(root: _Sum) -> _Fn:
    """The pieces of a lazy sum: every path's coefficient, accumulated in topological order."""
    coef: dict[int, Fraction] = {id(root): Fraction(1)}
    nodes: dict[int, _Sum] = {id(root): root}
    heap = [(-root.order, id(root))]
    leaves: dict[int, tuple[_Fn, Fraction]] = {}
    const = Fraction(0)
    while heap:
        _, key = heapq.heappop(heap)
        node, c = nodes[key], coef.pop(key)
        const += c * node.bias / node.q
        for w, child in node.terms:
            cc = c * w / node.q
            if isinstance(child, _Sum) and child._fn is None:
                if id(child) not in coef:
                    coef[id(child)] = Fraction(0)
                    nodes[id(child)] = child
                    heapq.heappush(heap, (-child.order, id(child)))
                coef[id(child)] += cc
            else:
                leaf = _concrete(child)
                old = leaves.get(id(leaf), (leaf, Fraction(0)))[1]
                leaves[id(leaf)] = (leaf, old + cc)
    den = const.denominator
    for leaf, c in leaves.values():
        den = math.lcm(den, c.denominator * leaf.den)
    terms = [(_exact_int(c * den / leaf.den), leaf) for leaf, c in leaves.values() if c]
    many = [f.starts for _, f in terms if len(f.starts) > 1]
    starts = _sorted_union(np.concatenate(many)) if many else np.zeros(1, dtype=np.int64)
    A = _combine_jumps([(c, f.starts, f.A, f.abits) for c, f in terms if f.A is not None], 0, starts)
    B = _combine_jumps([(c, f.starts, f.B, f.bbits) for c, f in terms], _exact_int(const * den), starts)
    return _merge(starts, A, _full(len(starts), 0) if B is None else B, den, True)


def _exact_int(value: Fraction) -> int:
    assert value.denominator == 1
    return value.numerator


def _combine(terms: list[tuple[int, np.ndarray, int]], extra: int, n: int) -> np.ndarray | None:
    """Sum of ``coef * arr`` over ``terms`` plus the constant ``extra``, piece by piece, exact.

    All arrays are over the same ``n`` pieces (or have length 1 and broadcast).
    int64 when a bound on the bit lengths proves it safe, else Python ints.
    """
    if not terms and not extra:
        return None
    small = _bound(terms, extra) < _LIMIT and all(a.dtype != object for _, a, _ in terms)
    if not small:
        by_size: dict[int, list[tuple[int, np.ndarray, int]]] = {}
        for c, arr, b in terms:
            by_size.setdefault(abs(c), []).append((1 if c > 0 else -1, arr, b))
        if len(by_size) < len(terms) and not (len(by_size) == 1 and 1 in by_size):
            # c * (f - g) costs less than c * f - c * g when f - g is small (ReLU pairs)
            inner = [(m, *_shrink(_combine(group, 0, n))) for m, group in by_size.items()]  # type: ignore[arg-type]
            return _combine(inner, extra, n)
    total: Any = None
    for c, arr, _ in terms:
        arr = arr if small else _obj(arr)
        part = arr if c == 1 else (-arr if c == -1 else c * arr)
        total = part if total is None else total + part
    if extra:
        total = _full(n, extra) if total is None else total + extra
    if len(total) != n:
        total = np.repeat(total, n)
    return total


def _bound(terms: list[tuple[int, np.ndarray, int]], extra: int) -> int:
    """Bits bounding every partial sum of ``sum(coef * arr) + extra`` (and twice it)."""
    top = max([abs(c).bit_length() + b for c, _, b in terms] + [abs(extra).bit_length()])
    return top + (len(terms) + 1).bit_length() + 1


def _combine_jumps(
    terms: list[tuple[int, np.ndarray, np.ndarray, int]], extra: int, starts: np.ndarray
) -> np.ndarray | None:
    """Like :func:`_combine` for arrays over different pieces, through their jumps.

    Each term ``(coef, its starts, arr, bits)`` adds ``coef`` times the change of
    ``arr`` at each of its piece starts; a cumulative sum over the union
    ``starts`` gives the values. Work is the total number of pieces, not terms
    times union pieces.
    """
    if not terms:
        return _full(len(starts), extra) if extra else None
    small = _bound(_plain(terms), extra) + 1 < _LIMIT and all(a.dtype != object for _, _, a, _ in terms)
    pos = np.searchsorted(starts, np.concatenate([st for _, st, _, _ in terms]))
    sizes = np.array([len(a) for _, _, a, _ in terms])
    values = np.concatenate([a for _, _, a, _ in terms])  # object if any term is
    if not small:
        values = _obj(values)  # one conversion for all terms
    first = np.zeros(len(values), dtype=bool)
    first[np.cumsum(sizes) - sizes] = True  # each term's first piece jumps from 0
    jumps = values.copy()
    jumps[1:] -= np.where(first[1:], 0, values[:-1])
    coefs = [c for c, _, _, _ in terms]
    if any(c != 1 for c in coefs):
        jumps = jumps * np.repeat(np.array(coefs, dtype=np.int64 if small else object), sizes)
    acc = np.zeros(len(starts), dtype=np.int64 if small else object)
    np.add.at(acc, pos, jumps)
    total = np.cumsum(acc)
    if extra:
        total = total + extra
    return total


def _plain(terms: list[tuple[int, np.ndarray, np.ndarray, int]]) -> list[tuple[int, np.ndarray, int]]:
    return [(c, a, b) for c, _, a, b in terms]


def _merge(
    starts: np.ndarray, A: np.ndarray | None, B: np.ndarray, den: int, nonneg: bool = False
) -> _Fn:
    """Join adjacent pieces with equal coefficients; reduce by a common factor."""
    if len(B) > 1:
        same = np.asarray(B[1:] == B[:-1], dtype=bool)
        if A is not None:
            same &= np.asarray(A[1:] == A[:-1], dtype=bool)
        if same.any():
            keep = np.concatenate(([True], ~same))
            starts, B = starts[keep], B[keep]
            A = None if A is None else A[keep]
    if den > 1:
        g = den
        for arr in (A, B):
            if g == 1 or arr is None:
                continue
            g = (
                math.gcd(g, int(np.gcd.reduce(arr)))
                if arr.dtype != object
                else math.gcd(g, *arr.tolist())
            )
        if g > 1:
            A = None if A is None else _divide(A, g)
            B, den = _divide(B, g), den // g
    return _Fn(starts, A, B, den, nonneg)


def _divide(arr: np.ndarray, g: int) -> np.ndarray:
    """Exact division by ``g``, which divides every entry."""
    if arr.dtype != object and g.bit_length() >= _LIMIT:
        return np.zeros_like(arr)  # entries below 2**62 divisible by g >= 2**62 are 0
    return arr // g


def _affine(layer: AffineLayer, fns: list[Any]) -> list[Any]:
    """Pre-activations of a layer from its inputs' functions."""
    bounds = np.searchsorted(layer.rows, np.arange(layer.n_out + 1)).tolist()
    cols = layer.cols.tolist()
    nums = [int(v) for v in layer.nums]
    biases = [int(v) for v in layer.bias]
    one_piece = np.zeros(1, dtype=np.int64)
    out = []
    for r in range(layer.n_out):
        ins = [(nums[k], fns[cols[k]]) for k in range(bounds[r], bounds[r + 1])]
        bias = biases[r]
        if len(ins) == 1 and bias == 0 and ins[0][0] == layer.denom:
            out.append(ins[0][1])  # a carried unit: the same function
            continue
        nonneg = bias >= 0 and all(w > 0 and f.nonneg for w, f in ins)
        if nonneg and ins:
            out.append(_Sum(ins, bias, layer.denom))
            continue
        ins = [(w, _concrete(f)) for w, f in ins]
        den = 1
        for _, f in ins:
            den = den * f.den // math.gcd(den, f.den)
        many = [f.starts for _, f in ins if len(f.starts) > 1]
        starts = many[0] if many else one_piece
        n = len(starts)
        picks: list[np.ndarray | None] = [None for _ in ins]
        if any(st is not starts and not np.array_equal(st, starts) for st in many[1:]):
            starts = _union(many)
            n = len(starts)
            if sum(len(f.starts) for _, f in ins) * 4 < n * len(ins):  # few pieces each: jumps
                terms = [(w * (den // f.den), f) for w, f in ins]
                A = _combine_jumps(
                    [(c, f.starts, f.A, f.abits) for c, f in terms if f.A is not None], 0, starts
                )
                B = _combine_jumps([(c, f.starts, f.B, f.bbits) for c, f in terms], bias * den, starts)
                out.append(_merge(starts, A, _full(n, 0) if B is None else B, den * layer.denom, nonneg))
                continue
            picks = [
                np.searchsorted(f.starts, starts, side="right") - 1 if len(f.starts) > 1 else None
                for _, f in ins
            ]
        a_terms, b_terms = [], []
        for (w, f), pick in zip(ins, picks, strict=True):
            c = w * (den // f.den)
            if f.A is not None:
                a_terms.append((c, f.A if pick is None else f.A[pick], f.abits))
            b_terms.append((c, f.B if pick is None else f.B[pick], f.bbits))
        A = _combine(a_terms, 0, n)
        B = _combine(b_terms, bias * den, n)
        out.append(_merge(starts, A, _full(n, 0) if B is None else B, den * layer.denom, nonneg))
    return out


def _union(many: list[np.ndarray]) -> np.ndarray:
    """Sorted union of piece starts; the largest list itself when it holds all others."""
    big = max(many, key=len)
    for st in many:
        if st is big:
            continue
        at = np.searchsorted(big, st)
        if (at >= len(big)).any() or not np.array_equal(big[at], st):
            return _sorted_union(np.concatenate(many))
    return big


def _sorted_union(starts: np.ndarray) -> np.ndarray:
    """The distinct values of an int64 array, sorted (as ``np.unique``, by one sort).

    >>> _sorted_union(np.array([3, 0, 3, 1])).tolist()
    [0, 1, 3]
    """
    s = np.sort(starts)
    return s[np.concatenate(([True], s[1:] != s[:-1]))] if len(s) else s


def _full(n: int, value: int) -> np.ndarray:
    if abs(value).bit_length() < _LIMIT:
        return np.full(n, value, dtype=np.int64)
    arr = np.empty(n, dtype=object)
    arr[:] = [value] * n
    return arr


def exact_rows(X: Any) -> ExactInputs:
    """The same exact rationals as :func:`proofs.exact.exact_inputs`, int64 whenever they fit.

    Each row is written over its least power-of-two denominator; the numerators
    are int64 when every one of them fits in 62 bits, which is decided element
    by element (the bit length of the odd part plus the shift), so points on a
    fine dyadic grid stay machine integers.

    >>> e = exact_rows([[0.5, -0.25], [2.0**-40, 0.0]])
    >>> e.nums.tolist(), e.dens.tolist(), e.nums.dtype
    ([[2, -1], [1, 0]], [4, 1099511627776], dtype('int64'))
    """
    from proofs.exact import ExactInputs, exact_inputs

    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2 or x.size == 0:
        return exact_inputs(x)  # its errors name the problem
    grid = _grid_rows(x)
    if grid is not None:
        return ExactInputs(*grid)
    if not np.isfinite(x).all():
        return exact_inputs(x)
    m, e = np.frexp(x)
    mant = np.ldexp(m, 53).astype(np.int64)  # x = mant * 2**(e - 53), exactly
    low = np.frexp((mant & -mant).astype(np.float64))[1]  # trailing zeros of mant, plus 1
    exp2 = e + low - 54  # exponent of the lowest set bit of x
    zero = x == 0
    if zero.any():
        exp2[zero] = 0  # zeros need no denominator
    k = np.maximum(0, (-exp2).max(axis=1))
    if k.max() > 61:
        return exact_inputs(x)
    nums = np.ldexp(x, k[:, None])  # integers, exact: x times a power of two
    if (np.abs(nums) >= 2.0**62).any():
        return exact_inputs(x)
    return ExactInputs(nums.astype(np.int64), np.left_shift(np.int64(1), k))


def _grid_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``exact_rows`` for matrices whose entries all lie on the grid ``2**(E - 62)``, ``|x| < 2**E``.

    ``u = x 2**(62 - E)`` is exact (a power-of-two scaling up, ``|u| < 2**62``);
    when every ``u`` is an integer (``rint(u) == u``) it converts to int64
    exactly. A row's least denominator comes from the trailing zeros of the
    OR of its integers (the least over its entries, the sign does not change
    them): ``nums = u >> z``, ``den = 2**(62 - E - z)``. ``None`` when some
    entry is off the grid, not finite, or a denominator would exceed ``2**61``.
    Works block by block, so the temporaries stay in cache.
    """
    big = max(float(x.max()), -float(x.min()))
    if not math.isfinite(big):
        return None
    n, d = x.shape
    if big == 0.0:
        return np.zeros((n, d), dtype=np.int64), np.ones(n, dtype=np.int64)
    sigma = 62 - math.frexp(big)[1]
    if not 0 <= sigma <= 1000:
        return None
    scale = 2.0**sigma
    nums = np.empty((n, d), dtype=np.int64)
    k = np.empty(n, dtype=np.int64)
    rows = max(1, (1 << 17) // d)
    for a in range(0, n, rows):
        u = x[a : a + rows] * scale
        if not np.array_equal(np.rint(u), u):
            return None
        ints = u.astype(np.int64)
        ors = np.bitwise_or.reduce(ints, axis=1)
        z = np.frexp((ors & -ors).astype(np.float64))[1] - 1  # trailing zeros (a power of two: exact)
        z = np.where(ors == 0, sigma, np.minimum(z, sigma))
        np.right_shift(ints, z[:, None], out=nums[a : a + rows])
        k[a : a + rows] = sigma - z
    if k.max() > 61:
        return None
    return nums, np.left_shift(np.int64(1), k)


class _Line:
    """The sorted distinct values of ``s`` on the data: value ``k`` is ``S[k] / D``.

    ``S`` is strictly increasing (int64 or Python ints) and ``D > 0`` is one
    common denominator, so a ReLU's sign change on a piece is found by one
    exact threshold and a binary search (:meth:`relu`).
    """

    def __init__(self, S: np.ndarray, D: int) -> None:
        self.S, self.D, self.K = S, int(D), len(S)
        self.Sf: np.ndarray | None = None  # float keys for a first search among Python ints
        if S.dtype == object:
            try:
                self.Sf = S.astype(np.float64)
            except OverflowError:
                pass

    def search(self, thr: np.ndarray, side: Any) -> np.ndarray:
        """Exact ``searchsorted`` of integer thresholds in ``S``.

        Among Python ints, the rounded floats give the position first; every
        position is then checked exactly against its neighbours, and the
        exact search runs only for those that fail.
        """
        if self.Sf is None:
            return np.searchsorted(self.S, _fit(thr, self.S), side=side)
        try:
            pos = np.searchsorted(self.Sf, thr.astype(np.float64), side=side)
        except OverflowError:
            return np.searchsorted(self.S, thr, side=side)
        below = self.S[np.maximum(pos - 1, 0)]
        above = self.S[np.minimum(pos, self.K - 1)]
        if side == "right":  # S[pos - 1] <= thr < S[pos]
            ok = ((pos == 0) | (below <= thr)) & ((pos == self.K) | (above > thr))
        else:  # S[pos - 1] < thr <= S[pos]
            ok = ((pos == 0) | (below < thr)) & ((pos == self.K) | (above >= thr))
        bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
        if len(bad):
            pos[bad] = np.searchsorted(self.S, thr[bad], side=side)
        return pos

    def relu(self, fn: Any) -> Any:
        """``ReLU`` of a unit's pre-activation, splitting pieces where the sign changes.

        On a piece with ``A > 0`` the value ``(A S + B D) / den`` is positive
        exactly for ``S > floor(-B D / A)``; with ``A < 0`` exactly for
        ``S < ceil(-B D / A)``. Both are integer thresholds on the sorted ``S``.
        """
        if fn.nonneg:
            return fn
        assert isinstance(fn, _Fn)
        starts, A, B = fn.starts, fn.A, fn.B
        n = len(B)
        ends = np.append(starts[1:], self.K)  # exclusive
        left_on = np.asarray(B > 0, dtype=bool)  # constant pieces: B's sign decides
        right_on = left_on.copy()
        cut = ends.copy()  # the left part is [start, cut), the right part [cut, end)
        sloped = np.flatnonzero(A != 0) if A is not None else np.zeros(0, dtype=np.int64)
        if A is not None and len(sloped):
            a, b = A[sloped], B[sloped]
            if A.dtype == object or B.dtype == object or fn.bbits + self.D.bit_length() >= _LIMIT:
                a, b = _obj(a), _obj(b)  # -B D may not fit in int64
            num = -b * self.D
            up = np.asarray(a > 0, dtype=bool)
            thr = np.where(up, num // a, -((-num) // a))
            pos = np.empty(len(sloped), dtype=np.int64)
            if up.any():
                pos[up] = self.search(thr[up], "right")
            if (~up).any():
                pos[~up] = self.search(thr[~up], "left")
            cut[sloped] = np.clip(pos, starts[sloped], ends[sloped])
            left_on[sloped], right_on[sloped] = ~up, up
        split = np.flatnonzero((cut > starts) & (cut < ends))
        # unsplit pieces are all left part (cut == end) or all right part (cut == start)
        on = np.where(cut >= ends, left_on, right_on)
        if len(split):
            starts = np.insert(starts, split + 1, cut[split])
            rep = np.ones(n, dtype=np.int64)
            rep[split] = 2
            B, on = np.repeat(B, rep), np.repeat(on, rep)
            A = None if A is None else np.repeat(A, rep)
            first = np.cumsum(rep) - rep
            on[first[split]] = left_on[split]
            on[first[split] + 1] = right_on[split]
        if not on.all():
            B = B.copy()
            B[~on] = 0
            if A is not None:
                A = A.copy()
                A[~on] = 0
        return _merge(starts, A, B, fn.den, True)


def _fit(thr: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Thresholds in the dtype of ``S`` for searchsorted (clamped, which keeps every comparison)."""
    if S.dtype == object:
        return thr
    lo, hi = int(S[0]) - 1 if len(S) else 0, int(S[-1]) + 1 if len(S) else 0
    if thr.dtype != object:
        return np.clip(thr, lo, hi)
    return np.array([min(max(int(t), lo), hi) for t in thr], dtype=np.int64)


_DIGIT = 31
_MASK = (1 << _DIGIT) - 1


def _normalize(digits: np.ndarray) -> None:
    """Carry so that every digit but the top one lies in ``[0, 2**31)``."""
    for j in range(digits.shape[1] - 1):
        digits[:, j + 1] += digits[:, j] >> _DIGIT
        digits[:, j] &= _MASK


def _add_shifted(digits: np.ndarray, P: np.ndarray | int, shift: int) -> None:
    """``digits += P * 2**shift`` for int64 ``|P| < 2**62`` (or a Python int constant)."""
    if isinstance(P, int):
        j = 0
        while shift >= _DIGIT:
            shift, j = shift - _DIGIT, j + 1
        value = P << shift
        while j < digits.shape[1] - 1:
            digits[:, j] += value & _MASK
            value >>= _DIGIT
            j += 1
        digits[:, -1] += value
        _normalize(digits)
        return
    pos, off = divmod(shift, _DIGIT)
    digits[:, pos] += (P & ((1 << (_DIGIT - off)) - 1)) << off
    digits[:, pos + 1] += P >> (_DIGIT - off)
    _normalize(digits)


def _fast_line(w: list[int], b: int, q: int, inputs: ExactInputs) -> tuple[np.ndarray, int] | None:
    """``S`` as base-``2**31`` digits over one denominator ``q * 2**kmax``, all in int64.

    Returns ``(digits, den)`` with rows already passed through ReLU, or
    ``None`` when the inputs do not allow it (then the general path runs).
    """
    nums, dens = inputs.nums, inputs.dens
    if nums.dtype == object or dens.dtype == object:
        return None
    kexp = np.frexp(dens.astype(np.float64))[1] - 1  # dens are powers of two here
    if not np.array_equal(np.left_shift(np.int64(1), kexp), dens):
        return None
    kmax = int(kexp.max())
    rowbits = np.frexp(np.abs(nums).max(axis=1).astype(np.float64))[1]
    if (rowbits + kmax - kexp > 52).any():  # also keeps the float of each entry exact
        return None
    nums = nums << (kmax - kexp)[:, None]
    nbits = int(rowbits.max() + kmax - kexp.min()) if len(nums) else 0
    nbits = max(nbits, _bits(nums.reshape(-1)))
    limb = 61 - nbits - len(w).bit_length()
    if limb < 8:
        return None
    wbits = max(abs(v).bit_length() for v in w)
    total = nbits + wbits + len(w).bit_length() + max(abs(b).bit_length() + kmax, 0) + 2
    digits = np.zeros((len(nums), total // _DIGIT + 3), dtype=np.int64)
    for j in range(wbits // limb + 1):
        part = np.array([(-1 if v < 0 else 1) * ((abs(v) >> (limb * j)) & ((1 << limb) - 1)) for v in w])
        if part.any():
            _add_shifted(digits, nums @ part, limb * j)
    if b:
        _add_shifted(digits, b, kmax)
    digits[digits[:, -1] < 0] = 0  # ReLU: the top digit carries the sign
    return digits, q << kmax


def line_values(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    """Exact first-unit values ``s_i = S[i] / D[i]`` (``D > 0``) for every input row.

    >>> from proofs.exact import exact_inputs
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[2, -1]], [1], denom=3), AffineLayer.from_dense([[1]], [0])])
    >>> S, D = line_values(net, exact_inputs([[0.5, 0.25], [-1.0, 0.0]]))
    >>> [(int(a), int(b)) for a, b in zip(S, D)]
    [(7, 12), (0, 3)]
    """
    w, b, q = _first_layer(net)
    nums, dens = inputs.nums, inputs.dens
    wobj = np.array(w, dtype=object)
    S = _obj(nums.reshape(-1)).reshape(nums.shape).dot(wobj) + b * _obj(dens)
    S = np.array([v if v > 0 else 0 for v in S.tolist()], dtype=object)
    return _shrink(S)[0], _shrink(_obj(dens) * q)[0]


def _first_layer(net: Network) -> tuple[list[int], int, int]:
    first = net.layers[0]
    w = [0] * first.n_in
    for c, v in zip(first.cols.tolist(), first.nums, strict=True):
        w[c] = int(v)
    return w, int(first.bias[0]), first.denom


def _floats(inputs: Any) -> np.ndarray | None:
    """The inputs as a float64 matrix with the same exact values, or ``None`` when that is not possible.

    Rows ``nums / 2**k`` with ``|nums| < 2**53`` (and ``k <= 62``, as int64 denominators) are
    float64 values exactly: an integer below ``2**53`` times a power of two above ``2**-1022``.
    """
    if isinstance(inputs, np.ndarray):
        return inputs
    nums, dens = inputs.nums, inputs.dens
    if nums.dtype == object or dens.dtype == object or nums.size == 0:
        return None
    k = np.frexp(dens.astype(np.float64))[1] - 1
    if not np.array_equal(np.left_shift(np.int64(1), k), dens):
        return None
    if int(np.abs(nums).max()) >= 1 << 53:
        return None
    return np.ldexp(nums.astype(np.float64), -k[:, None])


def _line(net: Network, inputs: Any) -> tuple[_Line, np.ndarray, np.ndarray]:
    """The line of distinct sorted ``s`` values, the sorting order, and each sorted point's value id.

    ``inputs`` is an :class:`~proofs.exact.ExactInputs` or a float64 matrix of
    finite values; either way ``S = w . x + b`` is exact (:func:`proofs.dot.exact_dots`
    for floats, base ``2**31`` digits or Python ints otherwise) and sorted exactly.
    """
    from proofs.dot import ExactDots, exact_dots

    w, b, q = _first_layer(net)
    x = _floats(inputs)
    dots: ExactDots | None = None
    if x is not None:
        dots = exact_dots(x, w, b).relu().reduced()
    elif any(w):
        fast = _fast_line(w, b, q, inputs)
        if fast is not None:  # digits in the words layout of ExactDots, ReLU applied
            digits, den = fast
            dots = ExactDots(np.ascontiguousarray(digits.T), (den // q).bit_length() - 1)
    if dots is not None:
        order, ids = dots.order()
        first = order[np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))]
        return _Line(dots.ints(first), q << dots.k), order, ids
    S_all, D_all = line_values(net, inputs)
    den = math.lcm(*{int(v) for v in D_all})
    S_all = _obj(S_all) * np.array([den // int(v) for v in D_all], dtype=object)
    order = np.argsort(S_all, kind="stable")
    s_sorted = S_all[order]
    new = np.concatenate(([True], np.asarray(s_sorted[1:] != s_sorted[:-1], dtype=bool)))
    return _Line(_shrink(s_sorted[new])[0], den), order, np.cumsum(new) - 1


def _outputs(line: _Line, f: Any) -> tuple[np.ndarray, np.ndarray]:
    """A unit's exact values ``num / den`` at every distinct line value."""
    f = _concrete(f)
    piece = np.repeat(np.arange(len(f.starts)), np.diff(np.append(f.starts, line.K)))
    B = f.B[piece]
    num, den = B, _full(line.K, f.den)
    if f.A is None:
        return num, den
    A = f.A[piece]
    moving = np.flatnonzero(A != 0)
    if len(moving):
        num, den = _obj(num).copy(), _obj(den).copy()
        num[moving] = _obj(A[moving]) * _obj(line.S[moving]) + _obj(B[moving]) * line.D
        den[moving] = line.D * f.den
    return num, den


def evaluate(net: Network, inputs: ExactInputs | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact outputs ``(nums, dens)`` of ``net`` on ``inputs`` (see the module text).

    ``inputs`` are exact inputs or a float64 matrix of finite values, whose
    values are taken exactly.
    """
    if not applicable(net):
        raise MemcapError(
            "the scalar backend needs a first hidden layer with exactly one unit; "
            f"this network has hidden widths {net.widths}; use backend 'python' or 'auto'"
        )
    line, order, ids = _line(net, inputs)
    one = np.ones(1, dtype=np.int64)
    fns = [_Fn(np.zeros(1, dtype=np.int64), one, np.zeros(1, dtype=np.int64), 1)]
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers[1:], start=1):
        fns = _affine(layer, fns)
        if i < last:
            fns = [line.relu(f) for f in fns]
    n = inputs.shape[0]
    cols = []
    for f in fns:
        num, den = _outputs(line, f)
        full_num = np.empty(n, dtype=num.dtype)
        full_den = np.empty(n, dtype=den.dtype)
        full_num[order], full_den[order] = num[ids], den[ids]
        cols.append((full_num, full_den))
    if len(cols) == 1:
        return _shrink(cols[0][0])[0].reshape(n, 1), _shrink(cols[0][1])[0]
    dens = [1] * n  # several outputs: one common denominator per row
    for _, den in cols:
        dens = [a * b // math.gcd(a, b) for a, b in zip(dens, den.tolist(), strict=True)]
    out = np.empty((n, len(cols)), dtype=object)
    for j, (num, den) in enumerate(cols):
        out[:, j] = [int(v) * (c // int(e)) for v, e, c in zip(num, den, dens, strict=True)]
    flat, _ = _shrink(out.reshape(-1))
    return flat.reshape(out.shape), _shrink(np.array(dens, dtype=object))[0]
