"""Export to ONNX, torch and numpy: rounding, structure, files, errors, command line."""

from __future__ import annotations

import json
import runpy
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.cli import main
from proofs.errors import MemcapError, NetworkError, ParameterError
from proofs.export import export_network, float_layers, round_rational, to_onnx, to_torch
from proofs.io import load_network, save_network
from proofs.network import AffineLayer, Network

ints = st.integers(min_value=-(2**300), max_value=2**300)
dens = st.integers(min_value=1, max_value=2**200)


def _ulp_neighbours(r: float, dtype: str) -> list[float]:
    t = np.dtype(dtype).type
    v = t(r)
    return [float(np.nextafter(v, t(np.inf))), float(np.nextafter(v, t(-np.inf)))]


@settings(max_examples=300, deadline=None)
@given(ints, dens, st.sampled_from(["float64", "float32"]))
def test_round_rational_is_nearest_ties_to_even(num: int, den: int, dtype: str) -> None:
    exact = Fraction(num, den)
    r = round_rational(num, den, dtype)
    if not np.isfinite(r):
        top = float(np.finfo(dtype).max)
        assert abs(exact) >= Fraction(top)  # overflow only past the largest value
        return
    assert float(np.dtype(dtype).type(r)) == r  # representable in dtype
    dist = abs(Fraction(r) - exact)
    for other in _ulp_neighbours(r, dtype):
        if np.isfinite(other):
            d2 = abs(Fraction(other) - exact)
            assert dist <= d2
            if dist == d2:  # tie: the even one wins
                bits = np.array([r], dtype=dtype).view(np.uint32 if dtype == "float32" else np.uint64)
                assert int(bits[0]) % 2 == 0


def test_round_rational_double_rounding_case() -> None:
    # just above a float32 midpoint, but float64 rounds it onto the midpoint
    num, den = 2**60 * (2**24 + 1) + 1, 2**60
    assert round_rational(num, den, "float64") == 2**24 + 1
    assert round_rational(num, den, "float32") == 2**24 + 2


def _net(rng: np.random.Generator, widths: list[int], scale: int = 8, denom: int = 1) -> Network:
    layers = []
    for a, b in zip(widths, widths[1:], strict=False):
        w = rng.integers(-scale, scale + 1, size=(b, a)).tolist()
        bias = rng.integers(-scale, scale + 1, size=b).tolist()
        layers.append(AffineLayer.from_dense(w, bias, denom=denom))
    return Network(layers)


def test_float_layers_dense_and_rounded() -> None:
    layer = AffineLayer.from_triplets(2, 3, [(0, 2, 1), (1, 0, -2)], [3, 0], denom=3)
    (w, b), = float_layers(Network([layer]))
    assert w.shape == (2, 3) and w.dtype == np.float64
    assert w.tolist() == [[0, 0, 1 / 3], [-2 / 3, 0, 0]]
    assert b.tolist() == [1.0, 0.0]
    (w32, _), = float_layers(Network([layer]), "float32")
    assert w32.dtype == np.float32 and w32[0, 2] == np.float32(1 / 3)


def test_float_layers_overflow_names_the_weight() -> None:
    net = Network([AffineLayer.from_dense([[1], [1]], [0, 0]), AffineLayer.from_dense([[1, 2**1100]], [0])])
    with pytest.raises(NetworkError, match=r"layer 1, weight \(0, 1\) is about 2\^1100"):
        float_layers(net)
    (_, _), (w, _) = float_layers(net, allow_overflow=True)
    assert w[0, 1] == np.inf
    with pytest.raises(NetworkError, match="layer 0, bias 0"):
        float_layers(Network([AffineLayer.from_dense([[1]], [-(2**200)])]), "float32")


