"""The lower bounds: the VC recursion, its corollary, bits, and pieces along a line."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds.errors import AsymptoticBoundError, ParameterError
from bounds.lower import (
    BITS_FLOAT32,
    LINE_REGIONS,
    LOWER_BOUNDS,
    SEED_LOWER,
    VC_CLOSED,
    VC_RECURSION,
    bits_bound,
    sign_patterns_log2,
    vc_dimension_bound,
    vc_least_depth,
    vc_least_width,
    vc_log2_patterns,
    vc_sum_params,
    vc_uniform_margin,
)
from bounds.symbols import dense_params

sizes = st.integers(1, 40)


@given(st.integers(1, 10**6), st.integers(1, 50), st.integers(1, 10**4))
def test_sign_patterns_never_exceed_all_patterns(m: int, deg: int, n: int) -> None:
    value = float(sign_patterns_log2(m, deg, n))
    assert value <= m
    if m >= n:
        assert value == pytest.approx(min(m, 1 + n * math.log2(2 * math.e * m * deg / n)))
    else:
        assert value == m


@given(st.lists(st.integers(1, 12), min_size=1, max_size=5), st.integers(1, 6))
@settings(max_examples=40, deadline=None)
def test_vc_dimension_bound_is_the_last_m_allowed(widths: list[int], d: int) -> None:
    m = vc_dimension_bound(widths, d)
    assert m <= vc_log2_patterns(m, widths, d) * (1 + 1e-12)
    assert m + 1 > vc_log2_patterns(m + 1, widths, d) * (1 + 1e-12)
    # convexity: every smaller m is allowed as well
    for k in {1, m // 2, max(1, m - 1)}:
        assert k <= vc_log2_patterns(k, widths, d) * (1 + 1e-12)


@given(sizes, st.integers(1, 8), st.integers(1, 6))
@settings(max_examples=40, deadline=None)
def test_uniform_margin_equals_general_recursion(w: int, depth: int, d: int) -> None:
    m = vc_dimension_bound([w] * depth, d)
    assert vc_uniform_margin(m, w, depth, d) >= 0
    assert vc_uniform_margin(m + 1, w, depth, d) < 0


@given(st.integers(1, 10**5), sizes, st.integers(1, 10))
@settings(max_examples=60, deadline=None)
def test_least_depth_scan_matches_brute_force(n: int, w: int, d: int) -> None:
    got = int(vc_least_depth(n, w, d))
    assert vc_uniform_margin(n, w, got, d) >= 0
    if got > 1:
        assert vc_uniform_margin(n, w, got - 1, d) < 0


@given(st.integers(1, 10**5), st.integers(1, 12), st.integers(1, 10))
@settings(max_examples=40, deadline=None)
def test_least_width_bisection_matches_brute_force(n: int, depth: int, d: int) -> None:
    got = int(vc_least_width(n, depth, d))
    assert vc_uniform_margin(n, got, depth, d) >= 0
    if got > 1:
        assert vc_uniform_margin(n, got - 1, depth, d) < 0


@given(st.integers(1, 10**6), sizes, st.integers(1, 20), st.integers(1, 50))
def test_vc_bound_is_monotone_in_width_depth_and_dimension(n: int, w: int, depth: int, d: int) -> None:
    base = vc_uniform_margin(n, w, depth, d)
    assert vc_uniform_margin(n, w + 1, depth, d) >= base
    assert vc_uniform_margin(n, w, depth + 1, d) >= base
    assert vc_uniform_margin(n, w, depth, d + 1) >= base


@given(st.integers(2, 10**7), sizes, st.integers(1, 30), st.integers(1, 50))
def test_closed_form_dominates_the_recursion(n: int, w: int, depth: int, d: int) -> None:
    """Corollary 3: the closed form's left side bounds log2 of the pattern count from above."""
    patterns = vc_uniform_margin(n, w, depth, d) / (1 + 1e-12) + n
    closed = depth + 1 + vc_sum_params(w, depth, d) * math.log2(math.e * n * (depth + 1))
    assert closed >= patterns * (1 - 1e-12)
    if d <= w:
        assert vc_sum_params(w, depth, d) <= (w + 1) ** 2 * (depth + 1) ** 2


