"""Size formulas of bounds.upper equal what the builder makes; the theorem's inequalities hold."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bounds.errors import InfeasibleError, ParameterError
from bounds.upper import (
    THEOREM,
    Layout,
    code_bits,
    construction_sizes,
    hidden_widths,
    label_bits,
    lane_units,
    layout_sizes,
    plan,
    theorem_constants,
    theorem_holds,
)
from proofs.construction import memorize
from proofs.network import Network


def _data(n, d, classes, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, d)) / math.sqrt(d)
    X = np.unique(X, axis=0)
    y = rng.integers(0, classes, len(X))
    return X, y


def _after_first_bits(net: Network) -> int:
    return max(abs(v).bit_length() for layer in net.layers[1:] for v in layer.integers())


def _max_value_bits(net: Network, X) -> int:
    """Largest magnitude bits of any hidden value after the first layer (exact)."""
    acts = [[Fraction(v) for v in row] for row in X.tolist()]
    worst = 0
    for li, layer in enumerate(net.layers[:-1]):
        W, b = layer.to_fractions()
        acts = [[max(Fraction(0), sum((w * a for w, a in zip(row, x, strict=True)), bb))
                 for row, bb in zip(W, b, strict=True)] for x in acts]
        if li >= 1:
            worst = max(worst, max(math.floor(v).bit_length() for x in acts for v in x))
    return worst


# -- formulas equal the built network, in every regime ---------------------------------
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 40),
    d=st.integers(1, 5),
    classes=st.integers(2, 20),
    request=st.sampled_from(["width", "depth", "both", "params", "bits"]),
    size=st.integers(1, 70),
    seed=st.integers(0, 1000),
)
def test_formula_equals_built(n, d, classes, request, size, seed):
    X, y = _data(n, d, classes, seed)
    assume(len(X) >= 2)
    kw: dict = {}
    if request == "width":
        kw = {"width": size}
    elif request == "depth":
        kw = {"depth": size}
    elif request == "both":
        kw = {"width": size, "depth": 4 * size}
    elif request == "params":
        kw = {"params": 200 * size}
    else:
        kw = {"width": size, "max_weight_bits": 53 + size}
    try:
        c = memorize(X, y, **kw)
    except InfeasibleError:
        return
    net, r = c.network, c.report
    sizes = construction_sizes(
        len(X), d, r["C"], 0.5, n_b=r["n_b"], n_c=r["n_c"], label_min=r["label_min"], ties=r["ties"],
        fits_clamp=r["regime"] == "clamp", **kw
    )
    assert net.widths == sizes["widths"]
    assert (net.width, net.depth, net.params, net.nonzeros) == (
        sizes["width"], sizes["depth"], sizes["params"], sizes["nonzeros"])
    if sizes["max_bits_exact"]:
        assert _after_first_bits(net) == sizes["max_bits"]
    else:
        assert _after_first_bits(net) <= sizes["max_bits"]
    assert sizes["regime"] == r["regime"]
    assert net.evaluate(X, backend="python").matches(y).all()


@pytest.mark.parametrize("bits", [53, 64, 100])
def test_weight_bit_cap_holds_for_weights_and_values(bits):
    X, y = _data(60, 3, 4, bits)
    c = memorize(X, y, width=24, max_weight_bits=bits)
    net = c.network
    assert _after_first_bits(net) <= bits
    assert _max_value_bits(net, X) <= bits
    assert c.report["planned"]["max_value_bits"] <= bits
    assert net.evaluate(X, backend="python").matches(y).all()


def test_weight_bit_cap_too_small_names_the_least():
    with pytest.raises(InfeasibleError, match="max_weight_bits=10 is too small.*use max_weight_bits >= "):
        plan(100, 3, 30, 2, width=32, max_weight_bits=10)


def test_bit_cap_costs_depth():
    free = plan(5000, 8, 30, 4, width=32)
    capped = plan(5000, 8, 30, 4, width=32, max_weight_bits=53)
    assert capped.regime == "float64" and capped.clamped
    assert capped.depth >= free.depth
    assert layout_sizes(capped)["max_value_bits"] <= 53


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 10**6), n_b=st.integers(3, 45), n_c=st.integers(1, 8), W=st.integers(2, 300),
       L=st.integers(4, 5000))
def test_float64_caps_are_respected_or_refused(n, n_b, n_c, W, L):
    for kw in ({"width": W}, {"depth": L}):
        try:
            lay = plan(n, 8, n_b, n_c, max_weight_bits=53, **kw)
        except InfeasibleError as err:
            assert "least width" in str(err) and "width" in kw
            continue
        assert lay.clamped and lay.width <= kw.get("width", lay.width)
        assert lay.depth <= kw.get("depth", lay.depth)
        sizes = layout_sizes(lay)
        assert sizes["max_bits"] <= sizes["max_value_bits"] <= 53


def test_float64_refusals_name_the_least_sizes():
    with pytest.raises(InfeasibleError, match="max_weight_bits=40 is too small.*use max_weight_bits >= 42"):
        plan(1000, 3, 40, 2, width=32, max_weight_bits=40)
    with pytest.raises(InfeasibleError, match="least depth 4 of the float64-safe"):
        plan(100, 2, 10, 1, depth=3, max_weight_bits=50)
    with pytest.raises(InfeasibleError, match="least width 5 of the float64-safe"):
        plan(100, 2, 10, 1, width=4, max_weight_bits=50)
    with pytest.raises(InfeasibleError, match=r"least depth at width 8 is \d+; or depth 20 with width \d+"):
        plan(10**4, 2, 30, 2, width=8, depth=20, max_weight_bits=50)
    with pytest.raises(ParameterError, match="clamped layout"):
        Layout(10, 2, 5, 1, 2, 1, 1, 1, clamped=True)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(2, 10**5),
    d=st.integers(1, 100),
    n_b=st.integers(3, 70),
    n_c=st.integers(1, 10),
    k=st.integers(1, 4),
    lanes=st.integers(1, 20),
    steps=st.integers(1, 40),
    slots=st.integers(1, 30),
    staircase=st.booleans(),
)
def test_width_depth_params_from_the_layer_list(n, d, n_b, n_c, k, lanes, steps, slots, staircase):
    lay = Layout(n, d, n_b, n_c, k, 1 if staircase else lanes, steps, 1 if staircase else slots,
                 staircase=staircase)
    widths = hidden_widths(lay)
    sizes = layout_sizes(lay)
    assert sizes["depth"] == len(widths) == lay.depth
    assert sizes["width"] == max(widths)
    dims = [d, *widths, 1]
    assert sizes["params"] == sum((a + 1) * b for a, b in zip(dims, dims[1:], strict=False))


# -- requests and refusals ----------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 10**6), n_b=st.integers(3, 60), n_c=st.integers(1, 8), W=st.integers(4, 300))
def test_width_cap_is_respected(n, n_b, n_c, W):
    lay = plan(n, 8, n_b, n_c, width=W)
    assert lay.width <= W


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 10**5), n_b=st.integers(3, 40), n_c=st.integers(1, 6), L=st.integers(3, 400))
def test_depth_cap_is_respected_or_refused(n, n_b, n_c, L):
    try:
        lay = plan(n, 8, n_b, n_c, depth=L)
    except InfeasibleError as err:
        assert "depth" in str(err)
        return
    assert lay.depth <= L


def test_refusals_name_the_nearest_sizes():
    with pytest.raises(InfeasibleError, match="width 1: a width-1 network .* use width >= 2"):
        plan(100, 2, 10, 1, width=1)
    with pytest.raises(InfeasibleError, match="least depth 3"):
        plan(100, 2, 10, 1, depth=2)
    with pytest.raises(InfeasibleError, match=r"least depth at width 8 is \d+; or depth 20 with width \d+"):
        plan(10**4, 2, 30, 2, width=8, depth=20)
    with pytest.raises(ParameterError, match="width must be a positive integer"):
        plan(100, 2, 10, 1, width=0)
    with pytest.raises(ParameterError, match="delta must lie in"):
        construction_sizes(100, 2, 2, 3.0, width=10)


# -- bit counts ---------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 10**6), d=st.integers(1, 1000), delta=st.floats(1e-9, 2.0))
def test_code_bits_is_least_exponent(n, d, delta):
    nb = code_bits(n, d, delta)
    e = nb - 2
    dl = Fraction(delta)
    assert (dl * 2**e) ** 2 >= 16 * n**4 * d
    assert e == 1 or (dl * 2 ** (e - 1)) ** 2 < 16 * n**4 * d


def test_label_bits():
    assert [label_bits(c) for c in (1, 2, 3, 4, 5, 16, 17)] == [1, 1, 2, 2, 3, 4, 5]


# -- the theorem ----------------------------------------------------------------------------
def test_theorem_constants():
    assert theorem_constants(1) == {"K": 512, "a": 1, "b": 0, "c": 1, "e": 2, "min_width": 18}
    assert theorem_constants(2)["K"] == 64 * lane_units(2)
    assert THEOREM["condition"].subs({"k": 1}) is not None


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(2, 10**6),
    n_b=st.integers(3, 60),
    n_c=st.integers(1, 8),
    k=st.integers(1, 3),
    W=st.integers(10, 400),
    extra=st.floats(1.0, 4.0),
)
def test_theorem_inequalities(n, n_b, n_c, k, W, extra):
    u = lane_units(k)
    w = -(-n_b // k) + -(-n_c // k)
    W = max(W, 2 * u + 2)
    L = max(2 * w, math.isqrt(64 * u * n * w // (W * W)) + 1)
    L = int(L * extra)
    assert theorem_holds(n, n_b, n_c, W, L, k)
    lay = plan(n, 8, n_b, n_c, width=W)
    assert lay.width <= W  # a = 1, b = 0
    assert lay.depth <= L + 2  # c = 1, e = 2


def test_theorem_hypotheses_are_needed_as_stated():
    assert not theorem_holds(10**4, 20, 4, 17, 10**4)  # width below 2 u_1 + 2 = 18
    assert not theorem_holds(10**4, 20, 4, 100, 47)  # depth below 2 (n_b + n_c) = 48
