"""Unit functions on the sorted data, a whole layer at a time.

The engine of the scalar backend. After a first hidden layer of one unit
``s``, every unit is a piecewise-linear function of ``s``. Restricted to the
data's sorted distinct values ``s_0 < ... < s_{K-1}``, a unit is a list of
pieces: piece ``p`` covers the positions from ``starts[p]`` up to the next
start (or ``K``), and there the unit equals ``(A[p] s + B[p]) / den``, with
one denominator ``den`` per layer.

A layer keeps all its units in flat arrays (``ptr[u]:ptr[u + 1]`` are unit
``u``'s pieces), so an affine map and a ReLU are a few numpy operations over
all units at once, whatever the width:

- affine map: a unit is given by its jumps, the change of ``A`` and ``B`` at
  each piece start. For every nonzero weight, the weight times its input's
  jumps, sorted by (output, position) and summed, are the output's jumps; a
  cumulative sum gives its pieces. Adjacent equal pieces vanish with their
  zero jumps.
- ReLU: a constant piece keeps its value or becomes 0 by its sign; a sloped
  piece is cut where ``A s + B`` changes sign, found exactly from
  ``s = sI + R / D`` (integer part and remainder, int64 when they fit).

The install compiles these loops from ``_kernels.c`` (an affine map merges
each output's inputs, with 128-bit running sums; a ReLU cuts by binary
search; coefficients that leave ``(-2**61, 2**61)`` are reported and formed
with Python ints), with the same results as the numpy loops described here,
which run without a C compiler.

In the numpy loops, integers are int64 where a bound on bit lengths proves that nothing
overflows, or where large terms cancel and a float64 copy of the sums proves
the wrapping int64 result exact; Python ints otherwise, one output at a time.
Outputs with the same weights as another (the thresholds of one digit) are
its pieces shifted by the bias, and an accumulator carried with weight 1,
while the other terms are 0 on its left, keeps that left part by reference
(:class:`State`), so deep, narrow networks do not copy it at every layer.

Examples
--------
``ReLU(s - 1)`` and ``ReLU(s - 2)`` on ``s = 1/2, 3/2, 5/2``, then their
difference (a ramp from 1 to 2):

>>> import numpy as np
>>> from proofs.network import AffineLayer
>>> line = Line(np.array([1, 3, 5]), 2)
>>> state = first_unit(line)
>>> state = relu(line, affine(line, state, AffineLayer.from_dense([[1], [1]], [-1, -2])))
>>> out = affine(line, state, AffineLayer.from_dense([[1, -1]], [0]))
>>> from fractions import Fraction
>>> [str(Fraction(int(n), int(d))) for n, d in zip(*values(line, out, 0))]
['0', '1/2', '1']
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from proofs.network import AffineLayer

__all__ = ["Line", "State", "first_unit", "affine", "relu", "values", "buffers"]

_kernels: Any  # compiled loops (proofs/backends/_kernels.c); the numpy loops below give the same results
try:
    _kernels = importlib.import_module("proofs.backends._kernels")
except ImportError:  # pragma: no cover - built without a C compiler
    _kernels = None

_LIMIT = 61  # int64 is used for values below 2**61 in magnitude: sums of two stay below 2**62
_PREFIX_MIN = 8192  # units of fewer pieces are copied, not kept by reference (which costs more)


def _obj(arr: np.ndarray) -> np.ndarray:
    return arr if arr.dtype == object else arr.astype(object)


def _bits(arr: np.ndarray) -> int:
    if len(arr) == 0:
        return 0
    return max(abs(int(arr.max())), abs(int(arr.min()))).bit_length()


def _small(arr: np.ndarray) -> np.ndarray:
    """The array as int64 when every entry is below ``2**_LIMIT`` in magnitude."""
    if arr.dtype == object and _bits(arr) < _LIMIT:
        return arr.astype(np.int64)
    return arr


def _unit_bits(arr: np.ndarray | None, ptr: np.ndarray) -> np.ndarray:
    """An upper bound on the bit length of each unit's largest entry."""
    n = len(ptr) - 1
    if arr is None or n == 0:
        return np.zeros(n, dtype=np.int64)
    top = np.maximum.reduceat(np.abs(arr), ptr[:-1])
    if arr.dtype != object:  # a float rounds up at most to the next power of two: still a bound
        return np.frexp(top.astype(np.float64))[1].astype(np.int64)
    return np.array([int(v).bit_length() for v in top], dtype=np.int64)


