"""The precision report: float runs counted against exact evaluation."""

from __future__ import annotations

import importlib.util
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.cli import main
from proofs.data import save_dataset, validate_dataset
from proofs.errors import DataError, ParameterError
from proofs.io import save_network
from proofs.network import AffineLayer, Network
from proofs.precision import (
    available_runtimes,
    exact_forward,
    float_forward,
    precision_report,
    price_of_float64,
)

HAS_ORT = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


def _random_net(rng: np.random.Generator, widths: list[int], big: bool) -> Network:
    scale = 2**40 if big else 1  # times 2^40: weights up to about 2^70, beyond float64's 53 bits

    def draw() -> int:
        return int(rng.integers(-(2**30) if big else -9, 2**30 if big else 9)) * scale

    layers = []
    for a, b in zip(widths, widths[1:], strict=False):
        w = [[draw() if rng.random() < 0.7 else 0 for _ in range(a)] for _ in range(b)]
        bias = [draw() for _ in range(b)]
        layers.append(AffineLayer.from_dense(w, bias, denom=int(rng.choice([1, 3, 2**20]))))
    return Network(layers)


def _integer_net(net: Network) -> Network:
    """The same numerators over denominator 1: every value is a small integer, exact in float."""
    return Network([AffineLayer.from_dense(*layer.to_dense()[:2]) for layer in net.layers])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.booleans())
def test_exact_forward_agrees_with_evaluate(seed: int, big: bool) -> None:
    rng = np.random.default_rng(seed)
    net = _random_net(rng, [3, 4, 2, 1], big)
    x = rng.normal(size=(6, 3))
    nums, dens = exact_forward(net, x)[-1]
    got = [[Fraction(int(v), int(q)) for v in row] for row, q in zip(nums, dens, strict=True)]
    assert got == net.evaluate(x).as_fractions()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.booleans())
def test_report_counts_match_a_direct_count(seed: int, big: bool) -> None:
    rng = np.random.default_rng(seed)
    net = _random_net(rng, [2, 5, 3, 1], big)
    x = rng.integers(-8, 9, size=(12, 2)) / 8.0
    exact = [row[0] for row in net.evaluate(x).as_fractions()]
    # labels: the exact output rounded, so exact evaluation matches wherever it is an integer
    y = np.array([round(v) for v in exact], dtype=object)
    if any(abs(v) >= 2**62 for v in y):
        return
    y = y.astype(np.int64)
    rep = precision_report(net, x, y, runtimes=("numpy",), layer_points=5)
    assert rep.exact_correct == sum(1 for e, lab in zip(exact, y.tolist(), strict=True) if e == lab)
    for run in rep.runs:
        out = float_forward(net, x, run.dtype)[-1][:, 0].astype(np.float64)
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(out) & (np.rint(out) == y)
        assert run.rounded_correct == int(ok.sum())
        assert run.exactly_correct == int((out == y).sum())
        pairs = zip(out, exact, strict=True)
        errs = [abs(Fraction(float(o)) - e) if np.isfinite(o) else None for o, e in pairs]
        if None in errs:
            assert run.max_error == float("inf")
        else:
            assert run.max_error == float(max(errs))  # type: ignore[type-var]
        assert run.checked_points == 5 and len(run.departed_by_layer) == 3


def test_small_integer_network_is_exact_in_float() -> None:
    rng = np.random.default_rng(0)
    net = _integer_net(_random_net(rng, [3, 4, 4, 1], big=False))
    x = rng.integers(-4, 5, size=(20, 3)).astype(np.float64)  # integer outputs
    y = np.array([int(row[0]) for row in net.evaluate(x).as_fractions()])
    rep = precision_report(net, x, y)
    assert rep.exact_correct == 20
    for run in rep.runs:
        assert run.rounded_correct == run.exactly_correct == 20
        assert run.first_departure is None and run.max_error == 0.0
    assert {r.runtime for r in rep.runs} == set(available_runtimes())