def test_unknown_dtype_and_target() -> None:
    net = Network([AffineLayer.from_dense([[1]], [0])])
    with pytest.raises(ParameterError, match="float16"):
        float_layers(net, "float16")
    with pytest.raises(ParameterError, match="unknown export target 'tf'"):
        export_network(net, "tf", "x.tf")


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.lists(st.integers(1, 6), min_size=2, max_size=5))
def test_onnx_runs_small_integer_networks_exactly(seed: int, widths: list[int]) -> None:
    """Small integers are exact in float64, so onnxruntime must reproduce exact outputs."""
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (memcap[onnx])")
    rng = np.random.default_rng(seed)
    net = _net(rng, widths + [1])
    x = rng.integers(-16, 17, size=(7, widths[0])) / 16.0
    session = ort.InferenceSession(to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = session.run(["y"], {"x": x})
    exact = net.evaluate(x).as_fractions()
    assert [[Fraction(v) for v in row] for row in y.tolist()] == exact


def test_onnx_graph_uses_gemm_and_relu_and_float32() -> None:
    onnx = pytest.importorskip("onnx", reason="onnx is not installed (memcap[onnx])")
    net = _net(np.random.default_rng(1), [3, 4, 4, 1])
    model = to_onnx(net, "float32", all_layers=True)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm"]
    assert [o.name for o in model.graph.output] == ["y", "h0", "h1"]
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32), st.lists(st.integers(1, 6), min_size=2, max_size=4))
def test_torch_runs_small_integer_networks_exactly(seed: int, widths: list[int]) -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed (memcap[torch])")
    rng = np.random.default_rng(seed)
    net = _net(rng, widths + [1], denom=4)
    x = rng.integers(-16, 17, size=(5, widths[0])) / 16.0
    model, _ = to_torch(net)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
    assert [[Fraction(v) for v in row] for row in y.tolist()] == net.evaluate(x).as_fractions()


def test_export_lossless_formats_round_trip(tmp_path: Path) -> None:
    net = Network([AffineLayer.from_dense([[2**200 + 1]], [3], denom=7), AffineLayer.from_dense([[1]], [0])])
    for target, name in (("json", "a.json"), ("npz", "a.npz")):
        (path,) = export_network(net, target, tmp_path / name)
        assert load_network(path).same_as(net)
    with pytest.raises(ParameterError, match="needs a .json file name"):
        export_network(net, "json", tmp_path / "a.npz")


def test_export_numpy_arrays(tmp_path: Path) -> None:
    net = _net(np.random.default_rng(2), [2, 3, 1], denom=3)
    (path,) = export_network(net, "numpy", tmp_path / "w.npz", "float32")
    data = np.load(path)
    assert sorted(data.files) == ["W0", "W1", "b0", "b1"]
    assert data["W0"].dtype == np.float32 and data["W0"].shape == (3, 2)
    assert np.array_equal(data["W1"], float_layers(net, "float32")[1][0])


def test_export_torch_writes_a_loader_script_that_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed (memcap[torch])")
    net = _net(np.random.default_rng(3), [2, 3, 1])
    paths = export_network(net, "torch", tmp_path / "m.pt")
    assert [p.name for p in paths] == ["m.pt", "m_load.py"]
    x = np.array([[0.5, -0.25], [1.0, 0.75]])
    np.save(tmp_path / "x.npy", x)
    monkeypatch.setattr(sys, "argv", [str(paths[1]), str(tmp_path / "x.npy")])
    runpy.run_path(str(paths[1]), run_name="__main__")  # the script as a user runs it
    assert "Sequential" in capsys.readouterr().out
    model = runpy.run_path(str(paths[1]))["load"]()
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
    assert [[Fraction(v) for v in row] for row in y.tolist()] == net.evaluate(x).as_fractions()


def test_missing_extra_gives_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    net = _net(np.random.default_rng(4), [2, 1])
    with pytest.raises(MemcapError, match=r"pip install 'memcap\[onnx\]'"):
        export_network(net, "onnx", tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())


def test_cli_export_every_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    net = _net(np.random.default_rng(5), [2, 3, 1])
    save_network(net, "net.json")
    targets = ["numpy", "npz", "json"]
    targets += ["onnx"] if _has("onnx") else []
    targets += ["torch"] if _has("torch") else []
    for target in targets:
        out = f"out_{target}" + {"numpy": ".npz", "npz": ".npz", "json": ".json", "onnx": ".onnx"}.get(
            target, ".pt"
        )
        assert main(["export", "net.json", "--to", target, "-o", out, "--json"]) == 0
        files = json.loads(capsys.readouterr().out)["files"]
        assert files[0] == out and Path(out).exists()
    assert main(["export", "net.json", "--to", "numpy"]) == 0  # default name: net.npz
    assert Path("net.npz").exists()


