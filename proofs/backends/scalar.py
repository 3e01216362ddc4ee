"""Exact evaluation along one line: networks whose first hidden layer has one unit.

When the first hidden layer has a single unit ``s``, every later unit is a
piecewise-linear function of the scalar ``s``. This backend computes ``s``
exactly for every point, sorts the distinct values, and then propagates, layer
by layer, each unit's function *restricted to the data*: a list of pieces
(runs of consecutive sorted data values) with exact affine coefficients
``(A s + B) / den`` on each. Work is shared by all points of a piece, so a unit
that is constant on a group of points costs one operation, not one per point.

Semantics are those of :mod:`proofs.backends` exactly: nothing is rounded. The
integers are int64 numpy arrays where a bound on their bit lengths proves that
no overflow can happen, and arrays of Python ints otherwise. ReLU splits a
piece where the affine function changes sign; the split point is found by an
exact bisection over the data values of the piece. Adjacent pieces with equal
coefficients are merged, so constant units stay one piece.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from proofs.errors import MemcapError

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import AffineLayer, Network

__all__ = ["available", "missing", "applicable", "evaluate", "line_values"]

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
    if arr.dtype != object:
        return int(np.abs(arr).max()).bit_length()
    return max(abs(int(v)).bit_length() for v in arr)


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
    and there the unit equals ``(A[p] * s + B[p]) / den``.
    """

    __slots__ = ("starts", "A", "B", "den", "abits", "bbits")

    def __init__(self, starts: np.ndarray, A: np.ndarray, B: np.ndarray, den: int) -> None:
        self.starts = starts
        self.A, self.abits = _shrink(A)
        self.B, self.bbits = _shrink(B)
        self.den = den


def _combine(
    terms: list[tuple[int, np.ndarray, int]], extra: np.ndarray | None, extra_bits: int
) -> np.ndarray:
    """Sum of ``coef * arr`` over ``terms`` (plus ``extra``), exact, int64 when provably safe."""
    bound = max([abs(c).bit_length() + b for c, _, b in terms] + [extra_bits])
    bound += (len(terms) + 1).bit_length()
    small = bound < _LIMIT and all(a.dtype != object for _, a, _ in terms)
    small = small and (extra is None or extra.dtype != object)
    total: np.ndarray | None = None
    for c, arr, _ in terms:
        part = c * arr if small else c * _obj(arr)
        total = part if total is None else total + part
    if extra is not None:
        total = extra if total is None else total + (extra if small else _obj(extra))
    assert total is not None
    return total


