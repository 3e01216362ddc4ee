"""The layer-at-a-time engine of the scalar backend against direct Fraction arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs.backends import pieces
from proofs.network import AffineLayer

pytestmark = pytest.mark.usefixtures("pieces_engine")  # every test on both engines

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SHIFTS = st.sampled_from([0, 20, 45, 70])


def _line(offsets: list[int], shift: int, D: int) -> pieces.Line:
    values = sorted({(1 << shift) + k for k in offsets})
    dtype = object if max(values).bit_length() > 60 else np.int64
    return pieces.Line(np.array(values, dtype=dtype), D)


@FAST
@given(
    st.lists(st.integers(0, 300), min_size=1, max_size=25, unique=True),
    SHIFTS,
    st.sampled_from([1, 3, 2**40, 2**70 + 1]),
    st.lists(st.tuples(st.integers(-(2**75), 2**75).filter(bool), st.integers(-(2**90), 2**90)),
             min_size=1, max_size=8),
    st.data(),
)
def test_cut_is_exact(offsets: list[int], shift: int, D: int, lines: list[tuple[int, int]],
                      data: st.DataObject) -> None:
    """The cut of ``a s + b`` is the first position past the sign change, within the piece."""
    line = _line(offsets, shift, D)
    S = [int(v) for v in line.S]
    lo = [data.draw(st.integers(0, line.K - 1)) for _ in lines]
    hi = [data.draw(st.integers(a + 1, line.K)) for a in lo]
    a = np.array([x for x, _ in lines], dtype=object)
    b = np.array([y for _, y in lines], dtype=object)
    got = line.cut(pieces._small(a), pieces._small(b), np.array(lo), np.array(hi)).tolist()
    for (ai, bi), lo_i, hi_i, g in zip(lines, lo, hi, got, strict=True):
        past = [k for k in range(lo_i, hi_i)
                if (ai * Fraction(S[k], D) + bi > 0) == (ai > 0)]
        assert g == (past[0] if past else hi_i)


def _reference(s: Fraction, layers: list[AffineLayer]) -> list[Fraction]:
    h = [s]
    for i, layer in enumerate(layers):
        out = []
        for r in range(layer.n_out):
            acc = Fraction(int(layer.bias[r]))
            for k in np.flatnonzero(np.asarray(layer.rows) == r):
                acc += int(layer.nums[k]) * h[int(layer.cols[k])]
            out.append(acc / int(layer.denom))
        h = out if i == len(layers) - 1 else [max(v, Fraction(0)) for v in out]
    return h


WEIGHTS = st.one_of(st.integers(-4, 4), st.integers(-(2**44), 2**44), st.integers(-(2**80), 2**80))


@st.composite
def _networks(draw: st.DrawFn) -> tuple[list[AffineLayer], int]:
    """Random layers after ``s``, with cancelling ramp pairs ``w ReLU(s - t) - w ReLU(s - t - 1)``."""
    width = draw(st.integers(1, 5))
    ts = [draw(st.integers(-5, 400)) for _ in range(width)]
    first = AffineLayer.from_dense([[1]] * (2 * width), [-t - j for t in ts for j in (0, 1)])
    layers = [first]
    n_in = 2 * width
    pairs = True
    for _ in range(draw(st.integers(1, 3))):
        n_out = draw(st.integers(1, 4))
        rows = []
        for _ in range(n_out):
            if pairs:  # a sum of steps with large coefficients: cancels in every sum
                row = [0] * n_in
                for j in range(0, n_in, 2):
                    w = draw(WEIGHTS)
                    row[j], row[j + 1] = w, -w
            else:
                row = [draw(WEIGHTS) if draw(st.booleans()) else 0 for _ in range(n_in)]
            rows.append(row)
        bias = [draw(st.one_of(st.integers(-50, 50), st.integers(-(2**62), 2**62))) for _ in range(n_out)]
        layers.append(AffineLayer.from_dense(rows, bias, denom=draw(st.sampled_from([1, 1, 2, 3]))))
        n_in, pairs = n_out, False
    return layers, n_in


@FAST
@given(
    st.lists(st.integers(0, 800), min_size=1, max_size=30, unique=True),
    st.sampled_from([0, 45, 70]),
    st.sampled_from([1, 2, 7, 2**40]),
    _networks(),
    st.booleans(),
)
def test_layers_equal_fraction_arithmetic(offsets: list[int], shift: int, D: int,
                                          net: tuple[list[AffineLayer], int], fused: bool) -> None:
    """Affine maps and ReLUs over all units at once give every unit's exact value at every point."""
    layers, n_out = net
    line = _line([o * 7 for o in offsets], 0, D)
    line = pieces.Line(np.array([int(v) << shift for v in line.S], dtype=object), D) if shift else line
    state = pieces.first_unit(line)
    for i, layer in enumerate(layers):
        hidden = i < len(layers) - 1
        state = pieces.affine(line, state, layer, relu=hidden and fused)
        if hidden and not fused:
            state = pieces.relu(line, state)
    S = [int(v) for v in line.S]
    expected = [_reference(Fraction(v, D), layers) for v in S]
    for u in range(n_out):
        num, den = pieces.values(line, state, u)
        assert [Fraction(int(a), int(b)) for a, b in zip(num, den, strict=True)] == [e[u] for e in expected]


