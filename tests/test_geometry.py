from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.errors import DataError
from proofs.geometry import (
    close_pairs,
    compare_sq_norms,
    duplicate_groups,
    exact_sq_distances,
    exact_sq_norms,
    min_distance,
)

METHODS = ["auto", "gram", "grid"]


def brute_sq(x):
    """All exact squared distances, by Fractions."""
    fr = [[Fraction(float(v)) for v in row] for row in np.asarray(x, dtype=float)]
    return {
        (i, j): sum((a - b) ** 2 for a, b in zip(fr[i], fr[j], strict=True))
        for i, j in combinations(range(len(fr)), 2)
    }


coords = st.one_of(
    st.floats(-1, 1, allow_nan=False, allow_subnormal=False),
    st.sampled_from([0.0, 0.5, -0.5, 0.25, 1.0, 1e-9, 2.0**-40, 0.1, 0.3]),
)


@st.composite
def point_sets(draw):
    d = draw(st.integers(1, 5))
    n = draw(st.integers(2, 25))
    rows = draw(st.lists(st.lists(coords, min_size=d, max_size=d), min_size=n, max_size=n))
    x = np.array(rows, dtype=float)
    # near-ties: copies shifted by one ulp, and exact duplicates
    if draw(st.booleans()):
        i = draw(st.integers(0, n - 1))
        x = np.vstack([x, np.nextafter(x[i], 2.0)])
    if draw(st.booleans()):
        i = draw(st.integers(0, n - 1))
        x = np.vstack([x, x[i]])
    return x


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=60, deadline=None)
@given(x=point_sets())
def test_min_distance_equals_brute_force(method, x):
    all_sq = brute_sq(x)
    best = min(all_sq.values())
    md = min_distance(x, method=method)
    assert md.exact
    assert md.delta_squared == best
    assert all_sq[md.pair] == best
    assert md.lower_bound_squared == best


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=40, deadline=None)
@given(x=point_sets(), delta=st.floats(1e-6, 2.0))
def test_close_pairs_equal_brute_force(method, x, delta):
    expect = sorted(
        ((i, j, q) for (i, j), q in brute_sq(x).items() if q < Fraction(delta) ** 2),
        key=lambda t: (t[2], t[0], t[1]),
    )
    assert close_pairs(x, delta, method=method) == expect
    assert close_pairs(x, delta, method=method, limit=3) == expect[:3]


def test_lattice_with_many_ties():
    g = np.arange(30) / 32.0
    x = np.array([[a, b] for a in g for b in g])  # 900 points, 1740 pairs at the minimum
    for method in METHODS:
        md = min_distance(x, method=method)
        assert md.delta_squared == Fraction(1, 1024)
        assert md.pair == (0, 1)
        assert md.candidates >= 1740


def test_grid_path_on_larger_set_matches_gram():
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.5, 0.5, size=(4500, 3))
    x[4321] = x[17] + 2.0**-30  # one planted close pair
    grid, gram = min_distance(x), min_distance(x, method="gram")
    assert "grid" in grid.method and grid.exact
    assert grid.delta_squared == gram.delta_squared == Fraction(3, 2**60)
    assert grid.pair == gram.pair == (17, 4321)


def test_partial_result_has_a_proven_lower_bound():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 32)) / 8
    md = min_distance(x, method="grid", pair_budget=1000)
    true = min_distance(x, method="gram")
    assert not md.exact and md.method.startswith("partial")
    assert md.lower_bound_squared <= true.delta_squared <= md.delta_squared
    assert brute_sq(x[list(md.pair)])[(0, 1)] == md.delta_squared


def test_identical_rows_give_zero():
    md = min_distance([[0.5, 0.0], [0.1, 0.1], [0.5, -0.0]])
    assert md.delta_squared == 0 and md.pair == (0, 2)


def test_int64_and_big_integer_paths_agree():
    rng = np.random.default_rng(5)
    small = rng.integers(-64, 64, (30, 5)) / 128.0  # int64 path
    wide = small + rng.choice([0.0, 2.0**-70], size=small.shape)  # too many bits: Python ints
    i, j = np.triu_indices(30, 1)
    for x in (small, wide):
        brute = brute_sq(x)
        expect = [brute[(a, b)] for a, b in zip(i.tolist(), j.tolist(), strict=True)]
        assert exact_sq_distances(x, i, j) == expect


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(coords, min_size=1, max_size=6), min_size=1, max_size=8),
    nudge=st.integers(-2, 2),
    bound=st.sampled_from([1.0, 4.0, 0.25]),
    tiny=st.booleans(),
)
def test_compare_sq_norms_is_exact(rows, nudge, bound, tiny):
    d = len(rows[0])
    x = np.array([(r * d)[:d] for r in rows])
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.where(norms > 0, x / np.where(norms > 0, norms, 1.0) * np.sqrt(bound), x)  # on the sphere, rounded
    x = np.nextafter(x, np.sign(nudge) * np.inf) if nudge else x
    if tiny:
        x[0, 0] = 2.0**-600
    expect = []
    for row in x:
        q = sum(Fraction(float(v)) ** 2 for v in row) - Fraction(bound)
        expect.append((q > 0) - (q < 0))
    assert compare_sq_norms(x, bound).tolist() == expect


def test_compare_sq_norms_where_float_margins_round_away():
    # fl(x**2) + margin rounds to exactly 1: the float pass cannot settle this row
    assert compare_sq_norms([[0.9999999999999997], [1.0], [1.0000000000000002]], 1.0).tolist() == [-1, 0, 1]


def test_duplicate_groups_and_exact_values():
    assert duplicate_groups([[1.0], [2.0], [1.0], [2.0]]).tolist() == [0, 1, 0, 1]
    assert exact_sq_norms([[0.1]]) == [Fraction(0.1) ** 2]
    assert exact_sq_distances([[1e-300], [0.0]], [0], [1]) == [Fraction(1e-300) ** 2]


@pytest.mark.parametrize(
    ("x", "match"),
    [
        ([[0.0, 1.0]], "at least 2 points"),
        ([0.0, 1.0], "2-D"),
        ([[0.0], [np.nan]], r"rows \[1\]"),
        ([[np.inf], [0.0], [-np.inf]], r"rows \[0, 2\]"),
        ([[0.0], [1e200], [0.5]], r"above 2\*\*400 in rows \[1\]"),
    ],
)
def test_bad_points_rejected(x, match):
    with pytest.raises(DataError, match=match):
        min_distance(x)


def test_unknown_method_rejected():
    with pytest.raises(DataError, match="unknown method 'fast'"):
        min_distance([[0.0], [1.0]], method="fast")
