"""Certificates: written, read, and re-checked against tampered files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from memorizers import interpolating_network

from proofs import __version__
from proofs.certificate import (
    check_certificate,
    make_certificate,
    read_certificate,
    save_verified,
    write_certificate,
)
from proofs.errors import FormatError, VerificationError
from proofs.files import sha256_file
from proofs.io import load_network, network_from_json, network_to_json, save_network
from proofs.network import Network
from proofs.verify import verify


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path, Network]:
    rng = np.random.default_rng(2)
    X = rng.uniform(-0.5, 0.5, size=(60, 3))
    y = rng.integers(1, 6, size=60)
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=y)
    net = interpolating_network(X, y)
    net.meta.update({"regime": "test", "N": 60})
    net_path, cert_path = tmp_path / "net.json", tmp_path / "cert.json"
    cert = save_verified(net, verify(net, X, y), net_path, data, cert_path, labels=y)
    assert cert == read_certificate(cert_path)
    return net_path, data, cert_path, net


def test_certificate_records_everything(files: tuple[Path, Path, Path, Network]) -> None:
    net_path, data, cert_path, net = files
    cert = read_certificate(cert_path)
    assert cert["network"]["sha256"] == sha256_file(net_path)
    assert cert["data"]["sha256"] == sha256_file(data)
    assert cert["network"]["file"] == "net.json"
    assert cert["network"]["width"] == net.width and cert["network"]["max_bits"] == net.max_bits
    assert cert["verification"]["verdict"] == "memorized"
    assert cert["verification"]["checked"] == cert["verification"]["matched"] == 60
    assert cert["verification"]["backend"] == "scalar"
    assert cert["data"]["classes"] == 5
    assert cert["memcap_version"] == __version__
    assert cert["construction"]["regime"] == "test" and cert["construction"]["N"] == 60
    assert cert["created"].endswith("+00:00")
    check = check_certificate(cert, net_path, data)
    assert check.ok and check.mismatches == ()
    check.raise_for_failure()


def test_tampered_weight_fails(files: tuple[Path, Path, Path, Network]) -> None:
    net_path, data, cert_path, _ = files
    obj = network_to_json(load_network(net_path))
    triplet = obj["layers"][-1]["weights"][3]
    triplet[2] = str(int(triplet[2]) + 1)
    assert network_from_json(obj).depth == 2  # still a valid network, one weight off
    net_path.write_text(json.dumps(obj))
    check = check_certificate(read_certificate(cert_path), net_path, data)
    assert not check.ok
    assert "SHA-256 of the network file" in check.mismatches[0]
    assert not check.verification.memorized
    assert any("matched is" in m for m in check.mismatches)
    with pytest.raises(VerificationError, match="certificate does not match: SHA-256 of the network"):
        check.raise_for_failure()


@pytest.mark.parametrize("change", ["move", "label"])
def test_tampered_data_fails(files: tuple[Path, Path, Path, Network], change: str) -> None:
    net_path, data, cert_path, _ = files
    arrays = np.load(data)
    X, y = arrays["X"].copy(), arrays["y"].copy()
    if change == "move":
        X[17, 0] += 2.0**-20
    else:
        y[17] += 1
    np.savez(data, X=X, y=y)
    check = check_certificate(read_certificate(cert_path), net_path, data)
    assert "SHA-256 of the data file" in check.mismatches[0]
    assert check.verification.failed_indices == [17]
    assert check.verification.matched == 59


def test_unverified_network_is_not_saved(tmp_path: Path) -> None:
    X = np.array([[0.1], [0.2], [0.3]])
    y = np.array([1, 2, 1])
    net = interpolating_network(X, y)
    result = verify(net, X, np.array([1, 2, 2]))
    np.savez(tmp_path / "d.npz", X=X, y=y)
    with pytest.raises(VerificationError, match="refusing to save"):
        save_verified(net, result, tmp_path / "n.json", tmp_path / "d.npz", tmp_path / "c.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]


def test_failed_certificate_write_leaves_nothing(tmp_path: Path) -> None:
    X = np.array([[0.1], [0.2]])
    y = np.array([1, 2])
    net = interpolating_network(X, y)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    (tmp_path / "dir.json").mkdir()  # the certificate cannot be written onto a folder
    with pytest.raises(OSError):
        save_verified(
            net, verify(net, X, y), tmp_path / "n.npz", tmp_path / "d.npz", tmp_path / "dir.json"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz", "dir.json"]


def test_bad_certificate_files(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with pytest.raises(FormatError, match="cannot read certificate"):
        read_certificate(path)
    path.write_text("{not json")
    with pytest.raises(FormatError, match="is not JSON"):
        read_certificate(path)
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(FormatError, match="not a memcap certificate"):
        read_certificate(path)
    path.write_text(json.dumps({"format": "memcap-certificate", "version": 99}))
    with pytest.raises(FormatError, match="version 99"):
        read_certificate(path)
    path.write_text(json.dumps({"format": "memcap-certificate", "version": 1, "data": {"sha256": "x"}}))
    with pytest.raises(FormatError, match="section 'data' lacks"):
        read_certificate(path)


def test_certificate_of_a_file_roundtrip(tmp_path: Path) -> None:
    X = np.array([[0.25, 0.0], [0.0, 0.5]])
    y = np.array([-3, 4])
    net = interpolating_network(X, y)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    save_network(net, tmp_path / "n.npz")
    cert = make_certificate(verify(net, X, y), net, tmp_path / "n.npz", tmp_path / "d.npz", labels=y)
    write_certificate(cert, tmp_path / "c.json")
    assert check_certificate(
        read_certificate(tmp_path / "c.json"), tmp_path / "n.npz", tmp_path / "d.npz"
    ).ok
