"""What float arithmetic does to an exact network: the precision report.

:func:`precision_report` runs a network in float64 and float32 (numpy, and
onnxruntime where installed) on a data set and compares with exact evaluation:
how many points still get their label (output rounded to the nearest integer,
and output equal to the label exactly), the largest output error, and the first
layer where the float activations depart from the exact ones. Float results
are only ever *measured* here; the verdict on memorization stays exact
(:mod:`proofs.verify`).

:func:`price_of_float64` gives the construction's sizes with and without the
weight-bit cap that makes float64 evaluation exact after the first layer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from proofs.backends.scalar import exact_rows
from proofs.errors import DataError, ParameterError
from proofs.exact import ExactInputs, exact_inputs
from proofs.export import DTYPES, float_layers, optional_module, to_onnx
from proofs.network import Network

__all__ = [
    "RUNTIMES",
    "FloatRun",
    "PrecisionReport",
    "available_runtimes",
    "float_forward",
    "exact_forward",
    "precision_report",
    "price_of_float64",
    "accuracy_sweep",
    "plot_sweep",
]

#: Float runtimes the report can use.
RUNTIMES = ("numpy", "onnxruntime")


def available_runtimes() -> list[str]:
    """The runtimes of :data:`RUNTIMES` usable here (onnxruntime needs the ``onnx`` extra)."""
    import importlib.util

    found = ["numpy"]
    if importlib.util.find_spec("onnxruntime") and importlib.util.find_spec("onnx"):
        found.append("onnxruntime")
    return found


@dataclass(frozen=True)
class FloatRun:
    """One float run of a network on a data set, compared with exact evaluation.

    Attributes
    ----------
    runtime, dtype : str
        Who computed (``numpy`` or ``onnxruntime``) and in which float type.
    points : int
        Points evaluated.
    rounded_correct : int
        Points whose float output, rounded to the nearest integer, is the label.
    exactly_correct : int
        Points whose float output equals the label exactly.
    max_error : float
        Largest ``|float output - exact output|`` (computed exactly, then
        rounded); ``inf`` when an output is not finite.
    worst_point : int
        A point attaining ``max_error``.
    failing : list of int
        The first (up to 10) points failing the rounding rule.
    checked_points : int
        Points compared with exact values layer by layer (the first ones).
    first_departure : int or None
        First layer (0-based, as in ``net.layers``; the last is the output)
        where some checked point's float activation differs from the exact
        one; ``None`` if none does.
    departed_by_layer : list of int
        For each layer, how many checked points have departed by then.
    inexact_layers : list of int
        Layers whose float output differs, for some checked point, from the
        exact image of the float run's own input to that layer: where the
        float run itself rounds. Layer 0 rounds whenever the inputs are not
        short dyadics; a network exact in float after its first layer has no
        other layer here.
    """

    runtime: str
    dtype: str
    points: int
    rounded_correct: int
    exactly_correct: int
    max_error: float
    worst_point: int
    failing: list[int]
    checked_points: int
    first_departure: int | None
    departed_by_layer: list[int] = field(default_factory=list)
    inexact_layers: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (``max_error`` as a string when infinite or NaN)."""
        out = asdict(self)
        if not np.isfinite(self.max_error):
            out["max_error"] = str(self.max_error)
        return out


@dataclass(frozen=True)
class PrecisionReport:
    """Float runs of one network on one data set; see :func:`precision_report`.

    ``bits_needed[l]`` is :func:`proofs.float_certify.mantissa_bits_needed`
    for layer ``l`` on the points compared layer by layer: layer ``l`` is
    exact in float64 (any summation order) on its exact input when this is
    at most 53, in float32 when at most 24; ``None`` means never.
    """

    points: int
    exact_correct: int
    depth: int
    max_bits: int
    runs: list[FloatRun]
    bits_needed: list[int | None] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "exact_correct": self.exact_correct,
            "depth": self.depth,
            "max_bits": self.max_bits,
            "bits_needed": self.bits_needed,
            "runs": [r.to_json() for r in self.runs],
        }