def _ragged(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(first[i], first[i] + count[i])`` over ``i``."""
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.cumsum(count) - count
    return np.repeat(first - before, count) + np.arange(total)


class Line:
    """The sorted distinct values ``s_k = S[k] / D`` (``S`` strictly increasing, ``D > 0``).

    Kept as integer parts ``sI = S // D`` and remainders ``R = S - sI D``, so
    that the sign of ``a s + b`` is decided in int64 in almost every case.

    >>> line = Line(np.array([1, 3, 5]), 2)
    >>> line.sI.tolist(), line.R.tolist()
    ([0, 1, 2], [1, 1, 1])
    """

    def __init__(self, S: np.ndarray, D: int) -> None:
        self._S: np.ndarray | None = S
        self.D, self.K = int(D), len(S)
        if S.dtype != object and self.D < 2**_LIMIT:
            sI = S // self.D
            R = S - sI * self.D
        else:
            So = _obj(S)
            sI, R = _small(So // self.D), _small(So % self.D)
        self.sI, self.R = sI, R
        self.dbits = self.D.bit_length()

    @classmethod
    def from_parts(cls, sI: np.ndarray, R: np.ndarray, D: int) -> Line:
        """The line ``s_k = sI[k] + R[k] / D`` given its integer parts and remainders ``0 <= R < D``.

        >>> Line.from_parts(np.array([0, 1, 2]), np.array([1, 1, 1]), 2).S.tolist()
        [1, 3, 5]
        """
        line = cls.__new__(cls)
        line._S, line.D, line.K = None, int(D), len(sI)
        line.sI, line.R, line.dbits = sI, R, line.D.bit_length()
        return line

    @property
    def S(self) -> np.ndarray:
        """The numerators ``S = sI D + R`` (formed on first use when built from parts)."""
        if self._S is None:
            self._S = _small(_obj(self.sI) * self.D + _obj(self.R))
        return self._S

    def _above(self, qf: np.ndarray, r: np.ndarray, q: np.ndarray, k: np.ndarray,
               strict: np.ndarray) -> np.ndarray:
        """Whether ``s_k > qf + r / q`` (``>=`` where not ``strict``), with ``0 <= r < q``."""
        sI = self.sI[k]
        out = np.asarray(sI > qf, dtype=bool)
        tie = np.flatnonzero(np.asarray(sI == qf, dtype=bool))
        if len(tie):
            R, qq, rr = self.R[k[tie]], q[tie], r[tie]
            if R.dtype == object or qq.dtype == object or rr.dtype == object or \
                    _bits(qq) + self.dbits >= 62:
                R, qq, rr = _obj(R), _obj(qq), _obj(rr)
            lhs, rhs = R * qq, rr * self.D
            out[tie] = np.where(strict[tie], lhs > rhs, lhs >= rhs)
        return out

    def cut(self, a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """For each ``a != 0``: the first position in ``[lo, hi)`` past the sign change of ``a s + b``.

        With ``a > 0`` the first position where ``a s + b > 0``; with ``a < 0``
        the first where ``a s + b <= 0``; ``hi`` if there is none. Exact.
        """
        sign = np.where(np.asarray(a > 0, dtype=bool), 1, -1)
        q = a * sign  # > 0
        p = -b * sign  # the change is at s = p / q
        qf = p // q
        r = p - qf * q
        strict = sign > 0
        if qf.dtype == object or self.sI.dtype == object:
            lowest, highest = int(self.sI[0]) - 1, int(self.sI[-1]) + 1
            qf = np.array([min(max(int(v), lowest), highest) for v in qf], dtype=self.sI.dtype)
            # clamped: no integer part equals a clamped value, so no comparison changes
        # every integer part above qf: all positions are past the change; all below: none is
        first_i, last_i = self.sI[lo], self.sI[hi - 1]
        out = np.where(np.asarray(qf < first_i, dtype=bool), lo, hi)
        inside = np.flatnonzero(np.asarray((qf >= first_i) & (qf <= last_i), dtype=bool))
        if not len(inside):
            return out
        qf_i, lo_i, hi_i = qf[inside], lo[inside], hi[inside]
        lo_k = np.clip(np.searchsorted(self.sI, qf_i, side="left"), lo_i, hi_i)
        hi_k = np.clip(np.searchsorted(self.sI, qf_i, side="right"), lo_i, hi_i)
        # below lo_k: s < qf <= p/q; from hi_k on: s >= qf + 1 > p/q; between: integer part qf
        open_ = np.flatnonzero(lo_k < hi_k)
        if len(open_):
            left, right = lo_k[open_], hi_k[open_]
            at = inside[open_]
            qf_o, r_o, q_o, st_o = qf[at], r[at], q[at], strict[at]
            while True:  # first position in [left, right) that is above
                busy = np.flatnonzero(left < right)
                if not len(busy):
                    break
                mid = (left[busy] + right[busy]) // 2
                up = self._above(qf_o[busy], r_o[busy], q_o[busy], mid, st_o[busy])
                right[busy] = np.where(up, mid, right[busy])
                left[busy] = np.where(up, left[busy], mid + 1)
            lo_k[open_] = left
        out[inside] = lo_k
        return out


class State:
    """A layer's units: groups of flat piece arrays, and where each unit lives.

    Group ``g`` holds ``ptr`` (unit ``i``'s pieces are ``ptr[i]:ptr[i + 1]``),
    ``starts``, ``A`` (``None`` when every piece is constant) and ``B``, with
    per-unit bit bounds ``abits``, ``bbits``; unit ``u`` is unit ``lid[u]`` of
    group ``gid[u]``. Values are ``(A s + B) / den``.

    ``prefix[u] = (p, chain)``: unit ``u`` also has, on positions ``< p``,
    the pieces of the chunks of ``chain`` (int64 ``(starts, A, B)`` arrays,
    linked last to first), where its group's pieces are 0. Units carried with weight 1 while the other terms
    are 0 there keep that part by reference, once they have ``_PREFIX_MIN``
    pieces (an accumulator in a deep, narrow network grows by a piece a layer,
    and is not copied at every layer; smaller units are copied at less cost).
    """

    __slots__ = ("groups", "gid", "lid", "den", "prefix", "_addresses")

    def __init__(self, groups: list[_Group], gid: np.ndarray, lid: np.ndarray, den: int,
                 prefix: dict[int, tuple[int, _Chain]] | None = None) -> None:
        self.groups, self.gid, self.lid, self.den = groups, gid, lid, den
        self.prefix = prefix or {}
        self._addresses: tuple[np.ndarray, ...] | None = None

    def addresses(self) -> tuple[np.ndarray, ...]:
        """:func:`_addresses` of every unit (of int64 groups; zeros for the others), formed once."""
        if self._addresses is None:
            units = np.flatnonzero([not self.groups[g].wide for g in self.gid.tolist()])
            parts = _addresses(self.groups, self.gid[units], self.lid[units])
            table = [np.zeros(self.n, dtype=np.int64) for _ in range(4)]
            for whole, part in zip(table, parts[:4], strict=True):
                whole[units] = part
            self._addresses = (*table, *parts[4])
        return self._addresses

    @property
    def n(self) -> int:
        return len(self.gid)


_Chunk = tuple[np.ndarray, np.ndarray, np.ndarray]  # starts, A, B of consecutive pieces
_Chain = Any  # None, or (the chain before, the last chunk): a prefix grown a chunk at a time


class _Group:
    """Units held in flat arrays; ``wide`` when they are Python ints (no bit bounds, no jumps kept)."""

    __slots__ = ("ptr", "starts", "A", "B", "wide", "_bits", "_jA", "_jB")

    def __init__(self, ptr: np.ndarray, starts: np.ndarray, A: np.ndarray | None, B: np.ndarray,
                 sloped: bool | None = None) -> None:
        if A is not None and not (np.asarray(A != 0).any() if sloped is None else sloped):
            A = None
        self.ptr, self.starts, self.A, self.B = ptr, starts, A, B
        self.wide = B.dtype == object or (A is not None and A.dtype == object)
        self._bits: tuple[np.ndarray, np.ndarray] | None = None
        self._jA: np.ndarray | None = None
        self._jB: np.ndarray | None = None

    @property
    def abits(self) -> np.ndarray:
        return self._unit_bits()[0]

    @property
    def bbits(self) -> np.ndarray:
        return self._unit_bits()[1]

    def _unit_bits(self) -> tuple[np.ndarray, np.ndarray]:
        if self._bits is None:
            if self.wide:  # read only by Python-int outputs, which need no bounds
                self._bits = (np.full(len(self.ptr) - 1, _LIMIT + 1, dtype=np.int64),) * 2
            else:
                self._bits = _unit_bits(self.A, self.ptr), _unit_bits(self.B, self.ptr)
        return self._bits

    @property
    def jA(self) -> np.ndarray | None:
        if self._jA is None and self.A is not None:
            self._jA = _jumps(self.A, self.ptr)
        return self._jA

    @property
    def jB(self) -> np.ndarray:
        if self._jB is None:
            self._jB = _jumps(self.B, self.ptr)
        return self._jB

    def unit(self, i: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        lo, hi = int(self.ptr[i]), int(self.ptr[i + 1])
        return self.starts[lo:hi], None if self.A is None else self.A[lo:hi], self.B[lo:hi]


def _jumps(arr: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """The change at each piece start; a unit's first piece jumps from 0."""
    out = arr.copy()
    out[1:] -= arr[:-1]
    out[ptr[:-1]] = arr[ptr[:-1]]
    return out


def _narrow(grp: _Group) -> list[tuple[_Group, np.ndarray]]:
    """A wide group split into its units that fit int64 (as int64) and the rest, with their indices."""
    if not grp.wide:
        return [(grp, np.arange(len(grp.ptr) - 1))]
    fits = np.ones(len(grp.ptr) - 1, dtype=bool)
    for arr in (grp.A, grp.B):
        if arr is not None and arr.dtype == object:
            top = np.maximum.reduceat(np.abs(arr), grp.ptr[:-1])
            fits &= np.array([int(v).bit_length() < _LIMIT for v in top], dtype=bool)
    if not fits.any():
        return [(grp, np.arange(len(fits)))]
    out = []
    for keep, dtype in ((fits, np.int64), (~fits, object)):
        units = np.flatnonzero(keep)
        if not len(units):
            continue
        lo, cnt = grp.ptr[units], grp.ptr[units + 1] - grp.ptr[units]
        idx = _ragged(lo, cnt)
        ptr = np.concatenate(([0], np.cumsum(cnt)))
        A = None if grp.A is None else _cast(grp.A[idx], dtype)
        out.append((_Group(ptr, grp.starts[idx], A, _cast(grp.B[idx], dtype)), units))
    return out


def first_unit(line: Line) -> State:
    """The state holding the single unit ``s`` itself."""
    group = _Group(np.array([0, 1]), np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64),
                   np.zeros(1, dtype=np.int64))
    return State([group], np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), 1)


