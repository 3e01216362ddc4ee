import importlib.util
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.errors import DataError, NetworkError
from proofs.exact import ExactInputs
from proofs.network import AffineLayer, Network
from proofs.regions import (
    Segment,
    data_segment,
    hidden_preactivations,
    plane_axes,
    plane_regions,
    plane_through,
    plot_plane_regions,
    random_segments,
    regioncam_plane_count,
    regioncam_segment_count,
    segment_regions,
)


def random_net(d, widths, seed, frac_bits=5, out=1):
    """Random network whose weights are float32 numbers (k / 2**frac_bits, |k| < 2**frac_bits)."""
    rng = np.random.default_rng(seed)
    dims = [d, *widths, out]
    layers = []
    for n_in, n_out in zip(dims, dims[1:], strict=False):
        w = rng.integers(-(2**frac_bits), 2**frac_bits, (n_out, n_in)).tolist()
        b = rng.integers(-(2**frac_bits), 2**frac_bits, n_out).tolist()
        layers.append(AffineLayer.from_dense(w, b, denom=2**frac_bits))
    return Network(layers)


def tent_net(k, scale_bits=0):
    """The tent map composed k times on [0, 1]: exactly 2**k linear pieces.

    With ``scale_bits`` every hidden unit holds 2**scale_bits times its value
    and the output divides it back, so the function is the same but its
    weights have thousands of bits.
    """
    s = 2**scale_bits
    layers = [AffineLayer.from_dense([[2 * s], [4 * s]], [0, -2 * s])]
    for _ in range(k - 1):
        layers.append(AffineLayer.from_dense([[2, -2], [4, -4]], [0, -2 * s]))
    layers.append(AffineLayer.from_dense([[1, -1]], [0], denom=s))
    return Network(layers)


def f_at(net, seg, t):
    return net.evaluate(ExactInputs.from_fractions([seg.at(t)]), backend="python").as_fractions()[0]


def check_pieces_against_evaluation(net, seg, r):
    """Independent check with the reference evaluator: affine between breakpoints, kinked at each."""
    cuts = [Fraction(0), *r.breakpoints, Fraction(1)]
    for a, b in zip(cuts, cuts[1:], strict=False):
        fa, fb = f_at(net, seg, a), f_at(net, seg, b)
        for lam in (Fraction(1, 3), Fraction(1, 2), Fraction(5, 7)):
            t = a + lam * (b - a)
            assert f_at(net, seg, t) == [u + lam * (v - u) for u, v in zip(fa, fb, strict=True)]
    gaps = [b - a for a, b in zip(r.vertices, r.vertices[1:], strict=False)]
    eps = min(gaps) / 4
    for t in r.breakpoints:
        lo, mid, hi = f_at(net, seg, t - eps), f_at(net, seg, t), f_at(net, seg, t + eps)
        assert any(x + z != 2 * y for x, y, z in zip(lo, mid, hi, strict=True))


@pytest.mark.parametrize("k", [1, 3, 6])
def test_tent_map_has_two_to_the_k_pieces(k):
    net = tent_net(k)
    r = segment_regions(net, Segment.between([0], [1]))
    assert r.linear_pieces == 2**k
    assert r.breakpoints == [Fraction(i, 2**k) for i in range(1, 2**k)]


def test_thousands_of_bits_are_exact():
    net = tent_net(5, scale_bits=3000)
    assert net.max_bits > 3000
    seg = Segment.between([Fraction(1, 3)], [Fraction(2, 3)])
    r = segment_regions(net, seg)
    plain = segment_regions(tent_net(5), seg)
    assert r.breakpoints == plain.breakpoints
    assert r.vertices == plain.vertices
    check_pieces_against_evaluation(net, seg, r)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 3),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.integers(0, 2**32),
    st.integers(1, 2),
)
def test_pieces_are_affine_and_breakpoints_are_kinks(d, widths, seed, outs):
    net = random_net(d, widths, seed, out=outs)
    seg = random_segments(d, 1, seed=seed)[0]
    r = segment_regions(net, seg)
    check_pieces_against_evaluation(net, seg, r)
    assert r.linear_pieces <= r.activation_regions <= math.prod(w + 1 for w in widths)
    assert r.per_layer == sorted(r.per_layer)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 5), min_size=1, max_size=3), st.integers(0, 2**32))
