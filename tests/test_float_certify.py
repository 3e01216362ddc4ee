"""The float64 first-layer certificate: its error bounds hold, its verdicts are right."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.errors import DataError
from proofs.exact import exact_inputs
from proofs.export import float_layers
from proofs.float_certify import (
    certify_float64,
    certify_float64_clamped,
    certify_float64_first_layer,
    gamma,
    layer_error_bounds,
    mantissa_bits_needed,
)
from proofs.network import AffineLayer, Network


def _orders(w: np.ndarray, b: float, x: np.ndarray) -> list[float]:
    """Float64 dot products ``w . x + b`` evaluated in several orders."""
    prods = [float(a) * float(c) for a, c in zip(w, x, strict=True)]
    out = [float(np.dot(w, x) + b)]
    s = b
    for p in prods:
        s += p
    out.append(s)
    s = 0.0
    for p in reversed(prods):
        s += p
    out.append(s + b)
    out.append(math.fsum([*prods, b]))
    half = len(prods) // 2
    out.append((sum(prods[:half]) + b) + sum(prods[half:]))
    return out


rational = st.tuples(
    st.integers(-(2**80), 2**80), st.sampled_from([1, 3, 7, 2**20, 2**60, 3 * 2**40, 10**30])
)
floats = st.floats(min_value=-1, max_value=1, allow_nan=False, allow_subnormal=True)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6).flatmap(lambda d: st.tuples(
    st.lists(rational, min_size=d, max_size=d), rational, st.lists(floats, min_size=d, max_size=d)
)))
def test_first_layer_bound_holds_in_every_order(case) -> None:
    weights, (bn, bd), xs = case
    layer = AffineLayer.from_rationals([[Fraction(n, q) for n, q in weights]], [Fraction(bn, bd)])
    x = np.array([xs])
    e_rows = exact_inputs(x)
    z, err, g = layer_error_bounds(layer, e_rows.nums, e_rows.dens)
    exact = Fraction(int(z[0, 0]), int(g[0]))
    terms = [Fraction(n, q) * Fraction(v) for (n, q), v in zip(weights, xs, strict=True)]
    assert exact == sum(terms) + Fraction(bn, bd)
    bound = Fraction(int(err[0, 0]), int(g[0]))
    (wf, bf), = float_layers(Network([layer]))
    for value in _orders(wf[0], float(bf[0]), x[0]):
        assert abs(Fraction(value) - exact) <= bound


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32))
def test_second_layer_bound_holds_for_perturbed_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 5))
    w = [[Fraction(int(rng.integers(-(2**40), 2**40)), int(rng.choice([1, 3, 2**30]))) for _ in range(m)]]
    layer = AffineLayer.from_rationals(w, [Fraction(int(rng.integers(-100, 100)), 7)])
    h = [Fraction(int(rng.integers(0, 2**20)), 2**10) for _ in range(m)]
    r = [Fraction(int(rng.integers(0, 2**8)), 2**30) for _ in range(m)]
    den = 2**30
    hn = np.array([[int(v * den) for v in h]], dtype=object)
    rn = np.array([[int(v * den) for v in r]], dtype=object)
    z, err, g = layer_error_bounds(layer, hn, np.array([den], dtype=object), rn)
    exact = Fraction(int(z[0, 0]), int(g[0]))
    bound = Fraction(int(err[0, 0]), int(g[0]))
    (wf, bf), = float_layers(Network([layer]))
    for _ in range(5):  # any float input within the radius
        ht = np.array([float(a + (2 * rng.random() - 1) * b) for a, b in zip(h, r, strict=True)])
        ht = np.array(
            [v if abs(Fraction(v) - a) <= b else float(a) for v, a, b in zip(ht, h, r, strict=True)]
        )
        for value in _orders(wf[0], float(bf[0]), ht):
            assert abs(Fraction(value) - exact) <= bound


def test_gamma_exact() -> None:
    assert gamma(3) == Fraction(3, 2**53 - 3)
    assert float(gamma(64)) < 64 * 2**-53 * 1.0001


def _step_net(shift: Fraction) -> Network:
    """``s = x / 3 + shift``, steps at 1 and 2, output their sum."""
    return Network(
        [
            AffineLayer.from_rationals([[Fraction(1, 3)]], [shift]),
            AffineLayer.from_dense([[1], [1]], [-1, -2]),
            AffineLayer.from_dense([[1, 1]], [0]),
        ]
    )


def test_certified_with_the_right_margin() -> None:
    X = np.array([[0.75], [2.25], [4.5]])
    net = _step_net(Fraction(1, 10))
    cert = certify_float64_first_layer(net, X)
    assert cert["certified"] and cert["unstable_points"] == []
    assert cert["checked"] == "second-layer activation pattern"
    s = [Fraction(x) / 3 + Fraction(1, 10) for x in X[:, 0].tolist()]
    distance = min(abs(v - t) for v in s for t in (1, 2))
    lower = Fraction(cert["margin_lower_bound"])
    assert lower <= distance and distance - lower < Fraction(1, 10**12)
    assert cert["margin_point"] == 1  # s = 0.85 is 0.15 from the step at 1
    assert 0 < cert["first_layer_error"] < 1e-15
    assert Fraction(cert["first_layer_error_bound"]) >= Fraction(cert["first_layer_error"]) * (1 - 1e-15)


def test_point_on_a_step_is_not_certified() -> None:
    x = 0.3
    on_step = 1 - Fraction(x) / 3  # s(0.3) = 1 exactly, but the float run is off by a rounding
    net = _step_net(on_step)
    cert = certify_float64_first_layer(net, np.array([[0.9], [x]]))
    assert not cert["certified"]
    assert cert["unstable_points"] == [1]
    assert cert["margin"] <= 0 and cert["margin_point"] == 1


def test_output_layer_next() -> None:
    net = Network([AffineLayer.from_rationals([[Fraction(1, 3)]], [0]), AffineLayer.from_dense([[3]], [0])])
    cert = certify_float64_first_layer(net, np.array([[0.5], [1.0]]))
    assert cert["checked"] == "output within 1/2" and cert["certified"]
    assert 0.5 - 1e-12 < cert["margin"] < 0.5
    alone = Network([AffineLayer.from_rationals([[Fraction(1, 3), 2**40]], [0])])
    cert = certify_float64_first_layer(alone, np.array([[0.5, 1.0]]))
    assert cert["certified"] and cert["margin"] < 0.5
    huge = Network([AffineLayer.from_rationals([[Fraction(1, 3), 2**60]], [0])])
    assert not certify_float64_first_layer(huge, np.array([[0.5, 1.0]]))["certified"]


def test_unstable_when_rounding_is_large() -> None:
    # a weight of 2^80 / 3 makes the first-layer error about 2^27: steps at 1, 2 cannot be trusted
    net = Network(
        [
            AffineLayer.from_rationals([[Fraction(2**80, 3)]], [0]),
            AffineLayer.from_dense([[1]], [-(2**78)]),
            AffineLayer.from_dense([[1]], [0]),
        ]
    )
    x = np.array([[0.75 + 2**-40]])
    cert = certify_float64_first_layer(net, x)
    assert cert["certified"]  # far from the step: the pattern is safe
    near = 3 * Fraction(2**78) / Fraction(2**80)  # s = 2^78 exactly at x = 3/4
    cert = certify_float64_first_layer(net, np.array([[float(near) + 2**-52]]))
    assert not cert["certified"]


def test_bad_inputs() -> None:
    net = _step_net(Fraction(0))
    with pytest.raises(DataError, match="do not fit a network with 1 inputs"):
        certify_float64_first_layer(net, np.zeros((3, 2)))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 40))
def test_first_layer_bound_holds_under_onnxruntime(seed: int, d: int) -> None:
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (memcap[onnx])")
    from proofs.export import to_onnx

    rng = np.random.default_rng(seed)
    w = [[Fraction(int(rng.integers(-(2**62), 2**62)), 3 * 2**40) for _ in range(d)] for _ in range(3)]
    layer = AffineLayer.from_rationals(w, [Fraction(int(rng.integers(-(2**50), 2**50)), 7) for _ in range(3)])
    x = rng.normal(size=(50, d)) * rng.choice([1.0, 2.0**-30, 2.0**-1000], size=(50, 1))
    model = to_onnx(Network([layer])).SerializeToString()
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    (out,) = session.run(["y"], {"x": x})
    e = exact_inputs(x)
    z, err, g = layer_error_bounds(layer, e.nums, e.dens)
    for i in range(x.shape[0]):
        for j in range(3):
            exact = Fraction(int(z[i, j]), int(g[i]))
            assert abs(Fraction(float(out[i, j])) - exact) <= Fraction(int(err[i, j]), int(g[i]))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 70))
def test_layers_within_53_bits_are_exact_in_float64(seed: int, weight_bits: int) -> None:
    """The exactness lemma: a layer needing <= 53 bits maps exact float inputs to exact outputs."""
    from proofs.precision import exact_forward, float_forward

    rng = np.random.default_rng(seed)
    widths = [3, *rng.integers(1, 5, size=3).tolist(), 1]
    layers = []
    for a, b in zip(widths, widths[1:], strict=False):
        w = [
            [int(rng.integers(-(2**20), 2**20)) << int(rng.integers(0, weight_bits + 1)) for _ in range(a)]
            for _ in range(b)
        ]
        bias = rng.integers(-9, 9, size=b).tolist()
        layers.append(AffineLayer.from_dense(w, bias, denom=2 ** int(rng.integers(0, 9))))
    net = Network(layers)
    x = rng.integers(-64, 64, size=(5, 3)) / 64.0
    need = mantissa_bits_needed(net, x)
    floats = float_forward(net, x)
    exact = exact_forward(net, x)
    for i, bits in enumerate(need):
        if bits is not None and bits <= 53:
            previous = x if i == 0 else floats[i - 1]
            source_exact = i == 0 or all(
                Fraction(float(f)) == Fraction(int(n), int(q))
                for frow, nrow, q in zip(previous, exact[i - 1][0], exact[i - 1][1], strict=True)
                for f, n in zip(frow, nrow, strict=True)
            )
            if source_exact:
                for frow, nrow, q in zip(floats[i], exact[i][0], exact[i][1], strict=True):
                    assert [Fraction(float(f)) for f in frow] == [Fraction(int(n), int(q)) for n in nrow]


def test_mantissa_bits_needed_counts_the_widest_partial_sum() -> None:
    net = Network([AffineLayer.from_dense([[2**52, 1]], [0]), AffineLayer.from_dense([[1]], [0])])
    assert mantissa_bits_needed(net, [[1.0, 1.0]]) == [53, 53]
    assert mantissa_bits_needed(net, [[2.0, 1.0]]) == [54, 54]
    assert mantissa_bits_needed(net, [[1.0, 0.0]]) == [1, 1]  # 2^52 alone is one bit


def _staircase(n: int, clamped: bool, seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    """Labels of 40 bits as a sum of steps in s = 2^24 (x / 3 + 1): plain or clamped steps."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n))
    s = [Fraction(float(v)) * Fraction(2**24, 3) + 2**24 for v in x]
    keep = [0]
    for i in range(1, n):
        if s[i] - s[keep[-1]] >= 4:
            keep.append(i)
    x, s = x[keep], [s[i] for i in keep]
    t = [int((a + b) / 2) for a, b in zip(s, s[1:], strict=False)]
    y = rng.integers(0, 2**40, len(x))
    c = [int(b - a) for a, b in zip(y, y[1:], strict=False)]
    first = AffineLayer.from_rationals([[Fraction(2**24, 3)]], [2**24])
    m = len(t)
    if clamped:  # step = 1 - ReLU(1 - ReLU(s - t + 1)): exactly 0 or 1 in float64
        layers = [
            first,
            AffineLayer.from_dense([[1]] * m, [1 - v for v in t]),
            AffineLayer.from_triplets(m, m, [(g, g, -1) for g in range(m)], [1] * m),
            AffineLayer.from_dense([[-v for v in c]], [int(y[0]) + sum(c)]),
        ]
    else:  # step = ReLU(s - t + 1) - ReLU(s - t)
        layers = [
            first,
            AffineLayer.from_dense([[1]] * (2 * m), [v for u in t for v in (1 - u, -u)]),
            AffineLayer.from_dense([[v for u in c for v in (u, -u)]], [int(y[0])]),
        ]
    return Network(layers), x.reshape(-1, 1), y


