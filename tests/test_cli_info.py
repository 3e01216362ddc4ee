"""``memcap info`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofs.cli import main
from proofs.io import save_network
from proofs.network import AffineLayer, Network


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


@pytest.fixture
def net() -> Network:
    return Network(
        [
            AffineLayer.from_dense([[1, 0, 2], [3, 0, 2**300], [0, 0, 0]], [0, 1, 5], denom=2**40),
            AffineLayer.from_dense([[1, -1, 0]], [0], denom=3),
        ],
        meta={"regime": "test"},
    )


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_info_json_reports_sizes(net: Network, suffix: str, tmp_path: Path, capsys) -> None:
    path = save_network(net, tmp_path / f"n{suffix}")
    code, text, _ = _run(capsys, "info", str(path), "--json")
    info = json.loads(text)
    assert code == 0
    for key, value in net.sizes().items():
        assert info[key] == value
    assert info["denominators"] == [str(2**40), "3"]
    assert info["auto_backend"]["float"] in ("flint", "gmpy2", "python")
    assert info["meta"] == {"regime": "test"}


def test_info_table(net: Network, tmp_path: Path, capsys) -> None:
    path = save_network(net, tmp_path / "n.json")
    code, text, _ = _run(capsys, "info", str(path))
    assert code == 0
    for label in ("input dimension", "depth (hidden layers)", "max bits", "total bits", "auto backend"):
        assert label in text
    assert "2^40, 3" in text and f"{net.total_bits:,}" in text


def test_info_small_network_uses_int64_for_integer_inputs(tmp_path: Path, capsys) -> None:
    path = save_network(Network([AffineLayer.from_dense([[1, 2]], [3])]), tmp_path / "s.npz")
    code, text, _ = _run(capsys, "info", str(path), "--json")
    assert code == 0 and json.loads(text)["auto_backend"]["integer"] == "int64"


def test_info_errors(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, "info", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "memcap-network", "version": 1, "layers": [{"n_out": 1}]}')
    code, _, err = _run(capsys, "info", str(bad))
    assert code == 2 and "layer 0: missing key 'n_in'" in err
    code, _, err = _run(capsys, "info", str(tmp_path / "n.txt"))
    assert code == 2 and "unknown network file suffix" in err
