import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from proofs.errors import DataError
from proofs.exact import ExactInputs, ExactOutputs, exact_inputs

finite = st.floats(allow_nan=False, allow_infinity=False)  # includes subnormals, -0.0, extremes
EDGES = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, sys.float_info.max, -sys.float_info.max,
         1.0, -1.0, 0.1, 1 / 3, 2.0**-1074, 2.0**1023, 1e-300, 123456789.0]


def check_exact(x: np.ndarray) -> None:
    e = exact_inputs(x)
    assert e.shape == x.shape
    for i, row in enumerate(x):
        q = int(e.dens[i])
        assert q > 0 and q & (q - 1) == 0  # a power of two
        nums = [int(v) for v in e.nums[i]]
        assert [Fraction(v, q) for v in nums] == [Fraction(float(v)) for v in row]
        if q > 1:  # least such denominator: some numerator is odd
            assert any(v % 2 for v in nums)
    assert e.nums.dtype in (np.int64, object) and e.dens.dtype in (np.int64, object)


@settings(max_examples=200, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite))
def test_every_float64_converts_exactly(x: np.ndarray) -> None:
    check_exact(x)


@settings(max_examples=100, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
                    elements=st.floats(-1, 1, allow_subnormal=False)))
def test_unit_ball_style_inputs(x: np.ndarray) -> None:
    check_exact(x)


def test_edge_values_one_per_row_and_together() -> None:
    check_exact(np.array(EDGES).reshape(-1, 1))
    check_exact(np.array(EDGES).reshape(1, -1))


def test_small_values_stay_int64() -> None:
    e = exact_inputs([[0.5, -0.25, 3.0], [0.0, -0.0, 1.0]])
    assert e.nums.dtype == np.int64 and e.dens.dtype == np.int64
    assert e.nums.tolist() == [[2, -1, 12], [0, 0, 1]] and e.dens.tolist() == [4, 1]


def test_one_dimensional_input_is_one_row() -> None:
    assert exact_inputs([0.5, 1.0]).shape == (1, 2)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([[1.0, np.nan], [0.0, 0.0], [np.inf, 1.0]], r"NaN or inf in rows \[0, 2\]"),
        (np.zeros((0, 3)), r"non-empty 2-D array.*\(0, 3\)"),
        (np.zeros((2, 0)), r"non-empty 2-D array"),
        (np.zeros((2, 2, 2)), r"shape \(2, 2, 2\)"),
    ],
)
def test_bad_inputs_name_the_problem(bad, message) -> None:
    with pytest.raises(DataError, match=message):
        exact_inputs(bad)


def test_exact_inputs_pass_through() -> None:
    e = ExactInputs.from_fractions([[Fraction(1, 3), 2]])
    assert exact_inputs(e) is e
    assert e.as_fractions() == [[Fraction(1, 3), Fraction(2)]]


@given(rows=st.lists(st.lists(st.fractions(), min_size=2, max_size=2), min_size=1, max_size=4))
def test_from_fractions_roundtrip(rows) -> None:
    assert ExactInputs.from_fractions(rows).as_fractions() == rows


def test_outputs_match_and_compare() -> None:
    nums, dens = np.array([[6], [-4], [2**80]], dtype=object), np.array([2, 4, 2**79], dtype=object)
    out = ExactOutputs(nums, dens, "x")
    assert out.matches([3, -1, 2]).tolist() == [True, True, True]
    assert out.matches([3, 1, 1]).tolist() == [True, False, False]
    same = ExactOutputs(np.array([[3], [-1], [2]]), np.array([1, 1, 1]), "y")
    assert out.same_as(same) and not out.same_as(ExactOutputs(np.array([[3], [-1], [3]]),
                                                              np.array([1, 1, 1]), "y"))
    with pytest.raises(DataError, match="2 labels for 3 outputs"):
        out.matches([1, 2])
    two = ExactOutputs(np.zeros((1, 2), dtype=np.int64), np.ones(1, dtype=np.int64), "x")
    with pytest.raises(DataError, match="needs one output, the network has 2"):
        two.matches([0])


def test_exact_inputs_validate_their_arrays() -> None:
    with pytest.raises(DataError, match=r"denominators must be positive; rows \[1\]"):
        ExactInputs(np.array([[1], [2]]), np.array([1, 0]))
    with pytest.raises(DataError, match=r"got \(2, 1\) and \(3,\)"):
        ExactInputs(np.array([[1], [2]]), np.array([1, 1, 1]))
