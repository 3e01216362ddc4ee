"""One suite for every arithmetic backend: each must agree with the reference exactly."""

from __future__ import annotations

import importlib
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proofs.backends as backends
from proofs.backends import BACKENDS, applies, available_backends, check_int64, choose_backend, evaluate
from proofs.backends import flint_matrices as flint_mod
from proofs.backends import int64 as int64_mod
from proofs.backends import sparse as sparse_mod
from proofs.backends.magnitude import INT64_MAX, pareto_frontier
from proofs.errors import DataError, ParameterError
from proofs.exact import ExactInputs, exact_inputs
from proofs.network import AffineLayer, Network

BIG = [name for name in BACKENDS if name not in ("python", "int64")]
ALL = list(BACKENDS)


def reference(net: Network, x) -> list[list[Fraction]]:
    """Plain Fraction arithmetic, independent of every backend."""
    rows = exact_inputs(x).as_fractions()
    for i, layer in enumerate(net.layers):
        w, b = layer.to_fractions()
        rows = [
            [sum((wi * a for wi, a in zip(wr, row, strict=True)), bi) for wr, bi in zip(w, b, strict=True)]
            for row in rows
        ]
        if i < len(net.layers) - 1:
            rows = [[max(v, Fraction(0)) for v in row] for row in rows]
    return rows


def run(net: Network, x, name: str):
    """Evaluate with backend ``name``; it must refuse exactly when it does not apply."""
    if not applies(name, net):
        with pytest.raises(ParameterError, match=f"backend '{name}' does not apply to this network"):
            evaluate(net, x, backend=name)
        return None
    if name == "int64" and not check_int64(net, exact_inputs(x)).safe:
        with pytest.raises(ParameterError, match="backend 'int64' cannot be proven exact"):
            evaluate(net, x, backend=name)
        return None
    if not BACKENDS[name].available():
        pytest.skip(BACKENDS[name].missing())
    out = evaluate(net, x, backend=name)
    assert out.backend == name
    assert out.nums.shape == (len(x), net.output_dim)
    assert all(int(q) > 0 for q in out.dens)
    return out


# -- strategies ------------------------------------------------------------------------
def ints(max_bits: int) -> st.SearchStrategy[int]:
    return st.one_of(
        st.just(0),
        st.integers(-3, 3),
        st.integers(-(2**max_bits), 2**max_bits),
        st.integers(1, max_bits).map(lambda k: 2**k),
    )


@st.composite
def networks(draw, max_bits: int = 3000, max_dim: int = 4, max_layers: int = 4,
             line: bool = False) -> Network:
    dims = draw(st.lists(st.integers(1, max_dim), min_size=3 if line else 2, max_size=max_layers + 1))
    if line:  # first hidden layer of one unit: every later unit is a function of it
        dims[1] = 1
    layers = []
    for n_in, n_out in zip(dims, dims[1:], strict=False):
        kind = draw(st.sampled_from(["random", "zero-rows", "bias-only"]))
        values = ints(max_bits)
        weight = [draw(st.lists(values, min_size=n_in, max_size=n_in)) for _ in range(n_out)]
        if kind == "zero-rows":
            weight = [row if r % 2 else [0] * n_in for r, row in enumerate(weight)]
        elif kind == "bias-only":
            weight = [[0] * n_in for _ in range(n_out)]
        bias = draw(st.lists(values, min_size=n_out, max_size=n_out))
        denom = draw(st.one_of(st.integers(1, 2**80), st.integers(0, max_bits).map(lambda k: 2**k)))
        layers.append(AffineLayer.from_dense(weight, bias, denom))
    return Network(layers)


floats = st.floats(allow_nan=False, allow_infinity=False)  # subnormals, zeros, huge values


@st.composite
def cases(draw, max_bits: int = 3000, line: bool = False):
    net = draw(networks(max_bits=max_bits, line=line))
    n = draw(st.integers(1, 5))
    x = [draw(st.lists(floats, min_size=net.input_dim, max_size=net.input_dim)) for _ in range(n)]
    return net, x


@st.composite
def small_cases(draw):
    """Small weights and inputs, so that int64 is often proven safe."""
    net = draw(networks(max_bits=8))
    n = draw(st.integers(1, 5))
    values = st.one_of(st.integers(-100, 100).map(float), st.sampled_from([0.5, -0.25, 0.125, 0.0, -0.0]))
    x = [draw(st.lists(values, min_size=net.input_dim, max_size=net.input_dim)) for _ in range(n)]
    return net, x


# -- agreement with the reference --------------------------------------------------
@pytest.mark.parametrize("name", ALL)
@settings(max_examples=40, deadline=None)
@given(case=cases())
def test_every_backend_matches_reference(name: str, case) -> None:
    net, x = case
    out = run(net, x, name)
    if out is not None:
        assert out.as_fractions() == reference(net, x)
        assert out.same_as(evaluate(net, x, backend="python"))


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=40, deadline=None)
@given(case=cases(line=True))
def test_every_backend_matches_reference_on_line_networks(name: str, case) -> None:
    net, x = case
    out = run(net, x, name)
    if out is not None:
        assert out.as_fractions() == reference(net, x)


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=40, deadline=None)
@given(case=small_cases())
def test_every_backend_matches_reference_on_small_integers(name: str, case) -> None:
    net, x = case
    out = run(net, x, name)
    if out is not None:
        assert out.as_fractions() == reference(net, x)


