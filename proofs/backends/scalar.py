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
- The later layers run in :mod:`proofs.backends.pieces`, a whole layer at a
  time: sums through the inputs' jumps, ReLU by exact cuts, int64 wherever it
  is proven exact and Python ints elsewhere.

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

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from proofs.backends import pieces
from proofs.errors import MemcapError

if TYPE_CHECKING:
    from proofs.exact import ExactInputs
    from proofs.network import Network

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


def _line(net: Network, inputs: Any) -> tuple[pieces.Line, np.ndarray, np.ndarray]:
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
        qk = q.bit_length() - 1
        parts = dots.split(dots.k + qk, first) if q == 1 << qk else None
        if parts is not None:  # D = q 2**k is a power of two: integer parts and remainders from the words
            return pieces.Line.from_parts(*parts, q << dots.k), order, ids
        return pieces.Line(dots.ints(first), q << dots.k), order, ids
    S_all, D_all = line_values(net, inputs)
    den = math.lcm(*{int(v) for v in D_all})
    S_all = _obj(S_all) * np.array([den // int(v) for v in D_all], dtype=object)
    order = np.argsort(S_all, kind="stable")
    s_sorted = S_all[order]
    new = np.concatenate(([True], np.asarray(s_sorted[1:] != s_sorted[:-1], dtype=bool)))
    return pieces.Line(_shrink(s_sorted[new])[0], den), order, np.cumsum(new) - 1


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
    state = pieces.first_unit(line)
    last = len(net.layers) - 1
    with pieces.buffers():
        for i, layer in enumerate(net.layers[1:], start=1):
            state = pieces.affine(line, state, layer, relu=i < last)
    n = inputs.shape[0]
    cols = []
    for u in range(state.n):
        num, den = pieces.values(line, state, u)
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
