"""Problem validation and the dense parameter count."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds.errors import ParameterError
from bounds.symbols import Problem, as_size, dense_params, max_separated_points


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"N": 0, "delta": 0.1, "d": 2, "C": 2}, "N must be at least 1, got 0"),
        ({"N": 2.5, "delta": 0.1, "d": 2, "C": 2}, "N must be an integer, got 2.5"),
        ({"N": "10", "delta": 0.1, "d": 2, "C": 2}, "N must be an integer, got '10'"),
        ({"N": True, "delta": 0.1, "d": 2, "C": 2}, "N must be an integer"),
        ({"N": 10, "delta": 0.1, "d": 0, "C": 2}, "d must be at least 1, got 0"),
        ({"N": 10, "delta": 0.1, "d": 2, "C": 1}, "C (number of classes) must be at least 2, got 1"),
        ({"N": 10, "delta": 0.0, "d": 2, "C": 2}, "0 < delta <= 2"),
        ({"N": 10, "delta": -1.0, "d": 2, "C": 2}, "got -1.0"),
        ({"N": 10, "delta": 2.5, "d": 2, "C": 2}, "got 2.5"),
        ({"N": 10, "delta": float("nan"), "d": 2, "C": 2}, "finite real number"),
        ({"N": 4, "delta": 2.0, "d": 1, "C": 2}, "no 4 points in the unit ball of R^1"),
        ({"N": 10**6, "delta": 0.01, "d": 2, "C": 2}, "at most (1 + 2/delta)^d = 40401 fit"),
    ],
)
def test_bad_problems_name_the_value(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ParameterError) as info:
        Problem(**kwargs)
    assert fragment in str(info.value)


def test_good_problem_and_integral_float() -> None:
    p = Problem(N=10.0, delta=1, d=3, C=2)
    assert (p.N, p.delta, p.d, p.C) == (10, 1.0, 3, 2)
    assert isinstance(p.N, int) and isinstance(p.delta, float)


@given(st.floats(0.01, 2.0), st.integers(1, 6))
def test_packing_cap_matches_volume_formula(delta: float, d: int) -> None:
    assert max_separated_points(delta, d) == pytest.approx((1 + 2 / delta) ** d)
    cap = max_separated_points(delta, d)
    Problem(N=max(1, math.floor(cap * (1 - 1e-9))), delta=delta, d=d, C=2)


def test_huge_dimension_cap_is_infinite() -> None:
    assert max_separated_points(1e-3, 10**4) == math.inf


@given(st.integers(1, 50), st.integers(1, 20), st.integers(1, 30))
def test_dense_params_counts_every_weight(w: int, depth: int, d: int) -> None:
    widths = [d] + [w] * depth + [1]
    assert dense_params(w, depth, d) == sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False))


@given(st.integers(1, 10**6))
def test_collinear_points_fit_iff_spacing_allows(n: int) -> None:
    delta = 2.0 / max(1, n - 1)
    assert Problem(N=n, delta=min(delta, 2.0), d=1, C=2).collinear_possible


def test_as_size_rejects_infinity() -> None:
    with pytest.raises(ParameterError, match="W must be an integer, got inf"):
        as_size("W", float("inf"))
