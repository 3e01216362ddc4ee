"""Export exact networks to float frameworks: ONNX, torch, plain numpy arrays.

Every weight ``num / denom`` is rounded once, correctly (to nearest, ties to
even), to the target dtype. The exported model computes the same layers as
:class:`proofs.network.Network`: an affine map then ReLU for each hidden layer,
and a final affine output. Lossless formats (``json``, ``npz``) go through
:mod:`proofs.io`; the float formats lose whatever the dtype cannot hold, and
:mod:`proofs.precision` measures what that costs.

``onnx`` and ``torch`` are optional extras, imported only when used.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from proofs.errors import MemcapError, NetworkError, ParameterError
from proofs.files import atomic_write
from proofs.network import Network

__all__ = [
    "TARGETS",
    "DTYPES",
    "round_rational",
    "float_layers",
    "to_onnx",
    "to_torch",
    "torch_loader_script",
    "export_network",
    "optional_module",
]

#: Export targets and the file suffix each writes by default.
TARGETS = {"onnx": ".onnx", "torch": ".pt", "numpy": ".npz", "npz": ".npz", "json": ".json"}
#: Float dtypes a network can be exported to.
DTYPES = ("float64", "float32")


def _check_dtype(dtype: str) -> np.dtype:
    if dtype not in DTYPES:
        raise ParameterError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    return np.dtype(dtype)


def round_rational(num: int, den: int, dtype: str = "float64") -> float:
    """The dtype value nearest to ``num / den`` (ties to even); ``±inf`` past the range.

    Python's ``int / int`` rounds correctly to float64. For float32 the float64
    value can sit on a float32 midpoint the exact value is not on (double
    rounding), so the nearest float32 is picked among the neighbours exactly.

    Examples
    --------
    >>> round_rational(1, 3)
    0.3333333333333333
    >>> round_rational(2**24 + 1, 1, "float32")   # a tie: to even
    16777216.0
    >>> round_rational(2**60 * (2**24 + 1) + 1, 2**60, "float32")  # just above the tie
    16777218.0
    >>> round_rational(-(2**1100), 1)
    -inf
    """
    _check_dtype(dtype)
    try:
        x64 = num / den
    except OverflowError:
        x64 = float("inf") if (num > 0) == (den > 0) else float("-inf")
    if dtype == "float64":
        return x64
    with np.errstate(over="ignore"):
        c = np.float32(x64)
    exact = Fraction(num, den)
    if not np.isfinite(c):
        top = np.finfo(np.float32).max
        # beyond max + half an ulp the nearest float32 is infinity
        limit = Fraction(float(top)) + Fraction(2) ** 103
        if abs(exact) < limit:
            return float(np.copysign(top, c))
        return float(c)
    if Fraction(float(c)) == exact:
        return float(c)
    cands = [c, np.nextafter(c, np.float32(np.inf)), np.nextafter(c, np.float32(-np.inf))]
    cands = [v for v in cands if np.isfinite(v)]

    def key(v: np.float32) -> tuple[Fraction, int]:
        odd = int(np.asarray(v).view(np.uint32)) & 1
        return abs(Fraction(float(v)) - exact), odd

    return float(min(cands, key=key))


def float_layers(
    net: Network, dtype: str = "float64", *, allow_overflow: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Dense ``(W, b)`` of every layer, each entry rounded to ``dtype``.

    ``W`` has shape ``(n_out, n_in)``. A weight beyond the dtype's range
    raises :class:`~proofs.errors.NetworkError` naming it, unless
    ``allow_overflow`` (then it becomes ``±inf``, as a framework would load it).

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 1], denom=3),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> (w, b), _ = float_layers(net)
    >>> w.tolist(), b.tolist()
    ([[0.3333333333333333], [-0.3333333333333333]], [0.0, 0.3333333333333333])
    >>> float_layers(Network([AffineLayer.from_dense([[2**200]], [0])]), "float32")
    Traceback (most recent call last):
    ...
    proofs.errors.NetworkError: layer 0, weight (0, 0) is about 2^200, beyond float32's range; ...
    """
    dt = _check_dtype(dtype)
    out = []
    for index, layer in enumerate(net.layers):
        vals = _rounded(layer.nums, layer.denom, dtype)
        bias = _rounded(layer.bias, layer.denom, dtype)
        if not allow_overflow:
            _refuse_overflow(index, layer, vals, bias, dtype)
        w = np.zeros((layer.n_out, layer.n_in), dtype=dt)
        w[layer.rows, layer.cols] = vals
        out.append((w, bias.astype(dt)))
    return out