@settings(max_examples=40, deadline=None)
@given(case=small_cases())
def test_auto_picks_int64_exactly_when_safe(case) -> None:
    net, x = case
    safe = check_int64(net, exact_inputs(x)).safe
    out = evaluate(net, x)
    assert (out.backend == "int64") == safe
    assert out.backend == choose_backend(net, exact_inputs(x))
    assert out.as_fractions() == reference(net, x)


# -- the int64 magnitude bound ------------------------------------------------------
def absolute_magnitudes(net: Network, x) -> int:
    """Largest sum of absolute terms of any unit (bounds every partial sum), and denominators."""
    inp = exact_inputs(x)
    worst = 0
    for nums, den in zip(inp.nums, inp.dens, strict=True):
        a, d = [int(v) for v in nums], int(den)
        for i, layer in enumerate(net.layers):
            w, b, q = layer.to_dense()
            absolute = [sum(abs(wi * ai) for wi, ai in zip(wr, a, strict=True)) + abs(bi * d)
                        for wr, bi in zip(w, b, strict=True)]
            z = [sum(wi * ai for wi, ai in zip(wr, a, strict=True)) + bi * d
                 for wr, bi in zip(w, b, strict=True)]
            d *= q
            worst = max(worst, d, *absolute)
            a = z if i == len(net.layers) - 1 else [max(v, 0) for v in z]
    return worst


@settings(max_examples=50, deadline=None)
@given(case=small_cases())
def test_int64_bound_is_sound(case) -> None:
    net, x = case
    check = check_int64(net, exact_inputs(x))
    actual = absolute_magnitudes(net, x)
    if check.safe:
        assert check.bound is not None and actual <= check.bound <= INT64_MAX
    else:
        assert check.reason


def _edge_network(bias: int) -> Network:
    return Network([AffineLayer.from_dense([[2**61, 2**61, 2**61]], [bias])])


def test_int64_at_the_edge_of_overflow() -> None:
    x = [[1.0, 1.0, 1.0]]
    net = _edge_network(2**61 - 1)  # 3 * 2**61 + 2**61 - 1 = 2**63 - 1
    check = check_int64(net, exact_inputs(x))
    assert check.safe and check.bound == INT64_MAX
    out = evaluate(net, x, backend="int64")
    assert int(out.nums[0, 0]) == INT64_MAX and out.nums.dtype == np.int64
    over = _edge_network(2**61)
    assert not check_int64(over, exact_inputs(x)).safe
    with pytest.raises(ParameterError, match="may need 64 bits"):
        evaluate(over, x, backend="int64")
    assert evaluate(over, x).backend != "int64"
    assert evaluate(over, x).as_fractions() == [[Fraction(2**63)]]


def test_int64_refuses_big_inputs_and_big_weights() -> None:
    net = Network([AffineLayer.from_dense([[1]], [0])])
    with pytest.raises(ParameterError, match="more than 62 bits"):
        evaluate(net, [[2.0**-80]], backend="int64")
    huge = Network([AffineLayer.from_dense([[2**70]], [0])])
    with pytest.raises(ParameterError, match="layer 0 stores integers of more than 62 bits"):
        evaluate(huge, [[0.0]], backend="int64")


def test_int64_denominators_count() -> None:
    layers = [AffineLayer.from_dense([[1]], [0], denom=2**40),
              AffineLayer.from_dense([[1]], [0], denom=2**30)]
    check = check_int64(Network(layers), exact_inputs([[1.0]]))
    assert not check.safe and "layer 1" in check.reason


# -- sparse layers, blocks, power-of-two reduction ------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_wide_layers_in_small_blocks(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sparse_mod, "_BLOCK", 7)
    monkeypatch.setattr(flint_mod, "_ROWS", 5)
    rng = np.random.default_rng(0)
    trip = [(int(r), int(c), int(v)) for r, c, v in zip(rng.integers(0, 40, 30), rng.integers(0, 50, 30),
                                                        rng.integers(-(2**20), 2**20, 30), strict=True)]
    hidden = AffineLayer.from_triplets(40, 50, trip, [0] * 39 + [3], denom=8)
    out_layer = AffineLayer.from_triplets(1, 40, [(0, i, 2**90 + i) for i in range(0, 40, 3)], [-1], 5)
    assert not sparse_mod.is_dense(hidden) and sparse_mod.is_dense(out_layer)
    net = Network([hidden, out_layer])
    x = rng.uniform(-1, 1, size=(23, 50)).tolist()
    out = run(net, x, name)
    if out is not None:
        assert out.as_fractions() == reference(net, x)


