"""Exact dot products of float64 rows with integer vectors, against Fraction arithmetic."""

from __future__ import annotations

from fractions import Fraction
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs.dot import ExactDots, exact_dots, words_of
from proofs.errors import DataError
from proofs.exact import exact_inputs

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(X: np.ndarray, w: list[int], bias: int) -> list[Fraction]:
    ex = exact_inputs(X)
    return [
        sum((Fraction(int(a)) * v for a, v in zip(row, w, strict=True)), Fraction(0)) / int(q) + bias
        for row, q in zip(ex.nums, ex.dens, strict=True)
    ]


def _check_order(dots: ExactDots, ref: list[Fraction]) -> None:
    order, ids = dots.order()
    assert sorted(order.tolist()) == list(range(len(ref)))
    vals = [ref[i] for i in order.tolist()]
    assert vals == sorted(vals)
    distinct = sorted(set(ref))
    assert [distinct[i] for i in ids.tolist()] == vals


# adversarial coordinates: grids, full mantissas, tiny and subnormal values, huge values, -0.0
coords = st.one_of(
    st.integers(-(2**34), 2**34).map(lambda k: k / 2**34),
    st.floats(-1, 1, allow_nan=False),
    st.floats(-1e-300, 1e-300, allow_nan=False),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.0**-1022, 1.0, -1.0, 0.1, 1 / 3]),
    st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False),
    st.integers(-3, 3).map(float),
)
weights = st.one_of(
    st.integers(-5, 5),
    st.integers(-(2**30), 2**30),
    st.integers(-(2**90), 2**90),
    st.integers(-(2**30), 2**30).map(lambda v: v << 44),
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[np.ndarray, list[int], int]:
    d = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(coords, min_size=d, max_size=d), min_size=1, max_size=30))
    X = np.array(rows + rows[: draw(st.integers(0, 3))], dtype=np.float64)  # exact duplicates
    w = draw(st.lists(weights, min_size=d, max_size=d))
    bias = draw(st.one_of(st.just(0), st.integers(-(2**70), 2**70)))
    return X, w, bias


@FAST
@given(cases())
def test_exact_dots_equal_fractions(case: tuple[np.ndarray, list[int], int]) -> None:
    X, w, bias = case
    dots = exact_dots(X, w, bias)
    ref = _reference(X, w, bias)
    assert dots.fractions() == ref
    assert dots.reduced().fractions() == ref
    _check_order(dots, ref)
    relu = dots.relu()
    assert relu.fractions() == [max(v, Fraction(0)) for v in ref]


@FAST
@given(cases(), st.integers(1, 12))
def test_blocks_and_a_first_block_that_underestimates(
    case: tuple[np.ndarray, list[int], int], elements: int
) -> None:
    """Tiny blocks: the scale guessed from the first block is checked on every later one."""
    import proofs.dot as dot

    X, w, bias = case
    X = np.concatenate([X / 2**40, X])  # the first rows are small: a too-small guess, then a redo
    with patch.object(dot, "_CHUNK_ELEMENTS", elements):
        dots = exact_dots(X, w, bias)
    ref = _reference(X, w, bias)
    assert dots.fractions() == ref
    _check_order(dots, ref)


@FAST
@given(
    st.integers(1, 70).flatmap(
        lambda d: st.tuples(
            st.lists(
                st.lists(st.integers(-(2**34), 2**34).map(lambda k: k / 2**34), min_size=d, max_size=d),
                min_size=2,
                max_size=40,
            ),
            st.lists(st.integers(-(2**30), 2**30), min_size=d, max_size=d),
        )
    ),
    st.integers(0, 70),
)
def test_grid_data_takes_the_fast_path(case: tuple[list[list[float]], list[int]], e: int) -> None:
    rows, w = case
    X = np.array(rows)
    dots = exact_dots(X, w)
    assert dots.fallback_rows == 0
    ref = _reference(X, w, 0)
    assert dots.fractions() == ref
    assert dots.floor_scaled(e).tolist() == [(v * 2**e).__floor__() for v in ref]
    order, ids = dots.order()
    if ids[-1] == len(ref) - 1:  # all distinct
        gap, p = dots.least_gap(order)
        diffs = [ref[order[i + 1]] - ref[order[i]] for i in range(len(ref) - 1)]
        assert Fraction(gap, 2**dots.k) == min(diffs)
        assert p == diffs.index(min(diffs))