def test_activation_pattern_is_constant_on_each_region_and_changes_between(d, widths, seed):
    net = random_net(d, widths, seed)
    seg = random_segments(d, 1, seed=seed)[0]
    r = segment_regions(net, seg)
    v = r.vertices
    probes = [
        a + lam * (b - a) for a, b in zip(v, v[1:], strict=False) for lam in (Fraction(1, 4), Fraction(3, 4))
    ]
    rows = ExactInputs.from_fractions([seg.at(t) for t in probes])
    pattern = np.hstack([np.asarray(z > 0) for z, _ in hidden_preactivations(net, rows)])
    same = (pattern[0::2] == pattern[1::2]).all(axis=1)
    assert same.all()
    assert all((pattern[2 * i + 1] != pattern[2 * i + 2]).any() for i in range(len(v) - 2))


def test_data_segment_covers_the_data_and_keeps_projections():
    net = random_net(3, [4, 4], seed=1)
    x = np.random.default_rng(0).uniform(-1, 1, (6, 3))
    seg = data_segment(net, x)
    assert len(seg.data_t) == 6 and all(0 < t < 1 for t in seg.data_t)
    w = net.layers[0].to_fractions()[0][0]
    for row, t in zip(x, seg.data_t, strict=True):
        p = seg.at(t)
        assert sum(a * b for a, b in zip(w, p, strict=True)) == sum(
            a * Fraction(float(v)) for a, v in zip(w, row, strict=True)
        )
    r = segment_regions(net, seg)
    assert 1 <= r.data_pieces <= r.linear_pieces
    ball = data_segment(net)  # its projections <w, x(t)> cover [-|w|, |w|], those of the unit ball
    reach = sum(a * b for a, b in zip(w, ball.end, strict=True))
    assert reach**2 >= sum(a * a for a in w)
    assert sum(a * b for a, b in zip(w, ball.start, strict=True)) == -reach


def test_relu_arrangement_on_a_plane():
    net = Network(
        [
            AffineLayer.from_dense([[1, 0], [0, 1], [1, 1]], [0, 0, 0]),
            AffineLayer.from_dense([[1, 1, 1]], [0]),
        ]
    )
    r = plane_regions(net, plane_axes(2, 0, 1))
    assert (r.activation_regions, r.linear_regions) == (6, 6)


def test_units_the_output_ignores_do_not_cut_linear_regions():
    net = Network(
        [
            AffineLayer.from_dense([[1, 0], [0, 1]], [0, 0]),
            AffineLayer.from_dense([[1, 0]], [0]),
        ]
    )
    r = plane_regions(net, plane_axes(2, 0, 1))
    assert (r.activation_regions, r.linear_regions) == (4, 2)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=2), st.integers(0, 2**32))
def test_plane_faces_tile_the_box_and_cut_lines_match_1d(widths, seed):
    net = random_net(2, widths, seed)
    r = plane_regions(net, plane_axes(2, 0, 1))
    area = sum(_area(face) for face in r.faces)
    assert area == 4
    assert r.linear_regions <= r.activation_regions
    # a horizontal line through the plane crosses as many faces as the 1-D counter finds pieces
    seg = Segment.between([-1, Fraction(1, 7)], [1, Fraction(1, 7)])
    crossed = {k for k, face in enumerate(r.faces) if _crosses(face, Fraction(1, 7))}
    assert len(crossed) == segment_regions(net, seg).activation_regions


def _area(face):
    return (
        abs(sum(u0 * v1 - u1 * v0 for (u0, v0), (u1, v1) in zip(face, face[1:] + face[:1], strict=True))) / 2
    )


