import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs.errors import FormatError
from proofs.io import load_network, network_from_json, network_json_text, network_to_json, save_network
from proofs.network import AffineLayer, Network


@st.composite
def networks(draw, max_bits: int = 5000) -> Network:
    dims = draw(st.lists(st.integers(1, 4), min_size=2, max_size=5))
    big = st.integers(-(2**max_bits), 2**max_bits)
    layers = []
    for n_in, n_out in zip(dims, dims[1:], strict=False):
        weight = draw(
            st.lists(st.lists(st.one_of(st.just(0), big), min_size=n_in, max_size=n_in),
                     min_size=n_out, max_size=n_out)
        )
        bias = draw(st.lists(big, min_size=n_out, max_size=n_out))
        denom = draw(st.one_of(st.integers(1, 2**70), st.integers(0, 4000).map(lambda k: 2**k)))
        layers.append(AffineLayer.from_dense(weight, bias, denom))
    return Network(layers, meta={"seed": draw(st.integers(0, 9)), "note": "ü"})


@pytest.fixture
def small_net() -> Network:
    return Network(
        [
            AffineLayer.from_dense([[1, 0], [-3, 2**200]], [5, 0], denom=8),
            AffineLayer.from_dense([[1, -1]], [-(2**5000)], denom=3),
        ],
        meta={"regime": "test"},
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(net=networks())
@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_roundtrip_is_lossless(net: Network, suffix: str, tmp_path: Path) -> None:
    path = save_network(net, tmp_path / f"net{suffix}")
    back = load_network(path)
    assert back.same_as(net)
    assert back.meta == net.meta
    assert back.sizes() == net.sizes()


def test_json_writes_every_value_as_decimal_string(small_net: Network, tmp_path: Path) -> None:
    obj = json.loads(save_network(small_net, tmp_path / "n.json").read_text())
    assert obj["format"] == "memcap-network" and obj["version"] == 1
    layer = obj["layers"][1]
    assert layer["bias"] == [str(-(2**5000))]
    assert layer["denominator"] == "3"
    assert obj["layers"][0]["weights"] == [[0, 0, "1"], [1, 0, "-3"], [1, 1, str(2**200)]]


def test_integers_beyond_python_str_limit(tmp_path: Path) -> None:
    huge = 7 * 10**5000 + 1  # more digits than Python's default int/str conversion limit
    net = Network([AffineLayer.from_dense([[huge]], [-huge])])
    back = load_network(save_network(net, tmp_path / "n.json"))
    assert back.same_as(net)


def test_save_is_atomic_on_error(tmp_path: Path) -> None:
    net = Network([AffineLayer.from_dense([[1]], [0])], meta={"bad": object()})
    target = tmp_path / "n.json"
    with pytest.raises(FormatError, match="meta is not JSON-serializable"):
        save_network(net, target)
    assert list(tmp_path.iterdir()) == []


def _write(tmp_path: Path, obj, raw: str | None = None) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(raw if raw is not None else json.dumps(obj))
    return path


def _mutate(obj: dict, change) -> dict:
    obj = json.loads(json.dumps(obj))
    change(obj)
    return obj


def _del(key):
    return lambda o: o["layers"][0].pop(key)


def _set(key, value, layer=0):
    return lambda o: o["layers"][layer].__setitem__(key, value)


BAD_CASES = [
    ("not-json", None, "not valid JSON"),
    ("top-list", lambda o: None, "top level"),
    ("format", lambda o: o.__setitem__("format", "other"), "key 'format' must be 'memcap-network'"),
    ("version", lambda o: o.__setitem__("version", 2), "unsupported version 2"),
    ("no-layers", lambda o: o.pop("layers"), "missing key 'layers'"),
    ("empty-layers", lambda o: o.__setitem__("layers", []), "'layers' is empty"),
    ("missing-bias", _del("bias"), "layer 0: missing key 'bias'"),
    ("missing-denominator", _del("denominator"), "layer 0: missing key 'denominator'"),
    ("denominator-number", _set("denominator", 8), "key 'denominator' must be of type str"),
    ("denominator-zero", _set("denominator", "0"), "denominator must be a positive integer, got 0"),
    ("bias-float", _set("bias", ["5", "1.5"]), r"layer 0 bias\[1\]: .*got '1.5'"),
    ("bias-plus", _set("bias", ["+5", "0"]), r"bias\[0\]"),
    ("bias-underscore", _set("bias", ["1_0", "0"]), r"bias\[0\]"),
    ("bias-length", _set("bias", ["1"]), "bias has 1 entries but n_out is 2"),
    ("weight-string-bad", _set("weights", [[0, 0, "x"]]), r"weights\[0\].*got 'x'"),
    ("weight-int", _set("weights", [[0, 0, 3]]), r"weights\[0\].*got 3"),
    ("weight-shape", _set("weights", [[0, 0]]), r"weights\[0\]: expected a triplet"),
    ("weight-range", _set("weights", [[2, 0, "1"]]), r"index \(2, 0\) is outside the 2x2"),
    ("weight-repeat", _set("weights", [[0, 0, "1"], [0, 0, "2"]]), r"entry \(0, 0\) appears twice"),
    ("dims", _set("n_in", 3, layer=1), "layer 1 has n_in 3 but layer 0 has n_out 2"),
    ("input-dim", lambda o: o.__setitem__("input_dim", 5), "input_dim is 5 but the layers give 2"),
    ("meta", lambda o: o.__setitem__("meta", []), "'meta' must be an object"),
]


@pytest.mark.parametrize(("name", "change", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_json_is_rejected_with_reason(name, change, message, small_net, tmp_path) -> None:
    if name == "not-json":
        path = _write(tmp_path, None, raw='{"format": "memcap-network",')
    elif name == "top-list":
        path = _write(tmp_path, [1, 2])
    else:
        path = _write(tmp_path, _mutate(network_to_json(small_net), change))
    with pytest.raises(FormatError, match=message):
        load_network(path)


def test_json_readers_accept_unsorted_triplets(small_net: Network) -> None:
    obj = network_to_json(small_net)
    obj["layers"][0]["weights"].reverse()
    assert network_from_json(obj).same_as(small_net)


def test_bad_suffix_and_missing_file(small_net: Network, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="unknown network file suffix '.txt'"):
        save_network(small_net, tmp_path / "n.txt")
    with pytest.raises(FormatError, match="no such file"):
        load_network(tmp_path / "absent.npz")


def test_bad_npz_is_rejected(small_net: Network, tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="not a readable .npz"):
        load_network(path)
    np.savez(path, X=np.zeros(3))
    with pytest.raises(FormatError, match="missing or bad header"):
        load_network(path)
    good = dict(np.load(save_network(small_net, tmp_path / "g.npz")))
    for key, value, message in [
        ("version", np.array(3), "unsupported version 3"),
        ("L0.rows", np.array([0, 1, 5]), "row index is out of range"),
        ("L1.shape", np.array([1, 3]), "layer 0 has 2 outputs but layer 1 expects 3"),
        ("L1.bias.len", np.array([3]), "inconsistent lengths"),
    ]:
        broken = dict(good, **{key: value})
        np.savez(path, **broken)
        with pytest.raises(FormatError, match=message):
            load_network(path)
    del good["L1.nums"]
    np.savez(path, **good)
    with pytest.raises(FormatError, match="missing array 'L1.nums'"):
        load_network(path)


def test_format_page_example_is_what_memcap_writes() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "format.md").read_text()
    example = page.split("```json\n", 1)[1].split("```", 1)[0].rstrip("\n")
    net = network_from_json(json.loads(example))
    assert network_json_text(net) == example
    assert net.evaluate([[0.5, -0.75]]).as_fractions() == [[Fraction(21250649172913403461641, 2**73)]]


@settings(max_examples=30, deadline=None)
@given(net=networks(max_bits=300))
def test_json_text_is_the_json_object(net: Network) -> None:
    assert json.loads(network_json_text(net)) == network_to_json(net)
