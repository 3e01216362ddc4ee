from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.errors import NetworkError
from proofs.graph import (
    active_subgraph,
    active_units,
    from_graph,
    graph_stats,
    layer_widths,
    longest_path,
    to_graph,
)
from proofs.network import AffineLayer, Network, bits


@st.composite
def networks(draw, max_bits=80):
    """Random sparse exact networks, some with numerators beyond int64."""
    dims = draw(st.lists(st.integers(1, 4), min_size=2, max_size=5))
    nums = st.one_of(st.integers(-3, 3), st.integers(-(2**max_bits), 2**max_bits))
    layers = []
    for n_in, n_out in zip(dims, dims[1:], strict=False):
        w = [[draw(nums) for _ in range(n_in)] for _ in range(n_out)]
        b = [draw(nums) for _ in range(n_out)]
        layers.append(AffineLayer.from_dense(w, b, denom=draw(st.integers(1, 2**70))))
    return Network(layers)


@settings(max_examples=40, deadline=None)
@given(networks())
def test_round_trip_is_exact(net):
    g = to_graph(net)
    assert from_graph(g).same_as(net)


@settings(max_examples=30, deadline=None)
@given(networks(max_bits=20))
def test_graph_without_denominators_keeps_values(net):
    g = to_graph(net)
    del g.graph["denoms"]
    for _, data in g.nodes(data=True):
        data.pop("bias_num", None)
    for _, _, data in g.edges(data=True):
        del data["num"]
    back = from_graph(g)
    for a, b in zip(back.layers, net.layers, strict=True):
        assert a.to_fractions() == b.to_fractions()


@settings(max_examples=40, deadline=None)
@given(networks())
def test_counts_agree_with_the_network(net):
    s = graph_stats(net)
    assert s.widths == [net.input_dim, *net.widths, net.output_dim]
    assert (s.depth, s.width, s.params, s.nonzeros) == (net.depth, net.width, net.params, net.nonzeros)
    assert (s.max_bits, s.total_bits) == (net.max_bits, net.total_bits)
    assert sum(s.bits_histogram.values()) == net.nonzeros
    assert max(s.bits_histogram, default=0) <= net.max_bits
    dense = [layer.to_dense()[0] for layer in net.layers]
    fan_in = [sum(1 for v in row if v) for w in dense for row in w]
    assert s.max_fan_in == max(fan_in)
    assert s.longest_path <= net.depth + 1


def test_unit_without_inputs_still_counts_in_its_layer():
    net = Network(
        [
            AffineLayer.from_dense([[1], [0]], [0, 5]),
            AffineLayer.from_dense([[0, 0], [0, 0]], [1, 1]),
            AffineLayer.from_dense([[1, 1]], [0]),
        ]
    )
    g = to_graph(net)
    assert layer_widths(g) == [1, 2, 2, 1]
    assert from_graph(g).same_as(net)


def test_longest_path_follows_nonzero_weights():
    cut = Network(
        [
            AffineLayer.from_dense([[1]], [0]),
            AffineLayer.from_dense([[0]], [1]),
            AffineLayer.from_dense([[1]], [0]),
        ]
    )
    assert len(longest_path(to_graph(cut))) - 1 == 1
    chain = Network([AffineLayer.from_dense([[1]], [0]) for _ in range(4)])
    assert len(longest_path(to_graph(chain))) - 1 == 4


@settings(max_examples=30, deadline=None)
@given(networks(max_bits=40), st.integers(0, 2**32))
def test_active_units_match_reference_evaluation(net, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, net.input_dim))
    masks = active_units(net, x)
    for l_idx, mask in enumerate(masks):
        # the pre-activations of hidden layer l are the outputs of the truncated network
        trunc = Network(net.layers[: l_idx + 1])
        out = trunc.evaluate(x, backend="python").as_fractions()
        expected = [any(row[j] > 0 for row in out) for j in range(len(mask))]
        assert mask.tolist() == expected


def test_active_subgraph_drops_dead_units():
    net = Network(
        [
            AffineLayer.from_dense([[1], [-1], [0]], [0, 0, 1]),
            AffineLayer.from_dense([[1, 1, 1]], [0]),
        ]
    )
    sub = active_subgraph(to_graph(net), net, [[0.5], [0.25]])
    assert sorted(sub.nodes) == [(0, 0), (1, 0), (1, 2), (2, 0)]
    s = graph_stats(net, [[0.5], [0.25]])
    assert s.active == {"per_layer": [2], "units": 2, "edges": 3, "longest_path": 2}


def test_huge_weights_are_exact_edge_attributes():
    big = 2**4000 + 1
    net = Network([AffineLayer.from_dense([[big]], [0], denom=2**4001), AffineLayer.from_dense([[1]], [0])])
    g = to_graph(net)
    assert g.edges[(0, 0), (1, 0)]["weight"] == Fraction(big, 2**4001)
    assert graph_stats(net).bits_histogram == {bits(big): 1, 1: 1}


def test_malformed_graphs_are_rejected_with_the_node_named():
    g = to_graph(Network([AffineLayer.from_dense([[1]], [0]), AffineLayer.from_dense([[1]], [0])]))
    del g.nodes[(1, 0)]["layer"]
    with pytest.raises(NetworkError, match=r"node \(1, 0\) has no 'layer'"):
        from_graph(g)
    g = to_graph(Network([AffineLayer.from_dense([[1]], [0]), AffineLayer.from_dense([[1]], [0])]))
    g.add_edge((0, 0), (2, 0), weight=Fraction(1), num=1)
    with pytest.raises(NetworkError, match="does not join consecutive layers"):
        from_graph(g)
    g = nx.DiGraph(denoms=[1])
    g.add_node((0, 0), layer=0, kind="input")
    g.add_node((1, 1), layer=1, kind="output", bias=Fraction(0))
    with pytest.raises(NetworkError, match="layer 1 must hold units 0..n-1"):
        from_graph(g)