def float_forward(
    net: Network, X: Any, dtype: str = "float64", runtime: str = "numpy"
) -> list[np.ndarray]:
    """Every layer's float activation (after ReLU; the last is the output).

    Inputs are rounded to ``dtype`` first, as a framework would. Weights
    beyond the dtype's range become ``±inf`` (see :func:`proofs.export.float_layers`).

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0], denom=3),
    ...                AffineLayer.from_dense([[3, 3]], [0])])
    >>> [a.tolist() for a in float_forward(net, [[0.5], [-1.0]])]
    [[[0.16666666666666666, 0.0], [0.0, 0.3333333333333333]], [[0.5], [1.0]]]
    """
    if runtime not in RUNTIMES:
        raise ParameterError(f"unknown runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != net.input_dim:
        raise DataError(f"inputs of shape {x.shape} do not fit a network with {net.input_dim} inputs")
    x = x.astype(dtype)
    if runtime == "onnxruntime":
        return _ort_forward(net, x, dtype)
    acts = []
    h = x
    layers = float_layers(net, dtype, allow_overflow=True)
    with np.errstate(all="ignore"):
        for i, (w, b) in enumerate(layers):
            z = h @ w.T + b
            h = z if i == len(layers) - 1 else np.maximum(z, 0)
            acts.append(h)
    return acts


def _ort_forward(net: Network, x: np.ndarray, dtype: str) -> list[np.ndarray]:
    ort = optional_module("onnxruntime", "onnx")
    model = to_onnx(net, dtype, all_layers=True, allow_overflow=True)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    names = [f"h{i}" for i in range(net.depth)] + ["y"]
    outs = session.run(names, {"x": x})
    return [np.asarray(o) for o in outs]


def exact_forward(net: Network, X: Any, backend: str = "auto") -> list[tuple[np.ndarray, np.ndarray]]:
    """Every layer's exact activation as ``(nums, dens)``: row ``i`` is ``nums[i] / dens[i]``.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0], denom=3),
    ...                AffineLayer.from_dense([[3, 3]], [0])])
    >>> [(n.tolist(), d.tolist()) for n, d in exact_forward(net, [[0.5]])]
    [([[1, 0]], [6]), ([[3]], [6])]
    """
    current: ExactInputs = exact_inputs(X)
    acts = []
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        out = Network([layer]).evaluate(current, backend=backend)
        nums = np.asarray(out.nums)
        if i < last:
            nums = np.where(nums > 0, nums, 0)
            if nums.dtype != object and nums.dtype != np.int64:
                nums = nums.astype(object)
        acts.append((nums, np.asarray(out.dens)))
        current = ExactInputs(nums, np.asarray(out.dens))
    return acts


def _equal_exact(f: np.ndarray, nums: np.ndarray, dens: np.ndarray) -> np.ndarray:
    """Entrywise: float ``f[i, j]`` equals ``nums[i, j] / dens[i]`` exactly (NaN/inf never do)."""
    ok = np.isfinite(f).all(axis=1)
    result = np.zeros(f.shape, dtype=bool)
    if not ok.any():
        return result
    fe = exact_rows(np.asarray(f[ok], dtype=np.float64))
    a = fe.nums.astype(object) * np.asarray(dens[ok], dtype=object)[:, None]
    b = np.asarray(nums[ok], dtype=object) * fe.dens.astype(object)[:, None]
    result[ok] = a == b
    return result


def _run(
    net: Network,
    x: np.ndarray,
    labels: np.ndarray,
    exact_out: list[Fraction],
    exact_layers: list[tuple[np.ndarray, np.ndarray]],
    runtime: str,
    dtype: str,
    backend: str,
) -> FloatRun:
    acts = float_forward(net, x, dtype, runtime)
    out = acts[-1][:, 0].astype(np.float64)
    with np.errstate(invalid="ignore"):
        rounded_ok = np.isfinite(out) & (np.rint(out) == labels)
    exactly_ok = out == labels.astype(np.float64)
    errors = [
        abs(Fraction(float(v)) - e) if np.isfinite(v) else None for v, e in zip(out, exact_out, strict=True)
    ]
    worst = next((i for i, e in enumerate(errors) if e is None), None)
    if worst is None:
        worst = max(range(len(errors)), key=lambda i: errors[i])  # type: ignore[arg-type,return-value]
        max_error = float(errors[worst])  # type: ignore[arg-type]
    else:
        max_error = float("inf")
    k = exact_layers[0][0].shape[0] if exact_layers else 0
    departed = np.zeros(k, dtype=bool)
    by_layer = []
    first = None
    for i, (nums, dens) in enumerate(exact_layers):
        differ = ~_equal_exact(acts[i][:k].astype(np.float64), nums, dens).all(axis=1)
        if first is None and differ.any():
            first = i
        departed |= differ
        by_layer.append(int(departed.sum()))
    inexact = []
    for i, layer in enumerate(net.layers):
        if not k:
            break
        source = x[:k].astype(dtype) if i == 0 else acts[i - 1][:k]
        if not np.isfinite(source).all():
            inexact.append(i)
            continue
        out_i = Network([layer]).evaluate(np.asarray(source, dtype=np.float64), backend=backend)
        nums = np.asarray(out_i.nums)
        if i < len(net.layers) - 1:
            nums = np.where(nums > 0, nums, 0)
        if not _equal_exact(acts[i][:k].astype(np.float64), nums, np.asarray(out_i.dens)).all():
            inexact.append(i)
    return FloatRun(
        runtime=runtime,
        dtype=dtype,
        points=len(out),
        rounded_correct=int(rounded_ok.sum()),
        exactly_correct=int(exactly_ok.sum()),
        max_error=max_error,
        worst_point=int(worst),
        failing=np.flatnonzero(~rounded_ok)[:10].tolist(),
        checked_points=k,
        first_departure=first,
        departed_by_layer=by_layer,
        inexact_layers=inexact,
    )


def precision_report(
    net: Network,
    X: Any,
    y: Any,
    *,
    dtypes: tuple[str, ...] = DTYPES,
    runtimes: tuple[str, ...] | None = None,
    layer_points: int = 200,
    backend: str = "auto",
    progress: Any = None,
) -> PrecisionReport:
    """Run ``net`` in float on ``(X, y)`` and compare with exact evaluation.

    Parameters
    ----------
    net : Network
        A network with one output.
    X, y : array_like
        Points (rows, float64) and integer labels.
    dtypes : tuple of str
        Float types to run in.
    runtimes : tuple of str, optional
        Default: every available one (:func:`available_runtimes`).
    layer_points : int
        How many points (the first ones) to compare layer by layer; every
        point is compared at the output.
    backend : str
        Exact arithmetic backend for the reference values.
    progress : callable, optional
        Called as ``progress(step, done, total)`` after each step (the exact
        reference, each float run, the bit count).

    Examples
    --------
    A weight of 2^60 + 1 is exact in float64 only after rounding away the 1:

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[2**60 + 1]], [0]),
    ...                AffineLayer.from_dense([[1]], [-2**60])])
    >>> rep = precision_report(net, [[1.0], [0.0]], [1, -2**60], runtimes=("numpy",))
    >>> rep.exact_correct
    2
    >>> [(r.dtype, r.rounded_correct, r.max_error, r.first_departure) for r in rep.runs]
    [('float64', 1, 1.0, 0), ('float32', 1, 1.0, 0)]
    """
    x = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y)
    if labels.ndim != 1 or x.ndim != 2 or len(labels) != x.shape[0]:
        raise DataError(f"need points of shape (N, d) and N labels, got {x.shape} and {labels.shape}")
    if net.output_dim != 1:
        raise DataError(f"the precision report needs one output, the network has {net.output_dim}")
    if layer_points < 0:
        raise ParameterError(f"layer_points must be >= 0, got {layer_points}")
    for dt in dtypes:
        if dt not in DTYPES:
            raise ParameterError(f"unknown dtype {dt!r}; choose from {', '.join(DTYPES)}")
    chosen = tuple(available_runtimes()) if runtimes is None else runtimes
    for rt in chosen:
        if rt not in RUNTIMES:
            raise ParameterError(f"unknown runtime {rt!r}; choose one of {', '.join(RUNTIMES)}")
        if rt == "onnxruntime":
            optional_module("onnxruntime", "onnx")
    from proofs.backends import scalar
    from proofs.float_certify import mantissa_bits_needed

    total = 2 + len(chosen) * len(dtypes)
    step = _stepper(progress, total)
    line_backend = "scalar" if backend == "auto" and scalar.applicable(net) else backend
    out = net.evaluate(x, backend=line_backend)
    exact_out = [Fraction(int(n), int(q)) for n, q in zip(out.nums[:, 0], out.dens, strict=True)]
    exact_ok = sum(1 for e, lab in zip(exact_out, labels.tolist(), strict=True) if e == lab)
    sub = x[: min(layer_points, len(x))]
    exact_layers = exact_forward(net, sub, backend) if len(sub) else []
    step("exact reference")
    runs = []
    for rt in chosen:
        for dt in dtypes:
            runs.append(_run(net, x, labels, exact_out, exact_layers, rt, dt, backend))
            step(f"{rt} {dt}")
    needed = mantissa_bits_needed(net, sub, backend, exact_layers=exact_layers) if len(sub) else []
    step("bits needed")
    return PrecisionReport(len(x), exact_ok, net.depth, net.max_bits, runs, needed)