def _weights(layer: AffineLayer) -> tuple[np.ndarray, np.ndarray]:
    nums = np.asarray(layer.nums)
    if nums.dtype == object:
        nums = _small(nums)
    if nums.dtype != object:
        wb = np.frexp(np.abs(nums).astype(np.float64))[1].astype(np.int64)
    else:
        wb = np.array([abs(int(v)).bit_length() for v in nums], dtype=np.int64)
    return nums, wb


def affine(line: Line, state: State, layer: AffineLayer, relu: bool = False) -> State:
    """The pre-activations of ``layer`` from the units of ``state`` (after a ReLU, or the first unit).

    With ``relu``, their ReLU (the same as :func:`relu` after, in one pass
    where the compiled loops form the outputs).

    Outputs are computed by the compiled loops where every operand is an
    int64. Otherwise, in int64 where a bound proves it safe; where the
    bound fails but every operand is an int64 (large terms that cancel, such
    as ``w ReLU(s - t) - w ReLU(s - t - 1)``), in wrapping int64 arithmetic,
    exact modulo ``2**64``, shadowed in float64 whose error bound proves that
    every sum lies below ``2**60``; the rest in Python ints.
    """
    rows, cols = np.asarray(layer.rows, dtype=np.int64), np.asarray(layer.cols, dtype=np.int64)
    nums, wbits = _weights(layer)
    n_out = layer.n_out
    bias = [int(v) * state.den for v in layer.bias]
    state, cols, prefixes = _freeze(line, state, rows, cols, nums, bias, int(layer.denom), n_out)
    inbits = np.zeros(state.n, dtype=np.int64)  # bit bounds, for the numpy loops only
    in_int = np.zeros(state.n, dtype=bool)
    for g, grp in enumerate(state.groups):
        at = np.flatnonzero(state.gid == g)
        if _kernels is None:
            inbits[at] = np.maximum(grp.abits, grp.bbits)[state.lid[at]] + 1  # a jump is a difference
        in_int[at] = not grp.wide
    wide = np.zeros(n_out, dtype=bool)  # an operand or the bias is no int64
    np.logical_or.at(wide, rows, ~in_int[cols] | (wbits >= 62))
    wide |= np.array([abs(v).bit_length() >= 60 for v in bias], dtype=bool)
    tbits = np.zeros(n_out, dtype=np.int64)
    if _kernels is not None:  # mode 3: compiled, exact int64 checked in 128 bits
        mode = np.where(wide, 2, 3)
    else:
        mode = np.where(_bound_bits(rows, wbits, inbits[cols], nums, bias, n_out) < _LIMIT, 0, 1)
        tbits = np.array([abs(v).bit_length() for v in bias], dtype=np.int64)  # bits of the largest term
        np.maximum.at(tbits, rows, wbits + inbits[cols])
        mode[(mode == 1) & wide] = 2
    gid, lid = np.zeros(n_out, dtype=np.int64), np.zeros(n_out, dtype=np.int64)
    groups: list[_Group] = []
    done: list[bool] = []  # whether a group holds its units after the ReLU already
    rep = _twins(rows, cols, nums, n_out)  # an output keeping a prefix reads its own column: no twin
    twin = np.flatnonzero(rep != np.arange(n_out))
    copied = np.zeros(n_out, dtype=bool)  # outputs whose pre-activations are copied by twins
    copied[rep[twin]] = True
    fuse = relu and _compiled_line(line)

    def emit(outputs: np.ndarray, fused: bool) -> None:
        for m in (0, 1, 3, 2):
            members = outputs[mode[outputs] == m]
            if not len(members):
                continue
            local = np.full(n_out, -1, dtype=np.int64)
            local[members] = np.arange(len(members))
            sel = np.flatnonzero(local[rows] >= 0)
            args = (line, state, rows[sel], cols[sel], nums[sel], local[rows[sel]],
                    [bias[i] for i in members.tolist()])
            failed: np.ndarray | None
            if m == 3:
                built, failed = _emit_compiled(*args, fused)
            else:
                built, failed = _emit(*args, tbits[members], m) if m < 2 else (_combine_units(*args), None)
            if failed is not None:
                mode[members[failed]] = 2  # formed with Python ints in the next round of the loop
                members = members[~failed]
            if built is not None:
                groups.append(built)
                done.append(m == 3 and fused)
                gid[members], lid[members] = len(groups) - 1, np.arange(len(members))

    reps = rep == np.arange(n_out)
    emit(np.flatnonzero(reps & (copied | (not fuse))), False)  # the copied ones before their ReLU
    if fuse:
        emit(np.flatnonzero(reps & ~copied), True)
    if len(twin):  # the same weights as an output already formed: its pieces, shifted by the bias
        shift = [bias[o] - bias[r] for o, r in zip(twin.tolist(), rep[twin].tolist(), strict=True)]
        reps_at = (groups, gid[rep[twin]], lid[rep[twin]], shift)
        if _kernels is not None:
            built, held = _shifted_compiled(*reps_at, line if fuse else None)
        else:
            built, held = _shifted(*reps_at)
        if built is not None:
            groups.append(built)
            done.append(fuse)
            gid[twin[held]], lid[twin[held]] = len(groups) - 1, np.arange(len(held))
        rest = np.ones(len(twin), dtype=bool)
        rest[held] = False
        emit(twin[rest], fuse)
    out = State(groups, gid, lid, state.den * int(layer.denom), prefixes)
    return _rectify(line, out, done) if relu else out


