"""The certified float filter against the exact 1-D counter: equal whenever it answers."""

import random
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import proofs.segment_filter as sf
from proofs.network import AffineLayer, Network
from proofs.regions import Segment, _exact_segment, segment_regions
from proofs.segment_filter import certified_counts


def random_net(d, widths, seed, frac_bits, out=1):
    rng = random.Random(seed)
    dims = [d, *widths, out]
    layers = []
    for n_in, n_out in zip(dims, dims[1:], strict=False):
        w = [[rng.randrange(-(2**frac_bits), 2**frac_bits) for _ in range(n_in)] for _ in range(n_out)]
        b = [rng.randrange(-(2**frac_bits), 2**frac_bits) for _ in range(n_out)]
        layers.append(AffineLayer.from_dense(w, b, denom=2**frac_bits))
    return Network(layers)


def same_as_exact(net, seg, max_vertices=None):
    """The filter's counts (when it answers) and the public result equal the exact counter's."""
    exact = _exact_segment(net, seg, max_vertices)
    counts = certified_counts(net, seg.start, seg.end, max_vertices)
    alpha = np.array([[float(v) for v in seg.start]])
    beta = np.array([[float(e - s) for s, e in zip(seg.start, seg.end, strict=True)]])
    for precise in (False, True):  # each kind of error bound on its own
        found = sf._count(net, alpha, beta, max_vertices, sf._Lineage(net, seg.start, seg.end), precise)
        for got in (counts, found):
            if got is not None:
                assert got.per_layer == exact.per_layer
                assert got.stopped_after == exact.stopped_after
                if exact.complete:
                    assert (got.vertices, got.breakpoints) == (len(exact.t_nums), len(exact.breakpoints))
    got = segment_regions(net, seg, max_vertices=max_vertices)
    assert (got.per_layer, got.stopped_after, got.activation_regions) == (
        exact.per_layer,
        exact.stopped_after,
        exact.activation_regions,
    )
    if exact.complete:
        assert (got.vertices, got.breakpoints, got.max_bits) == (
            exact.vertices,
            exact.breakpoints,
            exact.max_bits,
        )
        assert got.linear_pieces == exact.linear_pieces
    return counts


def two_units(c, gap, out=(1, 1)):
    """Units ``x - c`` and ``x - c - gap`` on ``[0, 1]``, summed with weights ``out``."""
    first = AffineLayer.from_rationals([[Fraction(1)], [Fraction(1)]], [-c, -c - gap])
    return Network([first, AffineLayer.from_rationals([[Fraction(v) for v in out]], [Fraction(0)])])


segments = st.tuples(
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=2, max_size=2),
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=2, max_size=2),
).filter(lambda ends: ends[0] != ends[1])


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 8), min_size=1, max_size=4),
    seed=st.integers(0, 10**6),
    frac_bits=st.sampled_from([2, 5, 24, 52, 80]),
    out=st.integers(1, 2),
    ends=segments,
)
def test_filter_agrees_with_exact_counter(widths, seed, frac_bits, out, ends):
    same_as_exact(random_net(2, widths, seed, frac_bits, out), Segment.between(*ends))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), limit=st.integers(2, 40))
def test_vertex_limit_stops_where_the_exact_counter_stops(seed, limit):
    net = random_net(2, [6, 6, 6], seed, 24)
    same_as_exact(net, Segment.between([-1, Fraction(-1, 2)], [1, Fraction(3, 4)]), max_vertices=limit)


def test_roots_closer_than_the_error_bound_are_ordered_exactly(monkeypatch):
    c = Fraction(1, 3)
    for k in (20, 40, 60, 80, 200):
        counts = same_as_exact(two_units(c, Fraction(1, 2**k)), Segment.between([0], [1]))
        assert counts is not None and counts.per_layer == [3]
    net = two_units(c, Fraction(0))  # an exact tie: one vertex for two units, left to the exact counter
    assert certified_counts(net, (Fraction(0),), (Fraction(1),), None) is None
    assert segment_regions(net, Segment.between([0], [1])).per_layer == [2]
    monkeypatch.setattr(sf, "_RESCUES", 0)  # no exact help: float64 cannot order roots 2**-80 apart
    assert certified_counts(two_units(c, Fraction(1, 2**80)), (Fraction(0),), (Fraction(1),), None) is None
    same_as_exact(two_units(c, Fraction(1, 2**80)), Segment.between([0], [1]))


def test_a_unit_vanishing_at_a_vertex_goes_to_exact_arithmetic():
    # layer 2 unit h1 + h2 - 1/3 ... is zero at x = 1/3, the first layer's vertex
    first = AffineLayer.from_rationals([[Fraction(1)], [Fraction(-1)]], [Fraction(-1, 3), Fraction(1, 3)])
    second = AffineLayer.from_rationals([[Fraction(1), Fraction(1)]], [Fraction(0)])
    net = Network([first, second, AffineLayer.from_dense([[1]], [0])])
    assert certified_counts(net, (Fraction(0),), (Fraction(1),), None) is None
    same_as_exact(net, Segment.between([0], [1]))
    for shift in (Fraction(1, 2**30), Fraction(1, 2**70)):  # close to a vertex, but not on it
        seg = Segment.between([0], [1])
        near = Network(
            [first, AffineLayer.from_rationals([[Fraction(1), Fraction(1)]], [-shift]), net.layers[2]]
        )
        same_as_exact(near, seg)


def test_slopes_that_do_not_change_are_compared_exactly(monkeypatch):
    net = two_units(Fraction(1, 3), Fraction(1, 4), out=(1, 0))  # the output ignores the second unit
    counts = same_as_exact(net, Segment.between([0], [1]))
    assert counts is not None and (counts.vertices, counts.breakpoints) == (4, 1)
    monkeypatch.setattr(sf, "_RESCUES", 0)
    assert certified_counts(net, (Fraction(0),), (Fraction(1),), None) is None
    assert segment_regions(net, Segment.between([0], [1])).linear_pieces == 2


def test_weights_float64_cannot_hold_go_to_exact_arithmetic():
    big = 2**1100
    net = Network(
        [AffineLayer.from_dense([[big], [-big]], [big // 3, big // 5]), AffineLayer.from_dense([[1, 1]], [0])]
    )
    assert certified_counts(net, (Fraction(-1),), (Fraction(1),), None) is None
    r = same_as_exact(net, Segment.between([-1], [1]))
    assert r is None and segment_regions(net, Segment.between([-1], [1])).activation_regions == 3
    tiny = AffineLayer.from_dense([[1], [-1]], [1, 1], denom=2**1100)
    net = Network([tiny, AffineLayer.from_dense([[1, 1]], [0])])
    assert certified_counts(net, (Fraction(-2),), (Fraction(2),), None) is None


def test_exact_vertices_of_a_filtered_result_are_computed_on_demand():
    net = random_net(2, [8, 8], seed=1, frac_bits=24)
    seg = Segment.between([-1, 0.5], [1, -0.25])
    assert certified_counts(net, seg.start, seg.end, None) is not None
    r = segment_regions(net, seg)
    assert "t_nums" not in vars(r)  # nothing exact computed yet
    assert r.to_dict(points=True)["breakpoints"] == [
        str(t) for t in _exact_segment(net, seg, None).breakpoints
    ]
