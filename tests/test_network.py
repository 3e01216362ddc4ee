import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proofs.errors import NetworkError
from proofs.network import AffineLayer, Network


def test_sizes_of_small_network():
    net = Network(
        [
            AffineLayer.from_dense([[1, 2], [0, -3], [4, 0]], [1, 0, -1], denom=2),
            AffineLayer.from_dense([[1, 1, 2**70]], [0]),
        ]
    )
    assert net.depth == 1
    assert net.widths == [3]
    assert net.params == 3 * 2 + 3 + 3 + 1
    assert net.nonzeros == 4 + 2 + 3
    assert net.max_bits == 71
    assert not net.layers[1].is_small


def test_mismatched_layers_rejected():
    with pytest.raises(NetworkError, match="layer 0 has 2 outputs"):
        Network([AffineLayer.from_dense([[1], [1]], [0, 0]), AffineLayer.from_dense([[1]], [0])])


def test_reference_evaluation_is_exact():
    layer = AffineLayer.from_rationals([[Fraction(1, 3)]], [Fraction(-1, 7)])
    net = Network([layer, AffineLayer.from_dense([[1]], [0])])
    out = net.evaluate([[0.75]]).as_fractions()
    assert out == [[Fraction(3, 4) / 3 - Fraction(1, 7)]]


# -- construction of layers ---------------------------------------------------------------
matrices = st.integers(1, 4).flatmap(
    lambda n_in: st.lists(st.lists(st.fractions(max_denominator=2**70) | st.just(Fraction(0)),
                                   min_size=n_in, max_size=n_in), min_size=1, max_size=4)
)


@given(weight=matrices, data=st.data())
def test_from_rationals_is_exact_with_least_denominator(weight, data) -> None:
    bias = data.draw(st.lists(st.fractions(), min_size=len(weight), max_size=len(weight)))
    layer = AffineLayer.from_rationals(weight, bias)
    w, b = layer.to_fractions()
    assert w == weight and b == bias
    entries = [v for row in weight for v in row] + bias
    assert layer.denom == math.lcm(*(v.denominator for v in entries))


@given(trip=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(-(2**100), 2**100)),
                     max_size=12))
def test_from_triplets_sums_repeats_and_drops_zeros(trip) -> None:
    layer = AffineLayer.from_triplets(3, 4, trip, [0, 0, 0])
    dense = [[0] * 4 for _ in range(3)]
    for r, c, v in trip:
        dense[r][c] += v
    assert layer.to_dense()[0] == dense
    assert layer.nnz == sum(v != 0 for row in dense for v in row)
    keys = (layer.rows * 4 + layer.cols).tolist()
    assert keys == sorted(set(keys))
    assert layer.is_small == all(abs(v) < 2**62 for row in dense for v in row)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: AffineLayer.from_dense([[1]], [0], denom=0), "must be a positive integer, got 0"),
        (lambda: AffineLayer.from_dense([[1]], [0], denom=-2), "got -2"),
        (lambda: AffineLayer.from_dense([[1, 2], [3]], [0, 0]), "different lengths"),
        (lambda: AffineLayer.from_dense([], []), "at least one output"),
        (lambda: AffineLayer.from_dense([[1]], [0, 1]), "bias has length 2, expected 1"),
        (lambda: AffineLayer.from_dense([[1.5]], [0]), "expected an integer, got 1.5"),
        (lambda: AffineLayer.from_triplets(2, 2, [(2, 0, 1)], [0, 0]), "row index is out of range"),
        (lambda: AffineLayer.from_triplets(2, 2, [(0, 5, 1)], [0, 0]), "column index is out of range"),
        (lambda: Network([]), "at least one"),
    ],
)
def test_malformed_layers_are_rejected(make, message) -> None:
    with pytest.raises(NetworkError, match=message):
        make()


# -- sizes -------------------------------------------------------------------------------
@st.composite
def networks(draw) -> Network:
    dims = draw(st.lists(st.integers(1, 5), min_size=2, max_size=6))
    layers = []
    for n_in, n_out in zip(dims, dims[1:], strict=False):
        values = st.integers(-(2**90), 2**90) | st.just(0)
        w = [draw(st.lists(values, min_size=n_in, max_size=n_in)) for _ in range(n_out)]
        b = draw(st.lists(values, min_size=n_out, max_size=n_out))
        layers.append(AffineLayer.from_dense(w, b, draw(st.integers(1, 2**80))))
    return Network(layers)


@given(net=networks())
def test_sizes_follow_the_conventions(net: Network) -> None:
    dense = [layer.to_dense() for layer in net.layers]
    assert net.depth == len(net.layers) - 1
    assert net.widths == [len(w) for w, _, _ in dense[:-1]]
    assert net.width == max(net.widths, default=0)
    assert net.params == sum(len(w) * len(w[0]) + len(b) for w, b, _ in dense)
    assert net.nonzeros == sum(sum(v != 0 for row in w for v in row) + sum(v != 0 for v in b)
                               for w, b, _ in dense)
    everything = [v for w, b, q in dense for v in [*(x for row in w for x in row), *b, q]]
    assert net.max_bits == max(abs(v).bit_length() for v in everything)
    signed = [abs(v).bit_length() + 1 for w, b, _ in dense for v in [*(x for row in w for x in row), *b] if v]
    assert net.total_bits == sum(signed) + sum(q.bit_length() for _, _, q in dense)
    assert net.denominators == [q for _, _, q in dense]
    assert net.sizes()["total_bits"] == net.total_bits
    assert net.same_as(Network(list(net.layers)))


def test_network_without_hidden_layers() -> None:
    net = Network([AffineLayer.from_dense([[1, 2]], [3])])
    assert (net.depth, net.width, net.widths) == (0, 0, [])
    assert net.evaluate([[1.0, 1.0]]).as_fractions() == [[Fraction(6)]]