def _from(grp: _Group, i: int, p: int) -> _Chunk:
    """Unit ``i``'s pieces on positions ``>= p``, the first starting at ``p`` (int64 group)."""
    st, a, b = grp.unit(i)
    at = int(np.searchsorted(st, p, side="right")) - 1
    starts = st[at:].copy()
    starts[0] = p
    A = np.zeros(len(starts), dtype=np.int64) if a is None else a[at:]
    return starts, A, b[at:]


def _full_unit(state: State, u: int, K: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """All pieces of unit ``u``: its prefix, if any, then its group's pieces from there on."""
    grp = state.groups[int(state.gid[u])]
    if u not in state.prefix:
        return grp.unit(int(state.lid[u]))
    p, node = state.prefix[u]
    parts = [_from(grp, int(state.lid[u]), p)] if p < K else []
    while node is not None:
        node, chunk = node
        parts.append(chunk)
    parts.reverse()
    return (np.concatenate([c[0] for c in parts]), np.concatenate([c[1] for c in parts]),
            np.concatenate([c[2] for c in parts]))


def _freeze(line: Line, state: State, rows: np.ndarray, cols: np.ndarray, nums: np.ndarray,
            bias: list[int], denom: int, n_out: int
            ) -> tuple[State, np.ndarray, dict[int, tuple[int, _Chain]]]:
    """Inputs as the outputs read them, and the prefixes the outputs keep by reference.

    Output ``o`` keeps the pieces below ``p`` of an input ``j`` when ``o = 1 * j +
    (terms that are 0 below p)`` with no bias and denominator 1: there ``o = j
    >= 0``. Such ``o`` reads ``j`` from ``p`` on only; every other reader of a
    unit with a prefix reads the whole unit. Returns the extended state (read
    units appended as a last group), the new columns and the new prefixes.
    """
    K = line.K
    if not state.prefix and all(grp.wide or int(np.diff(grp.ptr).max(initial=0)) < _PREFIX_MIN
                                for grp in state.groups):
        return state, cols, {}  # no unit is large enough to be kept by reference
    zero_until = np.zeros(state.n, dtype=np.int64)  # positions below which a unit is 0 (no prefix)
    size = np.zeros(state.n, dtype=np.int64)  # pieces of each int64 unit
    for g, grp in enumerate(state.groups):
        if grp.wide:
            continue
        at = np.flatnonzero(state.gid == g)
        first = grp.ptr[state.lid[at]]
        n_p = grp.ptr[state.lid[at] + 1] - first
        size[at] = n_p
        zero = grp.B[first] == 0
        if grp.A is not None:
            zero &= grp.A[first] == 0
        nxt = np.where(n_p > 1, grp.starts[np.minimum(first + 1, len(grp.starts) - 1)], K)
        zero_until[at] = np.where(zero, nxt, 0)
    for u in state.prefix:
        zero_until[u] = 0
    new_cols = cols.copy()
    prefixes: dict[int, tuple[int, _Chain]] = {}
    extra: list[_Chunk] = []
    if denom == 1 and len(rows):
        z = zero_until[cols]
        order = np.lexsort((z, rows))
        r_s, z_s = rows[order], z[order]
        head = np.flatnonzero(np.concatenate(([True], r_s[1:] != r_s[:-1])))
        count = np.diff(np.append(head, len(r_s)))
        second = np.where(count > 1, z_s[np.minimum(head + 1, len(z_s) - 1)], K)
        k = order[head]
        ok = (nums[k] == 1) & (z_s[head] < second) if nums.dtype != object else np.zeros(len(k), bool)
        held = np.zeros(state.n, dtype=bool)
        held[list(state.prefix)] = True
        ok &= (size[cols[k]] >= _PREFIX_MIN) | held[cols[k]]  # a small unit is copied at less cost
        for kk, p in zip(k[ok].tolist(), second[ok].tolist(), strict=True):
            o, j = int(rows[kk]), int(cols[kk])
            grp = state.groups[int(state.gid[j])]
            if bias[o] != 0 or grp.wide:
                continue
            p_j, before = state.prefix.get(j, (0, None))
            if p < p_j or p == 0:
                continue
            if p > p_j:  # the pieces of j on [p_j, p) join the prefix
                st, a, b = grp.unit(int(state.lid[j]))
                at_p = int(np.searchsorted(st, p, side="right")) - 1  # the piece holding p
                at_j = int(np.searchsorted(st, p_j, side="right")) - 1
                below = at_p + 1 if st[at_p] < p else at_p
                chunk_s = st[at_j:below].copy()
                chunk_s[0] = p_j
                chunk_a = np.zeros(below - at_j, dtype=np.int64) if a is None else a[at_j:below].copy()
                before = (before, (chunk_s, chunk_a, b[at_j:below].copy()))  # copies: no buffer is held
            prefixes[o] = (p, before)
            rest = _from(grp, int(state.lid[j]), p) if p < K else (np.zeros(0, dtype=np.int64),) * 3
            extra.append((np.concatenate(([0], rest[0])), np.concatenate(([0], rest[1])),
                          np.concatenate(([0], rest[2]))))
            new_cols[kk] = state.n + len(extra) - 1
    whole: dict[int, int] = {}  # unit with a prefix -> its whole pieces' index in extra
    for kk in np.flatnonzero(np.isin(new_cols, list(state.prefix))).tolist():
        u = int(new_cols[kk])
        if u not in whole:
            st, a, b = _full_unit(state, u, K)
            extra.append((st, np.zeros(len(st), dtype=np.int64) if a is None else a, b))
            whole[u] = len(extra) - 1
        new_cols[kk] = state.n + whole[u]
    if not extra:
        return state, new_cols, prefixes
    sizes = [len(c[0]) for c in extra]
    wide = any(c[2].dtype == object or c[1].dtype == object for c in extra)
    A = np.concatenate([c[1] for c in extra])
    B = np.concatenate([c[2] for c in extra])
    if wide:
        A, B = _obj(A), _obj(B)
    grp = _Group(np.concatenate(([0], np.cumsum(sizes))), np.concatenate([c[0] for c in extra]), A, B)
    read = State([*state.groups, grp], np.concatenate((state.gid, np.full(len(extra), len(state.groups)))),
                 np.concatenate((state.lid, np.arange(len(extra)))), state.den)
    return read, new_cols, prefixes


def _twins(rows: np.ndarray, cols: np.ndarray, nums: np.ndarray, n_out: int) -> np.ndarray:
    """For each output, the first output with exactly the same nonzero weights (itself if none).

    Outputs are grouped by a hash of their columns and weights, and every
    match is then compared entry by entry, so a collision never pairs two
    different rows. Outputs with no weights, or Python-int weights, stay alone.
    """
    rep = np.arange(n_out)
    count = np.bincount(rows, minlength=n_out)
    if nums.dtype == object or not len(rows):
        return rep
    start = np.cumsum(count) - count
    place = np.arange(len(rows)) - start[rows]
    with np.errstate(over="ignore"):
        h = cols * np.int64(-7046029254386353131) + nums * np.int64(-4658895280553007687) \
            + place * np.int64(1609587929392839161)
        sig = np.zeros(n_out, dtype=np.int64)
        np.add.at(sig, rows, h)
    order = np.lexsort((np.arange(n_out), sig, count))
    same = np.flatnonzero((sig[order][1:] == sig[order][:-1]) & (count[order][1:] == count[order][:-1]))
    if not len(same):
        return rep
    first = np.arange(n_out)
    new = np.ones(n_out, dtype=bool)
    new[same + 1] = False
    head = np.maximum.accumulate(np.where(new, np.arange(n_out), 0))
    first[order] = order[head]
    cand = np.flatnonzero((first != np.arange(n_out)) & (count > 0))
    if not len(cand):
        return rep
    a = _ragged(start[cand], count[cand])
    b = _ragged(start[first[cand]], count[cand])
    equal = (cols[a] == cols[b]) & (nums[a] == nums[b])
    ok = np.logical_and.reduceat(equal, np.cumsum(count[cand]) - count[cand])
    rep[cand[ok]] = first[cand[ok]]
    return rep


def _shifted(groups: list[_Group], gids: np.ndarray, lids: np.ndarray, shift: list[int]
             ) -> tuple[_Group | None, np.ndarray]:
    """Copies of int64 units with ``B`` shifted by ``shift`` where the result provably fits int64.

    Returns the group of copies and the indices (into ``shift``) of the units
    it holds, in its order; the others are left to be formed in full.
    """
    parts_s, parts_a, parts_b, parts_n, held = [], [], [], [], []
    for g, grp in enumerate(groups):
        at = np.flatnonzero(gids == g)
        if not len(at) or grp.wide:
            continue
        small = np.array([abs(shift[i]).bit_length() < _LIMIT - 2 for i in at.tolist()], dtype=bool)
        at = at[small & (grp.bbits[lids[at]] < _LIMIT - 2)]  # both below 2**59: the sum below 2**60
        if not len(at):
            continue
        first, cnt = grp.ptr[lids[at]], grp.ptr[lids[at] + 1] - grp.ptr[lids[at]]
        idx = _ragged(first, cnt)
        parts_s.append(grp.starts[idx])
        parts_b.append(grp.B[idx] + np.repeat(np.array([shift[i] for i in at.tolist()], dtype=np.int64), cnt))
        parts_a.append(grp.A[idx] if grp.A is not None else np.zeros(len(idx), dtype=np.int64))
        parts_n.append(cnt)
        held.append(at)
    if not held:
        return None, np.zeros(0, dtype=np.int64)
    ptr = np.concatenate(([0], np.cumsum(np.concatenate(parts_n))))
    A = np.concatenate(parts_a)
    return _Group(ptr, np.concatenate(parts_s), A, np.concatenate(parts_b)), np.concatenate(held)


def _addresses(groups: list[_Group], gids: np.ndarray, lids: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Where the pieces of units ``(gids[k], lids[k])`` of int64 groups lie, for the compiled loops.

    Returns the addresses of their starts, slopes (0: none) and intercepts,
    their counts, and the arrays addressed (to be held while they are read).
    """
    sp, ap, bp, cnt = (np.zeros(len(gids), dtype=np.int64) for _ in range(4))
    held = []
    for g, grp in enumerate(groups):
        sub = np.flatnonzero(gids == g)
        if not len(sub):
            continue
        first = grp.ptr[lids[sub]].astype(np.int64)
        cnt[sub] = grp.ptr[lids[sub] + 1] - first
        for dest, arr in ((sp, grp.starts), (bp, grp.B), (ap, grp.A)):
            if arr is not None:
                arr = _int64(arr)
                held.append(arr)
                dest[sub] = arr.ctypes.data + 8 * first
    return sp, ap, bp, cnt, held


def _shifted_compiled(groups: list[_Group], gids: np.ndarray, lids: np.ndarray, shift: list[int],
                      line: Line | None = None) -> tuple[_Group | None, np.ndarray]:
    """:func:`_shifted` by the compiled loop, which checks every shifted value exactly.

    With a ``line`` (int64 parts), the copies are returned after the ReLU.
    """
    ok = np.array([not groups[g].wide and abs(v) < 2**61 for g, v in zip(gids.tolist(), shift, strict=True)],
                  dtype=bool)
    at = np.flatnonzero(ok)
    if not len(at):
        return None, at
    sp, ap, bp, cnt, _held = _addresses(groups, gids[at], lids[at])
    cap = int(cnt.sum()) * (2 if line is not None and ap.any() else 1)
    out = [_BUFFERS.take(cap) for _ in range(3)]
    ptr = np.empty(len(at) + 1, dtype=np.int64)
    status = np.zeros(len(at), dtype=np.uint8)
    sI, R = (_int64(line.sI), _int64(line.R)) if line is not None else (np.zeros(1, dtype=np.int64),) * 2
    sloped = _kernels.shifted(sp, ap, bp, cnt, np.array([shift[i] for i in at.tolist()], dtype=np.int64),
                              sI, R, 0 if line is None else line.D, *out, ptr, status)
    good = status == 0
    if not good.any():
        return None, at[:0]
    m = int(ptr[-1])
    ptr = np.concatenate(([0], ptr[1:][good]))
    return _Group(ptr, out[0][:m], out[1][:m], out[2][:m], sloped=sloped), at[good]


def _bound_bits(rows: np.ndarray, wbits: np.ndarray, inbits: np.ndarray, nums: np.ndarray,
                bias: list[int], n_out: int) -> np.ndarray:
    """Bits bounding every partial sum of each output's jumps: ``log2(sum |w| 2**inbits + |bias|)``.

    Summed in float64 over terms rounded up, with a relative margin for the
    rounding of the sum; very large terms give an infinite bound (Python ints).
    """
    big = wbits + inbits > 900
    absw = np.abs(nums).astype(np.float64) if nums.dtype != object else \
        np.array([float(min(abs(int(v)), 2**1000)) for v in nums])
    with np.errstate(over="ignore"):  # an infinite bound only sends the output to Python ints
        terms = np.where(big, np.inf, absw * (1 + 2.0**-50) * np.exp2(np.minimum(inbits, 900)))
    total = np.bincount(rows, weights=terms, minlength=n_out) if len(rows) else np.zeros(n_out)
    total += np.array([float(min(abs(v), 2**1000)) for v in bias]) * (1 + 2.0**-50)
    count = np.bincount(rows, minlength=n_out) + 2
    total *= 1 + count * 2.0**-50
    bits = np.frexp(total)[1].astype(np.int64)
    return np.where(np.isfinite(total), bits, 10**6)


def _cast(arr: np.ndarray, dtype: type) -> np.ndarray:
    return arr if arr.dtype == dtype else arr.astype(dtype)


def _emit(line: Line, state: State, rows: np.ndarray, cols: np.ndarray, w: np.ndarray,
          o_of: np.ndarray, bias: list[int], tbits: np.ndarray, mode: int
          ) -> tuple[_Group | None, np.ndarray | None]:
    """Outputs ``0..len(bias)-1`` from their nonzero weights: jumps, sorted, summed, accumulated.

    ``o_of[k]`` is the output of nonzero ``k``; every term of output ``o`` is
    below ``2**tbits[o]``. Mode 0: int64, proven safe; mode 1: wrapping int64
    checked by a float64 shadow, returning which outputs failed the check
    (left out of the group).
    """
    dtype: type = object if mode == 2 else np.int64
    check = mode == 1
    n = len(bias)
    stride = line.K + 1  # key = output * stride + position
    parts_key: list[np.ndarray] = []
    parts_a: list[np.ndarray | int] = []  # an int: that many zeros (inputs without slopes)
    parts_b: list[np.ndarray] = []
    shadow_a: list[np.ndarray | int] = []
    shadow_b: list[np.ndarray] = []
    w = _cast(w, dtype)
    wf = w.astype(np.float64) if check else None
    any_a = False
    for g, grp in enumerate(state.groups):
        sub = np.flatnonzero(state.gid[cols] == g)
        if not len(sub):
            continue
        lid = state.lid[cols[sub]]
        first, cnt = grp.ptr[lid], grp.ptr[lid + 1] - grp.ptr[lid]
        idx = _ragged(first, cnt)
        wr = np.repeat(w[sub], cnt)
        parts_key.append(np.repeat(o_of[sub] * stride, cnt) + grp.starts[idx])
        jb = _cast(grp.jB[idx], dtype)
        with np.errstate(over="ignore"):
            parts_b.append(jb * wr)
        if check:
            wfr = np.repeat(wf[sub], cnt)  # type: ignore[index]
            shadow_b.append(jb.astype(np.float64) * wfr)
        if grp.jA is None:
            parts_a.append(len(idx))
            shadow_a.append(len(idx))
        else:
            ga = _cast(grp.jA[idx], dtype)
            with np.errstate(over="ignore"):
                parts_a.append(ga * wr)
            if check:
                shadow_a.append(ga.astype(np.float64) * wfr)
            any_a = True
    parts_key.append(np.arange(n) * stride)  # every output starts a piece at 0, with its bias
    parts_a.append(n)
    shadow_a.append(n)
    parts_b.append(np.array(bias, dtype=dtype))
    if check:
        shadow_b.append(np.array(bias, dtype=np.float64))
    order, key = _sort(np.concatenate(parts_key), n * stride)
    at = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    ja: np.ndarray | None = None
    with np.errstate(over="ignore"):
        jb = np.add.reduceat(np.concatenate(parts_b)[order], at)
        if any_a:
            ja = np.add.reduceat(_zeros_filled(parts_a, dtype)[order], at)
    key = key[at]
    o, pos = key // stride, key % stride
    failed = np.zeros(n, dtype=bool)
    if check:
        sizes = np.diff(np.append(at, len(order)))
        bound = np.exp2(np.minimum(tbits, 1000).astype(np.float64))[o]
        bad = ~_fits(np.concatenate(shadow_b)[order], at, sizes, bound)
        if any_a:
            bad |= ~_fits(_zeros_filled(shadow_a, np.float64)[order], at, sizes, bound)
        failed[o[bad]] = True
    head = np.concatenate(([True], o[1:] != o[:-1]))
    keep = head | np.asarray(jb != 0, dtype=bool)
    if ja is not None:
        keep |= np.asarray(ja != 0, dtype=bool)
    if check:
        heads = np.flatnonzero(head)
        failed[o[heads]] |= ~_sums_fit(jb, heads)
        if ja is not None:
            failed[o[heads]] |= ~_sums_fit(ja, heads)
        keep &= ~failed[o]
        if failed.all():
            return None, failed
        o = (np.cumsum(~failed) - 1)[o]  # renumber the outputs that passed
    if not keep.all():
        o, pos, jb, head = o[keep], pos[keep], jb[keep], head[keep]
        ja = None if ja is None else ja[keep]
    heads = np.flatnonzero(head)
    ptr = np.append(heads, len(o))
    A = None if ja is None else _accumulate(ja, heads)
    return _Group(ptr, pos, A, _accumulate(jb, heads)), (failed if check else None)


def _emit_compiled(line: Line, state: State, rows: np.ndarray, cols: np.ndarray, w: np.ndarray,
                   o_of: np.ndarray, bias: list[int], relu: bool = False) -> tuple[_Group | None, np.ndarray]:
    """Outputs ``0..len(bias)-1`` by the compiled merge of their inputs' pieces (int64 inputs).

    Returns the group of the outputs whose values fit int64, after the ReLU
    if ``relu`` (the line in int64 parts), and which did not (left out of
    the group, to be formed with Python ints).
    """
    n = len(bias)
    order = np.argsort(o_of, kind="stable")
    cols, w, o_of = cols[order], w[order], o_of[order]
    sp, ap, bp, cnt = (arr[cols] for arr in state.addresses()[:4])  # the state holds the arrays read
    eptr = np.searchsorted(o_of, np.arange(n + 1))
    cap = (int(cnt.sum()) + n) * (2 if relu and ap.any() else 1)  # a ReLU cuts a sloped piece in two
    out = [_BUFFERS.take(cap) for _ in range(3)]
    ptr = np.empty(n + 1, dtype=np.int64)
    status = np.zeros(n, dtype=np.uint8)
    sI, R = (_int64(line.sI), _int64(line.R)) if relu else (np.zeros(line.K, dtype=np.int64),) * 2
    sloped = _kernels.affine(eptr, sp, ap, bp, cnt, _int64(w), np.array(bias, dtype=np.int64), sI, R,
                             line.D if relu else 0, *out, ptr, status)
    failed = status.astype(bool)
    if failed.all():
        return None, failed
    m = int(ptr[-1])
    if failed.any():
        ptr = np.concatenate(([0], ptr[1:][~failed]))
    # views: the pages past m were never written, so they hold no memory
    return _Group(ptr, out[0][:m], out[1][:m], out[2][:m], sloped=sloped), failed


def _finest(starts: list[np.ndarray]) -> np.ndarray:
    """The union of piece starts; the longest list itself when it holds every other."""
    if not starts:
        return np.zeros(1, dtype=np.int64)
    big = max(starts, key=len)
    for st in starts:
        if st is not big and len(st) > 1:
            at = np.searchsorted(big, st)
            if (at >= len(big)).any() or not np.array_equal(big[at], st):
                return np.unique(np.concatenate(starts))
    return big


def _linear_sum(ins: list[tuple[int, np.ndarray, np.ndarray | None, np.ndarray]]
                ) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """``sum(w * unit)`` on the union of the units' pieces: the union, and ``A`` and ``B`` there.

    Inputs with many pieces are read on the union and grouped by ``|w|``
    (``c (f - g)`` is one product where ``c f - c g`` is two); inputs with few
    pieces (steps) enter through their jumps and one running sum.
    """
    fine = _finest([st for _, st, _, _ in ins])
    sums: list[np.ndarray | None] = [None, None]  # A, B on the union
    by_size: dict[int, list[np.ndarray | None]] = {}
    few = [x for x in ins if 4 * len(x[1]) < len(fine)]
    for wk, st, a, b in ins:
        if 4 * len(st) < len(fine):
            continue
        pick = None if st is fine else np.searchsorted(st, fine, side="right") - 1
        part = by_size.setdefault(abs(wk), [None, None])
        for j, arr in enumerate((a, b)):
            if arr is not None:
                term = _obj(arr if pick is None else arr[pick])
                if wk < 0:
                    part[j] = -term if part[j] is None else part[j] - term
                else:
                    part[j] = term if part[j] is None else part[j] + term
    for c, part in by_size.items():
        for j, got in enumerate(part):
            if got is not None:
                term = got if c == 1 else got * c
                sums[j] = term if sums[j] is None else sums[j] + term
    if few:
        at = np.searchsorted(fine, np.concatenate([st for _, st, _, _ in few]))
        for j in (0, 1):
            if all(x[2 + j] is None for x in few):
                continue
            jumps = np.concatenate([
                _obj(np.zeros(len(st), dtype=np.int64) if x is None else _jumps(x, np.array([0, len(x)])))
                * wk for wk, st, *pair in few for x in (pair[j],)
            ])
            acc = np.zeros(len(fine), dtype=object)
            np.add.at(acc, at, jumps)
            term = np.cumsum(acc)
            sums[j] = term if sums[j] is None else sums[j] + term
    return fine, sums


def _combine_units(line: Line, state: State, rows: np.ndarray, cols: np.ndarray, w: np.ndarray,
                   o_of: np.ndarray, bias: list[int]) -> _Group:
    """Outputs in Python ints, one at a time (:func:`_linear_sum`), with no sorting.

    Outputs that differ only in their bias (the thresholds of one digit) share
    their sums, so large integers are touched about once per piece.
    """
    n = len(bias)
    bounds = np.searchsorted(o_of, np.arange(n + 1)).tolist()
    gids, lids = state.gid[cols].tolist(), state.lid[cols].tolist()
    weights = [int(v) for v in w]
    ptr, all_starts, all_A, all_B = [0], [], [], []
    done: dict[tuple[int, ...], tuple[np.ndarray, list[np.ndarray | None]]] = {}
    for o in range(n):
        ks = range(bounds[o], bounds[o + 1])
        key = tuple(v for k in ks for v in (gids[k], lids[k], weights[k]))
        if key not in done:  # outputs that differ only in their bias share the sums
            done[key] = _linear_sum([(weights[k], *state.groups[gids[k]].unit(lids[k])) for k in ks])
        fine, sums = done[key]
        A, B = sums
        B = np.full(len(fine), bias[o], dtype=object) if B is None else (B + bias[o] if bias[o] else B)
        keep = np.ones(len(fine), dtype=bool)
        keep[1:] = np.asarray(B[1:] != B[:-1], dtype=bool)
        if A is not None:
            keep[1:] |= np.asarray(A[1:] != A[:-1], dtype=bool)
        all_starts.append(fine[keep])
        all_B.append(_obj(B[keep]))
        all_A.append(np.zeros(int(keep.sum()), dtype=object) if A is None else _obj(A[keep]))
        ptr.append(ptr[-1] + int(keep.sum()))
    return _Group(np.array(ptr, dtype=np.int64), np.concatenate(all_starts),
                  np.concatenate(all_A), np.concatenate(all_B))


def _fits(terms: np.ndarray, at: np.ndarray, sizes: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Whether each float64 sum of ``terms`` over ``at`` groups proves its exact sum below ``2**60``.

    Every exact term of a group is below ``bound`` in magnitude, so ``size *
    bound`` bounds its sum of absolute terms; groups of more than 16 terms
    measure that sum instead. Each term is a product of two rounded int64
    values (relative error at most ``3u``), each sum adds at most
    ``(size - 1) u`` relative to the absolute sum (``u = 2**-53``);
    ``(size + 8) 2**-52`` of it covers both.
    """
    total = np.add.reduceat(terms, at)
    mass = sizes * bound
    many = np.flatnonzero(sizes > 16)
    if len(many):
        idx = _ragged(at[many], sizes[many])
        heads = np.cumsum(sizes[many]) - sizes[many]
        mass[many] = np.add.reduceat(np.abs(terms[idx]), heads) * (1 + 2.0**-40)
    return np.asarray(np.abs(total) + (sizes + 8) * 2.0**-52 * mass < 2.0**60, dtype=bool)


def _sums_fit(jumps: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """Whether every running sum of each unit's (exact int64) jumps stays below ``2**60``.

    The running sums restart at each unit's head, as in :func:`_accumulate`;
    formed in float64 (each jump rounded, relative error ``u = 2**-53``) they
    differ from the exact ones by at most ``(M + 2) 2**-52`` times the sum of
    the absolute terms, ``M`` the number of terms (a classical bound).
    """
    f = jumps.astype(np.float64)
    totals = np.add.reduceat(f, heads)
    f[heads[1:]] -= totals[:-1]
    run = np.cumsum(f)
    err = (len(f) + 2) * 2.0**-52 * float(np.abs(f).sum()) * (1 + 2.0**-40)
    peak = np.maximum.reduceat(np.abs(run), heads)
    return np.asarray(peak + err < 2.0**60, dtype=bool)


def _zeros_filled(parts: list[np.ndarray | int], dtype: type) -> np.ndarray:
    """The parts concatenated, an int part standing for that many zeros."""
    return np.concatenate([np.zeros(p, dtype=dtype) if isinstance(p, int) else p for p in parts])


def _sort(key: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorting permutation of nonnegative ``key < top`` and the sorted keys.

    When key and position fit in 62 bits together, one sort of the packed
    ``key * 2**b + position`` (runs of sorted keys make it fast) gives both.
    """
    b = len(key).bit_length()
    if top.bit_length() + b > 62:
        order = np.argsort(key, kind="stable")
        return order, key[order]
    packed = (key << b) | np.arange(len(key))
    packed.sort(kind="stable")
    return packed & ((1 << b) - 1), packed >> b


def _accumulate(jumps: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """Values from jumps, restarting at each unit's head (every partial sum is a value)."""
    totals = np.add.reduceat(jumps, heads)
    jumps = jumps.copy()
    jumps[heads[1:]] -= totals[:-1]  # the running sum enters each unit at its first value
    return np.cumsum(jumps)


def relu(line: Line, state: State) -> State:
    """``ReLU`` of every unit: pieces cut where their sign changes, negatives set to 0."""
    return _rectify(line, state, [False] * len(state.groups))


def _rectify(line: Line, state: State, done: list[bool]) -> State:
    """The ReLU of the groups not ``done`` yet."""
    if all(done):
        return state
    groups: list[_Group] = []
    gid, lid = state.gid.copy(), state.lid.copy()
    for g, grp in enumerate(state.groups):
        members = np.flatnonzero(state.gid == g)
        order = np.empty(len(members), dtype=np.int64)
        order[state.lid[members]] = members  # global unit of each local index
        parts = [(grp, np.arange(len(members)))] if done[g] else _narrow(_relu_group(line, grp))
        for part, units in parts:
            groups.append(part)
            gid[order[units]], lid[order[units]] = len(groups) - 1, np.arange(len(units))
    return State(groups, gid, lid, state.den, state.prefix)  # a prefix is >= 0: ReLU keeps it


def _int64(arr: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(arr, dtype=np.int64)


class _Buffers:
    """int64 buffers reused across layers by the compiled loops, within :func:`buffers`.

    Fresh memory costs a page fault for every page first written, which on
    some machines is most of a layer's time; a buffer is reused once no array
    refers to it any more (its reference count says so).
    """

    def __init__(self) -> None:
        self.held: list[np.ndarray] | None = None

    SMALL = 1 << 16  # smaller buffers come from the allocator's own free lists
    KEEP = 32

    def take(self, n: int) -> np.ndarray:
        if self.held is None or n < self.SMALL:
            return np.empty(n, dtype=np.int64)
        held = self.held
        free = [i for i in range(len(held)) if sys.getrefcount(held[i]) == 2]
        fit = [i for i in free if len(held[i]) >= n]
        if fit:
            return held[min(fit, key=lambda i: len(held[i]))][:n]
        if len(held) >= self.KEEP and free:  # the smallest free buffer makes room
            held.pop(min(free, key=lambda i: len(held[i])))
        base = np.empty(2 * n, dtype=np.int64)  # pages are only mapped once written
        held.append(base)
        return base[:n]


_BUFFERS = _Buffers()


@contextmanager
def buffers() -> Iterator[None]:
    """Reuse the compiled loops' output buffers across the layers evaluated inside."""
    outer = _BUFFERS.held
    _BUFFERS.held = [] if outer is None else outer
    try:
        yield
    finally:
        _BUFFERS.held = outer


def _compiled_line(line: Line) -> bool:
    return _kernels is not None and line.sI.dtype != object and line.R.dtype != object and line.D < 2**62


def _relu_compiled(line: Line, grp: _Group) -> _Group:
    """The ReLU of an int64 group: its units copied, unshifted, by the compiled loop."""
    units = np.arange(len(grp.ptr) - 1)
    if not len(units):
        return grp
    zero = np.zeros(len(units), dtype=np.int64)
    built, held = _shifted_compiled([grp], zero, units, [0] * len(units), line)
    assert built is not None and len(held) == len(units), "an unshifted int64 unit always fits"
    return built


def _relu_group(line: Line, grp: _Group) -> _Group:
    if not grp.wide and _compiled_line(line):
        return _relu_compiled(line, grp)
    ptr, starts, A, B = grp.ptr, grp.starts, grp.A, grp.B
    n = len(B)
    ends = np.append(starts[1:], line.K)
    ends[ptr[1:] - 1] = line.K
    left_on = np.asarray(B > 0, dtype=bool)  # constant pieces: the sign of B decides
    right_on = left_on.copy()
    cut = ends.copy()  # the left part is [start, cut), the right part [cut, end)
    if A is not None:
        sloped = np.flatnonzero(np.asarray(A != 0, dtype=bool))
        a, b = A[sloped], B[sloped]
        up = np.asarray(a > 0, dtype=bool)
        cut[sloped] = line.cut(a, b, starts[sloped], ends[sloped])
        left_on[sloped], right_on[sloped] = ~up, up
    split = np.flatnonzero((cut > starts) & (cut < ends))
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
        counts = np.add.reduceat(rep, ptr[:-1])
        ptr = np.concatenate(([0], np.cumsum(counts)))
    if not on.all():
        B = np.where(on, B, 0) if B.dtype != object else _zero_off(B, on)
        if A is not None:
            A = np.where(on, A, 0) if A.dtype != object else _zero_off(A, on)
    head = np.zeros(len(B), dtype=bool)
    head[ptr[:-1]] = True
    keep = head.copy()
    keep[1:] |= np.asarray(B[1:] != B[:-1], dtype=bool)
    if A is not None:
        keep[1:] |= np.asarray(A[1:] != A[:-1], dtype=bool)
    if not keep.all():
        counts = np.add.reduceat(keep.astype(np.int64), ptr[:-1])
        ptr = np.concatenate(([0], np.cumsum(counts)))
        starts, B = starts[keep], B[keep]
        A = None if A is None else A[keep]
    return _Group(ptr, starts, A, B)


def _zero_off(arr: np.ndarray, on: np.ndarray) -> np.ndarray:
    out = arr.copy()
    out[~on] = 0
    return out


def values(line: Line, state: State, unit: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact values ``num / den`` of one unit at every sorted distinct value."""
    starts, A_u, B_u = _full_unit(state, unit, line.K)
    piece = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, line.K)))
    num = B_u[piece]
    if A_u is None or not np.asarray(A_u != 0).any():
        den = np.full(line.K, state.den, dtype=np.int64 if state.den < 2**62 else object)
        return num, den
    A = A_u[piece]
    num = _small(_obj(A) * _obj(line.S) + _obj(num) * line.D)
    den_value = state.den * line.D
    den = np.full(line.K, den_value, dtype=np.int64 if den_value < 2**62 else object)
    return num, den
