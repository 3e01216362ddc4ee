"""Tables of a query's answer: LaTeX (booktabs), Markdown and CSV.

Formulas go through sympy's LaTeX printer; every caveat of a bound (the seed
paper's typo among them) is printed as a numbered note under the table.

Examples
--------
>>> from bounds.queries import query
>>> from bounds.tables import render
>>> res = query(N=1000, delta=0.002, d=2, C=2, width=8)
>>> print(render(res, "csv").splitlines()[0])
key,title,direction,status,quantity,least depth,statement,source,year,tag,condition,setting,note
>>> "\\\\toprule" in render(res, "latex")
True
"""

from __future__ import annotations

import csv
import io

from bounds.errors import ParameterError
from bounds.queries import QueryResult, Row

__all__ = [
    "FORMATS",
    "render",
    "to_latex",
    "to_markdown",
    "to_csv",
    "latex_document",
    "tex_escape",
    "tex_number",
]

#: Table formats by name.
FORMATS = ("latex", "markdown", "csv")

_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def tex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text.

    Examples
    --------
    >>> tex_escape("50% of N_i & more")
    '50\\\\% of N\\\\_i \\\\& more'
    """
    return "".join(_TEX.get(ch, ch) for ch in text)


def tex_number(x: float) -> str:
    """A float in LaTeX math: ``7e-05`` becomes ``7 \\cdot 10^{-5}``.

    Examples
    --------
    >>> print(tex_number(7e-05), tex_number(0.25))
    7 \\cdot 10^{-5} 0.25
    """
    text = f"{x:g}"
    if "e" not in text:
        return text
    mant, exp = text.split("e")
    return f"{mant} \\cdot 10^{{{int(exp)}}}"


def render(result: QueryResult, fmt: str) -> str:
    """The table of ``result`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "latex":
        return to_latex(result)
    if fmt == "markdown":
        return to_markdown(result)
    if fmt == "csv":
        return to_csv(result)
    raise ParameterError(f"table format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _notes(result: QueryResult) -> list[tuple[Row, str]]:
    out = []
    for r in result.rows:
        text = "; ".join(x for x in (r.bound.setting and f"setting: {r.bound.setting}", r.bound.note) if x)
        if text:
            out.append((r, text))
    return out


def to_latex(result: QueryResult, caption: str | None = None, label: str = "tab:memcap-bounds") -> str:
    """A ``table`` with a booktabs ``tabular``; needs ``\\usepackage{booktabs}``."""
    notes = _notes(result)
    marks = {id(r): i for i, (r, _) in enumerate(notes, start=1)}
    p = result.problem
    cap = caption or (
        f"Least {result.solves_for} implied by each bound for $N = {p.N}$, "
        f"$\\delta = {tex_number(p.delta)}$, $d = {p.d}$, $C = {p.C}$ "
        f"at {result.given} ${result.given_value}$."
    )
    lines = [
        r"\begin{table}[ht]",
        r"\centering",
        r"\small",
        f"\\caption{{{cap}}}",
        f"\\label{{{label}}}",
        r"\begin{tabular}{p{0.24\linewidth}lp{0.12\linewidth}rp{0.36\linewidth}}",
        r"\toprule",
        f"Bound & Direction & Status & Least {result.solves_for} & Statement \\\\",
        r"\midrule",
    ]
    for r in result.rows:
        bd = r.bound
        mark = f"\\textsuperscript{{{marks[id(r)]}}}" if id(r) in marks else ""
        lines.append(
            f"\\raggedright {tex_escape(bd.title)}{mark} ({tex_escape(bd.source.label)}) & "
            f"{bd.direction.value} & \\raggedright {tex_escape(bd.status.value)} & {tex_escape(r.text)} & "
            f"${bd.latex()}$ \\\\"
        )
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    lines.append(r"\par\footnotesize " + tex_escape(result.summary()) + r"\par")
    for i, (_, text) in enumerate(notes, start=1):
        lines.append(f"\\textsuperscript{{{i}}} {tex_escape(text)}\\par")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def latex_document(body: str) -> str:
    """A standalone LaTeX document around ``body``, for checking that a table compiles."""
    return (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n"
        "\\usepackage[margin=1cm,landscape]{geometry}\n\\begin{document}\n" + body + "\\end{document}\n"
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(result: QueryResult) -> str:
    """A GitHub-flavoured Markdown table, notes and the gap sentence below it."""
    notes = _notes(result)
    marks = {id(r): i for i, (r, _) in enumerate(notes, start=1)}
    head = ["bound", "source", "direction", "status", f"least {result.solves_for}", "statement"]
    lines = [f"**{_md(result.title())}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in result.rows:
        bd = r.bound
        mark = f" [{marks[id(r)]}]" if id(r) in marks else ""
        cells = [
            bd.title + mark,
            f"{bd.source.label} {bd.source.tag}",
            bd.direction.value,
            bd.status.value,
            r.text,
            f"`{bd.statement()}`",
        ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines += ["", result.summary(), ""]
    lines += [f"{i}. {_md(text)}" for i, (_, text) in enumerate(notes, start=1)]
    return "\n".join(lines) + "\n"


def to_csv(result: QueryResult) -> str:
    """One CSV row per bound, the implied least size in its own column."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "key",
            "title",
            "direction",
            "status",
            "quantity",
            f"least {result.solves_for}",
            "statement",
            "source",
            "year",
            "tag",
            "condition",
            "setting",
            "note",
        ]
    )
    for r in result.rows:
        bd = r.bound
        writer.writerow(
            [
                bd.key,
                bd.title,
                bd.direction.value,
                bd.status.value,
                bd.quantity,
                r.text,
                bd.statement(),
                bd.source.citation,
                bd.source.year or "",
                bd.source.tag,
                bd.condition,
                bd.setting,
                bd.note,
            ]
        )
    return buf.getvalue()
