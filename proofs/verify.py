"""Exact verification: does a network output every data point's label exactly?

:func:`verify` takes a network and a data set, not the state of whatever built
the network, so it checks networks built anywhere. Every point is evaluated in
exact arithmetic (inputs convert exactly, see :func:`proofs.exact.exact_inputs`)
and compared with its integer label as a rational number; a network is called
memorizing only when every point matches.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from proofs.backends import evaluate, scalar
from proofs.errors import DataError, NetworkError
from proofs.exact import ExactOutputs
from proofs.network import Network

__all__ = ["Failure", "Verification", "verify", "check_labels", "matches", "memorize_summary"]

MEMORIZED = "memorized"
NOT_MEMORIZED = "not memorized"


@dataclass(frozen=True)
class Failure:
    """One data point whose exact output differs from its label.

    Attributes
    ----------
    index : int
        Row of the point in the data set (0-based).
    label : int
        Its label.
    output : fractions.Fraction
        The network's exact output on it.
    """

    index: int
    label: int
    output: Fraction

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form; the output as an exact ``"p/q"`` string."""
        return {"index": self.index, "label": self.label, "output": str(self.output)}

    def __str__(self) -> str:
        return f"point {self.index}: output {self.output}, label {self.label}"


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`.

    Attributes
    ----------
    checked : int
        Points evaluated (all of them).
    matched : int
        Points whose exact output equals their label.
    failures : tuple of Failure
        The first failing points in data order (at most ``max_failures``).
    backend : str
        The arithmetic backend that produced the outputs.
    seconds : float
        Wall-clock time of the evaluation (informative only).
    """

    checked: int
    matched: int
    failures: tuple[Failure, ...]
    backend: str
    seconds: float = field(default=0.0, compare=False)

    @property
    def memorized(self) -> bool:
        """True when every point was checked and matched."""
        return self.checked > 0 and self.matched == self.checked

    @property
    def verdict(self) -> str:
        """``"memorized"`` or ``"not memorized"``."""
        return MEMORIZED if self.memorized else NOT_MEMORIZED

    @property
    def failed_indices(self) -> list[int]:
        """Indices of the reported failing points."""
        return [f.index for f in self.failures]

    def summary(self) -> str:
        """One line saying what was checked and what failed first.

        >>> Verification(3, 3, (), "python").summary()
        'memorized: 3 of 3 points match their labels exactly (backend python)'
        """
        head = f"{self.verdict}: {self.matched} of {self.checked} points match their labels exactly"
        tail = f" (backend {self.backend})"
        if not self.failures:
            return head + tail
        first = "; ".join(str(f) for f in self.failures[:3])
        return f"{head}{tail}; first failing {first}"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the ``verification`` part of a certificate)."""
        return {
            "verdict": self.verdict,
            "checked": self.checked,
            "matched": self.matched,
            "backend": self.backend,
            "failures": [f.to_json() for f in self.failures],
            "seconds": round(self.seconds, 6),
        }


def check_labels(y: Any, n: int | None = None) -> np.ndarray:
    """Labels as an int64 array, refusing anything that is not an integer.

    Examples
    --------
    >>> check_labels([1.0, -2, 3]).tolist()
    [1, -2, 3]
    >>> check_labels([0.5, 1])
    Traceback (most recent call last):
    ...
    proofs.errors.DataError: labels must be integers; label 0 is 0.5
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise DataError(f"labels must be a 1-D array, got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise DataError(f"{len(arr)} labels for {n} points; give one label per point")
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr) >= 2.0**62)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"labels must be integers; label {i} is {arr[i].item()!r}")
        return arr.astype(np.int64)
    try:
        ints = [int(v) for v in arr]
    except (TypeError, ValueError):
        raise DataError(f"labels must be integers, got dtype {arr.dtype}") from None
    if any(int(a) != a for a in arr):
        i = next(i for i, a in enumerate(arr) if int(a) != a)
        raise DataError(f"labels must be integers; label {i} is {arr[i]!r}")
    return np.array(ints, dtype=np.int64)


def matches(out: ExactOutputs, y: np.ndarray) -> np.ndarray:
    """Boolean array: exact output ``i`` equals the integer ``y[i]``.

    Works on int64 or Python-int outputs; compares ``num == y * den`` without
    division, vectorized, in exact integers.

    >>> out = ExactOutputs(np.array([[6], [5]]), np.array([2, 2]), "python")
    >>> matches(out, np.array([3, 2])).tolist()
    [True, False]
    """
    nums = out.nums[:, 0]
    dens = out.dens
    if nums.dtype != object and dens.dtype != object:
        ymax = int(np.abs(y).max(initial=0))
        dmax = int(np.abs(dens).max(initial=1))
        if ymax.bit_length() + dmax.bit_length() < 63:
            return np.asarray(nums.astype(np.int64) == y * dens.astype(np.int64))
    prod = y.astype(object) * dens.astype(object)
    return np.asarray(nums.astype(object) == prod, dtype=bool)


def verify(
    net: Network, X: Any, y: Any, *, backend: str = "auto", max_failures: int = 10
) -> Verification:
    """Evaluate ``net`` exactly on every row of ``X`` and compare with ``y``.

    Parameters
    ----------
    net : Network
        A network with one output.
    X : array_like or proofs.exact.ExactInputs
        Points as rows (float64 values are taken exactly; with the ``scalar``
        backend only the first unit's values are formed, by
        :func:`proofs.dot.exact_dots`, without converting the points).
    y : array_like of int
        One integer label per point.
    backend : str
        Arithmetic backend (see :mod:`proofs.backends`) or ``"auto"``, which
        takes the ``scalar`` backend when the first hidden layer has one unit
        (every construction of memcap) and the backends' own choice otherwise.
    max_failures : int
        How many failing points to report (all are counted).

    Returns
    -------
    Verification

    Raises
    ------
    NetworkError
        If the network has more than one output.
    DataError
        If the shapes of ``X`` and ``y`` do not fit the network or each other.

    Examples
    --------
    ``ReLU(x) + ReLU(-x)`` memorizes ``|x|`` on integer points:

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> verify(net, [[-2.0], [3.0]], [2, 3]).verdict
    'memorized'
    >>> result = verify(net, [[-2.0], [0.5]], [2, 1])
    >>> result.matched, result.failures
    (1, (Failure(index=1, label=1, output=Fraction(1, 2)),))
    """
    if net.output_dim != 1:
        raise NetworkError(
            f"verification needs a network with one output; this one has {net.output_dim}"
        )
    if isinstance(X, np.ndarray) or not hasattr(X, "nums"):
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1) if net.input_dim == 1 else arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise DataError(
                f"points must be a non-empty 2-D array (rows are points), got shape {arr.shape}"
            )
        if arr.shape[1] != net.input_dim:
            raise DataError(
                f"points have {arr.shape[1]} coordinates but the network expects {net.input_dim}; "
                "check that the data set is the one the network was built for"
            )
        X = arr
    n = int(X.shape[0])
    labels = check_labels(y, n)
    if backend == "auto" and scalar.applicable(net):
        backend = "scalar"
    start = time.perf_counter()
    if isinstance(X, np.ndarray) and backend == "scalar" and scalar.applicable(net):
        # the scalar backend needs only S = w . x + b, computed exactly from the floats
        nums, dens = scalar.evaluate(net, X)
        out = ExactOutputs(nums, dens, "scalar")
    else:
        out = evaluate(net, scalar.exact_rows(X) if isinstance(X, np.ndarray) else X, backend=backend)
    ok = matches(out, labels)
    seconds = time.perf_counter() - start
    bad = np.flatnonzero(~ok)[: max(0, max_failures)]
    failures = tuple(
        Failure(int(i), int(labels[i]), Fraction(int(out.nums[i, 0]), int(out.dens[i]))) for i in bad
    )
    return Verification(n, int(ok.sum()), failures, out.backend, seconds)


def memorize_summary(
    net: Network, result: Verification, report: dict[str, Any] | None, X: Any, y: Any
) -> dict[str, Any]:
    """JSON-ready summary of a built and verified network.

    Sizes of the network, ``W^2 L^2`` against ``N log2(1/delta)`` (``delta``
    from the construction's report, else the data's exact minimum distance),
    the regime and the time of each phase from the report, and the verdict.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[4, 4]], [0])])
    >>> X, y = [[-0.5], [0.75]], [2, 3]
    >>> s = memorize_summary(net, verify(net, X, y), None, X, y)
    >>> s["width"], s["depth"], s["W2L2"], s["delta"], round(s["N_log2_inv_delta"], 3)
    (2, 1, 4, 1.25, -0.644)
    """
    report = dict(report or {})
    arr = np.asarray(X, dtype=np.float64)
    n = int(arr.shape[0])
    delta = report.get("delta")
    if delta is None and n >= 2:
        from proofs.geometry import min_distance

        delta = float(min_distance(arr).delta)
    w2l2 = net.width**2 * net.depth**2
    nlog = n * math.log2(1 / delta) if delta else None
    times = report.get("phase_seconds") or report.get("times") or {}
    summary: dict[str, Any] = {
        "verdict": result.verdict,
        "points": n,
        "d": int(arr.shape[1]),
        "classes": len({int(v) for v in np.asarray(y).reshape(-1)}),
        "delta": delta,
        "regime": report.get("regime"),
        "n_b": report.get("n_b"),
        "n_c": report.get("n_c"),
        "gamma": report.get("gamma"),
        "seed": report.get("seed"),
        "redraws": report.get("redraws"),
        "width": net.width,
        "depth": net.depth,
        "params": net.params,
        "nonzeros": net.nonzeros,
        "max_bits": net.max_bits,
        "total_bits": net.total_bits,
        "W2L2": w2l2,
        "N_log2_inv_delta": nlog,
        "W2L2_over_N_log2_inv_delta": (w2l2 / nlog) if nlog and nlog > 0 else None,
        "backend": result.backend,
        "phase_seconds": {
            **{k: round(float(v), 4) for k, v in times.items()},
            "verify": round(result.seconds, 4),
        },
    }
    return summary
