"""``bounds.method_table`` and ``memcap table --methods``: predicted sizes of every construction."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bounds.baselines import SIZE_FORMULAS
from bounds.errors import ParameterError
from bounds.method_table import METHOD_COLUMNS, SOURCES, method_rows, parse_methods, render_methods
from bounds.symbols import max_separated_points
from bounds.tables import latex_document
from proofs.cli import main

PROBLEM = ["--n", "100", "--delta", "0.05", "--d", "2", "--classes", "3"]


@settings(max_examples=20, deadline=None)
@given(
    N=st.integers(2, 400),
    d=st.integers(1, 6),
    C=st.integers(2, 8),
    delta=st.floats(0.001, 1.0),
    limit=st.sampled_from(["width", "depth", "params", None]),
    value=st.integers(1, 600),
)
def test_rows_equal_the_size_formulas(N, d, C, delta, limit, value):
    assume(N <= max_separated_points(delta, d))  # else no such data set exists (tested below)
    limits = {} if limit is None else {limit: value}
    rows = method_rows(N, d, C, delta, **limits)
    assert [r["method"] for r in rows] == list(SIZE_FORMULAS)
    for row in rows:
        assert row["source"] == SOURCES[row["method"]]
        try:
            sizes = SIZE_FORMULAS[row["method"]](N, d, C, delta, **limits)
        except Exception as err:  # the row must say why
            assert row["width"] is None and str(err) in row["note"]
            continue
        for key in ("width", "depth", "params", "nonzeros", "max_bits"):
            assert row[key] == sizes[key], key
        if limit is not None:
            assert sizes[limit] <= value


def test_bad_problem_and_methods_name_the_value():
    with pytest.raises(ParameterError, match="N must be at least 1, got 0"):
        method_rows(0, 2, 2, 0.1)
    with pytest.raises(ParameterError, match="no 4 points in the unit ball of R\\^1"):
        method_rows(4, 1, 2, 1.0)
    with pytest.raises(ParameterError, match=r"unknown \['three_layer'\]"):
        parse_methods("one_layer,three_layer")
    with pytest.raises(ParameterError, match="unknown method"):
        method_rows(10, 2, 2, 0.1, methods=["nope"])
    with pytest.raises(ParameterError, match="latex, markdown, csv"):
        render_methods(method_rows(10, 2, 2, 0.1), "html")


def test_latex_parses_and_csv_round_trips():
    walker = pytest.importorskip("pylatexenc.latexwalker", reason="pylatexenc (test extra) is not installed")
    rows = method_rows(100, 2, 3, 0.05, depth=2)  # ours infeasible: an empty-cell row too
    doc = latex_document(render_methods(rows, "latex", problem=(100, 2, 3, 0.05)))
    nodes, _, _ = walker.LatexWalker(doc, tolerant_parsing=False).get_latex_nodes()
    assert [n.environmentname for n in nodes if n.isNodeType(walker.LatexEnvironmentNode)] == ["document"]
    assert "\\toprule" in doc and "two\\_layer" in doc
    back = list(csv.DictReader(io.StringIO(render_methods(rows, "csv"))))
    assert list(back[0]) == list(METHOD_COLUMNS)
    assert [int(r["params"]) if r["params"] else None for r in back] == [r["params"] for r in rows]


def test_cli_table_methods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", *PROBLEM, "--methods", "all", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    for name in SIZE_FORMULAS:
        assert f"| {name} |" in out
    target = tmp_path / "t.csv"
    assert main(["table", *PROBLEM, "--methods", "one_layer,two_layer", "-f", "csv", "-o", str(target)]) == 0
    rows = list(csv.DictReader(target.open()))
    assert [r["method"] for r in rows] == ["one_layer", "two_layer"]
    assert int(rows[0]["width"]) == 200


def test_cli_table_methods_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "t.tex"
    assert main(["table", *PROBLEM, "--methods", "best", "-o", str(target)]) == 2
    assert "'best'" in capsys.readouterr().err and not target.exists()
    assert main(["table", "--n", "0", "--delta", "0.1", "--d", "2", "--methods", "all"]) == 2


def test_bounds_table_unchanged_without_methods(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", *PROBLEM, "--width", "16", "-f", "csv"]) == 0
    assert capsys.readouterr().out.startswith("key,title,direction")
    assert main(["table", *PROBLEM, "-f", "csv"]) == 2  # still one of --width/--depth/--params
    json.dumps(method_rows(10, 2, 2, 0.1))  # JSON-ready
