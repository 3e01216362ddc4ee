"""Side-by-side comparison of every construction on one data set.

For each method (ours, if :mod:`proofs.construction` is installed, and every
baseline of :data:`proofs.baselines.METHODS`): width, depth, parameters,
nonzeros, max bits, linear pieces along the data line, build and exact
verification time. A method that cannot meet the limits gets a row saying why.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Sequence
from typing import Any

from proofs.errors import MemcapError, ParameterError

__all__ = ["COLUMNS", "REGIONS_MAX_N", "available_methods", "compare", "format_table"]

#: Largest N for which :func:`compare` counts linear pieces unless told otherwise:
#: bit extraction makes the pieces of deep networks along the data line very many.
REGIONS_MAX_N = 500

#: Column keys of a comparison row, and their headers.
COLUMNS: dict[str, str] = {
    "method": "method",
    "width": "width",
    "depth": "depth",
    "params": "params",
    "nonzeros": "nonzeros",
    "max_bits": "max bits",
    "pieces": "pieces on data line",
    "build_s": "build s",
    "verify_s": "verify s",
    "verdict": "verdict",
}


def available_methods() -> dict[str, Callable[..., Any]]:
    """Method name -> builder: ``ours`` (when installed) then the baselines.

    >>> "two_layer" in available_methods()
    True
    """
    from proofs.baselines import METHODS

    found: dict[str, Callable[..., Any]] = {}
    try:
        from proofs.construction import memorize

        found["ours"] = memorize
    except ImportError:
        pass
    found.update(METHODS)
    if "ours" not in found:
        found.pop("constant_width", None)  # it runs the main construction
    return found


def _pieces(net: Any, X: Any) -> int:
    from proofs.regions import data_segment, segment_regions

    return segment_regions(net, data_segment(net, X)).linear_pieces


def compare(
    X: Any,
    y: Any,
    *,
    methods: Sequence[str] | None = None,
    width: int | None = None,
    depth: int | None = None,
    params: int | None = None,
    seed: int = 0,
    backend: str = "auto",
    regions: bool | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    keep: bool = False,
) -> list[dict[str, Any]]:
    """Build, verify exactly and measure every method on ``(X, y)``.

    Parameters
    ----------
    X, y : array_like
        Points (rows) and integer labels.
    methods : sequence of str, optional
        Names from :func:`available_methods` (default: all of them).
    width, depth, params : int, optional
        Limits passed to every builder.
    seed : int
        Seed of every builder's projection.
    backend : str
        Exact backend for verification.
    regions : bool, optional
        Count the linear pieces along the data line (exact; the slowest
        column). Default: only when ``N <= REGIONS_MAX_N``.
    progress : callable, optional
        Called as ``progress(method, done, total)`` after each method.
    keep : bool
        Also keep each built construction (``.network``, ``.report``) in its
        row under ``"construction"``, for further measurement.

    Returns
    -------
    list of dict
        One row per method with the keys of :data:`COLUMNS` (``None`` where a
        method was infeasible; then ``verdict`` gives the reason).

    Examples
    --------
    >>> rows = compare([[0.5, 0.0], [0.0, 0.5], [-0.5, 0.0]], [1, 2, 1],
    ...                methods=["one_layer", "two_layer"])
    >>> [(r["method"], r["width"], r["depth"], r["verdict"]) for r in rows]
    [('one_layer', 6, 1, 'memorized'), ('two_layer', 4, 2, 'memorized')]
    """
    from proofs.verify import verify

    table = available_methods()
    names = list(table) if methods is None else list(methods)
    unknown = [m for m in names if m not in table]
    if unknown:
        raise ParameterError(f"unknown method(s) {unknown}; choose from {sorted(table)}")
    if regions is None:
        regions = len(y) <= REGIONS_MAX_N
    rows = []
    for i, name in enumerate(names):
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row["method"] = name
        started = time.perf_counter()
        try:
            built = table[name](X, y, width=width, depth=depth, params=params, seed=seed)
        except MemcapError as err:
            row["verdict"] = f"not built: {err}"
            rows.append(row)
            continue
        row["build_s"] = round(time.perf_counter() - started, 3)
        net = built.network
        started = time.perf_counter()
        result = verify(net, X, y, backend=backend)
        row["verify_s"] = round(time.perf_counter() - started, 3)
        row.update({k: getattr(net, k) for k in ("width", "depth", "params", "nonzeros", "max_bits")})
        row["verdict"] = result.verdict
        if keep:
            row["construction"] = built
        if regions:
            row["pieces"] = _pieces(net, X)
        rows.append(row)
        if progress is not None:
            progress("compare", i + 1, len(names))
    return rows


def format_table(rows: Sequence[dict[str, Any]], fmt: str = "markdown") -> str:
    """The rows as a ``markdown``, ``latex`` (booktabs) or ``csv`` table.

    >>> print(format_table([{"method": "one_layer", "width": 6}], "markdown"))
    | method | width |
    |---|---|
    | one_layer | 6 |
    """
    keys = [k for k in COLUMNS if any(k in r for r in rows)]
    cells = [["" if r.get(k) is None else str(r[k]) for k in keys] for r in rows]
    heads = [COLUMNS[k] for k in keys]
    if fmt == "markdown":
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in cells]
        return "\n".join(lines)
    if fmt == "latex":
        esc = str.maketrans({"_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#"})
        body = [" & ".join(c.translate(esc) for c in row) + r" \\" for row in cells]
        return "\n".join(
            [
                r"\begin{tabular}{l" + "r" * (len(heads) - 1) + "}",
                r"\toprule",
                " & ".join(h.translate(esc) for h in heads) + r" \\",
                r"\midrule",
                *body,
                r"\bottomrule",
                r"\end{tabular}",
            ]
        )
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows(cells)
        return buf.getvalue().rstrip("\n")
    raise ParameterError(f"unknown table format {fmt!r}; choose markdown, latex or csv")