def _rounded(nums: np.ndarray, q: int, dtype: str) -> np.ndarray:
    """``nums / q`` rounded to ``dtype`` (held as float64), entry by entry."""
    if nums.dtype != object and q & (q - 1) == 0 and q.bit_length() < 900:
        # |n| < 2^53 is exact in float64, and dividing by a power of two is exact
        # above the subnormal range: one rounding only, the dtype's own
        if len(nums) == 0 or int(np.abs(nums).max()) < 1 << 53:
            with np.errstate(over="ignore"):
                small = nums.astype(np.float64) / float(q)
                if not small.size or np.abs(small[small != 0]).min(initial=1.0) >= 2.0**-1000:
                    return small.astype(dtype).astype(np.float64)
    return np.array([round_rational(int(v), q, dtype) for v in nums], dtype=np.float64)


def _refuse_overflow(index: int, layer: Any, vals: np.ndarray, bias: np.ndarray, dtype: str) -> None:
    bad = np.flatnonzero(~np.isfinite(vals))
    if bad.size:
        k = int(bad[0])
        where = f"weight ({int(layer.rows[k])}, {int(layer.cols[k])})"
        size = Fraction(int(layer.nums[k]), layer.denom)
    else:
        badb = np.flatnonzero(~np.isfinite(bias))
        if not badb.size:
            return
        where = f"bias {int(badb[0])}"
        size = Fraction(int(layer.bias[int(badb[0])]), layer.denom)
    log2 = abs(size.numerator).bit_length() - size.denominator.bit_length()
    raise NetworkError(
        f"layer {index}, {where} is about 2^{log2}, beyond {dtype}'s range; "
        "export to float64, or build the network with --max-weight-bits"
    )


def optional_module(module: str, extra: str) -> Any:
    """Import an optional dependency, or raise a :class:`MemcapError` naming the extra to install.

    >>> optional_module("numpy", "none").__name__
    'numpy'
    >>> optional_module("no_such_module_here", "onnx")
    Traceback (most recent call last):
    ...
    bounds.errors.MemcapError: this needs the optional package 'no_such_module_here'; ... 'memcap[onnx]'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MemcapError(
            f"this needs the optional package {module!r}; install it with "
            f"pip install 'memcap[{extra}]'"
        ) from None


def to_onnx(
    net: Network, dtype: str = "float64", *, all_layers: bool = False, allow_overflow: bool = False
) -> Any:
    """An ONNX model (``onnx.ModelProto``) computing ``net`` in ``dtype``.

    Input ``x`` has shape ``(N, input_dim)`` with a free batch size ``N``;
    output ``y`` has shape ``(N, output_dim)``. Each layer is a ``Gemm`` (with
    ``transB=1``, weights stored as ``(n_out, n_in)``), followed by ``Relu`` on
    hidden layers. With ``all_layers``, every layer's activation is also an
    output (``h0``, ``h1``, ...), for comparing with exact values.
    ``allow_overflow`` is passed to :func:`float_layers`.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> import pytest; _ = pytest.importorskip("onnx")
    >>> model = to_onnx(net)
    >>> [n.op_type for n in model.graph.node]
    ['Gemm', 'Relu', 'Gemm']
    """
    onnx = optional_module("onnx", "onnx")
    from onnx import TensorProto, helper, numpy_helper

    elem = TensorProto.DOUBLE if dtype == "float64" else TensorProto.FLOAT
    layers = float_layers(net, dtype, allow_overflow=allow_overflow)
    nodes, inits, extra_outputs = [], [], []
    current = "x"
    last = len(layers) - 1
    for i, (w, b) in enumerate(layers):
        inits.append(numpy_helper.from_array(w, name=f"W{i}"))
        inits.append(numpy_helper.from_array(b, name=f"b{i}"))
        affine = "y" if i == last else f"z{i}"
        nodes.append(helper.make_node("Gemm", [current, f"W{i}", f"b{i}"], [affine], transB=1))
        if i < last:
            nodes.append(helper.make_node("Relu", [affine], [f"h{i}"]))
            current = f"h{i}"
            if all_layers:
                extra_outputs.append(helper.make_tensor_value_info(current, elem, ["N", w.shape[0]]))
    graph = helper.make_graph(
        nodes,
        "memcap",
        [helper.make_tensor_value_info("x", elem, ["N", net.input_dim])],
        [helper.make_tensor_value_info("y", elem, ["N", net.output_dim]), *extra_outputs],
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="memcap"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def to_torch(net: Network, dtype: str = "float64") -> tuple[Any, dict[str, Any]]:
    """A torch ``nn.Sequential`` (Linear, ReLU, ..., Linear) and its state dict.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> import pytest; _ = pytest.importorskip("torch")
    >>> model, state = to_torch(net)
    >>> sorted(state)
    ['0.bias', '0.weight', '2.bias', '2.weight']
    """
    torch = optional_module("torch", "torch")
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    layers = float_layers(net, dtype)
    modules: list[Any] = []
    for i, (w, _) in enumerate(layers):
        modules.append(torch.nn.Linear(w.shape[1], w.shape[0], dtype=tdtype))
        if i < len(layers) - 1:
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    state = {}
    for i, (w, b) in enumerate(layers):
        state[f"{2 * i}.weight"] = torch.from_numpy(w.copy())
        state[f"{2 * i}.bias"] = torch.from_numpy(b.copy())
    model.load_state_dict(state)
    return model, state


def torch_loader_script(state_file: str, dtype: str = "float64") -> str:
    """Source of a stand-alone script rebuilding the ``nn.Sequential`` from its state dict.

    >>> "nn.Sequential" in torch_loader_script("net.pt")
    True
    """
    return f'''"""Load the memcap network in {state_file} as a torch nn.Sequential.

