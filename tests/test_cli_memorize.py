"""``memcap memorize``, ``memcap verify`` and ``memcap demo`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from memorizers import interpolating_network

from proofs.certificate import read_certificate, save_verified
from proofs.cli import main
from proofs.data import make_dataset, save_dataset
from proofs.io import load_network, save_network
from proofs.verify import verify


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout, and stderr with its whitespace collapsed."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


@pytest.fixture
def verified(tmp_path: Path) -> tuple[Path, Path, Path]:
    ds = make_dataset(80, 3, 4, 0.05, seed=1)
    data = tmp_path / "data.npz"
    save_dataset(ds, data)
    net = interpolating_network(ds.X, ds.y)
    save_verified(net, verify(net, ds.X, ds.y), tmp_path / "net.npz", data, tmp_path / "cert.json")
    return tmp_path / "net.npz", data, tmp_path / "cert.json"


# -- verify ------------------------------------------------------------------------------
def test_verify_ok_and_json(
    verified: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    net, data, cert = verified
    code, out, _ = _run(capsys, "verify", str(net), str(data), "--cert", str(cert), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["ok"] and payload["verdict"] == "memorized"
    assert payload["checked"] == payload["matched"] == 80
    assert payload["mismatches"] == []
    code, out, _ = _run(capsys, "verify", str(net), str(data))
    assert code == 0 and "memorized" in out


def test_verify_names_failing_points_of_tampered_data(
    verified: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    net, data, cert = verified
    arrays = np.load(data)
    y = arrays["y"].copy()
    y[[5, 9]] = y[[5, 9]] % 4 + 1  # another label, still 1..4
    np.savez(data, X=arrays["X"], y=y)
    code, _, err = _run(capsys, "verify", str(net), str(data))
    assert code == 1
    assert "78 of 80" in err and "point 5: output" in err and "point 9" in err
    code, out, err = _run(capsys, "verify", str(net), str(data), "--cert", str(cert), "--json")
    assert code == 1
    assert "SHA-256 of the data file" in err
    payload = json.loads(out)
    assert not payload["ok"] and [f["index"] for f in payload["failures"]] == [5, 9]


def test_verify_tampered_network(
    verified: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    net_path, data, cert = verified
    net = load_network(net_path)
    out = net.layers[-1]
    nums = out.nums.copy()
    nums[0] += 1
    object.__setattr__(out, "nums", nums)
    save_network(net, net_path)
    code, _, err = _run(capsys, "verify", str(net_path), str(data), "--cert", str(cert))
    assert code == 1
    assert "SHA-256 of the network file" in err
    code, _, err = _run(capsys, "verify", str(net_path), str(data))
    assert code == 1 and "not memorized" in err


def test_verify_bad_input(
    verified: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    net, data, cert = verified
    code, _, err = _run(capsys, "verify", str(tmp_path / "missing.npz"), str(data))
    assert code == 2 and "no such file" in err
    code, _, err = _run(capsys, "verify", str(net), str(tmp_path / "missing.npz"))
    assert code == 2 and "no such file" in err
    (tmp_path / "junk.json").write_text("[1, 2")
    code, _, err = _run(capsys, "verify", str(net), str(data), "--cert", str(tmp_path / "junk.json"))
    assert code == 2 and "not JSON" in err
    other = make_dataset(10, 2, 2, 0.1, seed=3)
    save_dataset(other, tmp_path / "other.npz")
    code, _, err = _run(capsys, "verify", str(net), str(tmp_path / "other.npz"))
    assert code == 2 and "2 coordinates but the network expects 3" in err


# -- memorize ----------------------------------------------------------------------------
def test_memorize_bad_input_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    save_dataset(make_dataset(20, 2, 2, 0.1), tmp_path / "d.npz")
    before = sorted(p.name for p in tmp_path.iterdir())
    cases = [
        (["memorize", "nope.npz", "--width", "2", "-o", "n.npz"], 2, "no such file"),
        (["memorize", "d.npz", "--width", "0", "-o", "n.npz"], 2, "greater than or equal to 1"),
        (["memorize", "d.npz", "--width", "2", "--params", "500", "-o", "n.npz"], 2, "--params alone"),
        (["memorize", "d.npz", "--width", "2", "-o", "n.txt"], 2, ".npz or .json"),
        (["memorize", "d.npz", "--width", "2", "-o", "n.json", "--cert", "n.json"], 2, "same file"),
        (["memorize", "d.npz", "--width", "2"], 2, "Missing option '--out'"),
        (["memorize", "d.npz", "--width", "1", "-o", "n.npz", "--cert", "c.json"], 3, "use width >= 2"),
    ]
    for argv, status, words in cases:
        code, _, err = _run(capsys, *argv)
        assert code == status, (argv, err)
        assert words in err, (argv, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("width", [5, 8, 13])
def test_memorize_then_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str], width: int) -> None:
    save_dataset(make_dataset(60, 3, 3, 0.05, seed=width), tmp_path / "d.npz")
    net, cert = tmp_path / "n.npz", tmp_path / "c.json"
    code, out, err = _run(
        capsys,
        "memorize",
        str(tmp_path / "d.npz"),
        "--width",
        str(width),
        "-o",
        str(net),
        "--cert",
        str(cert),
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["verdict"] == "memorized" and summary["points"] == 60
    assert summary["width"] == load_network(net).width
    assert read_certificate(cert)["verification"]["matched"] == 60
    code, _, err = _run(capsys, "verify", str(net), str(tmp_path / "d.npz"), "--cert", str(cert))
    assert code == 0, err
    code, out, _ = _run(
        capsys, "memorize", str(tmp_path / "d.npz"), "--width", str(width), "-o", str(net)
    )
    assert code == 0 and "regime" in out


def test_demo_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "demo", "--out-dir", str(tmp_path / "demo"), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["verdict"] == "memorized"
    assert {p.name for p in (tmp_path / "demo").iterdir()} == {
        "data.npz",
        "network.npz",
        "certificate.json",
    }


def test_memorize_and_verify_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip(
        "sklearn", reason="the digits data set needs scikit-learn (pip install 'memcap[digits]')"
    )
    net, cert = str(tmp_path / "n.npz"), str(tmp_path / "c.json")
    code, _, err = _run(capsys, "memorize", "digits", "--width", "32", "-o", net, "--cert", cert)
    assert code == 0, err
    assert len(read_certificate(cert)["data"]["sha256"]) == 64
    code, out, err = _run(capsys, "verify", net, "digits", "--cert", cert, "--json")
    assert code == 0, err
    assert json.loads(out)["matched"] == 1797
