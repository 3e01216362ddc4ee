"""Tables (LaTeX, Markdown, CSV) and plots of a query."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

import bounds
from bounds.errors import ParameterError
from bounds.plots import default_widths, figure_bytes, frontier_figure, prior_points
from bounds.symbols import Problem
from bounds.tables import latex_document, render, tex_escape


@pytest.fixture(scope="module")
def result() -> bounds.QueryResult:
    return bounds.query(N=1000, delta=0.002, d=2, C=3, width=16)


def test_csv_has_one_row_per_bound(result: bounds.QueryResult) -> None:
    rows = list(csv.DictReader(io.StringIO(render(result, "csv"))))
    assert [r["key"] for r in rows] == [r.bound.key for r in result.rows]
    line = next(r for r in rows if r["key"] == "line-regions")
    assert line["least depth"] == str(int(result.value("line-regions")))
    assert next(r for r in rows if r["key"] == "yang-yang-lower")["least depth"] == "asymptotic"


def test_markdown_table_and_notes(result: bounds.QueryResult) -> None:
    text = render(result, "markdown")
    table = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(table) == 2 + len(result.rows)
    assert all(ln.count(" | ") == table[0].count(" | ") for ln in table[2:])
    assert "without the '/'" in text and "gap ratio" in text


def test_latex_uses_booktabs_and_sympy_formulas(result: bounds.QueryResult) -> None:
    text = render(result, "latex")
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        assert text.count(rule) == 1
    assert "$N \\operatorname{log}_{2}{\\left(C \\right)}" in text or "\\operatorname{log}_{2}" in text
    assert "without the '/'" in text
    assert text.count("\\\\\n") >= len(result.rows)


def test_tex_escape_specials() -> None:
    assert tex_escape("a_b & 50% #1 {x} ~ ^ \\") == (
        "a\\_b \\& 50\\% \\#1 \\{x\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}"
    )


def test_unknown_format() -> None:
    with pytest.raises(ParameterError, match="one of latex, markdown, csv, got 'html'"):
        render(bounds.query(N=10, delta=0.5, d=2, C=2, width=2), "html")


def _compiler() -> list[str] | None:
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex"]
    if shutil.which("tectonic"):
        return ["tectonic", "table.tex"]
    return None


def test_latex_table_compiles(result: bounds.QueryResult, tmp_path: Path) -> None:
    cmd = _compiler()
    if cmd is None:
        pytest.skip("neither pdflatex nor tectonic is installed; test_latex_table_parses checks the syntax")
    (tmp_path / "table.tex").write_text(latex_document(render(result, "latex")))
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "table.pdf").stat().st_size > 1000


def test_latex_table_parses(result: bounds.QueryResult) -> None:
    walker = pytest.importorskip("pylatexenc.latexwalker", reason="pylatexenc (test extra) is not installed")
    doc = latex_document(render(result, "latex"))
    nodes, _, _ = walker.LatexWalker(doc, tolerant_parsing=False).get_latex_nodes()
    envs = [n.environmentname for n in nodes if n.isNodeType(walker.LatexEnvironmentNode)]
    assert envs == ["document"]
    with pytest.raises(walker.LatexWalkerParseError):
        walker.LatexWalker(doc.replace("\\end{tabular}", "", 1), tolerant_parsing=False).get_latex_nodes()


def test_default_widths_cover_zhang(result: bounds.QueryResult) -> None:
    ws = default_widths(result.problem)
    assert ws[0] == 1 and ws[-1] == 2 * result.problem.N and ws == sorted(set(ws))


def test_prior_points_include_zhang_and_syz() -> None:
    labels = [label for label, _ in prior_points(Problem(N=500, delta=0.002, d=2, C=2))]
    assert any("Zhang" in x for x in labels) and any("Prop. 3.2" in x for x in labels)


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_plot_encodes(fmt: str, magic: bytes) -> None:
    calls: list[tuple[int, int]] = []
    fig = frontier_figure(
        Problem(N=200, delta=0.01, d=2, C=2), widths=[1, 8, 64], progress=lambda a, b: calls.append((a, b))
    )
    assert figure_bytes(fig, fmt).startswith(magic)
    assert calls[-1] == (3, 3)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "infeasible: below a lower bound" in labels and "ours (built sizes)" in labels


def test_plot_rejects_bad_input() -> None:
    with pytest.raises(ParameterError, match="png or pdf"):
        figure_bytes(frontier_figure(Problem(N=20, delta=0.1, d=2, C=2), widths=[2]), "svg")
    with pytest.raises(ParameterError, match="positive integers"):
        frontier_figure(Problem(N=20, delta=0.1, d=2, C=2), widths=[0])