def test_clamped_steps_are_exact_in_float64_after_a_certified_first_layer() -> None:
    from proofs.precision import precision_report

    for clamped in (False, True):
        net, X, y = _staircase(120, clamped)
        assert certify_float64_first_layer(net, X)["certified"]
        rep = precision_report(net, X, y, runtimes=("numpy",), dtypes=("float64",))
        (run,) = rep.runs
        assert rep.exact_correct == len(y)
        if clamped:
            assert run.exactly_correct == len(y) and run.inexact_layers == [0]
        else:
            assert run.rounded_correct < len(y) and 2 in run.inexact_layers


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([0, 20, 45, 70]))
def test_certify_float64_is_sound(seed: int, weight_bits: int) -> None:
    """Whatever it certifies holds for numpy's and onnxruntime's float64 runs."""
    from proofs.precision import available_runtimes, float_forward

    rng = np.random.default_rng(seed)
    widths = [2, *rng.integers(1, 4, size=int(rng.integers(1, 4))).tolist(), 1]
    layers = []
    for a, b in zip(widths, widths[1:], strict=False):
        w = [[int(rng.integers(-(2**12), 2**12)) << int(rng.integers(0, weight_bits + 1)) for _ in range(a)]
             for _ in range(b)]
        bias = [int(rng.integers(-(2**12), 2**12)) for _ in range(b)]
        layers.append(AffineLayer.from_dense(w, bias, denom=int(rng.choice([1, 3, 2**6, 2**30]))))
    net = Network(layers)
    x = rng.integers(-64, 65, size=(6, 2)) / rng.choice([64.0, 3.0, 1.0])
    exact = [row[0] for row in net.evaluate(x).as_fractions()]
    y = np.array([round(v) for v in exact], dtype=object)
    if any(abs(v) >= 2**62 for v in y):
        return
    y = y.astype(np.int64)
    cert = certify_float64(net, x, y)
    for runtime in available_runtimes():
        out = float_forward(net, x, "float64", runtime)[-1][:, 0]
        for v, e in zip(out.tolist(), exact, strict=True):
            assert abs(Fraction(v) - e) <= Fraction(cert["max_error"]) * (1 + Fraction(1, 2**50))
        if cert["certified"]:
            assert np.array_equal(np.rint(out), y)
        if cert["exact"] == len(y):
            assert np.array_equal(out, y.astype(np.float64))