def test_cancelling_sums_stay_machine_integers() -> None:
    """Large weights on ramp pairs whose sums are small are computed in int64, exactly."""
    line = pieces.Line(np.arange(0, 4000, 4, dtype=np.int64) + 2**38, 1)
    ts = [2**38 + 4 * k + 1 for k in range(0, 1000, 7)]
    first = AffineLayer.from_dense([[1]] * (2 * len(ts)), [-t - j for t in ts for j in (0, 1)])
    w = [2**43 + k for k in range(len(ts))]
    row = [c for x in w for c in (x, -x)]
    state = pieces.relu(line, pieces.affine(line, pieces.first_unit(line), first))
    state = pieces.affine(line, state, AffineLayer.from_dense([row], [0]))
    assert [g.B.dtype for g in state.groups] == [np.dtype(np.int64)]
    num, _ = pieces.values(line, state, 0)
    s = np.arange(0, 4000, 4) + 2**38
    expected = [sum(x for x, t in zip(w, ts, strict=True) if v >= t + 1) for v in s]
    assert num.tolist() == expected


def _ramps(line: pieces.Line, ts: list[int]) -> pieces.State:
    first = AffineLayer.from_dense([[1]] * (2 * len(ts)), [-t - j for t in ts for j in (0, 1)])
    return pieces.relu(line, pieces.affine(line, pieces.first_unit(line), first))


def test_large_intercepts_that_do_not_cancel_use_python_ints() -> None:
    """Sums whose terms do not cancel are too large for int64: the float64 shadow sends them on."""
    line = pieces.Line(np.arange(0, 400, 4, dtype=np.int64) + 2**50, 1)
    state = _ramps(line, [2**50, 2**50 + 99])
    state = pieces.affine(line, state, AffineLayer.from_dense([[2**20, 0, 2**20, 0]], [0]))
    num, _ = pieces.values(line, state, 0)
    s = np.arange(0, 400, 4)
    assert [int(v) for v in num] == [2**20 * (v + max(v - 99, 0)) for v in s]


def test_running_sums_beyond_int64_use_python_ints() -> None:
    """Each jump fits but their running sum does not: the sum check sends the unit on."""
    line = pieces.Line(np.arange(0, 400, 4, dtype=np.int64) + 2**38, 1)
    ts = [2**38 + 4 * k + 1 for k in range(40)]
    row = [c for _ in ts for c in (2**58, -(2**58))]
    state = pieces.affine(line, _ramps(line, ts), AffineLayer.from_dense([row], [0]))
    num, _ = pieces.values(line, state, 0)
    s = np.arange(0, 400, 4) + 2**38
    assert [int(v) for v in num] == [2**58 * sum(1 for t in ts if v >= t + 1) for v in s]


def test_twins_are_rows_with_the_same_weights() -> None:
    """Outputs with identical columns and weights share one representative; others stay alone."""
    layer = AffineLayer.from_dense([[1, 0, 2], [1, 0, 3], [1, 0, 2], [0, 0, 0], [0, 2, 1], [1, 0, 2]],
                                   [0, 1, 2, 3, 4, 5])
    rep = pieces._twins(np.asarray(layer.rows), np.asarray(layer.cols), np.asarray(layer.nums), layer.n_out)
    assert rep.tolist() == [0, 1, 0, 3, 4, 0]


@FAST
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(-3, 3)), min_size=2, max_size=25),
       st.integers(0, 1000), st.sampled_from([1, 3, pieces._PREFIX_MIN]))
def test_carried_accumulators_keep_their_prefix(steps: list[tuple[int, int]], offset: int,
                                                least: int) -> None:
    """A chain ``u <- ReLU(u - d)``, ``G <- ReLU(G + c u)``: ``G`` keeps its left part by reference.

    ``least`` is the fewest pieces a unit needs for that (smaller ones are copied).
    """
    line = pieces.Line(np.arange(0, 1200, 3, dtype=np.int64), 1)
    layers = [AffineLayer.from_dense([[1], [0]], [0, offset])]  # u = s, G = offset
    for d, c in steps:
        layers.append(AffineLayer.from_dense([[1, 0], [c, 1]] if c else [[1, 0], [0, 1]], [-d, 0]))
    layers.append(AffineLayer.from_dense([[0, 1]], [0]))
    state, kept = pieces.first_unit(line), 0
    default, pieces._PREFIX_MIN = pieces._PREFIX_MIN, least
    try:
        for i, layer in enumerate(layers):
            state = pieces.affine(line, state, layer, relu=i < len(layers) - 1)
            kept += len(state.prefix)
    finally:
        pieces._PREFIX_MIN = default
    num, den = pieces.values(line, state, 0)
    expected = [_reference(Fraction(int(v)), layers)[0] for v in line.S]
    assert [Fraction(int(a), int(b)) for a, b in zip(num, den, strict=True)] == expected
    if all(c == 1 for _, c in steps) and least == 1:
        assert kept  # the mechanism is exercised


