"""``memcap bounds``, ``memcap table`` and ``memcap plot``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofs.cli import main

PROBLEM = ["--n", "1000", "--delta", "0.002", "--d", "2", "--classes", "3"]


def test_bounds_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bounds", *PROBLEM, "--width", "16", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["given"] == {"width": 16} and out["solves_for"] == "depth"
    assert {r["key"] for r in out["rows"]} >= {"vc-recursion", "ours", "yang-yang-lower"}
    assert out["gap_ratio"] >= 1


def test_bounds_table_in_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bounds", *PROBLEM, "--depth", "5"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "least width" in out and "yang-yang-lower: the paper" in out and "without the '/'" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--n", "10", "--delta", "3", "--d", "2", "--width", "4"], "0 < delta <= 2"),
        (["--n", "0", "--delta", "0.1", "--d", "2", "--width", "4"], "N must be at least 1, got 0"),
        (["--n", "10", "--delta", "0.1", "--d", "2", "--classes", "1", "--width", "4"], "at least 2, got 1"),
        (["--n", "10", "--delta", "0.1", "--d", "2"], "exactly one of --width, --depth or --params"),
        (["--n", "5000", "--delta", "0.1", "--d", "1", "--width", "4"], "no 5000 points"),
    ],
)
def test_bad_parameters_exit_2_with_one_line(args: list[str], fragment: str, capsys) -> None:
    assert main(["bounds", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in " ".join(err.split()) and "Traceback" not in err


def test_non_integer_size_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bounds", "--n", "2.5", "--delta", "0.1", "--d", "2", "--width", "3"]) == 2
    assert "valid integer" in " ".join(capsys.readouterr().err.split())


def test_table_to_file_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "t.tex"
    assert main(["table", *PROBLEM, "--width", "16", "-o", str(target)]) == 0
    assert "\\toprule" in target.read_text()
    capsys.readouterr()
    assert main(["table", *PROBLEM, "--width", "16", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("key,title")


def test_table_errors_leave_no_file(tmp_path: Path) -> None:
    target = tmp_path / "t.md"
    assert main(["table", *PROBLEM, "--width", "16", "--format", "html", "-o", str(target)]) == 2
    assert main(["table", "--n", "0", "--delta", "0.1", "--d", "2", "--width", "3", "-o", str(target)]) == 2
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_plot_writes_png_and_refuses_other_suffixes(tmp_path: Path) -> None:
    png = tmp_path / "f.png"
    assert (
        main(
            ["plot", "--n", "200", "--delta", "0.01", "--d", "2", "--widths", "1,8,64", "-q", "-o", str(png)]
        )
        == 0
    )
    assert png.read_bytes().startswith(b"\x89PNG")
    for bad in (["-o", str(tmp_path / "f.svg")], ["--widths", "1,x", "-o", str(tmp_path / "g.png")]):
        assert main(["plot", "--n", "200", "--delta", "0.01", "--d", "2", "-q", *bad]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png"]