@FAST
@given(st.data())
def test_ties_beyond_the_prefix_are_settled_exactly(data: st.DataObject) -> None:
    """Values that agree in their top 62 bits and differ below: the prefix sort alone cannot order them."""
    base = data.draw(st.integers(-(2**100), 2**100))
    offs = data.draw(st.lists(st.integers(-(2**20), 2**20), min_size=2, max_size=30))
    vals = [base + (o << data.draw(st.sampled_from([0, 3]))) for o in offs]
    dots = ExactDots(words_of(vals, 5), 0)
    _check_order(dots, [Fraction(v) for v in vals])
    assert dots.ints().tolist() == vals


def test_values_whose_float_products_round():
    """Full 53-bit mantissas times 30-bit weights: X @ w in float64 rounds, exact_dots does not."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 64)) / 8
    X[:, 5] *= 2.0**-40  # wide exponent range within each row
    w = [int(v) for v in rng.integers(-(2**30), 2**30, 64)]
    dots = exact_dots(X, w)
    ref = _reference(X, w, 0)
    assert dots.fractions() == ref
    assert any(Fraction(float(f)) != r for f, r in zip(X @ np.array(w, dtype=float), ref, strict=True))
    _check_order(dots, ref)


def test_subnormal_and_huge_rows_fall_back():
    X = np.array([[5e-324, 0.5], [1e300, -1e300], [0.25, 0.5], [-0.0, 0.0]])
    dots = exact_dots(X, [3, -7], bias=2)
    assert dots.fractions() == _reference(X, [3, -7], 2)
    assert dots.fallback_rows >= 1


def test_zero_weights_and_zero_data():
    assert exact_dots(np.zeros((3, 2)), [1, 2], bias=-5).fractions() == [Fraction(-5)] * 3
    assert exact_dots(np.ones((2, 2)), [0, 0], bias=7).fractions() == [Fraction(7)] * 2
    assert len(exact_dots(np.zeros((0, 2)), [1, 1])) == 0


def test_refuses_nonfinite_and_wrong_shapes():
    with pytest.raises(DataError, match="NaN or inf"):
        exact_dots(np.array([[0.5, np.nan]]), [1, 1])
    with pytest.raises(DataError, match="coordinates"):
        exact_dots(np.zeros((2, 3)), [1, 1])


def test_words_round_trip():
    vals = [0, -1, 2**31, -(2**62), 2**90 + 5, -(2**90) - 5]
    assert ExactDots(words_of(vals, 4), 0).ints().tolist() == vals
    with pytest.raises(ValueError):
        words_of([2**200], 2)


@FAST
@given(
    st.lists(st.integers(-(2**61), 2**61), min_size=1, max_size=6),
    st.integers(1, 3),
    st.integers(-40, 200),
)
def test_prefix_floor_and_reduction_edges(tops: list[int], nw: int, e: int) -> None:
    """Large top words, shifts past every word, single-word values: floors and reductions stay exact."""
    vals = [t << (31 * (nw - 1)) for t in tops]
    dots = ExactDots(words_of(vals, nw), 5)
    ref = [Fraction(v, 2**5) for v in vals]
    assert dots.fractions() == ref
    assert dots.floor_scaled(-e).tolist() == [(v / Fraction(2) ** e).__floor__() for v in ref]
    assert dots.reduced().fractions() == ref
    _check_order(dots, ref)
