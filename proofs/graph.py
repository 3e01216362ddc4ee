"""Networks as directed graphs, and the counts read off them.

A :class:`~proofs.network.Network` becomes a :class:`networkx.DiGraph` whose
nodes are the units: ``(0, i)`` for input coordinate ``i`` and ``(l, j)`` for
unit ``j`` of layer ``l`` (``l = 1 .. depth`` hidden, ``depth + 1`` output).
Every node carries ``layer`` and ``kind`` (``"input"``, ``"hidden"`` or
``"output"``); unit nodes carry ``bias`` (a :class:`~fractions.Fraction`) and
``bias_num``; every nonzero weight is an edge with ``weight`` (a Fraction) and
``num`` (its integer numerator). The graph attribute ``denoms`` keeps each
layer's denominator, so :func:`from_graph` rebuilds the network exactly.

Counts use networkx algorithms: layers are topological generations of the
graph with its unit nodes tied to their layer, the longest path is
:func:`networkx.dag_longest_path`, the active subgraph is an induced subgraph.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from proofs.errors import NetworkError
from proofs.network import AffineLayer, Network, bits

__all__ = [
    "GraphStats",
    "to_graph",
    "from_graph",
    "graph_stats",
    "layer_widths",
    "longest_path",
    "active_units",
    "active_subgraph",
]


def to_graph(net: Network) -> nx.DiGraph:
    """The network as a DiGraph of units with exact weights on the edges.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 1], denom=2),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> g = to_graph(net)
    >>> g.number_of_nodes(), g.number_of_edges()
    (4, 4)
    >>> g.nodes[(1, 1)]["bias"], g.edges[(0, 0), (1, 1)]["weight"]
    (Fraction(1, 2), Fraction(-1, 2))
    """
    g = nx.DiGraph(denoms=[layer.denom for layer in net.layers], meta=dict(net.meta))
    last = len(net.layers)
    g.add_nodes_from(((0, i), {"layer": 0, "kind": "input"}) for i in range(net.input_dim))
    for l_idx, layer in enumerate(net.layers, start=1):
        kind = "output" if l_idx == last else "hidden"
        for j, b in enumerate(layer.bias):
            g.add_node(
                (l_idx, j), layer=l_idx, kind=kind, bias=Fraction(int(b), layer.denom), bias_num=int(b)
            )
        g.add_edges_from(
            ((l_idx - 1, int(c)), (l_idx, int(r)), {"weight": Fraction(int(v), layer.denom), "num": int(v)})
            for r, c, v in zip(layer.rows, layer.cols, layer.nums, strict=True)
        )
    return g


def from_graph(g: nx.DiGraph) -> Network:
    """Rebuild the exact network from a graph made by :func:`to_graph`.

    Without a ``denoms`` graph attribute (a graph built by hand), each layer
    takes the least common denominator of its Fraction weights and biases.

    Raises
    ------
    NetworkError
        If a node lacks its ``layer``, an edge skips a layer, or the unit
        indices of a layer are not ``0 .. n-1``.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[3, 0], [1, 5]], [1, 0], denom=4),
    ...                AffineLayer.from_dense([[2, -1]], [7], denom=8)])
    >>> from_graph(to_graph(net)).same_as(net)
    True
    """
    sizes = _layer_sizes(g)
    denoms = g.graph.get("denoms")
    if denoms is not None and len(denoms) != len(sizes) - 1:
        raise NetworkError(f"graph has {len(sizes) - 1} layers but {len(denoms)} denominators")
    layers = []
    for l_idx in range(1, len(sizes)):
        n_in, n_out = sizes[l_idx - 1], sizes[l_idx]
        edges = [
            (v[1], u[1], data)
            for v in ((l_idx, j) for j in range(n_out))
            for u, _, data in g.in_edges(v, data=True)
        ]
        for r, c, _ in edges:
            if not 0 <= c < n_in:
                raise NetworkError(f"edge into unit {(l_idx, r)} comes from outside layer {l_idx - 1}")
        biases = [g.nodes[(l_idx, j)].get("bias", Fraction(0)) for j in range(n_out)]
        if denoms is not None:
            q = int(denoms[l_idx - 1])
            trip = [(r, c, data.get("num", _times(data["weight"], q))) for r, c, data in edges]
            bias_nums = [g.nodes[(l_idx, j)].get("bias_num", _times(b, q)) for j, b in enumerate(biases)]
            layers.append(AffineLayer.from_triplets(n_out, n_in, trip, bias_nums, q))
        else:
            dense: list[list[Any]] = [[0] * n_in for _ in range(n_out)]
            for r, c, data in edges:
                dense[r][c] = Fraction(data["weight"])
            layers.append(AffineLayer.from_rationals(dense, biases))
    return Network(layers, meta=g.graph.get("meta"))


def _times(value: Any, q: int) -> int:
    scaled = Fraction(value) * q
    if scaled.denominator != 1:
        raise NetworkError(f"value {value} is not a multiple of 1/{q}, the layer's denominator")
    return int(scaled)


def _layer_sizes(g: nx.DiGraph) -> list[int]:
    """Units per layer from the ``layer`` node attributes, checked against node names."""
    by_layer: dict[int, list[int]] = {}
    for node, data in g.nodes(data=True):
        if "layer" not in data:
            raise NetworkError(f"node {node!r} has no 'layer' attribute")
        by_layer.setdefault(int(data["layer"]), []).append(int(node[1]))
    n_layers = max(by_layer) + 1
    sizes = []
    for l_idx in range(n_layers):
        idx = sorted(by_layer.get(l_idx, []))
        if idx != list(range(len(idx))) or not idx:
            raise NetworkError(f"layer {l_idx} must hold units 0..n-1, found {idx[:10]}")
        sizes.append(len(idx))
    for u, v in g.edges:
        if g.nodes[v]["layer"] != g.nodes[u]["layer"] + 1:
            raise NetworkError(f"edge {u!r} -> {v!r} does not join consecutive layers")
    return sizes


def layer_widths(g: nx.DiGraph) -> list[int]:
    """Units per layer, input first, output last, from topological generations.

    Unit ``(l, j)`` also hangs below a chain of ``l`` helper nodes, so
    generation ``l`` of that augmented graph is exactly layer ``l`` even when
    a unit has no incoming weight.

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [0], [2]], [0, 1, 0]),
    ...                AffineLayer.from_dense([[1, 1, 1]], [0])])
    >>> layer_widths(to_graph(net))
    [1, 3, 1]
    """
    aug = nx.DiGraph()
    aug.add_nodes_from(g.nodes)
    depth = max((d["layer"] for _, d in g.nodes(data=True)), default=0)
    chain = [("layer", l_idx) for l_idx in range(depth + 1)]
    nx.add_path(aug, chain)
    aug.add_edges_from((chain[d["layer"] - 1], n) for n, d in g.nodes(data=True) if d["layer"] > 0)
    aug.add_edges_from(g.edges)
    widths: Counter[int] = Counter()
    for gen_idx, gen in enumerate(nx.topological_generations(aug)):
        units = [n for n in gen if n[0] != "layer"]
        if units:
            widths[gen_idx] += len(units)
    return [widths[i] for i in range(depth + 1)]


def longest_path(g: nx.DiGraph) -> list[tuple[int, int]]:
    """A longest input-to-unit path along nonzero weights (:func:`networkx.dag_longest_path`).

    Its length in edges is at most the number of layers; it is shorter when
    zero weights cut every long path.

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1]], [0]), AffineLayer.from_dense([[0]], [1])])
    >>> longest_path(to_graph(net))
    [(0, 0), (1, 0)]
    """
    return list(nx.dag_longest_path(g, weight=None))


def active_units(net: Network, inputs: Any) -> list[np.ndarray]:
    """For each hidden layer, which units are positive on at least one input (exact).

    ``inputs`` are rows (float64, converted exactly, or
    :class:`~proofs.exact.ExactInputs`).

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])])
    >>> [a.tolist() for a in active_units(net, [[0.5], [0.25]])]
    [[True, False]]
    """
    from proofs.regions import hidden_preactivations

    return [np.asarray((z > 0).any(axis=0)) for z, _ in hidden_preactivations(net, inputs)]


def active_subgraph(g: nx.DiGraph, net: Network, inputs: Any) -> nx.DiGraph:
    """The subgraph induced by inputs, outputs and the hidden units active on ``inputs``.

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])])
    >>> sorted(active_subgraph(to_graph(net), net, [[0.5]]).nodes)
    [(0, 0), (1, 0), (2, 0)]
    """
    keep = [n for n, d in g.nodes(data=True) if d["kind"] != "hidden"]
    for l_idx, mask in enumerate(active_units(net, inputs), start=1):
        keep.extend((l_idx, int(j)) for j in np.flatnonzero(mask))
    return g.subgraph(keep).copy()


@dataclass(frozen=True)
class GraphStats:
    """Sizes read off the graph of a network.

    ``bits_histogram`` maps a magnitude bit length to the number of nonzero
    weight and bias numerators of that length; layer denominators are counted
    in ``max_bits`` and ``total_bits`` as in :attr:`proofs.network.Network.total_bits`.
    """

    widths: list[int]
    depth: int
    width: int
    params: int
    nonzeros: int
    max_fan_in: int
    max_fan_out: int
    mean_fan_in: float
    max_bits: int
    total_bits: int
    bits_histogram: dict[int, int]
    longest_path: int
    active: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dict(self.__dict__)
        out["bits_histogram"] = {str(k): v for k, v in sorted(self.bits_histogram.items())}
        return out


def graph_stats(net: Network, inputs: Any = None) -> GraphStats:
    """Every count of :class:`GraphStats`, computed on the graph of ``net``.

    With ``inputs``, ``active`` holds the active units per hidden layer and
    the sizes of the active subgraph.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])])
    >>> s = graph_stats(net, [[0.5]])
    >>> s.widths, s.depth, s.params, s.nonzeros, s.max_fan_in, s.longest_path
    ([1, 2, 1], 1, 7, 4, 2, 2)
    >>> s.active["per_layer"], s.active["units"]
    ([1], 1)
    """
    g = to_graph(net)
    widths = layer_widths(g)
    units = [n for n, d in g.nodes(data=True) if d["kind"] != "input"]
    fan_in = [g.in_degree(n) for n in units]
    hist: Counter[int] = Counter(bits(v) for layer in net.layers for v in layer.nums)
    hist.update(bits(v) for layer in net.layers for v in layer.bias if int(v) != 0)
    params = sum(a * b + b for a, b in zip(widths, widths[1:], strict=False))
    nonzeros = g.number_of_edges() + sum(1 for n in units if g.nodes[n]["bias_num"] != 0)
    active = None
    if inputs is not None:
        sub = active_subgraph(g, net, inputs)
        per_layer = [sum(1 for n in sub if n[0] == l_idx) for l_idx in range(1, len(widths) - 1)]
        active = {
            "per_layer": per_layer,
            "units": sum(per_layer),
            "edges": sub.number_of_edges(),
            "longest_path": max(len(longest_path(sub)) - 1, 0),
        }
    return GraphStats(
        widths=widths,
        depth=len(widths) - 2,
        width=max(widths[1:-1], default=0),
        params=params,
        nonzeros=nonzeros,
        max_fan_in=max(fan_in, default=0),
        max_fan_out=max((g.out_degree(n) for n in g), default=0),
        mean_fan_in=float(np.mean(fan_in)) if fan_in else 0.0,
        max_bits=net.max_bits,
        total_bits=net.total_bits,
        bits_histogram=dict(hist),
        longest_path=max(len(longest_path(g)) - 1, 0),
        active=active,
    )