def test_certify_float64_on_staircases() -> None:
    for clamped in (False, True):
        net, X, y = _staircase(60, clamped)
        cert = certify_float64(net, X, y)
        if clamped:
            assert cert["certified"] and cert["exact"] == len(y)
            assert cert["exact_layers"] == [2, 3] and cert["max_error"] == 0.0
        else:
            assert not cert["certified"] and cert["exact_layers"] == []


# -- the float64-safe construction (memorize(..., max_weight_bits=B)) ---------------------
@settings(max_examples=8, deadline=None)
@given(n=st.integers(2, 120), d=st.integers(1, 6), seed=st.integers(0, 1000), width=st.integers(5, 40))
def test_float64_construction_is_certified_and_exact_in_every_runtime(n, d, seed, width) -> None:
    """certify_float64 proves every label exact; numpy and onnxruntime return exactly the labels."""
    from proofs.construction import memorize
    from proofs.precision import available_runtimes, float_forward

    rng = np.random.default_rng(seed)
    X = np.unique(rng.uniform(-1, 1, (n, d)) / math.sqrt(d), axis=0)
    y = rng.integers(-3, 5, len(X))
    net = memorize(X, y, width=width, max_weight_bits=50).network
    assert net.evaluate(X).matches(y).all()
    clamped = certify_float64_clamped(net, X)
    cert = certify_float64(net, X, y)
    assert clamped["certified"] and cert["certified"] and cert["exact"] == len(y)
    assert cert["max_error"] == 0.0 and len(net.layers) - 1 in cert["exact_layers"]
    for runtime in available_runtimes():
        out = float_forward(net, X, "float64", runtime)[-1][:, 0]
        assert np.array_equal(out, y.astype(np.float64)), runtime