Usage: python this_script.py [INPUTS.npy]  (prints the outputs for the given points)
"""
import sys
from pathlib import Path

import torch
from torch import nn

STATE = Path(__file__).with_name({state_file!r})


def load(path=STATE):
    state = torch.load(path, map_location="cpu", weights_only=True)
    n = len(state) // 2
    modules = []
    for i in range(n):
        out_dim, in_dim = state[f"{{2 * i}}.weight"].shape
        modules.append(nn.Linear(in_dim, out_dim, dtype=torch.{dtype}))
        if i < n - 1:
            modules.append(nn.ReLU())
    model = nn.Sequential(*modules)
    model.load_state_dict(state)
    return model.eval()


if __name__ == "__main__":
    model = load()
    print(model)
    if len(sys.argv) > 1:
        import numpy as np

        x = torch.from_numpy(np.load(sys.argv[1])).to(torch.{dtype})
        with torch.no_grad():
            print(model(x).numpy())
'''


def export_network(
    net: Network, target: str, out: str | os.PathLike[str], dtype: str = "float64"
) -> list[Path]:
    """Write ``net`` for ``target`` (one of :data:`TARGETS`) to ``out``; return the files written.

    ``json`` and ``npz`` are memcap's lossless interchange formats
    (:mod:`proofs.io`, ``dtype`` does not apply). ``numpy`` writes arrays
    ``W0, b0, W1, b1, ...`` of ``dtype`` in an ``.npz``. ``torch`` writes the
    state dict and, next to it, ``<stem>_load.py`` which rebuilds the model.
    All files are written atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "net.npz"
    >>> [p.name for p in export_network(net, "numpy", out, "float32")]
    ['net.npz']
    >>> sorted(np.load(out).files)
    ['W0', 'W1', 'b0', 'b1']
    """
    if target not in TARGETS:
        raise ParameterError(f"unknown export target {target!r}; choose one of {', '.join(TARGETS)}")
    _check_dtype(dtype)
    path = Path(out)
    if target in ("json", "npz"):
        from proofs.io import save_network

        if path.suffix != TARGETS[target]:
            raise ParameterError(
                f"the {target} interchange format needs a {TARGETS[target]} file name, got {path.name!r}"
            )
        save_network(net, path)
        return [path]
    if target == "numpy":
        arrays: dict[str, np.ndarray] = {}
        for i, (w, b) in enumerate(float_layers(net, dtype)):
            arrays[f"W{i}"], arrays[f"b{i}"] = w, b
        with atomic_write(path, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        return [path]
    if target == "onnx":
        model = to_onnx(net, dtype)
        with atomic_write(path, "wb") as handle:
            handle.write(model.SerializeToString())
        return [path]
    torch = optional_module("torch", "torch")
    _, state = to_torch(net, dtype)
    script = path.with_name(f"{path.stem}_load.py")
    with atomic_write(script) as handle:
        handle.write(torch_loader_script(path.name, dtype))
    with atomic_write(path, "wb") as handle:
        torch.save(state, handle)
    return [path, script]