def _stepper(progress: Any, total: int) -> Any:
    done = 0

    def step(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(name, done, total)

    return step


def price_of_float64(
    N: int,
    d: int,
    C: int,
    delta: float,
    *,
    width: int | None = None,
    depth: int | None = None,
    n_b: int | None = None,
    max_weight_bits: int = 50,
) -> dict[str, Any]:
    """Sizes of the construction without and with the weight-bit cap, and their ratios.

    Both come from :func:`bounds.upper.construction_sizes`, which states exactly
    what :func:`proofs.construction.memorize` builds; ``n_b`` is the code bit
    count (``None``: the one guaranteed by ``delta``; ``memorize`` reports the
    one it used). Raises :class:`~proofs.errors.InfeasibleError` when the cap
    is below one slot's bits.

    Examples
    --------
    >>> p = price_of_float64(20000, 8, 10, 0.01, width=32, max_weight_bits=50)
    >>> p["capped"]["max_bits"] <= 50
    True
    >>> sorted(p["ratio"])
    ['depth', 'max_bits', 'nonzeros', 'params', 'width']
    """
    from bounds.upper import construction_sizes

    plain = construction_sizes(N, d, C, delta, width=width, depth=depth, n_b=n_b)
    capped = construction_sizes(
        N, d, C, delta, width=width, depth=depth, n_b=n_b, max_weight_bits=max_weight_bits
    )
    keys = ("width", "depth", "params", "nonzeros", "max_bits")
    ratios = {k: capped[k] / plain[k] for k in keys if plain.get(k)}
    return {"max_weight_bits": max_weight_bits, "plain": plain, "capped": capped, "ratio": ratios}


def accuracy_sweep(
    sizes: list[int],
    *,
    d: int = 8,
    classes: int = 10,
    delta: float = 0.01,
    seed: int = 0,
    width: int | None = None,
    max_weight_bits: int | None = None,
    runtime: str = "numpy",
    progress: Any = None,
) -> list[dict[str, Any]]:
    """Float accuracy of the construction as ``N`` grows: one row per size.

    For each ``N``: generate a data set (:func:`proofs.data.make_dataset`),
    build the memorizing network (:func:`proofs.construction.memorize`, with
    ``max_weight_bits`` if given), and count the points whose float64 and
    float32 outputs, rounded to the nearest integer, are their labels.
    ``progress(done, total)`` is called after each size.
    """
    from proofs.construction import memorize
    from proofs.data import make_dataset

    rows = []
    for done, n in enumerate(sizes, 1):
        ds = make_dataset(int(n), d, classes, delta, seed)
        built = memorize(ds.X, ds.y, width=width, seed=seed, max_weight_bits=max_weight_bits)
        net = built.network
        rep = precision_report(net, ds.X, ds.y, runtimes=(runtime,), layer_points=min(int(n), 200))
        row: dict[str, Any] = {
            "N": int(n),
            "width": net.width,
            "depth": net.depth,
            "max_bits": net.max_bits,
            "exact_correct": rep.exact_correct,
        }
        for r in rep.runs:
            row[f"{r.dtype}_rounded"] = r.rounded_correct
            row[f"{r.dtype}_exact"] = r.exactly_correct
            row[f"{r.dtype}_max_error"] = r.max_error
            row[f"{r.dtype}_first_departure"] = r.first_departure
        rows.append(row)
        if progress is not None:
            progress(done, len(sizes))
    return rows


def plot_sweep(series: dict[str, list[dict[str, Any]]], path: Any, dtype: str = "float64") -> None:
    """Plot the fraction of labels kept in ``dtype`` against ``N``, one line per series.

    ``series`` maps a legend label to rows of :func:`accuracy_sweep`. The
    figure is written atomically (PNG or PDF by the file's suffix).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from proofs.files import atomic_write

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for label, rows in series.items():
        ns = [r["N"] for r in rows]
        acc = [r[f"{dtype}_rounded"] / r["N"] for r in rows]
        ax.plot(ns, acc, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("N (points memorized)")
    ax.set_ylabel(f"labels kept in {dtype}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    suffix = str(path).rsplit(".", 1)[-1]
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format=suffix)
    plt.close(fig)