@pytest.mark.parametrize("name", BIG)
def test_rows_reduced_by_common_power_of_two(name: str) -> None:
    k = 300
    net = Network([AffineLayer.from_dense([[2**k], [-(2**k)]], [0, 0], denom=2**k),
                   AffineLayer.from_dense([[1, 1]], [0])])
    out = run(net, [[1.0], [-3.0], [0.5]], name)
    if out is None:
        return
    assert out.as_fractions() == [[Fraction(1)], [Fraction(3)], [Fraction(1, 2)]]
    assert [int(q) for q in out.dens] == [1, 1, 2]
    ref = evaluate(net, [[1.0]], backend="python")
    assert int(ref.dens[0]) == 2**k  # the reference keeps the unreduced form


# -- interface ------------------------------------------------------------------------
def test_unknown_and_unavailable_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Network([AffineLayer.from_dense([[1]], [0])])
    with pytest.raises(ParameterError, match="unknown backend 'fast'"):
        evaluate(net, [[1.0]], backend="fast")
    monkeypatch.setattr(BACKENDS["flint"], "available", lambda: False)
    monkeypatch.setattr(BACKENDS["flint"], "missing", lambda: "python-flint is not installed")
    assert "flint" not in available_backends()
    with pytest.raises(ParameterError, match=r"backend 'flint' is not available here \(python-flint is not"):
        evaluate(net, [[1.0]], backend="flint")
    assert choose_backend(net, exact_inputs([[2.0**-100]])) == backends.BIG_INTEGER_ORDER[1]


def test_dimension_mismatch() -> None:
    net = Network([AffineLayer.from_dense([[1, 2]], [0])])
    with pytest.raises(DataError, match="inputs have 3 coordinates but the network expects 2"):
        evaluate(net, [[1.0, 2.0, 3.0]])


def test_network_evaluate_delegates_and_accepts_exact_inputs() -> None:
    net = Network([AffineLayer.from_rationals([[Fraction(1, 3)]], [Fraction(1, 5)])])
    x = ExactInputs.from_fractions([[Fraction(3, 7)]])
    for name in available_backends():
        if name == "int64" or not applies(name, net):
            continue
        assert net.evaluate(x, backend=name).as_fractions() == [[Fraction(1, 7) + Fraction(1, 5)]]


@pytest.mark.parametrize("name", ["flint", "gmpy2"])
def test_big_integer_backends_finish_in_int64_when_values_shrink(name, monkeypatch) -> None:
    if not BACKENDS[name].available():
        pytest.skip(BACKENDS[name].missing())
    calls = []
    real = int64_mod.run_layers
    monkeypatch.setattr(int64_mod, "run_layers", lambda *args: calls.append(1) or real(*args))
    k = 500  # a big first layer computing ReLU(x) exactly, then small layers
    first = AffineLayer.from_dense([[2**k, 0], [0, -(2**k)]], [0, 0], denom=2**k)
    small = [AffineLayer.from_dense([[1, 2], [-3, 1]], [1, 0], denom=2),
             AffineLayer.from_dense([[1, -1]], [0])]
    net = Network([first, *small])
    x = [[0.5, -0.25], [3.0, 7.0], [-1.0, -2.0]]
    out = evaluate(net, x, backend=name)
    assert out.as_fractions() == reference(net, x)
    assert calls == [1]
    calls.clear()
    mixed = [[0.5, -0.25], [2.0**-100, 3.0], [3.0, 7.0]]  # the second row's denominator stays big
    out = evaluate(net, mixed, backend=name)
    assert out.as_fractions() == reference(net, mixed)
    assert calls == [1] and int(out.dens[1]) >= 2**100 and int(out.dens[0]) < 2**62
    calls.clear()
    stays_big = Network([first, AffineLayer.from_dense([[2**70, 1], [1, 1]], [0, 0]), small[1]])
    big_rows = x[:2]  # the third row would become small: relu(-1, 2) meets 2**70 with a zero
    assert evaluate(stays_big, big_rows, backend=name).as_fractions() == reference(stays_big, big_rows)
    assert calls == []


@given(pairs=st.lists(st.tuples(st.integers(0, 6), st.integers(1, 6)), min_size=1, max_size=15))
def test_pareto_frontier_keeps_exactly_the_undominated_pairs(pairs) -> None:
    m, d = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    points = set(pairs)
    undominated = [p for p in points if not any(q != p and q[0] >= p[0] and q[1] >= p[1] for q in points)]
    assert pareto_frontier(m, d) == sorted(undominated, key=lambda p: (-p[0], -p[1]))


@pytest.mark.parametrize(("module", "library"), [("gmpy2_arrays", "gmpy2"), ("flint_matrices", "flint")])
def test_missing_library_is_reported_not_raised(module: str, library: str, monkeypatch) -> None:
    mod = importlib.import_module(f"proofs.backends.{module}")
    monkeypatch.setitem(sys.modules, library, None)  # makes `import library` fail
    try:
        importlib.reload(mod)
        assert not mod.available() and library in mod.missing()
    finally:
        monkeypatch.undo()
        importlib.reload(mod)
    assert mod.available() and mod.missing() == ""
