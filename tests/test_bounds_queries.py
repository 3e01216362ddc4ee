"""bounds.query, the trade-off solvers, and their renderings."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.console import Console

import bounds
from bounds.errors import AsymptoticBoundError, ParameterError
from bounds.lower import BITS_FLOAT32, LINE_REGIONS, SEED_LOWER, VC_RECURSION
from bounds.symbols import Problem, dense_params
from bounds.tradeoff import frontier, least_depth, least_integer, least_params


@given(st.integers(1, 10**9))
def test_least_integer_finds_the_threshold(t: int) -> None:
    assert least_integer(lambda x, idx: x >= t, 1).tolist() == [t]


def test_least_integer_gives_inf_past_the_cap() -> None:
    assert least_integer(lambda x, idx: x >= 10**6, 2, cap=1000).tolist() == [math.inf, math.inf]


@given(st.integers(2, 3000), st.integers(1, 6), st.integers(2, 16))
@settings(max_examples=20, deadline=None)
def test_least_params_is_the_least_over_a_brute_force_grid(n: int, d: int, c: int) -> None:
    prob = Problem(N=n, delta=1e-4, d=d, C=c)
    got = least_params(BITS_FLOAT32, prob)
    brute = min(
        dense_params(w, depth, d)
        for w in range(1, 120)
        for depth in range(1, 1000)
        if 32 * dense_params(w, depth, d) >= n * math.log2(c)
    )
    assert got == brute


def test_query_lists_every_bound_and_a_gap() -> None:
    res = bounds.query(N=1000, delta=0.002, d=2, C=2, width=16)
    assert [r.bound.key for r in res.rows] == [bd.key for bd in bounds.CATALOGUE]
    assert res.value("yang-yang-lower") is None and res.row("yang-yang-lower").text == "asymptotic"
    assert res.value("line-regions") == least_depth(LINE_REGIONS, N=1000, d=2, C=2, delta=0.002, W=16)
    assert res.best_upper is not None and res.best_upper.bound.key == "ours"
    assert res.gap_ratio is not None and res.gap_ratio >= 1
    assert res.ours is not None and res.value("ours") == res.ours["depth"]


@given(
    st.integers(2, 500),
    st.sampled_from([0.1, 1e-3]),
    st.integers(1, 8),
    st.integers(2, 10),
    st.integers(4, 40),
)
@settings(max_examples=15, deadline=None)
def test_gap_ratio_is_at_least_one(n: int, dl: float, d: int, c: int, w: int) -> None:
    """Our construction obeys every lower bound, so it can never beat the best one."""
    assume(n <= (1 + 2 / dl) ** d)
    res = bounds.query(N=n, delta=dl, d=d, C=c, width=w)
    if res.gap_ratio is not None:
        assert res.gap_ratio >= 1


def test_query_by_depth_and_by_params() -> None:
    by_depth = bounds.query(N=1000, delta=0.002, d=2, C=2, depth=6)
    assert by_depth.solves_for == "width"
    assert by_depth.value("vc-recursion") == float(
        bounds.least_width(VC_RECURSION, N=1000, d=2, C=2, delta=0.002, L=6)
    )
    by_params = bounds.query(N=1000, delta=0.002, d=2, C=2, params=20000)
    assert by_params.solves_for == "params"
    assert by_params.value("bits-32") == least_params(BITS_FLOAT32, by_params.problem)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "give exactly one of width, depth or params (got none)"),
        ({"width": 3, "depth": 3}, "(got width, depth)"),
        ({"width": 0}, "width must be at least 1, got 0"),
        ({"depth": 2.5}, "depth must be an integer, got 2.5"),
    ],
)
def test_query_rejects_bad_sizes(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ParameterError) as info:
        bounds.query(N=100, delta=0.1, d=2, C=2, **kwargs)
    assert fragment in str(info.value)


def test_json_has_no_nan_and_shows_the_typo() -> None:
    res = bounds.query(N=1000, delta=0.01, d=2, C=2, width=8)
    text = json.dumps(res.to_dict(), allow_nan=False)
    row = next(r for r in res.to_dict()["rows"] if r["key"] == "yang-yang-lower")
    assert row["value"] is None and "without the '/'" in row["note"]
    assert '"line-regions"' in text


def test_renders_in_terminal_and_jupyter() -> None:
    res = bounds.query(N=1000, delta=0.002, d=2, C=2, width=8)
    console = Console(record=True, width=200)
    console.print(res)
    out = console.export_text()
    assert "Yang and Yang, lower bound" in out and "without the '/'" in out and "gap ratio" in out
    assert res._repr_latex_().startswith("$$\\begin{array}")
    console.print(SEED_LOWER)
    assert "asymptotic, constant unknown" in console.export_text()


def test_sweep_is_vectorized_and_agrees_pointwise() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(2, 10**5, 200)
    w = rng.integers(1, 100, 200)
    got = bounds.sweep(VC_RECURSION, N=n, d=3, C=2, delta=1e-9, W=w)
    for i in range(0, 200, 37):
        assert got[i] == least_depth(VC_RECURSION, N=int(n[i]), d=3, C=2, delta=1e-9, W=int(w[i]))
    with pytest.raises(ParameterError, match="exactly one of W"):
        bounds.sweep(VC_RECURSION, N=n, d=3, C=2, delta=1e-9)


def test_asymptotic_bounds_are_not_solved() -> None:
    with pytest.raises(AsymptoticBoundError):
        least_depth(SEED_LOWER, N=10, d=2, C=2, delta=0.1, W=3)


def test_frontier_has_each_explicit_bound_and_ours() -> None:
    fr = frontier(
        Problem(N=300, delta=0.005, d=2, C=2), [2, 8, 32], bounds.lower_bounds() + bounds.upper_bounds()
    )
    assert set(fr["lower"]) == {"vc-recursion", "vc-closed", "bits-32", "bits-64", "line-regions"}
    assert "ours-theorem" in fr["upper"] and len(fr["ours"]) >= 1
    for key, depths in fr["lower"].items():
        assert all(a >= b for a, b in zip(depths, depths[1:], strict=False)), key
    with pytest.raises(ParameterError, match="positive integers"):
        frontier(Problem(N=300, delta=0.005, d=2, C=2), [0, 3], [])