def _crosses(face, v):
    vs = [p[1] for p in face]
    return min(vs) < v < max(vs)


def test_plot_writes_a_png(tmp_path):
    net = random_net(2, [3], seed=0)
    r = plane_regions(net, plane_through([[0, 0], [1, 0], [0, 1]]))
    out = tmp_path / "regions.png"
    plot_plane_regions(r, out, points=[[0, 0], [1, 0]], labels=[1, 2])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_requests_name_the_problem():
    net = random_net(2, [3], seed=0)
    with pytest.raises(DataError, match="segment has 3 coordinates but the network expects 2"):
        segment_regions(net, Segment.between([0, 0, 0], [1, 1, 1]))
    with pytest.raises(DataError, match="segment ends coincide"):
        Segment.between([1, 2], [1, 2])
    with pytest.raises(DataError, match="parallel"):
        plane_through([[0, 0], [1, 1], [2, 2]])
    with pytest.raises(DataError, match="axes must be two different indices in 0..1"):
        plane_axes(2, 0, 0)
    with pytest.raises(NetworkError, match="more than 3 regions"):
        plane_regions(random_net(2, [6, 6], seed=0), plane_axes(2, 0, 1), max_faces=3)
    with pytest.raises(NetworkError, match="unit 0 of the first layer has zero weights"):
        data_segment(Network([AffineLayer.from_dense([[0, 0]], [1]), AffineLayer.from_dense([[1]], [0])]))


needs_regioncam = pytest.mark.skipif(
    importlib.util.find_spec("regioncam") is None,
    reason="regioncam is not installed (pip install 'memcap[regions]'); the cross-check needs it",
)


@needs_regioncam
@pytest.mark.parametrize("seed", range(8))
def test_counts_agree_with_regioncam(seed):
    """Small float32 networks with few mantissa bits, so float32 stays exact enough."""
    net = random_net(2, [6, 6, 6], seed)
    seg = Segment.between([-1, Fraction(-1, 2)], [1, Fraction(3, 4)])
    assert segment_regions(net, seg).activation_regions == regioncam_segment_count(net, seg)
    plane = plane_axes(2, 0, 1)
    assert plane_regions(net, plane).activation_regions == regioncam_plane_count(net, plane)


@needs_regioncam
def test_regioncam_refuses_weights_float32_cannot_hold():
    net = Network([AffineLayer.from_dense([[1]], [0], denom=3), AffineLayer.from_dense([[1]], [0])])
    with pytest.raises(NetworkError, match="float32 cannot hold exactly"):
        regioncam_segment_count(net, Segment.between([0], [1]))


def test_flint_products_and_plain_integers_agree(monkeypatch):
    import proofs.regions as regions

    net = random_net(2, [24, 24, 24], seed=3, frac_bits=20)
    seg = Segment.between([-1, Fraction(-1, 2)], [1, Fraction(3, 4)])
    first = segment_regions(net, seg)
    monkeypatch.setattr(regions, "_flint", None)
    second = segment_regions(net, seg)
    assert (first.vertices, first.breakpoints) == (second.vertices, second.breakpoints)


def test_counting_stops_at_the_limit_with_a_lower_bound():
    net = tent_net(8)
    seg = Segment.between([0], [1])
    full = segment_regions(net, seg)
    part = segment_regions(net, seg, max_vertices=40)
    assert not part.complete and part.vertices == []
    with pytest.raises(NetworkError, match="linear pieces are unknown"):
        _ = part.linear_pieces
    assert part.to_dict()["linear_pieces"] is None
    assert part.stopped_after is not None
    assert part.activation_regions <= full.activation_regions
    assert part.activation_regions >= full.per_layer[part.stopped_after - 1]
    assert part.to_dict()["activation_regions"] == part.activation_regions
    assert part.activation_regions_text.startswith(">= ")