def _signs(A: np.ndarray, B: np.ndarray, S: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Signs of ``A * S + B * D`` elementwise (exact)."""
    if A.dtype != object and B.dtype != object and S.dtype != object and D.dtype != object:
        bound = max(_bits(A) + _bits(S), _bits(B) + _bits(D)) + 1
        if bound < _LIMIT:
            return _sign(A * S + B * D)
    return _sign(_obj(A) * _obj(S) + _obj(B) * _obj(D))


def _sign(arr: np.ndarray) -> np.ndarray:
    if arr.dtype != object:
        return np.sign(arr).astype(np.int64)
    return np.array([(x > 0) - (x < 0) for x in arr.tolist()], dtype=np.int64)


class _Line:
    """The sorted distinct values ``S[k] / D[k]`` of ``s`` on the data."""

    def __init__(self, S: np.ndarray, D: np.ndarray) -> None:
        self.S = S
        self.D = D
        self.K = len(S)

    def relu(self, fn: _Fn) -> _Fn:
        """``ReLU`` of a unit's pre-activation, splitting pieces where the sign changes."""
        starts, A, B = fn.starts, fn.A, fn.B
        ends = np.append(starts[1:], self.K) - 1
        lo_sign = _sign(B)
        hi_sign = lo_sign.copy()
        slope = np.flatnonzero(A != 0)
        if len(slope):
            a, b = A[slope], B[slope]
            lo_sign[slope] = _signs(a, b, self.S[starts[slope]], self.D[starts[slope]])
            hi_sign[slope] = _signs(a, b, self.S[ends[slope]], self.D[ends[slope]])
        split = np.flatnonzero(lo_sign * hi_sign < 0)
        if len(split):
            cut = self._bisect(A[split], B[split], starts[split], ends[split], hi_sign[split])
            starts = np.insert(starts, split + 1, cut)
            rep = np.ones(len(A), dtype=np.int64)
            rep[split] = 2
            A, B = np.repeat(A, rep), np.repeat(B, rep)
            lo_sign = np.repeat(lo_sign, rep)
            hi_sign = np.repeat(hi_sign, rep)
            first = np.cumsum(rep) - rep  # the left half keeps lo's sign, the right half hi's
            lo_sign[first[split] + 1] = hi_sign[first[split] + 1]
            hi_sign[first[split]] = lo_sign[first[split]]
        off = ~((lo_sign > 0) | (hi_sign > 0))
        if off.any():
            A, B = A.copy(), B.copy()
            A[off] = 0
            B[off] = 0
        return _merge(starts, A, B, fn.den)

    def _bisect(
        self, A: np.ndarray, B: np.ndarray, lo: np.ndarray, hi: np.ndarray, hi_sign: np.ndarray
    ) -> np.ndarray:
        """First index in ``(lo, hi]`` whose sign is ``hi_sign`` (signs are monotone there)."""
        lo, hi = lo.copy(), hi.copy()
        while True:
            open_ = np.flatnonzero(hi - lo > 1)
            if not len(open_):
                return hi
            mid = (lo[open_] + hi[open_]) // 2
            sg = _signs(A[open_], B[open_], self.S[mid], self.D[mid])
            same = (sg == hi_sign[open_]) | (sg == 0)
            # at a zero both sides agree, so it may go either way; keep it on the high side
            hi[open_[same]] = mid[same]
            lo[open_[~same]] = mid[~same]


def _merge(starts: np.ndarray, A: np.ndarray, B: np.ndarray, den: int) -> _Fn:
    """Join adjacent pieces with equal coefficients; reduce by a common factor."""
    if len(A) > 1:
        same = np.asarray((A[1:] == A[:-1]) & (B[1:] == B[:-1]), dtype=bool)
        if same.any():
            keep = np.concatenate(([True], ~same))
            starts, A, B = starts[keep], A[keep], B[keep]
    if den > 1:
        g = den
        for arr in (A, B):
            if g == 1:
                break
            g = (
                math.gcd(g, int(np.gcd.reduce(arr)))
                if arr.dtype != object
                else math.gcd(g, *arr.tolist())
            )
        if g > 1:
            A, B, den = _divide(A, g), _divide(B, g), den // g
    return _Fn(starts, A, B, den)


def _divide(arr: np.ndarray, g: int) -> np.ndarray:
    """Exact division by ``g``, which divides every entry."""
    if arr.dtype != object and g.bit_length() >= _LIMIT:
        return np.zeros_like(arr)  # entries below 2**62 divisible by g >= 2**62 are 0
    return arr // g


def _affine(layer: AffineLayer, fns: list[_Fn]) -> list[_Fn]:
    """Pre-activations of a layer from its inputs' functions."""
    rows = layer.rows
    bounds = np.searchsorted(rows, np.arange(layer.n_out + 1))
    cols = layer.cols.tolist()
    nums = [int(v) for v in layer.nums]
    out = []
    for r in range(layer.n_out):
        lo, hi = int(bounds[r]), int(bounds[r + 1])
        ins = [(nums[k], fns[cols[k]]) for k in range(lo, hi)]
        bias = int(layer.bias[r])
        den = 1
        for _, f in ins:
            den = den * f.den // math.gcd(den, f.den)
        if not ins:
            start = np.zeros(1, dtype=np.int64)
            out.append(_merge(start, np.zeros(1, dtype=np.int64), _int1(bias), layer.denom))
            continue
        starts = ins[0][1].starts
        picks: list[np.ndarray | None]
        if any(f.starts is not starts and not np.array_equal(f.starts, starts) for _, f in ins[1:]):
            starts = np.unique(np.concatenate([f.starts for _, f in ins]))
            picks = [np.searchsorted(f.starts, starts, side="right") - 1 for _, f in ins]
        else:
            picks = [None for _ in ins]
        a_terms, b_terms = [], []
        for (w, f), pick in zip(ins, picks, strict=True):
            c = w * (den // f.den)
            a_terms.append((c, f.A if pick is None else f.A[pick], f.abits))
            b_terms.append((c, f.B if pick is None else f.B[pick], f.bbits))
        bconst = bias * den
        A = _combine(a_terms, None, 0)
        B = _combine(b_terms, _full(len(starts), bconst), abs(bconst).bit_length())
        out.append(_merge(starts, A, B, den * layer.denom))
    return out


def _int1(value: int) -> np.ndarray:
    return _full(1, value)


def _full(n: int, value: int) -> np.ndarray:
    if abs(value).bit_length() < _LIMIT:
        return np.full(n, value, dtype=np.int64)
    arr = np.empty(n, dtype=object)
    arr[:] = [value] * n
    return arr


def line_values(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    """Exact first-unit values ``s_i = S[i] / D[i]`` (``D > 0``) for every input row.

    >>> from proofs.exact import exact_inputs
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[2, -1]], [1], denom=3), AffineLayer.from_dense([[1]], [0])])
    >>> S, D = line_values(net, exact_inputs([[0.5, 0.25], [-1.0, 0.0]]))
    >>> [(int(a), int(b)) for a, b in zip(S, D)]
    [(7, 12), (0, 3)]
    """
    first = net.layers[0]
    w = np.zeros(first.n_in, dtype=object)
    for c, v in zip(first.cols.tolist(), first.nums, strict=True):
        w[c] = int(v)
    b = int(first.bias[0])
    nums, dens = inputs.nums, inputs.dens
    wbits = max((abs(int(v)).bit_length() for v in w), default=0)
    nbits = _bits(nums.reshape(-1))
    dbits = _bits(dens)
    small = nums.dtype != object and dens.dtype != object
    if (
        small
        and wbits + nbits + first.n_in.bit_length() < _LIMIT
        and abs(b).bit_length() + dbits < _LIMIT
    ):
        S = nums @ w.astype(np.int64) + b * dens
    else:
        S = _obj(nums.reshape(-1)).reshape(nums.shape).dot(w) + b * _obj(dens)
    S = np.where(S > 0, S, 0)
    if S.dtype == object:
        S = S.astype(object)
    D = dens * first.denom if dbits + first.denom.bit_length() < _LIMIT else _obj(dens) * first.denom
    return _shrink(S)[0], _shrink(np.asarray(D))[0]


def _sort_exact(S: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order of the rationals ``S / D`` and, per sorted position, a distinct-value id."""
    if S.dtype == object or D.dtype == object:
        try:
            approx = np.array([int(a) / int(b) for a, b in zip(S, D, strict=True)])
        except OverflowError:  # beyond float range: the exact sort below takes over
            approx = np.zeros(len(S))
    else:
        approx = S / D
    order = np.argsort(approx, kind="stable")
    s, d = S[order], D[order]
    diff = _signs(s[1:], -s[:-1], d[:-1], d[1:]) if len(s) > 1 else np.zeros(0, dtype=np.int64)
    if (diff < 0).any():  # float keys tied or misordered: sort by exact keys
        from fractions import Fraction

        keys = [Fraction(int(a), int(b)) for a, b in zip(S, D, strict=True)]
        order = np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)
        s, d = S[order], D[order]
        diff = _signs(s[1:], -s[:-1], d[:-1], d[1:])
    new = np.concatenate(([True], diff > 0))
    return order, np.cumsum(new) - 1


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    """Exact outputs ``(nums, dens)`` of ``net`` on ``inputs`` (see the module text)."""
    if not applicable(net):
        raise MemcapError(
            "the scalar backend needs a first hidden layer with exactly one unit; "
            f"this network has hidden widths {net.widths}; use backend 'python' or 'auto'"
        )
    S_all, D_all = line_values(net, inputs)
    order, ids = _sort_exact(S_all, D_all)
    firsts = np.flatnonzero(np.concatenate(([True], np.diff(ids) > 0)))
    line = _Line(S_all[order[firsts]], D_all[order[firsts]])
    one = np.ones(1, dtype=np.int64)
    fns = [_Fn(np.zeros(1, dtype=np.int64), one, np.zeros(1, dtype=np.int64), 1)]
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers[1:], start=1):
        fns = _affine(layer, fns)
        if i < last:
            fns = [line.relu(f) for f in fns]
    n = inputs.shape[0]
    out = np.empty((n, len(fns)), dtype=object)
    dens = None
    for j, f in enumerate(fns):
        piece = np.repeat(np.arange(len(f.starts)), np.diff(np.append(f.starts, line.K)))
        A, B = f.A[piece], f.B[piece]
        if not (A != 0).any():
            num_k, den_k = _obj(B), np.full(line.K, f.den, dtype=object)
        else:
            num_k = _obj(A) * _obj(line.S) + _obj(B) * _obj(line.D)
            den_k = _obj(line.D) * f.den
        vals_num = np.empty(n, dtype=object)
        vals_den = np.empty(n, dtype=object)
        vals_num[order] = num_k[ids]
        vals_den[order] = den_k[ids]
        if dens is None:
            dens = vals_den
            out[:, j] = vals_num
        else:  # bring column j over the common denominator
            common = np.array(
                [d0 * d1 // math.gcd(d0, d1) for d0, d1 in zip(dens, vals_den, strict=True)]
            )
            scale_old = common // dens
            out[:, :j] = out[:, :j] * scale_old[:, None]
            out[:, j] = vals_num * (common // vals_den)
            dens = common
    assert dens is not None
    flat, _ = _shrink(out.reshape(-1))
    return flat.reshape(out.shape), _shrink(dens)[0]
