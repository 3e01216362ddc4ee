"""The construction: every built network memorizes its data, checked exactly."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bounds.upper import Layout, code_bits, hidden_widths, label_bits, layout_sizes
from proofs.construction import (
    STRUCTURE,
    build_with_layout,
    integer_codes,
    memorize,
    projection,
)
from proofs.data import make_dataset, validate_dataset
from proofs.errors import DataError, InfeasibleError, ParameterError


def _check(c, X, y):
    """Exact verification with the reference evaluator, and sizes equal to the formulas."""
    net = c.network
    out = net.evaluate(X, backend="python")
    assert out.matches(y).all()
    planned, built = c.report["planned"], c.report["built"]
    for key in ("width", "depth", "params", "nonzeros"):
        assert planned[key] == built[key], key
    after_first = max(abs(v).bit_length() for layer in net.layers[1:] for v in layer.integers())
    if planned["max_bits_exact"]:
        assert after_first == planned["max_bits"]
    else:
        assert after_first <= planned["max_bits"]


def _sphere(n, d, seed):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True) * (1 - 2**-30)


@pytest.mark.parametrize("width", [4, 5, 6, 7, 8, 9, 10, 12, 16, 24, 32, 48, 64])
def test_widths_with_builder_chosen_depth(width):
    ds = make_dataset(40, 3, 4, 0.02, seed=width)
    c = memorize(ds.X, ds.y, width=width, seed=1)
    assert c.network.width <= width
    _check(c, ds.X, ds.y)


def test_width_one_is_refused_for_labels_of_the_wrong_shape():
    X = np.array([[0.5, 0.5], [-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5]])  # XOR: no hyperplane splits it
    with pytest.raises(InfeasibleError, match="width 1: no width-1 network.*use width >= 2"):
        memorize(X, [0, 0, 1, 1], width=1)


def test_two_points_at_widths_two_and_three():
    X = np.array([[0.25, 0.0], [-0.25, 0.5]])
    c = memorize(X, [1, 0], width=3)  # the staircase ties the chain at depth 3 and is kept
    assert c.network.width == 3 and c.report["regime"] == "staircase"
    _check(c, X, [1, 0])
    for width, labels in ((2, [1, -2]), (3, [4, -2])):  # the chain (depth 3) beats a deeper staircase
        c = memorize(X, labels, width=width)
        assert (c.network.width, c.network.depth, c.report["regime"]) == (2, 3, "chain")
        _check(c, X, labels)


@pytest.mark.parametrize("depth", [1, 2])
def test_too_shallow_is_refused_naming_baselines(depth):
    ds = make_dataset(10, 2, 2, 0.05)
    with pytest.raises(InfeasibleError, match="least depth 3.*baselines"):
        memorize(ds.X, ds.y, depth=depth)


@pytest.mark.parametrize("depth", [3, 4, 5, 8, 20, 60])
def test_depths_with_builder_chosen_width(depth):
    ds = make_dataset(30, 2, 3, 0.02, seed=depth)
    c = memorize(ds.X, ds.y, depth=depth)
    assert c.network.depth <= depth
    _check(c, ds.X, ds.y)


def test_both_caps_and_impossible_pair():
    ds = make_dataset(200, 3, 2, 0.01, seed=3)
    c = memorize(ds.X, ds.y, width=16, depth=40)
    assert c.network.width <= 16 and c.network.depth <= 40
    _check(c, ds.X, ds.y)
    with pytest.raises(InfeasibleError, match="least depth at width 6 is"):
        memorize(ds.X, ds.y, width=6, depth=10)
    with pytest.raises(ParameterError, match="one lane and one slot"):
        Layout(10, 2, 5, 1, 1, 2, 1, 1, staircase=True)


def test_parameter_budget():
    ds = make_dataset(60, 3, 2, 0.02, seed=4)
    c = memorize(ds.X, ds.y, params=4000)
    assert c.network.params <= 4000
    _check(c, ds.X, ds.y)
    with pytest.raises(InfeasibleError, match="parameters"):
        memorize(ds.X, ds.y, params=50)


def test_two_points():
    X = np.array([[0.25, 0.0], [-0.25, 0.0]])
    c = memorize(X, [0, 1], width=5)
    _check(c, X, [0, 1])


def test_negative_and_sparse_labels():
    ds = make_dataset(25, 2, 3, 0.02, seed=5)
    y = np.array([-7, 100, 3])[ds.y - ds.y.min()]
    c = memorize(ds.X, y, width=20)
    _check(c, ds.X, y)
    assert c.report["C"] == len(set(y.tolist()))
    assert c.report["label_min"] == -7
    assert c.report["n_c"] == label_bits(108)


def test_many_classes():
    ds = make_dataset(64, 3, 64, 0.01, seed=6)
    c = memorize(ds.X, ds.y, width=24)
    assert c.report["C"] == 64
    _check(c, ds.X, ds.y)


def test_points_on_the_sphere():
    X = _sphere(50, 4, 7)
    y = np.arange(50) % 3
    c = memorize(X, y, width=16)
    _check(c, X, y)


def test_duplicates_merged_by_the_data_layer():
    X = np.array([[0.5, 0.0], [0.0, 0.5], [0.5, 0.0], [-0.5, -0.5]])
    y = np.array([1, 2, 1, 3])
    with pytest.raises(DataError, match="points 0 and 2 are identical"):
        memorize(X, y, width=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = validate_dataset(X, y)
    c = memorize(ds.X, ds.y, width=8)
    _check(c, ds.X, ds.y)


def test_bad_inputs_are_named():
    with pytest.raises(DataError, match="one label per point"):
        memorize(np.zeros((3, 2)) + [[0.1, 0], [0.2, 0], [0.3, 0]], [1, 2])
    with pytest.raises(DataError, match="NaN or inf in rows \\[1\\]"):
        memorize(np.array([[0.1, 0.0], [np.nan, 0.0]]), [1, 2])
    with pytest.raises(DataError, match="labels must be integers"):
        memorize(np.array([[0.1, 0.0], [0.2, 0.0]]), [1.5, 2])
    with pytest.raises(ParameterError, match="width must be a positive integer"):
        memorize(np.array([[0.1, 0.0], [0.2, 0.0]]), [1, 2], width=0)
    with pytest.raises(DataError, match="unit ball"):
        memorize(np.array([[3.0, 0.0], [0.2, 0.0], [-3.0, 0.1]]), [1, 2, 1])


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize(("lanes", "slots", "staircase"), [
    (1, 1, True), (1, 1, False), (1, 2, False), (2, 1, False), (2, 3, False), (3, 4, False), (1, 6, False)
])
def test_every_layout_memorizes_and_matches_formula(k, lanes, slots, staircase):
    ds = make_dataset(29, 3, 5, 0.02, seed=10 * k + lanes)
    y = ds.y - 2
    net = build_with_layout(ds.X, y, k=k, lanes=lanes, steps=2, slots=slots, staircase=staircase)
    assert net.evaluate(ds.X, backend="python").matches(y).all()
    pr = projection(ds.X)
    _, n_b, _ = integer_codes(ds.X, pr)
    lay = Layout(29, 3, n_b, label_bits(int(y.max() - y.min()) + 1), k, lanes, 2, slots, int(y.min()),
                 staircase)
    sizes = layout_sizes(lay)
    assert net.widths == hidden_widths(lay)
    assert (net.width, net.depth, net.params, net.nonzeros) == (
        sizes["width"], sizes["depth"], sizes["params"], sizes["nonzeros"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 30),
    d=st.integers(1, 4),
    classes=st.integers(2, 6),
    width=st.integers(5, 40),
    seed=st.integers(0, 10**6),
)
def test_hypothesis_random_data(n, d, classes, width, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, d)) / np.sqrt(d)
    X = np.unique(X, axis=0)
    y = rng.integers(-3, classes - 3, len(X))
    if len(X) < 2:
        return
    c = memorize(X, y, width=width, seed=seed % 7)
    assert c.network.width <= width
    _check(c, X, y)


def test_report_contents():
    ds = make_dataset(50, 4, 3, 0.05, seed=8)
    c = memorize(ds.X, ds.y, width=12, delta=0.05, seed=3)
    r = c.report
    assert r["structure"] == STRUCTURE
    assert r["n_b_guaranteed"] == code_bits(50, 4, 0.05) >= r["n_b"]
    assert Fraction(r["gamma_exact"]) ** 2 * 50**4 * 4 >= Fraction(0.05) ** 2
    assert r["seed"] == 3 and r["redraws"] >= 0
    assert set(r["times"]) >= {"project", "codes", "select", "extract"}
    layer = c.network.layers[0]
    assert layer.n_out == 1  # the first hidden layer is the single unit s
    assert all(layer.denom == 1 for layer in c.network.layers[1:-1])


def test_progress_phases():
    seen = []
    ds = make_dataset(40, 2, 2, 0.02)
    memorize(ds.X, ds.y, width=8, progress=lambda phase, done, total: seen.append((phase, done, total)))
    phases = {p for p, _, _ in seen}
    assert {"project", "codes", "extract"} <= phases
    assert all(0 < done <= total for _, done, total in seen)


def test_same_seed_same_network():
    ds = make_dataset(30, 3, 3, 0.02)
    a = memorize(ds.X, ds.y, width=10, seed=5).network
    b = memorize(ds.X, ds.y, width=10, seed=5).network
    assert a.same_as(b)


def test_field_bits_wider_than_a_word():
    from proofs.construction import _field_bits

    for nbits in (3, 62, 64, 70):
        vals = [v % (1 << min(nbits, 62)) for v in (0, 1, 5, 2**61 + 3)]
        bits = _field_bits(np.array(vals, dtype=np.int64), nbits)
        assert bits.shape == (4, nbits)
        assert [int("".join(map(str, row)), 2) for row in bits] == vals


def test_fixed_point_codes_match_exact_floor():
    from proofs.construction import _direction, _exact_projection, _fixed_point_floor

    rng = np.random.default_rng(11)
    X = _sphere(300, 40, 12)
    X[:, 0] *= 1e-300  # tiny coordinates are truncated without harm
    v = _direction(rng, 40)
    exact = _exact_projection(X, list(range(300)), v)
    for e in (3, 30, 52):
        got = _fixed_point_floor(X, v, e)
        assert got is not None
        for g, val in zip(got.tolist(), exact, strict=True):
            y = val * 2**e
            assert y - Fraction(3, 2) < g <= y + Fraction(1, 2)
    assert _fixed_point_floor(X, v, 70) is None


@pytest.mark.slow
@pytest.mark.parametrize("n", [10**4, 10**5])
def test_large_data_memorized_exactly(n):
    from proofs.verify import verify

    X = _sphere(n, 16, n)
    y = np.random.default_rng(n).integers(0, 10, n)
    c = memorize(X, y, width=64)
    assert c.network.width <= 64
    result = verify(c.network, X, y)
    assert result.memorized


def test_overstated_delta_is_caught_by_the_redraw_rule():
    X = np.array([[0.0, 0.0], [1e-6, 0.0], [0.5, 0.5]])
    with pytest.raises(DataError, match="no direction in 64 draws.*check delta"):
        memorize(X, [0, 1, 0], width=8, delta=1.0)
    with pytest.raises(ParameterError, match="delta must lie in"):
        memorize(X, [0, 1, 0], width=8, delta=0.0)
    c = memorize(X, [0, 1, 0], width=8, delta=1e-6)
    assert c.report["n_b"] <= c.report["n_b_guaranteed"]
    _check(c, X, [0, 1, 0])


@pytest.mark.parametrize(("kw", "labels"), [({"width": 7}, (0, 3)), ({"depth": 9}, (-5, 2)), ({}, (7, 9))])
def test_float64_variant_memorizes_and_matches_formula(kw, labels):
    ds = make_dataset(60, 3, 2, 0.05, seed=4)
    y = np.where(ds.y == 0, *labels)
    c = memorize(ds.X, y, max_weight_bits=50, **kw)
    _check(c, ds.X, y)
    assert c.report["regime"] == "float64" and c.report["requested"]["max_weight_bits"] == 50
    assert c.report["planned"]["max_value_bits"] <= 50
    for key, cap in kw.items():
        assert c.report["built"][key] <= cap


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 60), steps=st.integers(1, 12), seed=st.integers(0, 100))
def test_every_float64_layout_memorizes_and_matches_formula(n, steps, seed):
    """Clamped layouts of any step count, so every count of selection layers, small and large."""
    ds = make_dataset(n, 2, min(n, 3), 0.02, seed=seed)
    y = ds.y + 5
    net = build_with_layout(ds.X, y, k=1, lanes=1, steps=steps, slots=1, clamped=True, seed=seed)
    assert net.evaluate(ds.X, backend="python").matches(y).all()
    pr = projection(ds.X, seed=seed)
    _, n_b, _ = integer_codes(ds.X, pr)
    lay = Layout(n, 2, n_b, label_bits(int(y.max() - y.min()) + 1), 1, 1, min(steps, n - 1), 1,
                 int(y.min()), clamped=True)
    sizes = layout_sizes(lay)
    assert net.widths == hidden_widths(lay)
    assert (net.width, net.depth, net.params, net.nonzeros) == (
        sizes["width"], sizes["depth"], sizes["params"], sizes["nonzeros"])


_coords = st.one_of(
    st.integers(-(2**20), 2**20).map(lambda k: k / 2**21),
    st.floats(-0.3, 0.3, allow_nan=False),
    st.floats(-1e-300, 1e-300, allow_nan=False),
    st.sampled_from([0.0, -0.0, 5e-324, 0.1, -1 / 3]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 5).flatmap(
        lambda d: st.lists(st.lists(_coords, min_size=d, max_size=d), min_size=2, max_size=30)
    ),
    st.integers(0, 5),
)
def test_projection_order_gap_and_codes_are_exact(rows, seed):
    """Order, least gap, float error bound and codes against Fractions, on adversarial floats."""
    from proofs.construction import _exact_projection

    X = np.unique(np.array(rows, dtype=np.float64) + 0.0, axis=0)  # + 0.0 merges -0.0 with 0.0
    if len(X) < 2:
        return
    try:
        pr = projection(X, seed=seed)
    except DataError as err:  # coinciding projections in every draw (e.g. only tiny differences)
        assert "no direction" in str(err)
        return
    exact = _exact_projection(X, list(range(len(X))), pr.v_num)
    vals = [exact[i] for i in pr.order.tolist()]
    diffs = [b - a for a, b in zip(vals, vals[1:], strict=False)]
    assert min(diffs) > 0 and pr.gap == min(diffs)
    j = diffs.index(pr.gap)
    assert pr.pair == (int(pr.order[j]), int(pr.order[j + 1]))
    assert all(abs(Fraction(float(p)) - v) <= Fraction(pr.err) for p, v in zip(pr.p, exact, strict=True))
    try:
        e, _, codes = integer_codes(X, pr)
    except DataError as err:  # a gap like 1e-300 needs codes of more than 62 bits
        assert "(> 62)" in str(err)
        return
    assert codes.tolist() == [(v * 2**e).__floor__() + 2**e + 2 for v in vals]


def test_identical_points_are_named():
    X = np.array([[0.5, 0.25], [0.0, 0.125], [0.5, 0.25]])
    with pytest.raises(DataError, match="points 0 and 2 are identical"):
        projection(X)
