"""What a baseline builder returns: the network and a JSON-ready report."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bounds.baselines import METHOD_SOURCES
from proofs.geometry import min_distance
from proofs.network import Network

__all__ = ["BaselineConstruction", "baseline_report", "data_delta_squared"]

_REGIMES = {
    "one_layer": "one hidden layer of 2N ramp units",
    "two_layer": "two hidden layers of about 2 sqrt(N) units",
}


@dataclass(frozen=True, eq=False)
class BaselineConstruction:
    """A built baseline: ``network`` and ``report``, like :func:`proofs.construction.memorize`.

    The report names the method and its source, the sizes requested, the
    sizes built, the formula's sizes (:mod:`bounds.baselines`), N, d, C, the
    projection gap realized and aimed at, the seed, draws and phase times.
    """

    network: Network
    report: dict[str, Any] = field(default_factory=dict)


def data_delta_squared(X: Any) -> Fraction | None:
    """Squared least distance of the points (a proven lower bound), or None for one point.

    >>> data_delta_squared([[0.0, 0.0], [0.5, 0.0], [0.0, 0.75]])
    Fraction(1, 4)
    """
    try:
        n = len(X)
    except TypeError:
        n = 0
    if n < 2:
        return None
    md = min_distance(X)
    return md.lower_bound_squared if md.lower_bound_squared is not None else md.delta_squared


def baseline_report(
    method: str,
    net: Network,
    n: int,
    d: int,
    C: int,
    proj: Any,
    k: int,
    seed: int,
    delta2: Any,
    requested: tuple[int | None, int | None, int | None],
    times: tuple[float, float],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON-ready report every baseline builder returns."""
    gap = proj.gap
    target = proj.gap_target_squared
    return {
        "method": method,
        "regime": _REGIMES.get(method, method),
        "source": METHOD_SOURCES.get(method, method),
        "requested": dict(zip(("width", "depth", "params"), requested, strict=True)),
        "built": net.sizes(),
        "N": n,
        "d": d,
        "C": C,
        "delta": None if delta2 is None else float(delta2) ** 0.5,
        "gap": None if gap is None else str(gap),
        "gap_float": None if gap is None else float(gap),
        "gap_target": None if target is None else float(target) ** 0.5,
        "gap_meets_target": None if target is None or gap is None else gap * gap >= target,
        "grid_exponent": k,
        "direction_bits": proj.bits,
        "seed": seed,
        "draws": proj.draws,
        "redraws": proj.draws - 1,
        **(extra or {}),
        "times": {"project": times[0], "layers": times[1]},
    }
