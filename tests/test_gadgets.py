"""Each gadget's identity, checked exactly with the reference evaluator."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.gadgets import LayerBuilder, Lin, carry, clamp, digit, equality_test, product_with_bit, step
from proofs.network import Network


def _run(
    builder: LayerBuilder, outputs: list[Lin], n_in: int, rows: list[list[float]]
) -> list[list[Fraction]]:
    """Evaluate ``outputs`` (forms over the builder's units) exactly on ``rows``."""
    out = LayerBuilder()
    for form in outputs:
        out.unit(form)
    net = Network([builder.build(n_in), out.build(builder.size, relu=False)])
    return net.evaluate(np.array(rows, dtype=np.float64), backend="python").as_fractions()


dyadic = st.integers(-4000, 4000).map(lambda v: v / 64)


@settings(max_examples=60, deadline=None)
@given(x=st.integers(0, 10**6).map(lambda v: v / 8))
def test_carry_is_identity_on_nonnegative(x):
    b = LayerBuilder()
    f = carry(b, Lin({0: 1}))
    assert _run(b, [f], 1, [[x]]) == [[Fraction(x)]]


@settings(max_examples=100, deadline=None)
@given(t=st.integers(-50, 50), x=dyadic)
def test_step_is_indicator_away_from_the_gap(t, x):
    b = LayerBuilder()
    f = step(b, Lin({0: 1}), t)
    (value,), = _run(b, [f], 1, [[x]])
    if x >= t:
        assert value == 1
    elif x <= t - 1:
        assert value == 0
    else:  # inside (t - 1, t) the step is linear, never outside [0, 1]
        assert 0 <= value <= 1


@settings(max_examples=100, deadline=None)
@given(k=st.integers(1, 4), e=st.integers(0, 20), data=st.data())
def test_digit_and_rest(k, e, data):
    t = 1 << e
    U = data.draw(st.integers(0, (1 << k) * t - 1))
    b = LayerBuilder()
    dig, rest = digit(b, Lin({0: 1}), t, k)
    assert b.size == 1 + 2 * ((1 << k) - 1)
    (d_val, r_val), = _run(b, [dig, rest], 1, [[float(U)]])
    assert (d_val, r_val) == (U // t, U % t)


@settings(max_examples=150, deadline=None)
@given(q=st.integers(0, 12), code=st.integers(0, 50), s=st.integers(0, 60 * 64).map(lambda v: v / 64))
def test_equality_test_trapezoid(q, code, s):
    # z = 2**q s - U with U = code * 2**q + low, low < 2**q: U / 2**q in [code, code + 1)
    low = (code * 7919) % (1 << q)
    U = code * (1 << q) + low
    b = LayerBuilder()
    tsum = equality_test(b, (1 << q) * Lin({0: 1}) - U, q)
    (value,), = _run(b, [tsum], 1, [[s]])
    z = Fraction(s) - Fraction(U, 1 << q)
    if abs(z) <= Fraction(3, 2):
        assert value == 2 ** (q + 1)
    elif abs(z) >= Fraction(5, 2):
        assert value == 0


@settings(max_examples=100, deadline=None)
@given(q=st.integers(0, 10), nc=st.integers(1, 8), T=st.integers(0, 1), data=st.data())
def test_product_with_bit(q, nc, T, data):
    cbig = 1 << nc
    c = data.draw(st.integers(0, cbig - 1))
    b = LayerBuilder()
    # inputs: x0 = c, x1 = T; tsum = 2**(q+1) T
    f = product_with_bit(b, Lin({0: 1}), (1 << (q + 1)) * Lin({1: 1}), q, cbig)
    (value,), = _run(b, [f], 2, [[float(c), float(T)]])
    assert value == 2 ** (q + 1) * c * T


def test_linear_forms():
    f = Lin({0: 3, 2: -1}, 5)
    g = 2 * f - Lin({0: 6})
    assert g.terms == {2: -2} and g.const == 10
    assert (-f).const == -5 and (f + 1).const == 6


@settings(max_examples=100, deadline=None)
@given(t=st.integers(3, 2**48), off=st.sampled_from([-1, 1]), frac=st.floats(0.5, 2**20))
def test_clamped_step_is_exact_in_float64(t, off, frac):
    """``1 - ReLU(1 - ReLU(s - t + 1))`` is ``[s >= t]`` exactly, and float64 computes exactly that."""
    from proofs.precision import float_forward

    s = float(t) + (frac if off > 0 else -(frac + 1.0))  # s - t >= 1/2 or <= -3/2
    step_layer = LayerBuilder()
    h = Lin({step_layer.unit(Lin({0: 1}, 1 - t)): 1})
    clamp_layer = LayerBuilder()
    f = clamp(clamp_layer, h)
    out = LayerBuilder()
    out.unit(f)
    net = Network([step_layer.build(1), clamp_layer.build(1), out.build(1, relu=False)])
    want = 1 if off > 0 else 0
    assert net.evaluate(np.array([[s]]), backend="python").as_fractions() == [[Fraction(want)]]
    assert float_forward(net, np.array([[s]]), "float64", "numpy")[-1][0, 0] == want
