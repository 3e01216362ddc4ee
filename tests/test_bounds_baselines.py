"""Size formulas of the baselines: choices, limits and errors (no builds here)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds.baselines import (
    constant_width_sizes,
    grid_exponent,
    guaranteed_gap_squared,
    one_layer_sizes,
    smallest_method,
    two_layer_shape,
    two_layer_sizes,
)
from bounds.errors import InfeasibleError, ParameterError


@given(C=st.integers(1, 50), num=st.integers(1, 10**6), den=st.integers(1, 10**6))
def test_grid_exponent_is_least(C, num, den):
    gap = Fraction(num, den)
    k = grid_exponent(C, gap=gap)
    K = 2 * C + 3
    assert K * Fraction(1, 2**k) < gap
    if k > 0:
        assert K * Fraction(1, 2 ** (k - 1)) >= gap
    assert grid_exponent(C, gap_squared=gap * gap) == k


def test_guaranteed_gap():
    assert guaranteed_gap_squared(10, 4, Fraction(1, 2)) == Fraction(1, 4) / (10**4 * 4)
    with pytest.raises(ParameterError, match="delta must be positive"):
        guaranteed_gap_squared(10, 4, 0)


@given(N=st.integers(1, 3000), d=st.integers(1, 100))
def test_two_layer_default_minimizes_width_over_all_group_sizes(N, d):
    s = two_layer_sizes(N, d, 3)
    every = [two_layer_shape(N, d, B) for B in range(1, N + 1)]
    best = min((max(c["width1"], c["width2"]), c["params"]) for c in every)
    assert (s["width"], s["params"]) == best
    assert s["widths"] == [2 * s["groups"] - 1, 2 * s["group_size"]]
    assert s["groups"] * s["group_size"] >= N > (s["groups"] - 1) * s["group_size"]


@given(N=st.integers(1, 1500), d=st.integers(1, 30), slack=st.integers(0, 200))
def test_two_layer_width_limit_minimizes_params(N, d, slack):
    least = two_layer_sizes(N, d, 2)["width"]
    s = two_layer_sizes(N, d, 2, width=least + slack)
    every = [two_layer_shape(N, d, B) for B in range(1, N + 1)]
    ok = [c["params"] for c in every if max(c["width1"], c["width2"]) <= least + slack]
    assert s["width"] <= least + slack and s["params"] == min(ok)


@given(N=st.integers(1, 10**5), d=st.integers(1, 1000))
def test_one_layer_counts(N, d):
    s = one_layer_sizes(N, d, 10)
    assert s["widths"] == [2 * N] and s["depth"] == 1
    assert s["params"] == s["nonzeros"] == 2 * N * (d + 1) + 2 * N + 1


def test_two_layer_about_two_sqrt_n():
    s = two_layer_sizes(10_000, 10, 10)
    assert s["widths"] == [199, 200]


def test_bits_grow_with_the_grid():
    a = two_layer_sizes(100, 3, 4, 0.1)
    b = two_layer_sizes(100, 3, 4, 0.001)
    assert b["grid_exponent"] > a["grid_exponent"] and b["max_bits"] >= a["max_bits"]
    assert two_layer_sizes(100, 3, 4)["max_bits"] is None


def test_errors_name_values():
    with pytest.raises(ParameterError, match="N must be an integer >= 1, got 0"):
        one_layer_sizes(0, 2, 2)
    with pytest.raises(InfeasibleError, match="needs 7 parameters"):
        one_layer_sizes(1, 1, 2, params=4)
    with pytest.raises(InfeasibleError, match="needs width >= 3 and params >= 15"):
        two_layer_sizes(2, 1, 2, width=2)
    with pytest.raises(InfeasibleError, match="requested depth 1"):
        two_layer_sizes(5, 1, 2, depth=1)


def test_smallest_method_picks_fewest_params_and_says_why():
    pick = smallest_method(50, 2, 2, 0.1, depth=2)
    feasible = {k: v for k, v in pick["candidates"].items() if isinstance(v, dict)}
    assert pick["method"] == min(feasible, key=lambda k: feasible[k]["params"])
    assert all(v["depth"] <= 2 for v in feasible.values())
    assert "depth <= 2" in pick["reason"] and str(feasible[pick["method"]]["params"]) in pick["reason"]
    with pytest.raises(InfeasibleError, match="no method meets width <= 2, depth <= 98"):
        smallest_method(50, 2, 2, 0.1, width=2, depth=98)  # the chain needs 2N - 1 = 99
    assert smallest_method(50, 2, 2, 0.1, width=2)["candidates"]["ours"]["regime"] == "chain"


def test_constant_width_is_ours_at_width_twelve():
    from bounds.upper import construction_sizes

    s = constant_width_sizes(500, 4, 5, 0.05)
    ours = construction_sizes(500, 4, 5, 0.05, width=12)
    assert s["width"] <= 12 and {k: s[k] for k in ("depth", "params")} == {
        k: ours[k] for k in ("depth", "params")
    }