def test_first_departure_is_the_first_inexact_layer() -> None:
    # layer 0 exact, layer 1 rounds 2^60 + 1, the output subtracts 2^60
    net = Network(
        [
            AffineLayer.from_dense([[1]], [0]),
            AffineLayer.from_dense([[2**60 + 1]], [0]),
            AffineLayer.from_dense([[1]], [-(2**60)]),
        ]
    )
    rep = precision_report(net, [[1.0], [0.0]], [1, -(2**60)], runtimes=("numpy",), dtypes=("float64",))
    (run,) = rep.runs
    assert run.first_departure == 1 and run.departed_by_layer == [0, 1, 1]
    assert run.rounded_correct == 1 and run.failing == [0] and run.max_error == 1.0


@pytest.mark.skipif(not HAS_ORT, reason="onnxruntime is not installed (memcap[onnx])")
def test_onnxruntime_layers_match_numpy_on_exact_networks() -> None:
    rng = np.random.default_rng(3)
    net = _integer_net(_random_net(rng, [4, 6, 6, 1], big=False))
    x = rng.integers(-4, 5, size=(9, 4)) / 4.0
    for a, b in zip(float_forward(net, x), float_forward(net, x, runtime="onnxruntime"), strict=True):
        assert np.array_equal(a, b)


def test_bad_requests() -> None:
    net = Network([AffineLayer.from_dense([[1]], [0])])
    with pytest.raises(DataError, match="N labels"):
        precision_report(net, [[0.5], [0.25]], [1])
    with pytest.raises(DataError, match="needs one output"):
        precision_report(Network([AffineLayer.from_dense([[1], [2]], [0, 0])]), [[0.5]], [1])
    with pytest.raises(ParameterError, match="unknown dtype 'float16'"):
        precision_report(net, [[0.5]], [1], dtypes=("float16",))
    with pytest.raises(ParameterError, match="unknown runtime 'jax'"):
        float_forward(net, [[0.5]], runtime="jax")
    with pytest.raises(DataError, match="do not fit a network with 1 inputs"):
        float_forward(net, [[0.5, 1.0]])


def test_cli_precision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    net = Network([AffineLayer.from_dense([[2**60 + 1]], [0]), AffineLayer.from_dense([[1]], [-(2**60)])])
    save_network(net, "net.json")
    save_dataset(validate_dataset(np.array([[1.0], [0.5]]), np.array([1, 3])), "data.npz")
    assert main(["precision", "net.json", "data.npz", "--json", "--runtime", "numpy", "--certify"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["points"] == 2 and [r["dtype"] for r in payload["runs"]] == ["float64", "float32"]
    assert payload["runs"][0]["rounded_correct"] == 0
    assert payload["float64_first_layer"]["certified"] is False
    assert main(["precision", "net.json", "data.npz", "--runtime", "numpy", "--certify-all", "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)["float64_network"]
    assert whole["certified"] is False and whole["points"] == 2
    args = ["precision", "net.json", "data.npz", "--runtime", "numpy", "--certify", "--certify-all"]
    assert main(args) == 0
    assert "float64 network certificate" in capsys.readouterr().out
    assert main(["precision", "net.json", "data.npz", "--dtype", "float64"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out and "float64" in out and "float32" not in out
    assert main(["precision", "net.json", "nothing.npz"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["precision", "net.json", "data.npz", "--runtime", "jax"]) == 2


def test_price_of_float64() -> None:
    pytest.importorskip("bounds.upper", reason="bounds.upper is not available")
    price = price_of_float64(20000, 8, 10, 0.01, width=32, max_weight_bits=50)
    assert price["capped"]["max_bits"] <= 50
    assert price["plain"] == __import__("bounds.upper").upper.construction_sizes(20000, 8, 10, 0.01, width=32)
    assert price["ratio"]["depth"] == price["capped"]["depth"] / price["plain"]["depth"]


def test_progress_and_missing_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from proofs.errors import MemcapError

    net = Network([AffineLayer.from_dense([[1]], [0]), AffineLayer.from_dense([[1]], [0])])
    calls: list[tuple[str, int, int]] = []
    precision_report(net, [[0.5]], [0], runtimes=("numpy",), progress=lambda *a: calls.append(a))
    assert [c[1] for c in calls] == [1, 2, 3, 4] and all(c[2] == 4 for c in calls)
    assert [c[0] for c in calls] == ["exact reference", "numpy float64", "numpy float32", "bits needed"]
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(MemcapError, match=r"memcap\[onnx\]"):
        precision_report(net, [[0.5]], [0], runtimes=("onnxruntime",))
