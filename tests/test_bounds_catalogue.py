"""The catalogue, and every explicit lower bound against our construction's exact sizes."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bounds import upper
from bounds.catalogue import (
    CATALOGUE,
    CODE_BITS,
    LABEL_BITS,
    OURS_THEOREM,
    _bits_numeric,
    get,
    lower_bounds,
    syz_prop32_sizes,
    upper_bounds,
)
from bounds.errors import ParameterError
from bounds.lower import LINE_REGIONS, VC_RECURSION, bits_bound, vc_dimension_bound
from bounds.statement import RELATIONS, Status
from bounds.symbols import C, N, Problem, d, delta
from bounds.tradeoff import least_depth

TAGS = {"[OURS]", "[V abstract]", "[V full text]", "[V via Bartlett-Maiorov-Meir 1998]"}

problems = st.builds(
    dict,
    N=st.integers(2, 400),
    delta=st.sampled_from([0.5, 0.1, 0.01, 1e-3, 1e-5]),
    d=st.integers(1, 12),
    C=st.integers(2, 12),
    width=st.integers(4, 64),
)


def test_every_bound_has_a_source_and_a_consistent_status() -> None:
    keys = [bd.key for bd in CATALOGUE]
    assert len(keys) == len(set(keys))
    for bd in CATALOGUE:
        assert bd.source.tag in TAGS, bd.key
        assert bd.relation in RELATIONS
        assert (bd.relation == ">=") == (bd.status is not Status.ASYMPTOTIC)
        if bd.source.tag == "[OURS]":
            assert bd.source.docs and bd.source.docs.startswith("docs/theory/")
        assert "[U]" not in bd.statement()


def test_unverified_recollections_stay_in_notes() -> None:
    yun = get("yun-sra-jadbabaie")
    assert yun.status is Status.ASYMPTOTIC and "[U]" in yun.note


def test_seed_paper_discrepancy_is_shown_on_both_sides() -> None:
    for key in ("yang-yang-lower", "yang-yang-upper"):
        assert "without the '/'" in get(key).note


def test_get_lists_known_keys() -> None:
    with pytest.raises(ParameterError, match="no bound 'nope'; known: vc-recursion"):
        get("nope")
    assert all(bd.necessary for bd in lower_bounds()) and not any(bd.necessary for bd in upper_bounds())
    assert all(bd.explicit for bd in lower_bounds(explicit_only=True))


@given(st.integers(1, 10**5), st.integers(1, 200))
def test_syz_sizes_take_the_least_depth_parameter(n: int, wp: int) -> None:
    width, depth = syz_prop32_sizes(n, wp)
    k = math.floor(math.log(wp + 2, 3) + 1e-12)
    lp = (depth - 10) // 6
    assert width == 16 * wp + 30
    assert wp * wp * lp * lp * k >= n
    assert lp == 1 or wp * wp * (lp - 1) ** 2 * k < n


@given(
    st.integers(2, 10**6), st.integers(1, 3000), st.sampled_from([1.0, 0.1, 1e-3, 1e-6]), st.integers(2, 1000)
)
@settings(deadline=None)
def test_symbolic_code_bits_match_the_construction(n: int, dim: int, dl: float, c: int) -> None:
    sub = {N: n, d: dim, delta: dl, C: c}
    assert int(CODE_BITS.subs(sub)) == upper.code_bits(n, dim, dl)
    assert int(LABEL_BITS.subs(sub)) == upper.label_bits(c)
    nb, nc = _bits_numeric(n, dim, c, dl)
    assert int(nb) >= upper.code_bits(n, dim, dl) and int(nc) == upper.label_bits(c)
    assert int(nb) <= upper.code_bits(n, dim, dl) + 1  # rounded up only where a float is unsure


def _built(p: dict) -> dict:
    try:
        return upper.construction_sizes(p["N"], p["d"], p["C"], p["delta"], width=p["width"])
    except upper.InfeasibleError:
        assume(False)
        raise


@given(problems)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_explicit_lower_bound_holds_at_our_built_sizes(p: dict) -> None:
    """Our construction memorizes every such set, so no valid lower bound may exclude its sizes."""
    assume(p["N"] <= 0.99 * (1 + 2 / p["delta"]) ** p["d"])
    sizes = _built(p)
    w, depth = sizes["width"], sizes["depth"]
    vals = {"N": p["N"], "d": p["d"], "C": p["C"], "delta": p["delta"]}
    for bound in lower_bounds(explicit_only=True):
        if not bound.key.startswith("bits") and bound.is_applicable(**vals):
            assert least_depth(bound, **vals, W=w) <= depth, bound.key
    # bit counting with the bits our weights really have: numerator and denominator, with sign
    bits = 2 * sizes["max_bits"] + 1
    assert least_depth(bits_bound(bits), **vals, W=w) <= depth


@given(problems)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_vc_bound_at_our_exact_widths_is_at_least_n(p: dict) -> None:
    """Our construction shatters N points: a VC bound below N would be a wrong constant."""
    assume(p["N"] <= 0.99 * (1 + 2 / p["delta"]) ** p["d"])
    sizes = _built(p)
    hidden = sizes["widths"][:-1] if len(sizes["widths"]) == sizes["depth"] + 1 else sizes["widths"]
    assert len(hidden) == sizes["depth"]
    assert vc_dimension_bound(hidden, p["d"]) >= p["N"]


@given(problems)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_theorem_bound_is_honoured_by_the_construction(p: dict) -> None:
    """Where Theorem 1 says (W, L) suffices, the construction for width W fits in (W, L)."""
    assume(p["N"] <= 0.99 * (1 + 2 / p["delta"]) ** p["d"])
    vals = {"N": p["N"], "d": p["d"], "C": p["C"], "delta": p["delta"]}
    w = max(p["width"], 18)
    depth = least_depth(OURS_THEOREM, **vals, W=w)
    assume(math.isfinite(depth))
    sizes = upper.construction_sizes(p["N"], p["d"], p["C"], p["delta"], width=w)
    assert sizes["width"] <= w and sizes["depth"] <= depth


@given(st.integers(2, 10**5), st.integers(1, 200), st.integers(1, 20))
@settings(max_examples=40, deadline=None)
def test_least_depth_falls_with_width_and_rises_with_n(n: int, w: int, dim: int) -> None:
    vals = {"d": dim, "C": 3, "delta": 2 / n}
    Problem(N=n, delta=2 / n, d=dim, C=3)
    for bound in (VC_RECURSION, LINE_REGIONS, bits_bound(32)):
        here = least_depth(bound, N=n, W=w, **vals)
        assert least_depth(bound, N=n, W=w + 1, **vals) <= here
        assert least_depth(bound, N=max(1, n - 1), W=w, **vals) <= here


def test_ours_holds_exactly_from_the_built_depth() -> None:
    from bounds.catalogue import OURS

    sizes = upper.construction_sizes(300, 3, 4, 0.01, width=16)
    vals = {"N": 300, "d": 3, "C": 4, "delta": 0.01, "W": 16}
    assert bool(OURS.holds(**vals, L=sizes["depth"]))
    assert not bool(OURS.holds(**vals, L=sizes["depth"] - 1))
    assert not bool(OURS.holds(**{**vals, "W": 1}, L=10**6))  # width 1 fits only some labels
    assert bool(OURS.holds(**{**vals, "W": 2}, L=2 * 300 - 1))  # the chain
    assert not bool(OURS.holds(**{**vals, "W": 2}, L=2 * 300 - 2))
