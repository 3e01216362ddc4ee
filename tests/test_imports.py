import importlib.util
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.errors import FormatError
from proofs.imports import (
    float_layer,
    from_onnx,
    from_state_dict,
    from_torch,
    load_model,
    network_from_stages,
)
from proofs.network import AffineLayer, Network

needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None, reason="onnx is not installed (pip install 'memcap[onnx]')"
)
needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="torch is not installed (pip install 'memcap[torch]')"
)

floats = st.floats(allow_nan=False, allow_infinity=False, width=32)


def exact_value(net, x):
    return net.evaluate(np.asarray(x, dtype=np.float64), backend="python").as_fractions()


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_float_layer_is_exact(n_out, n_in, data):
    w = np.array(data.draw(st.lists(floats, min_size=n_out * n_in, max_size=n_out * n_in)), dtype=np.float32)
    b = np.array(data.draw(st.lists(floats, min_size=n_out, max_size=n_out)), dtype=np.float32)
    layer = float_layer(w.reshape(n_out, n_in), b)
    fw, fb = layer.to_fractions()
    assert [v for row in fw for v in row] == [Fraction(float(v)) for v in w]
    assert fb == [Fraction(float(v)) for v in b]


def test_non_finite_weights_are_named():
    with pytest.raises(FormatError, match=r"entries \[1\] .* NaN or inf"):
        float_layer(np.array([[1.0, np.nan]]), None, where="layer 3")


def test_consecutive_affine_maps_compose_exactly_and_trailing_relu_gets_identity():
    a = np.array([[0.5, 1.0], [2.0, -1.0]])
    b = np.array([[1.0, 3.0]])
    net = network_from_stages([("affine", a, np.array([1.0, 0.0])), ("affine", b, None), ("relu",)])
    assert net.depth == 1 and net.output_dim == 1
    for x in ([0.25, -2.0], [1.0, 1.0]):
        z = float((b @ (a @ np.array(x) + [1.0, 0.0]))[0])
        assert exact_value(net, [x]) == [[Fraction(max(z, 0.0))]]


def test_a_model_must_start_affine():
    with pytest.raises(FormatError, match="stage 0 is a ReLU before any affine map"):
        network_from_stages([("relu",), ("affine", np.eye(1), None)])


def test_state_dict_round_trip_of_float_weights():
    rng = np.random.default_rng(0)
    state = {
        "0.weight": rng.standard_normal((3, 2)).astype(np.float32),
        "0.bias": rng.standard_normal(3).astype(np.float32),
        "2.weight": rng.standard_normal((1, 3)).astype(np.float32),
        "2.bias": rng.standard_normal(1).astype(np.float32),
    }
    net = from_state_dict(state)
    assert net.widths == [3]
    for layer, i in zip(net.layers, (0, 2), strict=True):
        w, b = layer.to_fractions()
        assert w == [[Fraction(float(v)) for v in row] for row in state[f"{i}.weight"]]
        assert b == [Fraction(float(v)) for v in state[f"{i}.bias"]]
    with pytest.raises(FormatError, match="expected keys"):
        from_state_dict({"weight": np.eye(2)})


class _Linear:
    def __init__(self, w, b):
        self.weight, self.bias = w, b


class _ReLU:
    pass


class _Conv2d:
    pass


_Linear.__name__, _ReLU.__name__, _Conv2d.__name__ = "Linear", "ReLU", "Conv2d"


def test_sequential_modules_by_kind():
    net = from_torch(
        [_Linear(np.array([[1.0], [-1.0]]), None), _ReLU(), _Linear(np.ones((1, 2)), np.zeros(1))]
    )
    assert exact_value(net, [[-0.75]]) == [[Fraction(3, 4)]]
    with pytest.raises(FormatError, match="module 1 is Conv2d"):
        from_torch([_Linear(np.eye(1), None), _Conv2d()])


@needs_torch
def test_real_torch_sequential_round_trip():
    from proofs.export import to_torch

    net = Network(
        [AffineLayer.from_dense([[3, -1], [1, 2]], [1, 0], denom=4), AffineLayer.from_dense([[1, 1]], [0])]
    )
    model, state = to_torch(net)
    for back in (from_torch(model), from_state_dict(state)):
        assert [layer.to_fractions() for layer in back.layers] == [
            layer.to_fractions() for layer in net.layers
        ]


@needs_onnx
def test_onnx_export_round_trip(tmp_path):
    import onnx

    from proofs.export import to_onnx

    net = Network(
        [
            AffineLayer.from_dense([[3, -1], [1, 2], [0, 5]], [1, 0, -7], denom=8),
            AffineLayer.from_dense([[1, 1, -1]], [2], denom=2),
        ]
    )
    path = tmp_path / "net.onnx"
    onnx.save(to_onnx(net), str(path))
    back = load_model(path)
    assert [layer.to_fractions() for layer in back.layers] == [layer.to_fractions() for layer in net.layers]


@needs_onnx
def test_onnx_matmul_add_chain_and_bad_nodes():
    from onnx import TensorProto, helper, numpy_helper

    w = np.array([[0.5, -1.0], [2.0, 0.25]])  # MatMul computes x @ w
    b = np.array([1.0, -0.5])
    v = np.array([[1.0], [1.0]])
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["a"]),
        helper.make_node("Add", ["a", "b"], ["z"]),
        helper.make_node("Relu", ["z"], ["h"]),
        helper.make_node("MatMul", ["h", "v"], ["y"]),
    ]
    inits = [numpy_helper.from_array(a, name=n) for a, n in ((w, "w"), (b, "b"), (v, "v"))]

    def model(nodes):
        graph = helper.make_graph(
            nodes,
            "g",
            [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])],
            [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 1])],
            initializer=inits,
        )
        return helper.make_model(graph)

    net = from_onnx(model(nodes))
    x = np.array([[0.5, -0.25], [1.0, 2.0]])
    ref = np.maximum(x @ w + b, 0) @ v
    assert exact_value(net, x) == [[Fraction(float(r[0]))] for r in ref]
    bad = [*nodes[:2], helper.make_node("Sigmoid", ["z"], ["y"])]
    with pytest.raises(FormatError, match=r"\(Sigmoid\) is not supported"):
        from_onnx(model(bad))


@needs_torch
def test_torch_files_load_as_model_or_state_dict(tmp_path):
    import torch

    from proofs.export import to_torch

    net = Network([AffineLayer.from_dense([[1, -3]], [1], denom=2), AffineLayer.from_dense([[5]], [0])])
    model, state = to_torch(net)
    torch.save(model, tmp_path / "model.pt")
    torch.save(state, tmp_path / "state.pth")
    for name in ("model.pt", "state.pth"):
        back = load_model(tmp_path / name)
        assert [layer.to_fractions() for layer in back.layers] == [
            layer.to_fractions() for layer in net.layers
        ]
    with pytest.raises(FormatError, match="no such file"):
        load_model(tmp_path / "missing.pt")
