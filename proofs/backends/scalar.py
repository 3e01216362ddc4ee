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
    if x.ndim != 2 or x.size == 0 or not np.isfinite(x).all():
        return exact_inputs(x)  # its errors name the problem
    m, e = np.frexp(x)
    mant = np.ldexp(m, 53).astype(np.int64)
    nz = mant != 0
    low = np.where(nz, mant & -mant, 1)
    tz = np.frexp(low.astype(np.float64))[1] - 1
    odd = np.where(nz, mant >> tz, 0)
    exp2 = np.where(nz, e.astype(np.int64) - 53 + tz, 0)
    k = np.maximum(0, np.max(np.where(nz, -exp2, 0), axis=1))
    shift = np.where(nz, exp2 + k[:, None], 0)
    obits = np.frexp(np.abs(odd).astype(np.float64))[1]
    if k.max() > 61 or (np.where(nz, obits + shift, 0) > 62).any():
        return exact_inputs(x)
    return ExactInputs(np.where(nz, odd << shift, 0), np.left_shift(np.int64(1), k))


class _Line:
    """The sorted distinct values of ``s`` on the data: value ``k`` is ``S[k] / D[k]``.

    Held either as arrays ``S``, ``D`` (int64 or Python ints), or, on the fast
    path, as base ``2**31`` digits of ``S`` (least significant first) over one
    common denominator.
    """

    def __init__(
        self, K: int, S: np.ndarray | None, D: np.ndarray | None, digits: np.ndarray | None, den: int
    ):
        self.K, self._S, self._D, self._digits, self._den = K, S, D, digits, den

    def at(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact ``(S, D)`` at the given sorted positions."""
        if self._digits is None:
            assert self._S is not None and self._D is not None
            return self._S[idx], self._D[idx]
        rows = self._digits[idx]
        S = _full(len(idx), 0).astype(object)
        for j in range(rows.shape[1]):
            S = S + (rows[:, j].astype(object) << (_DIGIT * j))
        return S, _full(len(idx), self._den)

    def relu(self, fn: _Fn) -> _Fn:
        """``ReLU`` of a unit's pre-activation, splitting pieces where the sign changes."""
        starts, A, B = fn.starts, fn.A, fn.B
        ends = np.append(starts[1:], self.K) - 1
        lo_sign = _sign(B)
        hi_sign = lo_sign.copy()
        slope = np.flatnonzero(A != 0)
        if len(slope):
            a, b = A[slope], B[slope]
            lo_sign[slope] = _signs(a, b, *self.at(starts[slope]))
            hi_sign[slope] = _signs(a, b, *self.at(ends[slope]))
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
            sg = _signs(A[open_], B[open_], *self.at(mid))
            same = (sg == hi_sign[open_]) | (sg == 0)
            # at a zero both sides agree, so it may go either way; keep it on the high side
            hi[open_[same]] = mid[same]
            lo[open_[~same]] = mid[~same]


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


def _sorted_digits(digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact order of the digit rows and a distinct-value id per sorted position."""
    approx = np.zeros(len(digits))
    for j in range(digits.shape[1]):
        approx += digits[:, j].astype(np.float64) * 2.0 ** (_DIGIT * j)
    order = np.argsort(approx, kind="stable")
    d = digits[order]
    step = d[1:] - d[:-1]
    top = np.zeros(len(step), dtype=np.int64)
    for j in range(digits.shape[1]):  # the most significant nonzero difference decides
        top = np.where(step[:, j] != 0, np.sign(step[:, j]), top)
    if (top < 0).any():
        order = np.lexsort(digits.T)
        d = digits[order]
        top = (d[1:] != d[:-1]).any(axis=1).astype(np.int64)
    return order, np.cumsum(np.concatenate(([1], top > 0))) - 1


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


def _line(net: Network, inputs: ExactInputs) -> tuple[_Line, np.ndarray, np.ndarray]:
    """The line of distinct sorted ``s`` values, the sorting order, and each sorted point's value id."""
    w, b, q = _first_layer(net)
    fast = _fast_line(w, b, q, inputs) if any(w) else None
    if fast is not None:
        digits, den = fast
        order, ids = _sorted_digits(digits)
        firsts = order[np.flatnonzero(np.concatenate(([True], np.diff(ids) > 0)))]
        return _Line(len(firsts), None, None, digits[firsts], den), order, ids
    S_all, D_all = line_values(net, inputs)
    order, ids = _sort_exact(S_all, D_all)
    firsts = order[np.flatnonzero(np.concatenate(([True], np.diff(ids) > 0)))]
    return _Line(len(firsts), S_all[firsts], D_all[firsts], None, 1), order, ids


def _outputs(line: _Line, f: _Fn) -> tuple[np.ndarray, np.ndarray]:
    """A unit's exact values ``num / den`` at every distinct line value."""
    piece = np.repeat(np.arange(len(f.starts)), np.diff(np.append(f.starts, line.K)))
    A, B = f.A[piece], f.B[piece]
    num, den = B, _full(line.K, f.den)
    moving = np.flatnonzero(A != 0)
    if len(moving):
        S, D = line.at(moving)
        num, den = _obj(num).copy(), _obj(den).copy()
        num[moving] = _obj(A[moving]) * _obj(S) + _obj(B[moving]) * _obj(D)
        den[moving] = _obj(D) * f.den
    return num, den


def evaluate(net: Network, inputs: ExactInputs) -> tuple[np.ndarray, np.ndarray]:
    """Exact outputs ``(nums, dens)`` of ``net`` on ``inputs`` (see the module text)."""
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