def test_cli_export_errors_leave_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    big = Network([AffineLayer.from_dense([[2**300]], [0])])
    save_network(big, "big.json")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["export", "big.json", "--to", "numpy", "--dtype", "float32", "-o", "w.npz"]) == 2
    assert "beyond float32's range" in capsys.readouterr().err
    assert main(["export", "big.json", "--to", "tflite"]) == 2
    assert "choose one of" in capsys.readouterr().err
    assert main(["export", "big.json", "--to", "numpy", "--dtype", "half"]) == 2
    assert main(["export", "big.json", "--to", "json"]) == 2  # would overwrite its input
    assert "is the input network" in capsys.readouterr().err
    assert main(["export", "missing.json", "--to", "json", "-o", "x.json"]) != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=8),
    st.sampled_from([1, 2**10, 2**60, 2**200, 3, 3 * 2**40]),
    st.sampled_from(["float64", "float32"]),
)
def test_float_layers_rounds_each_entry_once(nums: list[int], denom: int, dtype: str) -> None:
    layer = AffineLayer.from_dense([nums], [nums[0]], denom=denom)
    (w, b), = float_layers(Network([layer]), dtype, allow_overflow=True)
    assert [float(v) for v in w[0]] == [round_rational(v, denom, dtype) for v in nums]
    assert float(b[0]) == round_rational(nums[0], denom, dtype)


def _onnx_labels(net: Network, X: np.ndarray) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (memcap[onnx])")
    session = ort.InferenceSession(to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = session.run(["y"], {"x": np.asarray(X, dtype=np.float64)})
    return y[:, 0]


@pytest.mark.parametrize(("n", "d"), [(30, 3), (150, 5)])
def test_capped_network_keeps_labels_in_onnxruntime_float64_small(n: int, d: int) -> None:
    from proofs.construction import memorize
    from proofs.data import make_dataset
    from proofs.verify import verify

    ds = make_dataset(n, d, 4, 0.05, seed=n)
    from proofs.float_certify import certify_float64, certify_float64_clamped

    net = memorize(ds.X, ds.y, max_weight_bits=50).network
    assert net.max_bits <= 50 and verify(net, ds.X, ds.y).memorized
    out = _onnx_labels(net, ds.X)
    assert np.array_equal(out, ds.y.astype(np.float64))  # exact, not only rounded
    assert certify_float64_clamped(net, ds.X)["certified"]
    cert = certify_float64(net, ds.X, ds.y)
    assert cert["certified"] and cert["exact"] == n


@pytest.mark.slow
@pytest.mark.parametrize("n", [10_000, 100_000])
def test_capped_network_keeps_labels_in_onnxruntime_float64_large(n: int) -> None:
    from proofs.construction import memorize
    from proofs.data import make_dataset

    ds = make_dataset(n, 8, 10, 0.01, seed=0)
    net = memorize(ds.X, ds.y, max_weight_bits=50).network
    out = _onnx_labels(net, ds.X)
    wrong = np.flatnonzero(np.rint(out) != ds.y)
    assert wrong.size == 0, f"{wrong.size} of {n} labels lost in float64, first {wrong[:10].tolist()}"


@pytest.mark.slow
def test_capped_network_keeps_digits_labels_in_onnxruntime_float64() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (memcap[digits])")
    from proofs.construction import memorize
    from proofs.data import load_digits_dataset

    ds = load_digits_dataset()
    net = memorize(ds.X, ds.y, max_weight_bits=50).network
    out = _onnx_labels(net, ds.X)
    wrong = np.flatnonzero(np.rint(out) != ds.y)
    assert wrong.size == 0, f"{wrong.size} of {ds.N} digits lost in float64, first {wrong[:10].tolist()}"