def test_float64_clamped_refuses_other_networks() -> None:
    net = Network([AffineLayer.from_dense([[1], [2]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])])
    with pytest.raises(DataError, match="one first-layer unit s, this one has 2.*max_weight_bits"):
        certify_float64_clamped(net, [[0.5]])


def test_float64_clamped_fails_when_steps_round_too_much() -> None:
    """A step near 2**53 is rounded by more than 1/2: not certified."""
    big = 2**60
    net = Network([AffineLayer.from_dense([[big]], [big]), AffineLayer.from_dense([[1]], [1 - big - 3]),
                   AffineLayer.from_dense([[-1]], [1]), AffineLayer.from_dense([[1]], [0])])
    cert = certify_float64_clamped(net, [[0.25], [0.5]])
    assert not cert["certified"] and cert["step_error"] > 0.5


def test_cli_memorize_records_the_float64_certificate(tmp_path, monkeypatch, capsys) -> None:
    import json

    from proofs.cli import main
    from proofs.data import make_dataset, save_dataset

    monkeypatch.chdir(tmp_path)
    save_dataset(make_dataset(80, 3, 4, 0.05, seed=3), "d.npz")
    assert main(["memorize", "d.npz", "-o", "n.npz", "--cert", "c.json", "--max-weight-bits", "50",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["regime"] == "float64" and summary["float64_certified"] is True
    cert = json.loads((tmp_path / "c.json").read_text())
    assert cert["float64"]["certified"] and cert["float64"]["first_layer"]["margin"] > 0
    assert cert["construction"]["requested"]["max_weight_bits"] == 50
    assert main(["verify", "n.npz", "d.npz", "--cert", "c.json", "--json"]) == 0
    capsys.readouterr()
    assert main(["memorize", "d.npz", "-o", "m.npz", "--max-weight-bits", "5"]) != 0
    assert "max_weight_bits=5 is too small" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()
