from fractions import Fraction

import pytest

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
