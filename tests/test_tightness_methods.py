"""The methods section of the tightness report: every construction built, verified, measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bounds.baselines
from bounds.tables import latex_document
from proofs.baselines.compare import available_methods
from proofs.cli import main
from proofs.tightness import COMPARED, render, render_methods, run_case, sweep

ALL = list(available_methods())


@settings(max_examples=6, deadline=None)
@given(
    n=st.integers(4, 40),
    d=st.integers(1, 4),
    C=st.integers(2, 4),
    cap=st.sampled_from([None, 12, 24, 100]),
    seed=st.integers(0, 1000),
)
def test_every_method_equals_its_formula(n, d, C, cap, seed):
    case = run_case(n, d, C, 0.05, width=cap, seed=seed, relabelings=0, regions=False, methods=ALL)
    assert case.failures == []
    assert [m["method"] for m in case.methods] == ALL
    for m in case.methods:
        if m["measured"] is None:  # could not meet the cap: said so, and it really cannot
            assert m["verdict"].startswith("not built") and cap is not None
            continue
        assert m["verdict"] == "memorized" and m["regions"] is None
        for key in COMPARED:
            if key == "max_bits":
                assert m["measured"][key] <= m["predicted"][key]
            else:
                assert m["measured"][key] == m["predicted"][key], (m["method"], key)
        if cap is not None:
            assert m["measured"]["width"] <= cap


def test_regions_counted_only_within_the_limit():
    small, big = sweep([12, 30], 2, 3, 0.1, regions_up_to=20, relabelings=0, methods=["one_layer", "ours"])
    for m in small.methods:
        reg = m["regions"]
        assert reg["complete"] and reg["linear_pieces"] >= reg["pieces_needed"]
    assert all(m["regions"] is None for m in big.methods)
    table = render_methods([small, big], "markdown")
    assert table.count("| not counted |") == 2 and table.count("| equal |") == 4
    assert render_methods([run_case(12, 2, 3, 0.1, relabelings=0)], "markdown") == ""


def test_formula_mismatch_is_a_failure(monkeypatch: pytest.MonkeyPatch):
    real = bounds.baselines.SIZE_FORMULAS["two_layer"]

    def wrong(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return real(*args, **kwargs) | {"params": 1}

    monkeypatch.setitem(bounds.baselines.SIZE_FORMULAS, "two_layer", wrong)
    case = run_case(16, 2, 2, 0.1, relabelings=0, regions=False, methods=["two_layer"])
    assert len(case.failures) == 1 and "two_layer: built params" in case.failures[0]
    assert "DIFFERS" in render_methods([case], "csv")


def test_latex_parses():
    walker = pytest.importorskip("pylatexenc.latexwalker", reason="pylatexenc (test extra) is not installed")
    case = run_case(12, 2, 3, 0.1, width=12, relabelings=0, methods=ALL)
    body = render([case], "latex") + render_methods([case], "latex")
    nodes, _, _ = walker.LatexWalker(latex_document(body), tolerant_parsing=False).get_latex_nodes()
    assert [n.environmentname for n in nodes if n.isNodeType(walker.LatexEnvironmentNode)] == ["document"]
    assert "one\\_layer" in body and "not built" in body


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    args = ["tightness", "--n", "12", "--d", "2", "--classes", "3", "--delta", "0.1", "--relabelings", "0"]
    assert main([*args, "--methods", "one_layer,two_layer", "--json"]) == 0
    cases = json.loads(capsys.readouterr().out)
    assert [m["method"] for m in cases[0]["methods"]] == ["one_layer", "two_layer"]
    target = tmp_path / "t.md"
    assert main([*args, "--methods", "all", "-o", str(target)]) == 0
    assert "| 12 | - | constant_width |" in target.read_text()
    assert main([*args, "-o", str(target)]) == 0
    assert "constant_width" not in target.read_text()  # unchanged without --methods
    bad = tmp_path / "bad.md"
    assert main([*args, "--methods", "three_layer", "-o", str(bad)]) == 2
    assert "three_layer" in capsys.readouterr().err and not bad.exists()
