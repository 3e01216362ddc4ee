"""Networks from torch and ONNX, converted exactly.

Every finite binary float (float16, bfloat16, float32, float64) is a dyadic
rational, so a float layer converts to integer numerators over one power of
two without rounding (:func:`float_layer`). Supported models compute
``Linear (ReLU Linear)*``:

- a torch ``nn.Sequential`` of ``Linear`` and ``ReLU`` modules
  (:func:`from_torch`), or its state dict ``{"0.weight": ..., "0.bias": ...}``
  as :func:`proofs.export.to_torch` writes it (:func:`from_state_dict`);
- an ONNX model of ``Gemm``, ``MatMul``, ``Add`` and ``Relu`` nodes (:func:`from_onnx`).

Consecutive affine maps are composed exactly; a model that ends with ReLU gets
an identity output layer. torch and onnx are optional extras, imported only
when used. The opposite direction is :mod:`proofs.export`.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from proofs.errors import FormatError, MemcapError
from proofs.exact import exact_inputs
from proofs.network import AffineLayer, Network

__all__ = [
    "float_layer",
    "network_from_stages",
    "from_state_dict",
    "from_torch",
    "from_onnx",
    "load_model",
]

# A stage is ("affine", W (n_out, n_in) float array, b (n_out,) float array or None) or ("relu",).
Stage = tuple[Any, ...]


def float_layer(weight: Any, bias: Any = None, *, where: str = "layer") -> AffineLayer:
    """An exact layer from float arrays ``W`` of shape ``(n_out, n_in)`` and ``b``.

    Raises :class:`~proofs.errors.FormatError` for NaN or infinite entries.

    >>> float_layer(np.array([[0.5, -0.25]], dtype=np.float32), np.array([3.0])).to_dense()
    ([[2, -1]], [12], 4)
    """
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim != 2 or 0 in w.shape:
        raise FormatError(f"{where}: weight must be a non-empty 2-D array, got shape {w.shape}")
    b = np.zeros(w.shape[0]) if bias is None else np.asarray(bias, dtype=np.float64).reshape(-1)
    if b.shape[0] != w.shape[0]:
        raise FormatError(f"{where}: bias has {b.shape[0]} entries for {w.shape[0]} outputs")
    flat = np.concatenate([w.reshape(-1), b])
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        raise FormatError(
            f"{where}: entries {bad[:10].tolist()} (flattened weight, then bias) are NaN or inf"
        )
    exact = exact_inputs(flat.reshape(1, -1))
    nums = [int(v) for v in exact.nums[0]]
    n_out, n_in = w.shape
    trip = ((r, c, nums[r * n_in + c]) for r in range(n_out) for c in range(n_in))
    return AffineLayer.from_triplets(n_out, n_in, trip, nums[n_out * n_in :], int(exact.dens[0]))


def _compose(first: AffineLayer, second: AffineLayer) -> AffineLayer:
    """The affine map ``second(first(x))``, exactly."""
    w1, b1 = first.to_fractions()
    w2, b2 = second.to_fractions()
    w = [
        [sum((row[k] * w1[k][c] for k in range(first.n_out)), Fraction(0)) for c in range(first.n_in)]
        for row in w2
    ]
    b = [sum((row[k] * b1[k] for k in range(first.n_out)), bias) for row, bias in zip(w2, b2, strict=True)]
    return AffineLayer.from_rationals(w, b)


def network_from_stages(stages: list[Stage], source: str = "model") -> Network:
    """A network from affine and ReLU stages in order.

    Consecutive affine stages are composed; consecutive ReLUs count once; a
    trailing ReLU gets an identity output layer.

    Raises
    ------
    FormatError
        If the model does not start with an affine stage or has none.

    >>> eye = np.eye(2)
    >>> net = network_from_stages([("affine", eye, None), ("relu",), ("affine", np.ones((1, 2)), None)])
    >>> net.widths, net.output_dim
    ([2], 1)
    """
    layers: list[AffineLayer] = []
    pending: AffineLayer | None = None
    for i, stage in enumerate(stages):
        if stage[0] == "affine":
            layer = float_layer(stage[1], stage[2], where=f"{source}, stage {i}")
            pending = layer if pending is None else _compose(pending, layer)
        elif pending is not None:
            layers.append(pending)
            pending = None
        elif not layers:
            raise FormatError(
                f"{source}: stage {i} is a ReLU before any affine map; memcap networks start affine"
            )
    if pending is None:
        if not layers:
            raise FormatError(f"{source}: no affine layer found")
        n = layers[-1].n_out
        pending = AffineLayer.from_triplets(n, n, [(i, i, 1) for i in range(n)], [0] * n)
    layers.append(pending)
    return Network(layers, meta={"source": source})


def from_state_dict(state: dict[str, Any], source: str = "state dict") -> Network:
    """From an ``nn.Sequential`` state dict of Linear layers with a ReLU between each two.

    Keys are ``"<index>.weight"`` and ``"<index>.bias"`` (tensors or arrays),
    as :func:`proofs.export.to_torch` writes them.

    >>> state = {"0.weight": np.array([[1.0], [-1.0]]), "0.bias": np.zeros(2),
    ...          "2.weight": np.array([[0.5, 0.5]]), "2.bias": np.array([0.0])}
    >>> from_state_dict(state).widths
    [2]
    """
    idx = sorted({int(k.split(".")[0]) for k in state if k.split(".")[0].isdigit()})
    extra = [k for k in state if not (k.endswith(".weight") or k.endswith(".bias"))]
    if not idx or extra:
        raise FormatError(f"{source}: expected keys '<i>.weight' and '<i>.bias', found {sorted(state)[:6]}")
    stages: list[Stage] = []
    for n, i in enumerate(idx):
        if f"{i}.weight" not in state:
            raise FormatError(f"{source}: '{i}.bias' has no '{i}.weight'")
        if n:
            stages.append(("relu",))
        stages.append(("affine", _array(state[f"{i}.weight"]), _maybe(state.get(f"{i}.bias"))))
    return network_from_stages(stages, source)


def _array(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor; float16/bfloat16 widen exactly
        value = value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)


def _maybe(value: Any) -> np.ndarray | None:
    return None if value is None else _array(value)


def from_torch(model: Any) -> Network:
    """From a torch ``nn.Sequential`` of ``Linear`` and ``ReLU`` modules (``Flatten``/``Identity`` skipped).

    Raises
    ------
    FormatError
        Naming the first module of another kind.
    """
    stages: list[Stage] = []
    for i, module in enumerate(model.children() if hasattr(model, "children") else model):
        kind = type(module).__name__
        if kind == "Linear":
            stages.append(("affine", _array(module.weight), _maybe(module.bias)))
        elif kind == "ReLU":
            stages.append(("relu",))
        elif kind not in ("Flatten", "Identity", "Dropout"):
            raise FormatError(f"torch model: module {i} is {kind}; only Linear and ReLU are supported")
    return network_from_stages(stages, "torch model")


def from_onnx(model: Any) -> Network:
    """From an ONNX model (``onnx.ModelProto`` or a path) of Gemm, MatMul, Add and Relu nodes.

    The nodes must form one chain from the graph's input; weights and biases
    are initializers. ``Gemm`` attributes ``transA = 0``, ``transB`` and
    (exactly converted) ``alpha``, ``beta`` are honoured.

    Raises
    ------
    FormatError
        Naming the node that is not supported or does not continue the chain.
    """
    onnx = _need_onnx()
    from onnx import numpy_helper

    if isinstance(model, (str, os.PathLike)):
        model = onnx.load(str(model))
    graph = model.graph
    consts = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    inputs = [v.name for v in graph.input if v.name not in consts]
    if len(inputs) != 1:
        raise FormatError(f"ONNX model: expected one data input, found {inputs}")
    current = inputs[0]
    stages: list[Stage] = []
    for node in graph.node:
        where = f"ONNX node {node.name or node.op_type!r} ({node.op_type})"
        data = [x for x in node.input if x not in consts]
        if data != [current]:
            raise FormatError(
                f"{where} does not continue the chain from {current!r}; only chains are supported"
            )
        params = [consts[x] for x in node.input if x in consts]
        if node.op_type == "Relu":
            stages.append(("relu",))
        elif node.op_type == "Gemm":
            stages.append(_gemm(node, params, where))
        elif node.op_type == "MatMul":
            if node.input[0] != current:
                raise FormatError(f"{where}: the data must be the left factor")
            stages.append(("affine", np.asarray(params[0], dtype=np.float64).T, None))
        elif node.op_type == "Add":
            bias = np.asarray(params[0], dtype=np.float64).reshape(-1)
            if stages and stages[-1][0] == "affine" and stages[-1][2] is None:
                stages[-1] = ("affine", stages[-1][1], bias)
            else:
                stages.append(("affine", np.eye(bias.shape[0]), bias))
        elif node.op_type in ("Identity", "Flatten"):
            pass
        else:
            raise FormatError(f"{where} is not supported; use Gemm, MatMul, Add and Relu only")
        current = node.output[0]
    return network_from_stages(stages, "ONNX model")


def _gemm(node: Any, params: list[np.ndarray], where: str) -> Stage:
    attrs = {a.name: a for a in node.attribute}
    if attrs.get("transA") is not None and attrs["transA"].i:
        raise FormatError(f"{where}: transA=1 is not supported")
    w = np.asarray(params[0], dtype=np.float64)
    w = w if attrs.get("transB") is not None and attrs["transB"].i else w.T
    alpha = attrs["alpha"].f if "alpha" in attrs else 1.0
    beta = attrs["beta"].f if "beta" in attrs else 1.0
    if alpha != 1.0:
        w = _scaled(w, alpha, where)
    bias = None
    if len(params) > 1:
        bias = np.broadcast_to(np.asarray(params[1], dtype=np.float64).reshape(-1), (w.shape[0],))
        if beta != 1.0:
            bias = _scaled(bias, beta, where)
    return ("affine", w, bias)


def _scaled(values: np.ndarray, factor: float, where: str) -> np.ndarray:
    out = values * factor
    if any(
        Fraction(float(a)) * Fraction(factor) != Fraction(float(o))
        for a, o in zip(values.flat, out.flat, strict=True)
    ):
        raise FormatError(f"{where}: scaling by {factor} is not exact in float64; fold it into the weights")
    return out


def _need_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise MemcapError(
            "reading ONNX needs the optional package onnx; pip install 'memcap[onnx]'"
        ) from None
    return onnx


def load_model(path: str | os.PathLike[str]) -> Network:
    """Any network file: memcap's ``.npz``/``.json``, ``.onnx``, or a torch ``.pt``/``.pth``.

    A torch file may hold a whole ``nn.Sequential`` or its state dict.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".onnx":
        if not p.exists():
            raise FormatError(f"no such file: {p}")
        return from_onnx(p)
    if suffix in (".pt", ".pth"):
        try:
            import torch
        except ImportError:
            raise MemcapError("reading torch files needs torch; pip install 'memcap[torch]'") from None
        if not p.exists():
            raise FormatError(f"no such file: {p}")
        obj = torch.load(p, map_location="cpu", weights_only=False)
        return from_state_dict(obj, str(p)) if isinstance(obj, dict) else from_torch(obj)
    from proofs.io import load_network

    return load_network(p)
