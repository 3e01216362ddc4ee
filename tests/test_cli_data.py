"""``memcap check-data`` and ``memcap make-data`` through the command line."""

from __future__ import annotations

import importlib.util
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from proofs.cli import main
from proofs.data import load_dataset


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # one message, whatever the terminal width


def test_make_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.npz"
    code, text, _ = _run(capsys, "make-data", "--n", "300", "--d", "3", "--classes", "4",
                         "--delta", "0.05", "--seed", "2", "-o", str(out))
    assert code == 0 and "wrote" in text
    code, text, _ = _run(capsys, "check-data", str(out), "--delta", "0.05", "--json")
    info = json.loads(text)
    assert code == 0
    assert (info["N"], info["d"], info["C"], info["classes"]) == (300, 3, 4, [1, 2, 3, 4])
    md = info["min_distance"]
    assert md["exact"] and Fraction(md["delta_squared"]) >= Fraction(0.05) ** 2
    assert info["delta_holds"] is True and info["max_norm"] <= 1
    code, text, _ = _run(capsys, "check-data", str(out))
    assert code == 0 and "delta^2 (exact)" in text and f"rows {md['pair'][0]} and {md['pair'][1]}" in text


def test_make_data_json_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = _run(capsys, "make-data", "--n", "20", "--d", "1", "--classes", "2",
                         "--delta", "0.1", "-o", str(tmp_path / "d.csv"), "--json")
    assert code == 0 and json.loads(text)["N"] == 20
    assert load_dataset(tmp_path / "d.csv").N == 20


@pytest.mark.parametrize(
    ("argv", "status", "match"),
    [
        (["--n", "10", "--d", "2", "--classes", "2", "--delta", "1.0"], 3, r"packing bound allows at most"),
        (["--n", "6", "--d", "1", "--classes", "2", "--delta", "0.5"], 3, r"floor\(2/delta\) \+ 1 = 5"),
        (["--n", "400", "--d", "2", "--classes", "2", "--delta", "0.1"], 3, "try delta <="),
        (["--n", "3", "--d", "2", "--classes", "5", "--delta", "0.1"], 2, "every class needs a point"),
        (["--n", "10", "--d", "2", "--classes", "2", "--delta", "-0.1"], 2, r"delta must be in \(0, 2\]"),
        (["--n", "1", "--d", "2", "--classes", "2", "--delta", "0.1"], 2, "--n"),
    ],
)
def test_make_data_refusals_leave_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], status: int, match: str
) -> None:
    import re

    code, _, err = _run(capsys, "make-data", *argv, "-o", str(tmp_path / "d.npz"))
    assert code == status
    assert re.search(match, err), err
    assert list(tmp_path.iterdir()) == []


def _write(path: Path, X, y) -> Path:
    np.savez(path, X=np.asarray(X), y=np.asarray(y))
    return path


BAD = [
    ([[0.1], [np.nan], [0.2]], [0, 1, 0], "NaN or inf at row 1;"),
    ([0.1, 0.2], [0, 1], "1-D shape"),
    ([[0.1], [0.2]], [0, 1, 1], "X has 2 rows but y has 3 labels"),
    ([[0.1], [0.2]], [0, 0.5], r"not so at row 1 \(row 1 has 0.5\)"),
    ([[0.1], [0.2]], [4, 4], "at least 2 classes"),
    ([[0.1]], [4], "at least 2 distinct points, got 1"),
    ([[0.1], [2.0], [-3.0]], [0, 1, 0], r"outside the closed unit ball at rows 1, 2 \(largest norm 3\)"),
    ([[0.1], [0.2], [0.1]], [0, 1, 1], r"rows 0 and 2 \(labels 0, 1\)"),
]


@pytest.mark.parametrize(("X", "y", "match"), BAD)
def test_check_data_rejects_bad_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], X, y, match: str
) -> None:
    import re

    data = _write(tmp_path / "bad.npz", X, y)
    clean = tmp_path / "clean.npz"
    code, out, err = _run(capsys, "check-data", str(data), "-o", str(clean))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and re.search(match, err), err
    assert "Traceback" not in err
    assert not clean.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]


def test_check_data_missing_file_and_declared_delta(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "check-data", str(tmp_path / "nope.npz"))
    assert code == 2 and "no such file" in err
    data = _write(tmp_path / "d.npz", [[0.0], [0.25], [1.0]], [0, 1, 0])
    code, _, err = _run(capsys, "check-data", str(data), "--delta", "0.5", "-o", str(tmp_path / "c.npz"))
    assert code == 2
    assert "rows 0 and 1 are at distance 0.25 (squared exactly 1/16) < delta = 0.5" in err
    assert not (tmp_path / "c.npz").exists()


def test_check_data_rescales_merges_and_writes_clean_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "d.npz", [[1.0, 2.0], [0.5, 0.5], [1.0, 2.0], [-3.0, 0.0]], [1, 2, 1, 2])
    clean = tmp_path / "clean.npz"
    code, text, _ = _run(capsys, "check-data", str(data), "--rescale", "-o", str(clean), "--json")
    info = json.loads(text)
    assert code == 0 and info["N"] == 3 and info["rescale"] == 0.25
    assert any("merged 1 duplicate row" in n for n in info["notes"])
    assert any("rescaled by 2**-2" in n for n in info["notes"])
    ds = load_dataset(clean)
    assert ds.X.tolist() == [[0.25, 0.5], [0.125, 0.125], [-0.75, 0.0]]
    code, text, _ = _run(capsys, "check-data", str(data), "--rescale")
    assert code == 0 and "rescaled by" in text and "merged 1 duplicate row" in text


def test_output_suffix_refused_before_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "d.npz", [[0.0], [0.5]], [0, 1])
    code, _, err = _run(capsys, "check-data", str(data), "-o", str(tmp_path / "c.txt"))
    assert code == 2 and "unknown data format '.txt'" in err
    code, _, err = _run(capsys, "make-data", "--n", "4", "--d", "1", "--classes", "2", "--delta", "0.1",
                        "-o", str(tmp_path / "m"))
    assert code == 2 and "'(no suffix)'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]


def test_check_data_without_distance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "d.npz", [[0.0], [0.5], [0.25]], [0, 1, 0])
    code, text, _ = _run(capsys, "check-data", str(data), "--no-distance", "--json")
    info = json.loads(text)
    assert code == 0 and "min_distance" not in info and info["N"] == 3


def test_check_data_large_fraction_shortened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "d.npz", [[0.1, 0.3], [0.7, -0.2], [0.15, 0.31]], [1, 2, 1])
    code, text, _ = _run(capsys, "check-data", str(data), "--exhaustive")
    assert code == 0 and "character fraction (see --json)" in text


NO_SKLEARN = importlib.util.find_spec("sklearn") is None


@pytest.mark.skipif(NO_SKLEARN, reason="scikit-learn (memcap[digits]) missing")
def test_check_data_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = _run(capsys, "check-data", "digits", "-o", str(tmp_path / "digits.npz"), "--json")
    info = json.loads(text)
    assert code == 0 and (info["N"], info["d"], info["C"]) == (1797, 64, 10)
    assert info["min_distance"]["delta_squared"] == "7/4096" and info["rescale"] == 2.0**-7
    assert load_dataset(tmp_path / "digits.npz").N == 1797
