"""Measure built networks and set them beside what the theory states.

:func:`measure` reads everything the analyzer knows off one network: its
graph counts (:mod:`proofs.graph`) and exact regions along the data line and
along random chords (:mod:`proofs.regions`).

:func:`sweep` is the empirical tightness report: for each case it builds a
network with :func:`proofs.construction.memorize`, verifies it exactly,
measures it, and puts beside the measurements what
:func:`bounds.upper.construction_sizes` predicts (it must be equal) and every
explicit lower bound of :mod:`bounds.lower` (measured / lower is reported).
With ``methods``, each case also builds every named method on the same data
(:func:`proofs.baselines.compare.compare`), verifies and measures it, and
sets it beside its size formula (:data:`bounds.baselines.SIZE_FORMULAS`).
:func:`check` turns a sweep into a list of failures, naming the case.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from proofs.errors import DataError, ParameterError
from proofs.graph import graph_stats
from proofs.network import Network
from proofs.regions import data_segment, random_segments, segment_regions

__all__ = [
    "Case",
    "measure",
    "line_pieces_needed",
    "run_case",
    "sweep",
    "check",
    "FORMATS",
    "render",
    "render_methods",
    "plot_tightness",
]

#: Table formats of :func:`render`.
FORMATS = ("markdown", "latex", "csv")
#: Sizes compared with ``bounds.upper.construction_sizes``.
COMPARED = ("widths", "width", "depth", "params", "nonzeros", "max_bits")


def measure(
    net: Network,
    X: Any = None,
    y: Any = None,
    *,
    segments: int = 2,
    seed: int = 0,
    breakpoints: bool = False,
    max_vertices: int | None = 100_000,
) -> dict[str, Any]:
    """Graph counts and exact regions of ``net``; with labels also an exact verification.

    Parameters
    ----------
    net : Network
    X : array_like, optional
        Data points (rows). They give the active subgraph and the extent of
        the data line.
    y : array_like, optional
        Labels; when given, the network is verified exactly on ``(X, y)``.
    segments : int
        Number of random chords of the unit ball to count regions on.
    seed : int
        Seed of the random chords.
    breakpoints : bool
        Also list every exact breakpoint (as ``p/q`` strings).
    max_vertices : int or None
        Per segment, stop counting beyond this many vertices and report a
        lower bound (see :func:`proofs.regions.segment_regions`).

    Returns
    -------
    dict
        JSON-ready: ``sizes`` (see :class:`proofs.graph.GraphStats`),
        ``regions`` (one entry per segment), and ``verification`` when ``y`` is given.

    Examples
    --------
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> m = measure(net, [[-0.5], [0.5]], [1, 1], segments=1)
    >>> m["sizes"]["widths"], m["verification"]["memorized"]
    ([1, 2, 1], False)
    >>> [(r["segment"], r["linear_pieces"]) for r in m["regions"]]
    [('data line (unit 0)', 2), ('random chord 0 (seed 0)', 2)]
    """
    out: dict[str, Any] = {"sizes": graph_stats(net, X).to_dict()}
    segs = []
    if any(int(v) for v in net.layers[0].nums[net.layers[0].rows == 0]):
        segs.append(data_segment(net, X))
    segs += random_segments(net.input_dim, segments, seed)
    out["regions"] = [
        segment_regions(net, s, max_vertices=max_vertices).to_dict(points=breakpoints) for s in segs
    ]
    if y is not None:
        if X is None:
            raise DataError("labels were given without points; give X as well")
        from proofs.verify import verify

        result = verify(net, X, y)
        out["verification"] = {"memorized": result.memorized, **result.to_json()}
    return out


# -- the tightness sweep -------------------------------------------------------------


def line_pieces_needed(X: Any, y: Any, net: Network) -> int:
    """Linear pieces any continuous function needs along the data line to fit ``(X, y)``.

    Sort the points by their parameter ``t`` on :func:`proofs.regions.data_segment`;
    whenever three consecutive points ``i, i+1, i+2`` (``i`` even) are not on one
    line in the ``(t, y)`` plane, a breakpoint lies in ``(t_i, t_{i+2})``. These
    intervals are disjoint, so the count plus one is a lower bound on the pieces
    (``docs/theory/lower.md``, the argument of the line-regions bound).
    Points with equal ``t`` cannot be fitted by a function of ``t`` unless
    their labels agree; they count as one point.

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1]], [0]), AffineLayer.from_dense([[1]], [0])])
    >>> line_pieces_needed([[0.0], [0.25], [0.5], [0.75], [1.0]], [1, 2, 1, 2, 1], net)
    3
    """
    seg = data_segment(net, X)
    pts = sorted(set(zip(seg.data_t, (int(v) for v in np.asarray(y).reshape(-1)), strict=True)))
    forced = 0
    for i in range(0, len(pts) - 2, 2):
        (t0, y0), (t1, y1), (t2, y2) = pts[i : i + 3]
        if (y1 - y0) * (t2 - t0) != (y2 - y0) * (t1 - t0):
            forced += 1
    return forced + 1


@dataclass
class Case:
    """One row of the tightness report: a built network measured against the bounds."""

    N: int
    d: int
    C: int
    delta: float
    width: int | None
    depth: int | None
    seed: int
    measured: dict[str, Any] = field(default_factory=dict)
    predicted: dict[str, Any] = field(default_factory=dict)
    verification: dict[str, Any] = field(default_factory=dict)
    regions: dict[str, Any] | None = None
    lower: list[dict[str, Any]] = field(default_factory=list)
    vc: dict[str, Any] = field(default_factory=dict)
    relabelings: list[dict[str, Any]] = field(default_factory=list)
    methods: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        parts = [f"N={self.N}", f"d={self.d}", f"C={self.C}", f"delta={self.delta:g}"]
        if self.width is not None:
            parts.append(f"width<={self.width}")
        if self.depth is not None:
            parts.append(f"depth<={self.depth}")
        return ", ".join(parts) + f", seed={self.seed}"

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["name"] = self.name
        return out


def _explicit_lower(
    N: int, d: int, C: int, delta: float, width: int, depth: int, bits: int
) -> list[dict[str, Any]]:
    """Every explicit lower bound of ``bounds`` at the measured width: least depth, and the ratio."""
    from bounds.queries import query

    rows = []
    for row in query(N=N, delta=delta, d=d, C=C, width=width).rows:
        bd = row.bound
        if not (bd.explicit and bd.necessary):
            continue
        entry: dict[str, Any] = {"key": bd.key, "title": bd.title, "least_depth": None, "ratio": None}
        b = int(bd.key.split("-")[1]) if bd.key.startswith("bits-") else None
        if b is not None and bits > b:
            entry["note"] = f"not applicable: weights need {bits} bits, more than {b}"
        elif not row.applicable or row.value is None or math.isnan(row.value):
            entry["note"] = f"not applicable ({bd.condition})" if bd.condition else "not applicable"
        else:
            entry["least_depth"] = row.value
            entry["ratio"] = depth / row.value if row.value > 0 else math.inf
        rows.append(entry)
    return rows


def run_case(
    N: int,
    d: int,
    C: int,
    delta: float,
    *,
    width: int | None = None,
    depth: int | None = None,
    seed: int = 0,
    regions: bool = True,
    max_vertices: int | None = 50_000,
    relabelings: int = 1,
    backend: str = "auto",
    methods: Sequence[str] | None = None,
) -> Case:
    """Build, verify exactly, measure and compare one case; failures are listed, not raised.

    A failure is: built sizes that differ from ``construction_sizes``; a point
    not memorized (also on a relabeling); a measured depth below an explicit
    lower bound; ``N`` above the numeric VC upper bound of the built widths;
    linear pieces along the data line outside their proven range. With
    ``methods`` (names of :func:`proofs.baselines.compare.available_methods`),
    also a method whose network fails verification or differs from its
    size formula (see :func:`compare_methods`).

    Examples
    --------
    >>> case = run_case(20, 2, 2, 0.05, width=16, relabelings=0)
    >>> case.failures, case.verification["verdict"]
    ([], 'memorized')
    >>> case.measured["depth"] == case.predicted["depth"]
    True
    """
    from bounds.lower import vc_dimension_bound
    from bounds.upper import construction_sizes
    from proofs.construction import memorize
    from proofs.data import make_dataset
    from proofs.verify import verify

    case = Case(N, d, C, delta, width, depth, seed)
    clock = time.perf_counter()
    ds = make_dataset(N, d, C, delta, seed=seed)
    built = memorize(ds.X, ds.y, width=width, depth=depth, seed=seed, delta=delta)
    net, rep = built.network, built.report
    case.seconds["build"] = time.perf_counter() - clock

    clock = time.perf_counter()
    result = verify(net, ds.X, ds.y, backend=backend)
    case.verification = result.to_json()
    case.seconds["verify"] = time.perf_counter() - clock
    if not result.memorized:
        case.failures.append(f"{case.name}: verification failed: {result.summary()}")

    clock = time.perf_counter()
    stats = graph_stats(net)
    after_first = _bits_after_first(net)
    case.measured = {
        "widths": stats.widths[1:-1],
        "width": stats.width,
        "depth": stats.depth,
        "params": stats.params,
        "nonzeros": stats.nonzeros,
        "max_bits": after_first,
        "max_bits_all": stats.max_bits,
        "total_bits": stats.total_bits,
        "W2L2": stats.width**2 * stats.depth**2,
        "n_b": rep["n_b"],
        "n_c": rep["n_c"],
        "regime": rep["regime"],
    }
    pred = construction_sizes(
        N, d, C, delta, width=width, depth=depth, n_b=rep["n_b"], n_c=rep["n_c"], label_min=rep["label_min"],
        ties=rep.get("ties", 0), fits_clamp=rep["regime"] == "clamp",
    )
    case.predicted = {k: pred[k] for k in COMPARED} | {"regime": pred["regime"]}
    for key in COMPARED:
        if key == "max_bits" and not pred.get("max_bits_exact"):  # a bound: the data decide the top digits
            if case.measured[key] > pred[key]:
                case.failures.append(f"{case.name}: built max_bits {case.measured[key]} exceeds "
                                     f"the formula's bound {pred[key]}")
        elif case.measured[key] != pred[key]:
            case.failures.append(
                f"{case.name}: built {key} {case.measured[key]} differs from the formula's {pred[key]}"
            )

    if regions:
        seg = data_segment(net, ds.X)
        r = segment_regions(net, seg, max_vertices=max_vertices)
        needed = line_pieces_needed(ds.X, ds.y, net)
        most = math.prod(w + 1 for w in stats.widths[1:-1])
        case.regions = r.to_dict() | {"pieces_needed": needed, "pieces_at_most": most}
        pieces = r.linear_pieces if r.complete else None
        if r.activation_regions > most:
            case.failures.append(
                f"{case.name}: {r.activation_regions} regions on the data line exceed {most}"
            )
        if pieces is not None and pieces < needed:
            case.failures.append(
                f"{case.name}: {pieces} linear pieces on the data line, "
                f"fewer than the {needed} the data force"
            )
    case.seconds["measure"] = time.perf_counter() - clock

    bits = 2 * stats.max_bits + 1  # sign, numerator and the layer's denominator
    case.lower = _explicit_lower(N, d, C, delta, stats.width, stats.depth, bits)
    for entry in case.lower:
        if entry["ratio"] is not None and entry["ratio"] < 1:
            case.failures.append(
                f"{case.name}: depth {stats.depth} is below the least depth {entry['least_depth']:g} "
                f"of {entry['key']} at width {stats.width}"
            )
    vc = vc_dimension_bound(stats.widths[1:-1], d)
    case.vc = {"shattered": N, "vc_upper": vc, "ratio": N / vc}
    if N > vc:
        case.failures.append(f"{case.name}: {N} points memorized but the VC upper bound is {vc}")

    rng = np.random.default_rng(seed + 1)
    labels = np.unique(ds.y)
    for k in range(relabelings):
        y2 = rng.choice(labels, size=N)
        y2[: len(labels)] = labels  # keep the label set, so the layout is the same
        other = memorize(ds.X, y2, width=width, depth=depth, seed=seed, delta=delta).network
        res = verify(other, ds.X, y2, backend=backend)
        same = other.widths == net.widths
        case.relabelings.append({"memorized": res.memorized, "same_architecture": same})
        if not (res.memorized and same):
            case.failures.append(f"{case.name}: relabeling {k} memorized={res.memorized}, same widths={same}")
    if methods:
        case.methods = compare_methods(
            case, ds.X, ds.y, methods, regions=regions, max_vertices=max_vertices, backend=backend
        )
        case.failures += [f"{case.name}: {f}" for m in case.methods for f in m["failures"]]
    return case


def _bits_after_first(net: Network) -> int:
    return max(
        (v.bit_length() for layer in net.layers[1:] for v in map(abs, map(int, layer.integers()))), default=0
    )


def _method_sizes(name: str, case: Case, net: Network, rep: dict[str, Any]) -> tuple[dict, dict, bool]:
    """Measured and predicted sizes of one built method, and whether ``max_bits`` must be equal."""
    from fractions import Fraction

    from bounds.baselines import SIZE_FORMULAS

    limits = {"width": case.width, "depth": case.depth}
    measured = {k: getattr(net, k) for k in ("widths", "width", "depth", "params", "nonzeros")}
    if "n_b" in rep:  # the main construction (ours, constant_width): its realized code and label bits
        realized = {"n_b": rep["n_b"], "n_c": rep["n_c"], "label_min": rep["label_min"],
                    "ties": rep.get("ties", 0), "fits_clamp": rep.get("regime") == "clamp"}
        pred = SIZE_FORMULAS[name](case.N, case.d, rep.get("C", case.C), case.delta, **limits, **realized)
        measured["max_bits"] = _bits_after_first(net)  # what construction_sizes counts
        return measured, pred, bool(pred.get("max_bits_exact"))
    gap = Fraction(rep["gap"]) if rep.get("gap") else None
    pred = SIZE_FORMULAS[name](rep["N"], rep["d"], rep["C"], gap=gap, **limits)
    measured["max_bits"] = net.max_bits
    return measured, pred, False


def compare_methods(
    case: Case,
    X: Any,
    y: Any,
    methods: Sequence[str],
    *,
    regions: bool = True,
    max_vertices: int | None = 50_000,
    backend: str = "auto",
) -> list[dict[str, Any]]:
    """Build every method on ``(X, y)`` within the case's limits; verify, measure, set beside the formula.

    Building, exact verification and timing are those of
    :func:`proofs.baselines.compare.compare`. Each entry holds ``measured``
    and ``predicted`` sizes (``COMPARED``; all equal, except ``max_bits``,
    which the formula bounds from above where it is not exact), the exact
    regions along the data line (``None``: not counted), build and verify
    seconds, and ``failures``. A method that cannot meet the limits is not a
    failure; its ``verdict`` says why.

    Examples
    --------
    >>> from proofs.data import make_dataset
    >>> ds = make_dataset(12, 2, 2, 0.1, seed=0)
    >>> rows = compare_methods(Case(12, 2, 2, 0.1, None, None, 0), ds.X, ds.y, ["one_layer", "two_layer"])
    >>> [(r["method"], r["measured"]["width"], r["predicted"]["width"], r["failures"]) for r in rows]
    [('one_layer', 24, 24, []), ('two_layer', 7, 7, [])]
    """
    from proofs.baselines.compare import compare

    rows = compare(
        X,
        y,
        methods=methods,
        width=case.width,
        depth=case.depth,
        seed=case.seed,
        backend=backend,
        regions=False,
        keep=True,
    )
    out = []
    for row in rows:
        name = row["method"]
        entry: dict[str, Any] = {
            "method": name,
            "verdict": row["verdict"],
            "measured": None,
            "predicted": None,
            "regions": None,
            "seconds": {"build": row["build_s"], "verify": row["verify_s"]},
            "failures": [],
        }
        out.append(entry)
        built = row.get("construction")
        if built is None:
            continue
        net = built.network
        if row["verdict"] != "memorized":
            entry["failures"].append(f"{name}: verification failed ({row['verdict']})")
        measured, pred, bits_exact = _method_sizes(name, case, net, built.report)
        entry["measured"] = measured
        entry["predicted"] = {k: pred[k] for k in COMPARED}
        for key in COMPARED:
            m, p = measured[key], pred[key]
            ok = m == p if key != "max_bits" or bits_exact else p is not None and m <= p
            if not ok:
                rel = "differs from" if key != "max_bits" or bits_exact else "exceeds"
                entry["failures"].append(f"{name}: built {key} {m} {rel} the formula's {p}")
        if regions:
            r = segment_regions(net, data_segment(net, X), max_vertices=max_vertices)
            needed = line_pieces_needed(X, y, net)
            entry["regions"] = r.to_dict() | {"pieces_needed": needed}
            if r.complete and r.linear_pieces is not None and r.linear_pieces < needed:
                entry["failures"].append(
                    f"{name}: {r.linear_pieces} linear pieces on the data line, "
                    f"fewer than the {needed} the data force"
                )
    return out


def sweep(
    ns: Sequence[int],
    d: int = 4,
    C: int = 3,
    delta: float = 0.02,
    *,
    widths: Sequence[int | None] = (None,),
    depth: int | None = None,
    seed: int = 0,
    regions_up_to: int = 1000,
    max_vertices: int | None = 50_000,
    relabelings: int = 1,
    backend: str = "auto",
    methods: Sequence[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Case]:
    """:func:`run_case` for every ``N`` in ``ns`` and every width in ``widths``.

    Regions along the data line are counted for ``N <= regions_up_to``
    (for every method of ``methods`` as well).
    ``progress(done, total, name)`` is called after each case.
    """
    if not ns or min(ns) < 2:
        raise ParameterError(f"give point counts N >= 2, got {list(ns)}")
    cases = []
    todo = [(n, w) for n in ns for w in widths]
    for i, (n, w) in enumerate(todo):
        case = run_case(
            n,
            d,
            C,
            delta,
            width=w,
            depth=depth,
            seed=seed,
            regions=n <= regions_up_to,
            max_vertices=max_vertices,
            relabelings=relabelings,
            backend=backend,
            methods=methods,
        )
        cases.append(case)
        if progress:
            progress(i + 1, len(todo), case.name)
    return cases


def check(cases: Sequence[Case]) -> list[str]:
    """Every failure of every case, each naming its case."""
    return [f for c in cases for f in c.failures]


# -- tables and plot ----------------------------------------------------------------


def _row(case: Case) -> dict[str, str]:
    m, p = case.measured, case.predicted
    best = [e for e in case.lower if e["ratio"] is not None]
    tight = max(best, key=lambda e: e["least_depth"]) if best else None
    regions = _regions_cell(case.regions)
    same = all(m[k] == p[k] for k in COMPARED)
    return {
        "N": str(case.N),
        "width": f"{m['width']} ({p['width']})",
        "depth": f"{m['depth']} ({p['depth']})",
        "params": f"{m['params']} ({p['params']})",
        "bits": f"{m['max_bits']} ({p['max_bits']})",
        "formula": "equal" if same else "DIFFERS",
        "regions / pieces on data line": regions,
        "least depth (bound)": f"{tight['least_depth']:g} ({tight['key']})" if tight else "n/a",
        "depth / least": f"{tight['ratio']:.3g}" if tight else "n/a",
        "N / VC upper": f"{case.N} / {case.vc['vc_upper']}",
        "verified": case.verification.get("verdict", "?"),
    }


def render(cases: Sequence[Case], fmt: str = "markdown") -> str:
    """The report as a Markdown, LaTeX (booktabs) or CSV table; measured (predicted) side by side.

    >>> head = render([run_case(20, 2, 2, 0.05, width=16, relabelings=0)], "csv").splitlines()[0]
    >>> head.split(",")[:6]
    ['N', 'width', 'depth', 'params', 'bits', 'formula']
    """
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rows = [_row(c) for c in cases]
    if not rows:
        return ""
    notes = [
        "Measured value first, bounds.upper.construction_sizes in parentheses (they must be equal).",
        "Regions: activation regions / linear pieces along the data line, exact; "
        "'>=' marks a count stopped at the vertex limit (a lower bound).",
        "Least depth: the largest least depth any explicit lower bound of bounds.lower "
        "implies at the built width.",
        "N / VC upper: the architecture memorized (so shattered) these N points; "
        "the numeric VC upper bound of its widths must be at least N.",
    ]
    return _table(rows, fmt, notes)


def _regions_cell(reg: dict[str, Any] | None) -> str:
    if reg is None:
        return "not counted"
    act = reg["activation_regions"] if reg["complete"] else f">={reg['activation_regions']}"
    pieces = reg["linear_pieces"] if reg["linear_pieces"] is not None else "?"
    return f"{act} / {pieces} (need {reg['pieces_needed']})"


def _method_row(case: Case, entry: dict[str, Any]) -> dict[str, str]:
    m, p = entry["measured"], entry["predicted"]
    secs = entry["seconds"]
    if m is None:
        sizes = dict.fromkeys(("width", "depth", "params", "nonzeros", "bits", "formula"), "")
    else:
        sizes = {k: f"{m[k]} ({p[k]})" for k in ("width", "depth", "params", "nonzeros")}
        sizes["bits"] = f"{m['max_bits']} ({p['max_bits']})"
        sizes["formula"] = "DIFFERS" if any("formula" in f for f in entry["failures"]) else "equal"
    return {
        "N": str(case.N),
        "width cap": "-" if case.width is None else str(case.width),
        "method": entry["method"],
        **sizes,
        "regions / pieces on data line": "" if m is None else _regions_cell(entry["regions"]),
        "build s": "" if secs["build"] is None else f"{secs['build']:.3g}",
        "verify s": "" if secs["verify"] is None else f"{secs['verify']:.3g}",
        "verified": entry["verdict"],
    }


def render_methods(cases: Sequence[Case], fmt: str = "markdown") -> str:
    """The methods section of the report: each method built on each case's data, measured (predicted).

    Empty when no case was run with ``methods``.

    >>> case = run_case(20, 2, 2, 0.05, width=16, relabelings=0, methods=["two_layer"])
    >>> print(render_methods([case], "csv").splitlines()[1])
    20,16,two_layer,10 (10),2 (2),112 (112),112 (112),32 (34),equal,59 / 47 (need 8),...,memorized
    """
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rows = [_method_row(c, e) for c in cases for e in c.methods]
    if not rows:
        return ""
    notes = [
        "Each method built on the case's data within its width cap, verified exactly; "
        "measured value first, its size formula (bounds.baselines.SIZE_FORMULAS) in parentheses.",
        "Width, depth, params and nonzeros must equal the formula; max bits may stay below it "
        "where the formula is an upper bound (the baselines; ours counts the layers after the first).",
        "Regions: activation regions / linear pieces along the data line, exact; "
        "'not counted' beyond --regions-up-to, '>=' at the vertex limit.",
    ]
    return _table(rows, fmt, notes)


def _table(rows: list[dict[str, str]], fmt: str, notes: list[str]) -> str:
    head = list(rows[0])
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=head, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()
    if fmt == "markdown":
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r[h] for h in head) + " |" for r in rows]
        return "\n".join(lines + [""] + [f"- {n}" for n in notes]) + "\n"
    from bounds.tables import tex_escape

    lines = [
        r"\begin{tabular}{" + "l" * len(head) + "}",
        r"\toprule",
        " & ".join(tex_escape(h) for h in head) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(tex_escape(r[h]) for h in head) + r" \\" for r in rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    lines += ["% " + n for n in notes]
    return "\n".join(lines) + "\n"


def plot_tightness(cases: Sequence[Case], path: Any) -> None:
    """Measured ``W^2 L^2`` against ``N`` with the upper and lower bound curves (PNG, atomic).

    Upper: our theorem's sufficient ``W^2 L^2 = K N w_k`` (``bounds.upper.THEOREM``,
    ``k = 1``, guaranteed code bits). Lower: the VC recursion's least depth at
    each case's width, as ``W^2 L_min^2``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bounds.lower import vc_least_depth
    from bounds.upper import code_bits, label_bits, theorem_constants
    from proofs.files import atomic_write

    if not cases:
        raise ParameterError("nothing to plot: the sweep has no cases")
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    by_width: dict[Any, list[Case]] = {}
    for c in cases:
        by_width.setdefault(c.width, []).append(c)
    for w, group in by_width.items():
        group = sorted(group, key=lambda c: c.N)
        ns = np.array([c.N for c in group], dtype=float)
        cap = "default width" if w is None else f"width cap {w}"
        ax.plot(ns, [c.measured["W2L2"] for c in group], "o-", label=f"built ({cap})")
        widths = np.array([c.measured["width"] for c in group], dtype=float)
        least = vc_least_depth(ns, widths, group[0].d)
        ax.plot(ns, widths**2 * least**2, "v--", label=f"VC lower bound at the built width ({cap})")
    c0 = cases[0]
    grid = np.unique(np.geomspace(min(c.N for c in cases), max(c.N for c in cases), 30).astype(int))
    big_k = theorem_constants(1)["K"]
    upper = [big_k * n * (code_bits(int(n), c0.d, c0.delta) + label_bits(c0.C)) for n in grid]
    ax.plot(grid, upper, "k-", label="our theorem: sufficient W^2 L^2 (k = 1)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel("W^2 L^2")
    ax.set_title(f"d={c0.d}, C={c0.C}, delta={c0.delta:g}")
    ax.legend(fontsize=7)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
