import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from bounds.errors import MemcapError
from proofs import cli
from proofs.data import DuplicateRowsWarning, load_dataset, make_dataset, save_dataset

ROOT = Path(__file__).resolve().parents[1]


def test_error_messages_print_literally(monkeypatch, capsys):
    def boom() -> None:
        raise MemcapError("install it with pip install 'memcap[onnx]'")

    monkeypatch.setattr(cli, "app", lambda **_: boom())
    assert cli.main([]) == MemcapError.exit_code
    assert "'memcap[onnx]'" in capsys.readouterr().err


def test_usage_error_exits_2(capsys):
    assert cli.main(["no-such-command"]) == 2


def test_version():
    assert cli.main(["--version"]) == 0


# -- --json on errors ------------------------------------------------------------------
_ERRORS = [
    # (argv, exit status, words of the message)
    (["memorize", "nope.npz", "-o", "n.npz"], 2, "no such file"),
    (["memorize", "d.npz", "-o", "n.txt"], 2, "must end in .npz or .json"),
    (["memorize", "d.npz", "--width", "1", "-o", "n.npz"], 3, "use width >= 2"),
    (["memorize", "d.npz", "--width", "0", "-o", "n.npz"], 2, "greater than or equal to 1"),
    (["memorize", "d.npz"], 2, "Missing option '--out'"),
    (["verify", "nope.npz", "d.npz"], 2, "no such file"),
    (["check-data", "nope.npz"], 2, "no such file"),
    (["make-data", "--n", "50", "--d", "1", "--classes", "2", "--delta", "0.5", "-o", "x.npz"], 3, "fit"),
    (["demo", "--n", "50", "--d", "1", "--delta", "0.5", "--out-dir", "demo"], 3, "do not fit"),
    (["info", "nope.npz"], 2, "no such file"),
    (["export", "nope.npz", "--to", "json"], 2, "no such file"),
    (["precision", "nope.npz", "d.npz"], 2, "no such file"),
    (["compare", "nope.npz"], 2, "no such file"),
    (["analyze", "nope.npz"], 2, "no such file"),
    (["bounds", "--n", "10", "--delta", "0.1", "--d", "2"], 2, "exactly one of"),
    (["tightness", "--format", "bad"], 2, "choose one of"),
    (["check", "--n", "x"], 2, "comma-separated integers"),
]


@pytest.mark.parametrize(("argv", "status", "words"), _ERRORS, ids=[f"{c[0][0]}: {c[2]}" for c in _ERRORS])
def test_json_errors_print_one_json_object(argv, status, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    save_dataset(make_dataset(20, 2, 2, 0.1), tmp_path / "d.npz")
    assert cli.main(argv) == status
    out, err = capsys.readouterr()
    assert out == "" and words in " ".join(err.split())  # without --json: the message alone
    for where in (len(argv), 1):  # --json last, and right after the command name
        assert cli.main([*argv[:where], "--json", *argv[where:]]) == status
        out, err = capsys.readouterr()
        payload = json.loads(out)  # one JSON object, nothing else
        assert payload["ok"] is False and payload["exit_code"] == status
        assert payload["command"] == argv[0] and words in payload["error"]
        assert words in " ".join(err.split())  # the human message stays on stderr


def test_json_errors_carry_the_offending_rows(tmp_path, capsys):
    X = np.array([[0.5, 0.0], [2.0, 0.0], [0.0, 0.5], [0.0, -3.0]])
    np.savez(tmp_path / "far.npz", X=X, y=[1, 2, 1, 2])
    assert cli.main(["check-data", str(tmp_path / "far.npz"), "--json"]) == 2
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows"] == [1, 3] and "outside the closed unit ball" in payload["error"]
    assert payload["error_type"] == "DataError"
    np.savez(tmp_path / "same.npz", X=np.array([[0.5], [0.0], [0.5]]), y=[1, 2, 2])
    assert cli.main(["memorize", str(tmp_path / "same.npz"), "-o", str(tmp_path / "n.npz"), "--json"]) == 2
    payload = json.loads(capsys.readouterr().out)
    assert payload["pairs"] == [[0, 2]] and "different labels" in payload["error"]


def test_json_error_not_added_after_json_output(tmp_path, capsys):
    """A command that printed its JSON before failing (exit 1) prints no second object."""
    ds = make_dataset(20, 2, 2, 0.1)
    save_dataset(ds, tmp_path / "d.npz")
    assert cli.main(["memorize", str(tmp_path / "d.npz"), "-o", str(tmp_path / "n.npz"), "-W", "4"]) == 0
    np.savez(tmp_path / "d.npz", X=ds.X, y=3 - ds.y)  # every label changed
    capsys.readouterr()
    assert cli.main(["verify", str(tmp_path / "n.npz"), str(tmp_path / "d.npz"), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["verdict"] != "memorized" and "exit_code" not in payload


def test_no_json_for_commands_without_the_option(capsys):
    assert cli.main(["plot", "--json", "--n", "10", "--delta", "0.1", "--d", "2", "-o", "x.png"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "No such option: --json" in err


# -- warnings ---------------------------------------------------------------------------
def _duplicated(tmp_path):
    ds = make_dataset(30, 3, 3, 0.05, seed=1)
    path = tmp_path / "dup.npz"
    np.savez(path, X=np.vstack([ds.X, ds.X[[3]]]), y=np.concatenate([ds.y, ds.y[[3]]]))
    return path


def test_duplicate_rows_warning_is_one_clean_line(tmp_path):
    data = _duplicated(tmp_path)
    env = {**os.environ, "COLUMNS": "250", "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default"}
    run = [sys.executable, "-c", "import sys; from proofs.cli import main; sys.exit(main())"]
    proc = subprocess.run(
        [*run, "memorize", str(data), "-W", "8", "-o", str(tmp_path / "n.npz"), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["points"] == 30
    lines = proc.stderr.splitlines()
    assert lines == ["warning: merged 1 duplicate row with the same label: removed row 30 (same as 3)"]


def test_duplicate_rows_warning_in_process_and_for_library_users(tmp_path, capsys):
    data = _duplicated(tmp_path)
    before = warnings.showwarning
    assert cli.main(["compare", str(data), "--methods", "two_layer", "--json"]) == 0
    err = capsys.readouterr().err
    assert "warning: merged 1 duplicate row with the same label" in " ".join(err.split())
    assert "DuplicateRowsWarning" not in err and "data.py" not in err
    assert warnings.showwarning is before  # the command line put it back
    with pytest.warns(DuplicateRowsWarning, match="merged 1 duplicate row"):
        load_dataset(data)
