"""Measure built networks and set them beside what the theory states.

:func:`measure` reads everything the analyzer knows off one network: its
graph counts (:mod:`proofs.graph`) and exact regions along the data line and
along random chords (:mod:`proofs.regions`).

:func:`sweep` is the empirical tightness report: for each case it builds a
network with :func:`proofs.construction.memorize`, verifies it exactly,
measures it, and puts beside the measurements what
:func:`bounds.upper.construction_sizes` predicts (it must be equal) and every
explicit lower bound of :mod:`bounds.lower` (measured / lower is reported).
:func:`check` turns a sweep into a list of failures, naming the case.
"""

from __future__ import annotations

from typing import Any

from proofs.errors import DataError
from proofs.graph import graph_stats
from proofs.network import Network
from proofs.regions import data_segment, random_segments, segment_regions

__all__ = ["measure"]


def measure(
    net: Network,
    X: Any = None,
    y: Any = None,
    *,
    segments: int = 2,
    seed: int = 0,
    breakpoints: bool = False,
) -> dict[str, Any]:
    """Graph counts and exact regions of ``net``; with labels also an exact verification.

    Parameters
    ----------
    net : Network
    X : array_like, optional
        Data points (rows). They give the active subgraph and the extent of
        the data line.
    y : array_like, optional
        Labels; when given, the network is verified exactly on ``(X, y)``.
    segments : int
        Number of random chords of the unit ball to count regions on.
    seed : int
        Seed of the random chords.
    breakpoints : bool
        Also list every exact breakpoint (as ``p/q`` strings).

    Returns
    -------
    dict
        JSON-ready: ``sizes`` (see :class:`proofs.graph.GraphStats`),
        ``regions`` (one entry per segment), and ``verification`` when ``y`` is given.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> m = measure(net, [[-0.5], [0.5]], [1, 1], segments=1)
    >>> m["sizes"]["widths"], m["verification"]["memorized"]
    ([1, 2, 1], False)
    >>> [(r["segment"], r["linear_pieces"]) for r in m["regions"]]
    [('data line (unit 0)', 2), ('random chord 0 (seed 0)', 2)]
    """
    out: dict[str, Any] = {"sizes": graph_stats(net, X).to_dict()}
    segs = []
    if any(int(v) for v in net.layers[0].nums[net.layers[0].rows == 0]):
        segs.append(data_segment(net, X))
    segs += random_segments(net.input_dim, segments, seed)
    out["regions"] = [segment_regions(net, s).to_dict(points=breakpoints) for s in segs]
    if y is not None:
        if X is None:
            raise DataError("labels were given without points; give X as well")
        from proofs.verify import verify

        result = verify(net, X, y)
        out["verification"] = {"memorized": result.memorized, **result.to_json()}
    return out
