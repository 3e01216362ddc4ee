"""CI: the constructions match the theory.

Each case builds memcap's construction on random delta-separated data, checks
it exactly, and compares it with ``bounds``: built sizes equal to the formula,
exact verification (also of a relabeling, on the same architecture), depth not
below any explicit lower bound, N not above the VC upper bound of the built
widths, linear pieces on the data line within their proven range. A failure
names its case. ``memcap check`` runs the same sweep for users' own CI.
"""

import pytest

from proofs.tightness import run_case

CASES = [
    # (N, d, C, delta, caps): both regimes, width caps and depth caps, d = 1 and more
    (20, 2, 2, 0.05, {"width": 24}),
    (40, 3, 3, 0.05, {"width": 64}),
    (40, 3, 3, 0.05, {"depth": 60}),
    (60, 2, 5, 0.05, {"depth": 12}),
    (100, 4, 2, 0.05, {"width": 20}),
    (80, 1, 2, 0.02, {"width": 24}),
]


@pytest.mark.parametrize(
    ("N", "d", "C", "delta", "caps"), CASES, ids=[f"N{c[0]}-d{c[1]}-C{c[2]}-{c[4]}" for c in CASES]
)
def test_construction_matches_theory(N, d, C, delta, caps):
    case = run_case(N, d, C, delta, **caps, relabelings=1)
    assert case.failures == [], "\n".join(case.failures)
    assert case.regions is not None and case.regions["complete"]


@pytest.mark.slow
@pytest.mark.parametrize("N", [300, 1000])
def test_construction_matches_theory_larger(N):
    case = run_case(N, 4, 3, 0.02, relabelings=2, max_vertices=100_000)
    assert case.failures == [], "\n".join(case.failures)