@FAST
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(-(2**40), 2**40)), min_size=9, max_size=40),
       st.integers(-(2**45), 2**45))
def test_wide_fan_in_is_a_merge_of_every_input(terms: list[tuple[int, int]], bias: int) -> None:
    """An output reading many ramps (a heap merge in the compiled loop) equals the direct sum."""
    line = pieces.Line(np.arange(0, 1200, 3, dtype=np.int64), 1)
    ts = [t for t, _ in terms]
    state = _ramps(line, ts)
    row = [c for _, w in terms for c in (w, -w)]
    state = pieces.affine(line, state, AffineLayer.from_dense([row], [bias]))
    num, _ = pieces.values(line, state, 0)
    expected = [bias + sum(w * min(max(v - t, 0), 1) for t, w in terms) for v in range(0, 1200, 3)]
    assert [int(v) for v in num] == expected



def test_twins_whose_shift_leaves_int64_use_python_ints() -> None:
    """Equal weights: copies of one output, shifted by the bias, unless a coefficient leaves int64's range."""
    line = pieces.Line(np.arange(0, 400, 4, dtype=np.int64), 1)
    first = AffineLayer.from_dense([[1]], [2**58])  # ReLU(s + 2**58)
    state = pieces.relu(line, pieces.affine(line, pieces.first_unit(line), first))
    big = 2**59 - 1  # biases below 2**59 leave the outputs to the machine-integer loops
    biases = (-big, big, 5)  # intercepts 7 2**58 + bias: the second is 9 2**58 > 2**61
    state = pieces.affine(line, state, AffineLayer.from_dense([[7], [7], [7]], list(biases)))
    s = [int(v) for v in line.S]
    for u, b in enumerate(biases):
        num, _ = pieces.values(line, state, u)
        assert [int(v) for v in num] == [7 * (v + 2**58) + b for v in s]
    for grp in state.groups:  # machine integers hold coefficients below 2**61 only
        assert grp.wide or int(np.abs(grp.B).max()) < 2**61


@FAST
@given(st.lists(st.integers(-200, 200), min_size=1, max_size=60, unique=True),
       st.sampled_from([1, 3, 4, 2**40]),
       st.lists(st.tuples(st.integers(-50, 50).filter(bool), st.integers(-(2**45), 2**45)), min_size=1,
                max_size=6), st.booleans())
def test_relu_cuts_at_the_exact_crossing(S: list[int], D: int, lines: list[tuple[int, int]],
                                         fused: bool) -> None:
    """``ReLU(a s + b)`` on values of either sign, crossing between or at the values."""
    line = pieces.Line(np.array(sorted(S), dtype=np.int64), D)
    bs = [b if abs(b) > 2**40 else b % 1000 - 500 for _, b in lines]
    layer = AffineLayer.from_dense([[a * D] for a, _ in lines], bs)
    state = pieces.affine(line, pieces.first_unit(line), layer, relu=fused)
    state = state if fused else pieces.relu(line, state)
    for u, ((a, _), b) in enumerate(zip(lines, bs, strict=True)):
        num, den = pieces.values(line, state, u)
        got = [Fraction(int(x), int(y)) for x, y in zip(num, den, strict=True)]
        assert got == [max(Fraction(a * D * v, D) + b, Fraction(0)) for v in sorted(S)]


@FAST
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(-9, 9)), min_size=1, max_size=6),
       st.lists(st.integers(-3000, 3000), min_size=2, max_size=5, unique=True), st.booleans())
def test_rows_with_equal_weights_equal_fraction_arithmetic(terms: list[tuple[int, int]], biases: list[int],
                                                           fused: bool) -> None:
    """Outputs that differ only in their bias (copies of one, shifted), with their ReLU."""
    line = pieces.Line(np.arange(0, 1200, 3, dtype=np.int64), 1)
    first = AffineLayer.from_dense([[1]] * len(terms), [-t for t, _ in terms])  # ReLU(s - t)
    row = [w for _, w in terms]
    layers = [first, AffineLayer.from_dense([row] * len(biases), biases), AffineLayer.from_dense(
        [[1] * len(biases)], [0])]
    state = pieces.relu(line, pieces.affine(line, pieces.first_unit(line), first))
    state = pieces.affine(line, state, layers[1], relu=fused)
    state = state if fused else pieces.relu(line, state)
    state = pieces.affine(line, state, layers[2])
    num, _ = pieces.values(line, state, 0)
    assert [int(v) for v in num] == [int(_reference(Fraction(int(v)), layers)[0]) for v in line.S]