@given(sizes, st.integers(1, 30), st.integers(1, 50))
def test_sum_params_is_the_sum_of_feeding_counts(w: int, depth: int, d: int) -> None:
    feeding = [w * (d + 1) + (i - 1) * w * (w + 1) for i in range(1, depth + 1)]
    assert vc_sum_params(w, depth, d) == sum(feeding) + dense_params(w, depth, d)


@given(st.integers(1, 200), st.integers(1, 6), st.integers(1, 6), st.integers(2, 6), st.integers(1, 8))
def test_bits_bound_matches_exact_counting(n: int, w: int, depth: int, c: int, bits: int) -> None:
    """2**(b P) functions at most, C**N labelings needed: compared in integers."""
    bound = bits_bound(bits)
    p = dense_params(w, depth, 1)
    exact = 2 ** (bits * p) >= c**n
    assert bool(bound.holds(N=n, d=1, C=c, delta=0.01, W=w, L=depth)) == exact


@given(st.integers(1, 10**6), st.integers(1, 64), st.integers(1, 12))
def test_line_bound_matches_exact_counting(n: int, w: int, depth: int) -> None:
    exact = (w + 1) ** depth >= (n - 1) // 2 + 1
    got = bool(LINE_REGIONS.holds(N=n, d=2, C=2, delta=2 / max(n - 1, 1), W=w, L=depth))
    assert got == exact


def test_line_bound_applies_only_to_collinear_sets() -> None:
    assert bool(LINE_REGIONS.is_applicable(N=101, delta=0.02, d=2, C=2))
    assert not bool(LINE_REGIONS.is_applicable(N=102, delta=0.02, d=2, C=2))


@pytest.mark.parametrize("seed", range(6))
def test_pieces_along_a_line_are_at_most_the_product(seed: int) -> None:
    """Theorem 5's counting step, on random integer networks, counted exactly."""
    from proofs.network import AffineLayer, Network
    from proofs.regions import Segment, segment_regions

    rng = random.Random(seed)
    d = rng.randint(1, 3)
    widths = [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
    layers, prev = [], d
    for k in [*widths, 1]:
        weight = [[rng.randint(-5, 5) for _ in range(prev)] for _ in range(k)]
        layers.append(AffineLayer.from_dense(weight, [rng.randint(-5, 5) for _ in range(k)]))
        prev = k
    net = Network(layers)
    seg = Segment.between(
        [Fraction(rng.randint(-9, 9), 3) for _ in range(d)], [Fraction(rng.randint(10, 19), 3)] * d
    )
    regions = segment_regions(net, seg)
    assert regions.linear_pieces <= math.prod(k + 1 for k in widths)


def test_explicit_bounds_evaluate_and_asymptotic_ones_refuse() -> None:
    for bound in LOWER_BOUNDS:
        if bound.explicit:
            assert np.isfinite(bound.margin(N=100, d=2, C=2, delta=0.02, W=4, L=3))
        else:
            with pytest.raises(AsymptoticBoundError, match="unknown constant"):
                bound.margin(N=100, d=2, C=2, delta=0.02, W=4, L=3)
            with pytest.raises(AsymptoticBoundError):
                bound.value(N=100, d=2, C=2, delta=0.02, W=4, L=3)


def test_sympy_value_agrees_with_lambdified_margin() -> None:
    vals = {"N": 1000, "d": 3, "C": 5, "delta": 0.01, "W": 7, "L": 4}
    for bound in (VC_CLOSED, BITS_FLOAT32, LINE_REGIONS):
        assert bound.value(**vals, P=dense_params(7, 4, 3)) == pytest.approx(float(bound.margin(**vals)))


def test_seed_bound_carries_the_typo_note() -> None:
    assert "Omega(N log(1/delta))" in SEED_LOWER.note and "Omega(N / log(1/delta))" in SEED_LOWER.note
    assert SEED_LOWER.relation == "Omega" and "log" in str(SEED_LOWER.rhs)


def test_recursion_statement_renders() -> None:
    assert "\\sum_{i=1}^{L}" in VC_RECURSION.latex()
    assert VC_RECURSION._repr_latex_().startswith("$\\displaystyle")


@pytest.mark.parametrize("widths", [[], [0, 3], [-1]])
def test_bad_widths(widths: list[int]) -> None:
    with pytest.raises(ParameterError, match="hidden widths"):
        vc_dimension_bound(widths, 2)


def test_bits_bound_needs_positive_bits() -> None:
    with pytest.raises(ParameterError, match="positive integer, got 0"):
        bits_bound(0)
