"""Exact dot products of float64 rows with integer vectors, and their exact order.

Every finite float64 is a dyadic rational, so ``w . x + b`` (integer ``w`` and
``b``) is a dyadic rational too. :func:`exact_dots` computes it for every row of
a float64 matrix without rounding anything and without converting the matrix
to Python integers: the products are formed by float64 matrix products whose
every partial sum is an integer below ``2**53`` (hence exact, whatever the
order of summation), and the pieces are combined in int64 words.

:class:`ExactDots` holds the results as integers ``T_i`` over one power of two,
``T_i / 2**k``, written in base ``2**31`` words; :meth:`ExactDots.order` sorts
them exactly and numbers the distinct values, :meth:`ExactDots.least_gap`
finds the least difference of neighbours.

Why the fast path is exact (the proof that :func:`exact_dots` relies on)
------------------------------------------------------------------------
Let ``w = 2**t w'`` with ``w'`` having an odd entry, ``W`` the bit length of
``max |w'|``, ``g = ceil(log2 d)``. ``w'`` is cut into ``m`` digits of ``b``
bits, ``w' = sum_k D_k 2**(b k)`` with ``|D_k| < 2**b`` (sign and magnitude),
and ``L = 53 - b - g``.

1. Scaling. With ``|x| < 2**E`` for every entry of the matrix (``E`` is taken
   from the first block of rows and checked on every block; if a block
   exceeds it, everything is redone with ``E`` from the whole matrix),
   ``u = x * 2**(L - E)`` has ``|u| < 2**L``. Multiplying by a power of two is
   exact unless it underflows, which can only happen when ``L - E < 0``; then
   every row is checked by scaling back (``u * 2**(E - L) == x``) and rows that
   lost bits go to the exact fallback.
2. Limbs. ``h = rint(u)`` is an integer with ``|h| <= 2**L``, and ``r = u - h``
   is computed exactly: ``|r| <= 1/2``; for ``h = 0`` it is ``u`` itself, and
   for ``h != 0`` the operands satisfy ``h/2 <= u <= 2 h`` (Sterbenz's lemma).
   Then ``r * 2**L`` is exact: multiplying by ``2**L >= 1`` only raises the
   exponent, and ``|r 2**L| <= 2**(L-1)`` does not overflow. Repeating gives
   ``u = sum_a h_a 2**(-L a) + r_n 2**(-L n)``; a row whose final ``r_n`` is
   zero is *proven* to be the sum of its limbs. Other rows (subnormal or tiny
   entries next to large ones, rows beyond ``n`` limbs) go to the fallback.
3. Products. ``P_ak = sum_j h_aj D_jk`` is a sum of ``d`` integer products of
   magnitude at most ``2**L (2**b - 1) < 2**(L + b)``; every partial sum of any
   subset has magnitude below ``d 2**(L + b) <= 2**53``. A matrix product
   kernel forms these products and adds them up, in whatever order and with
   or without fused multiply-add: every such operation has an integer result
   below ``2**53``, which float64 holds exactly, so nothing is rounded.
4. Combination. ``T = sum_ak P_ak 2**(b k + L (n - 1 - a))`` (plus the bias) is
   accumulated in int64 words of 31 bits and carried once at the end, which
   is exact integer arithmetic: with ``m <= 32`` digits and ``n <= 4`` limbs a
   word receives at most ``2 m n + 1`` addends of magnitude at most ``2**53``,
   below ``2**62`` in all (larger weights take the fallback).

The fallback computes the rows it receives with :func:`proofs.exact.exact_inputs`
and Python integers; they are then brought to the common denominator.

Examples
--------
>>> import numpy as np
>>> dots = exact_dots(np.array([[0.5, -0.25], [0.1, 3.0]]), [3, 2], bias=1)
>>> dots.fractions() == [Fraction(2), 3 * Fraction(0.1) + 7]
True
>>> order, ids = dots.order()
>>> order.tolist(), ids.tolist()
([0, 1], [0, 1])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

__all__ = ["ExactDots", "exact_dots", "words_of"]

_B = 31  # bits of a word
_MASK = (1 << _B) - 1
_MAX_LIMBS = 4  # limbs of L bits before a row goes to the exact fallback
_CHUNK_ELEMENTS = 1 << 18  # entries of X per block: blocks stay in cache; larger ones start BLAS threads


def words_of(values: Any, nw: int) -> np.ndarray:
    """Python integers as base ``2**31`` words, shape ``(nw, len(values))``, least significant first.

    Every word but the last lies in ``[0, 2**31)``; the last carries the sign.

    >>> words_of([5, -1, 2**40], 3).tolist()
    [[5, 2147483647, 0], [0, 2147483647, 512], [0, -1, 0]]
    """
    vals = [int(v) for v in values]
    out = np.empty((nw, len(vals)), dtype=np.int64)
    for j in range(nw - 1):
        out[j] = [(v >> (_B * j)) & _MASK for v in vals]
    top = [v >> (_B * (nw - 1)) for v in vals]
    if any(abs(t) >= 1 << 62 for t in top):
        raise ValueError(f"values need more than {nw} words")
    out[nw - 1] = top
    return out


def _normalize(words: np.ndarray) -> None:
    """Carry so that every word but the top one lies in ``[0, 2**31)`` (the value is unchanged)."""
    buf = np.empty(words.shape[1:], dtype=np.int64)
    for j in range(len(words) - 1):
        np.right_shift(words[j], _B, out=buf)
        words[j + 1] += buf
        words[j] &= _MASK


@dataclass(frozen=True, eq=False)
class ExactDots:
    """Exact values ``T_i / 2**k``, ``T_i = sum_j words[j, i] 2**(31 j)``.

    Attributes
    ----------
    words : numpy.ndarray
        int64, shape ``(nw, N)``, least significant word first; every word but
        the last lies in ``[0, 2**31)``, the last carries the sign.
    k : int
        The common denominator is ``2**k`` (``k >= 0``).
    fallback_rows : int
        Rows that were computed by the exact fallback (informative).
    """

    words: np.ndarray
    k: int
    fallback_rows: int = 0

    def __len__(self) -> int:
        return int(self.words.shape[1])

    @cached_property
    def bits(self) -> int:
        """A bound ``B`` with ``|T_i| < 2**B`` for every row, a few bits above the least at most.

        Top words that only extend the sign (all ``0`` or ``-1``) are folded
        into the word below, so negative values do not inflate the bound.
        """
        j = len(self.words) - 1
        top = self.words[j]
        if top.size == 0:
            return 0
        while j > 0 and int(top.min()) >= -1 and int(top.max()) <= 0:
            j -= 1
            top = self.words[j] + (top << _B)  # in [-2**31, 2**31)
        big = max(abs(int(top.max())), abs(int(top.min()))) + 1
        return _B * j + big.bit_length()

    def prefix(self, shift: int) -> np.ndarray:
        """``floor(T_i / 2**shift)`` as int64; ``shift`` must leave at most 62 bits.

        Monotone in ``T``: the order of prefixes never contradicts the order of values.
        """
        if self.bits - shift > 62:
            raise ValueError("the prefix would not fit in int64")
        w = self.words
        m = min(max(shift, 0) // _B, len(w) - 1)
        r = min(max(shift, 0) - _B * m, 63)  # shifting an int64 by 63 leaves its sign: the floor
        key = w[m] >> r
        buf = np.empty_like(key)
        for j in range(m + 1, len(w)):
            np.left_shift(w[j], _B * (j - m) - r, out=buf)
            key += buf
        if shift < 0:
            key = key << -shift
        return key

    def ints(self, rows: Any = None) -> np.ndarray:
        """``T_i`` for the given rows (all by default): int64 when all fit in 62 bits, else Python ints."""
        bits = self.bits
        if bits <= 62 or len(self.words) == 1:
            key = self.prefix(0) if bits <= 62 else self.words[0].astype(object)
            return key if rows is None else key[rows]
        if bits <= 124 and len(self.words) >= 2:
            # T = A 2**62 + R with A = floor(T / 2**62) and R = w0 + w1 2**31 in [0, 2**62)
            A, R = self.prefix(62), self.words[0] | ((self.words[1] & _MASK) << _B)
            if rows is not None:
                A, R = A[rows], R[rows]
            big: np.ndarray = (A.astype(object) << 62) | R.astype(object)
            return big
        w = self.words if rows is None else self.words[:, rows]
        # T = hi 2**31 + lo with lo = words[0] in [0, 2**31): two object operations per row
        hi = ExactDots(w[1:], 0).ints().astype(object)
        out: np.ndarray = hi * (1 << _B) + w[0].astype(object)
        return out

    def split(self, shift: int, rows: Any = None) -> tuple[np.ndarray, np.ndarray] | None:
        """``floor(T_i / 2**shift)`` and ``T_i mod 2**shift`` as int64, or ``None`` if either may not fit.

        >>> d = ExactDots(np.array([[5, 2**31 - 1], [3, 0]]), 0)  # T = 3 * 2**31 + 5 and 2**31 - 1
        >>> [a.tolist() for a in d.split(31)]
        [[3, 0], [5, 2147483647]]
        """
        if not 0 <= shift <= 62 or self.bits - shift > 62:
            return None
        high = self.prefix(shift)
        w = self.words if rows is None else self.words[:, rows]
        if rows is not None:
            high = high[rows]
        low = w[0].copy()  # T mod 2**shift from the words below the shift (all in [0, 2**31))
        if shift > _B and len(w) > 1:
            low |= (w[1] & ((1 << min(shift - _B, _B)) - 1)) << _B
        if shift > 2 * _B and len(w) > 2:
            low |= (w[2] & ((1 << (shift - 2 * _B)) - 1)) << (2 * _B)
        return high, low & ((1 << shift) - 1)

    def fractions(self, rows: Any = None) -> list[Fraction]:
        """The exact values as :class:`~fractions.Fraction` (for tests and small sets)."""
        den = 1 << self.k
        return [Fraction(int(t), den) for t in self.ints(rows)]

    def relu(self) -> ExactDots:
        """``max(T, 0)`` row by row (the sign is the sign of the top word)."""
        neg = self.words[-1] < 0
        if not neg.any():
            return self
        words = self.words.copy()
        words[:, neg] = 0
        return ExactDots(words, self.k, self.fallback_rows)

    def reduced(self) -> ExactDots:
        """The same values over the least power-of-two denominator ``2**k`` (``k >= 0``)."""
        w = self.words
        z = 0  # trailing zero bits shared by every T
        for j in range(len(w)):
            low = int(np.bitwise_or.reduce(w[j])) if w.shape[1] else 0
            if low:  # the least set bit of an OR is the least over its operands (sign included)
                z += _ctz(low)
                break
            z += _B
        z = min(z, self.k)
        if z == 0:
            return self
        return ExactDots(_shift_right(w, z), self.k - z, self.fallback_rows)

    def floor_scaled(self, e: int) -> np.ndarray:
        """``floor(T_i 2**e / 2**k)`` for every row: int64 when it fits, else Python ints."""
        shift = self.k - e
        if self.bits - shift <= 62:
            return self.prefix(shift)
        if shift <= 0:
            return self.ints().astype(object) * (1 << -shift)
        return ExactDots(_shift_right(self.words, shift), 0).ints()

    def order(self) -> tuple[np.ndarray, np.ndarray]:
        """The exact sorting order and, for each sorted position, the id of its distinct value.

        ``ids`` start at 0 and grow by one exactly where the value grows. A
        63-bit monotone prefix of ``T`` packed with the row index is sorted;
        only runs of equal prefixes are compared further, word by word.

        >>> d = ExactDots(words_of([7, -2, 7, 2**70, 0], 3), 0)
        >>> [a.tolist() for a in d.order()]
        [[1, 4, 0, 2, 3], [0, 1, 2, 2, 3]]
        """
        n = len(self)
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        exact = self.bits <= 62
        key = self.prefix(max(self.bits - 62, 0))
        idx_bits = max(n - 1, 1).bit_length()
        lo, hi = int(key.min()), int(key.max())
        room = 63 - idx_bits  # bits of the key that fit beside the index
        drop = max((hi - lo).bit_length() - room, 0)
        if room >= 8:
            packed = key  # a new array: changed in place
            packed -= lo
            packed >>= drop
            packed <<= idx_bits
            packed |= np.arange(n, dtype=np.int64)
            packed.sort()
            order = packed & ((1 << idx_bits) - 1)
            ks = packed >> idx_bits
            exact = exact and drop == 0
        else:  # more than 2**55 rows
            order = np.argsort(key, kind="stable")
            ks = key[order]
        same = ks[1:] == ks[:-1]  # prefix ties: the values may still differ
        if not exact and same.any():
            order, eq = self._settle_ties(order, same)
            same = eq
        new = np.ones(n, dtype=bool)
        new[1:] = ~same
        return order, np.cumsum(new) - 1

    def _settle_ties(self, order: np.ndarray, tie: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sort runs of equal prefixes exactly; return the order and which neighbours are equal."""
        pos = np.flatnonzero(tie)
        cmp = self._compare(order[pos], order[pos + 1])
        if (cmp < 0).any():
            member = np.zeros(len(order), dtype=bool)
            member[pos] = member[pos + 1] = True
            at = np.flatnonzero(member)
            run = np.cumsum(np.concatenate(([True], ~tie)))[at]  # runs are contiguous, in order
            sub = order[at]
            perm = np.lexsort((*self.words[:, sub], run))
            order = order.copy()
            order[at] = sub[perm]
            cmp = self._compare(order[pos], order[pos + 1])
        eq = np.zeros(len(tie), dtype=bool)
        eq[pos] = cmp == 0
        return order, eq

    def _compare(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Sign of ``T[b] - T[a]`` for each pair of rows, from the most significant word down."""
        out = np.zeros(len(a), dtype=np.int64)
        for j in range(len(self.words)):  # later (more significant) words overwrite
            d = self.words[j, b] - self.words[j, a]
            nz = d != 0
            out[nz] = np.sign(d[nz])
        return out

    def least_gap(self, order: np.ndarray) -> tuple[int, int]:
        """``(G, p)``: ``G = T[order[p+1]] - T[order[p]]`` is the least difference of neighbours.

        ``order`` must sort the values; needs at least two rows. Candidates are
        found by the 62-bit prefixes (each within ``2**shift`` of ``T / 2**shift``),
        then compared as Python integers.

        >>> d = ExactDots(words_of([10, 0, 3, 7], 2), 0)
        >>> d.least_gap(d.order()[0])
        (3, 0)
        """
        shift = max(self.bits - 62, 0)
        key = self.prefix(shift)[order]
        step = key[1:] - key[:-1]  # within 1 of the gap / 2**shift
        cand = np.flatnonzero(step <= step.min() + 1) if shift else np.array([int(np.argmin(step))])
        gaps = self.ints(order[cand + 1]).astype(object) - self.ints(order[cand]).astype(object)
        best = min(range(len(cand)), key=lambda i: (int(gaps[i]), int(cand[i])))
        return int(gaps[best]), int(cand[best])


def _ctz(v: int) -> int:
    return (v & -v).bit_length() - 1


def _shift_right(words: np.ndarray, z: int) -> np.ndarray:
    """Words of ``floor(T / 2**z)`` (the lower words are nonnegative, so dropping them floors)."""
    m, r = divmod(z, _B)
    if m >= len(words):  # only the top word is left, shifted by 63 at most (which leaves its sign)
        return words[-1:] >> min(z - _B * (len(words) - 1), 63)
    w = words[m:]
    if r == 0:
        return w.copy()
    out = np.empty_like(w)
    for j in range(len(w) - 1):
        out[j] = (w[j] >> r) | ((w[j + 1] << (_B - r)) & _MASK)
    out[-1] = w[-1] >> r
    return out


def _digits(w: list[int], bits: int, count: int) -> np.ndarray:
    """``(d, count)`` float64 digits with ``w = sum_k D[:, k] 2**(bits k)``, each ``|D| < 2**bits``."""
    mask = (1 << bits) - 1
    cols = [[(-1 if v < 0 else 1) * ((abs(v) >> (bits * k)) & mask) for v in w] for k in range(count)]
    return np.array(cols, dtype=np.float64).T.copy()


def exact_dots(X: Any, w: Any, bias: int = 0) -> ExactDots:
    """Exact ``w . x_i + bias`` for every row ``x_i`` of a float64 matrix.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Finite float64 rows (any exponent, subnormals included).
    w : sequence of int, length d
        Integer weights of any size.
    bias : int
        Added to every row.

    Returns
    -------
    ExactDots
        ``T_i / 2**k`` equal to ``w . x_i + bias`` as rationals.

    Raises
    ------
    proofs.errors.DataError
        If ``X`` is not a 2-D array of finite values with ``len(w)`` columns.

    Notes
    -----
    See the module text for why the float64 matrix products are exact. Rows
    that the proof does not cover (entries more than about ``4 L`` bits below
    the largest entry of the matrix, e.g. subnormals) are computed with Python
    integers; for data in the unit ball on a grid coarser than about ``2**-140``
    no row needs that.

    Examples
    --------
    >>> d = exact_dots([[0.5, 0.25], [1e-300, -3.0]], [4, 1], bias=-1)
    >>> d.fractions()[0], d.fractions()[1] == 4 * Fraction(1e-300) - 4
    (Fraction(5, 4), True)
    >>> d.fallback_rows
    1
    """
    from proofs.errors import DataError
    from proofs.exact import exact_inputs

    x = np.ascontiguousarray(X, dtype=np.float64)
    wl = [int(v) for v in w]
    if x.ndim != 2 or x.shape[1] != len(wl):
        raise DataError(f"need rows of {len(wl)} coordinates, got an array of shape {x.shape}")
    n, d = x.shape
    nz = [v for v in wl if v]
    if not nz or n == 0:
        _finite(x)
        return ExactDots(words_of([bias] * n, max(2, (abs(bias).bit_length() + 1) // _B + 2)), 0)
    t = min(_ctz(v) for v in nz)
    wl = [v >> t for v in wl]
    W = max(abs(v) for v in wl).bit_length()
    count = -(-W // 12)
    bits = -(-W // count)
    g = (d - 1).bit_length()
    L = 53 - bits - g
    if L < 8 or count > 32:  # d above 2**30, or weights above 384 bits: words could overflow
        _finite(x)
        return _slow(x, [v << t for v in wl], bias)
    D = _digits(wl, bits, count)
    rows = max(1, min(n, _CHUNK_ELEMENTS // d))
    big = _magnitude(x[:rows])  # a guess from the first block, checked on every block
    limbs = _limbs(x, D, L, math.frexp(big)[1], rows, guess=True) if 0 < big < math.inf else None
    if limbs is None:
        big = _finite(x)
        if big == 0.0:
            return ExactDots(words_of([bias] * n, max(2, (abs(bias).bit_length() + 1) // _B + 2)), 0)
        limbs = _limbs(x, D, L, math.frexp(big)[1], rows, guess=False)
        assert limbs is not None
    P, bad, used, sigma = limbs
    # fast rows: w . x = 2**t T' / 2**(sigma + L (used - 1)), T' = sum P_ak 2**(bits k + L (used - 1 - a))
    k_fast = sigma + L * (used - 1) - t
    fb_rows = np.flatnonzero(bad)
    fb_vals: list[int] = []
    k = max(k_fast, 0)
    if len(fb_rows):
        ex = exact_inputs(x[fb_rows])
        sums = ex.nums.astype(object).dot(np.array(wl, dtype=object) * (1 << t))
        kf = [int(q).bit_length() - 1 for q in ex.dens]  # denominators are powers of two
        k = max(k, max(kf) - t)
        fb_vals = [
            (int(s) << (k - e) if k >= e else int(s) >> (e - k)) + (bias << k)
            for s, e in zip(sums.tolist(), kf, strict=True)
        ]
    lift = k - k_fast  # fast rows are multiplied by 2**lift (>= 0)
    top = 53 + bits * (count - 1) + L * (used - 1) + lift + (count * used).bit_length()
    top = max(top, abs(bias).bit_length() + k + 1, *(abs(v).bit_length() for v in fb_vals))
    nw = (top + 1) // _B + 2
    words = np.zeros((nw, n), dtype=np.int64)
    col, buf = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    for a in range(used):
        for kk in range(count):
            np.copyto(col, P[a, :, kk], casting="unsafe")  # integers below 2**53: exact
            _add_shifted(words, col, bits * kk + L * (used - 1 - a) + lift, buf)
    if bias:
        words += words_of([bias << k], nw)
    _normalize(words)
    if len(fb_rows):
        words[:, fb_rows] = words_of(fb_vals, nw)
    return ExactDots(words, k, len(fb_rows))


def _magnitude(x: np.ndarray) -> float:
    """``max |x|`` (nan or inf when ``x`` has such values)."""
    return max(float(x.max()), -float(x.min())) if x.size else 0.0


def _finite(x: np.ndarray) -> float:
    """``max |x|``, raising :class:`~proofs.errors.DataError` for NaN or inf."""
    from proofs.exact import exact_inputs

    big = _magnitude(x)
    if not math.isfinite(big):
        exact_inputs(x)  # raises, naming the rows
    return big


def _limbs(
    x: np.ndarray, D: np.ndarray, L: int, E: int, rows: int, guess: bool
) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """Limb products ``P[a, i] = h_a(x_i) @ D`` (steps 1-3 of the module text).

    ``|x| < 2**E`` must hold; with ``guess`` it is checked block by block and
    ``None`` returned when it fails. Returns ``P``, the rows left to the
    fallback, the limbs used and the scale exponent ``sigma = L - E``.
    """
    n, d = x.shape
    sigma = L - E
    scales = _scales(sigma)
    up, bound = 2.0**L, math.ldexp(1.0, E)
    P = np.zeros((_MAX_LIMBS, n, D.shape[1]))
    bad = np.zeros(n, dtype=bool)
    used = 1
    ubuf, hbuf = np.empty((rows, d)), np.empty((rows, d))  # reused: blocks stay in cache
    for a0 in range(0, n, rows):
        xc = x[a0 : a0 + rows]
        m = len(xc)
        if guess and not (-bound < float(xc.min()) and float(xc.max()) < bound):
            return None
        u, h = ubuf[:m], hbuf[:m]
        np.multiply(xc, scales[0], out=u)
        for s in scales[1:]:
            u *= s
        if sigma < 0:  # scaling down: rows that lost bits to underflow go to the fallback
            lost = (u * 2.0 ** (-sigma) != xc).any(axis=1)
            if lost.any():
                bad[a0 : a0 + m] |= lost
                u[lost] = 0.0
        for a in range(_MAX_LIMBS):
            np.rint(u, out=h)
            np.matmul(h, D, out=P[a, a0 : a0 + m])
            u -= h
            if not u.any():
                used = max(used, a + 1)
                break
            u *= up
        else:
            used = _MAX_LIMBS
            bad[a0 : a0 + m] |= (u != 0).any(axis=1)
    return P, bad, used, sigma


def _scales(sigma: int) -> list[float]:
    """Powers of two whose product is ``2**sigma``, each a normal float64."""
    out = []
    while sigma > 1000 or sigma < -1000:
        step = 1000 if sigma > 0 else -1000
        out.append(2.0**step)
        sigma -= step
    return [2.0**sigma, *out]


def _add_shifted(words: np.ndarray, P: np.ndarray, shift: int, buf: np.ndarray) -> None:
    """``words += P 2**shift`` without carrying, for int64 ``|P| <= 2**53``.

    ``P 2**r = lo + rest 2**31`` with ``lo = (P mod 2**(31 - r)) 2**r`` in
    ``[0, 2**31)`` and ``rest = floor(P / 2**(31 - r))``.
    """
    m, r = divmod(shift, _B)
    np.bitwise_and(P, (1 << (_B - r)) - 1, out=buf)
    buf <<= r
    words[m] += buf
    np.right_shift(P, _B - r, out=buf)
    words[m + 1] += buf


def _slow(x: np.ndarray, wl: list[int], bias: int) -> ExactDots:
    """Every row with Python integers (for shapes the fast path does not cover)."""
    from proofs.exact import exact_inputs

    ex = exact_inputs(x)
    sums = ex.nums.astype(object).dot(np.array(wl, dtype=object))
    kf = [int(q).bit_length() - 1 for q in ex.dens]
    k = max(kf, default=0)
    vals = [(int(s) << (k - e)) + (bias << k) for s, e in zip(sums.tolist(), kf, strict=True)]
    top = max([abs(v).bit_length() for v in vals], default=0)
    return ExactDots(words_of(vals, (top + 1) // _B + 2), k, len(vals))
