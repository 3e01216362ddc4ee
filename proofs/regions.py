"""Exact linear regions of a ReLU network along a segment and on a 2-D slice.

Two counts are reported, both exact:

- **activation regions**: maximal pieces on which every hidden unit keeps
  one sign (the pieces a region counter such as ``regioncam`` reports);
- **linear pieces** (1-D) or **linear regions** (2-D): maximal connected
  pieces on which the network's output is one affine map. Adjacent activation
  regions with the same output map are merged, so this count is never larger.

Both counters propagate values at the vertices of the current partition,
layer by layer, in exact rational arithmetic. On each piece every
pre-activation is affine, so a unit changes sign inside a piece exactly when
its values at the two ends (1-D) or at the corners (2-D) have strictly
opposite signs; the crossing point is the exact rational interpolation.
Nothing is rounded, so weights with thousands of bits are handled exactly.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from proofs.errors import DataError, NetworkError
from proofs.exact import ExactInputs, exact_inputs
from proofs.network import AffineLayer, Network
from proofs.segment_filter import certified_counts

_flint: Any
try:
    import flint as _flint
except ImportError:  # python-flint speeds up dense products; plain Python ints stay exact
    _flint = None

__all__ = [
    "Segment",
    "SegmentRegions",
    "Plane",
    "PlaneRegions",
    "hidden_preactivations",
    "segment_regions",
    "data_segment",
    "random_segments",
    "plane_through",
    "plane_axes",
    "plane_from_spec",
    "plane_regions",
    "plane_coordinates",
    "plot_plane_regions",
    "regioncam_segment_count",
    "regioncam_plane_count",
]

_LIMIT = 1 << 62


# -- exact batched evaluation -------------------------------------------------------


def _fits(values: Any, bound: int = _LIMIT) -> bool:
    if values.size == 0:
        return True
    if values.dtype != object:
        return True
    return max(abs(int(values.max())), abs(int(values.min()))) < bound


def _narrow(values: np.ndarray) -> np.ndarray:
    """int64 when every entry fits in 62 bits, else object."""
    if values.dtype == object and _fits(values):
        return values.astype(np.int64)
    return values


def _layer_parts(layer: AffineLayer) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = layer.rows, layer.cols
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.array([], int)
    return rows, cols, starts, rows[starts] if len(rows) else np.array([], int)


def _affine(a: np.ndarray, dens: np.ndarray, layer: AffineLayer) -> tuple[np.ndarray, np.ndarray]:
    """Numerators ``W a + b D`` and denominators ``q D`` of one layer, row by row.

    int64 is used only when a magnitude bound proves that nothing overflows.
    """
    bias = [int(v) for v in layer.bias]
    nums = [int(v) for v in layer.nums]
    a_max = max(abs(int(a.max())), abs(int(a.min()))) if a.size else 0
    d_max = int(dens.max())
    row_sum = [0] * layer.n_out
    for r, v in zip(layer.rows.tolist(), nums, strict=True):
        row_sum[r] += abs(v)
    bound = max((s * a_max + abs(b) * d_max for s, b in zip(row_sum, bias, strict=True)), default=0)
    small = bound < _LIMIT and d_max * layer.denom < _LIMIT and a.dtype != object and dens.dtype != object
    kind: Any = np.int64 if small else object
    a_k = a.astype(kind)
    d_k = dens.astype(kind)
    z = np.multiply.outer(d_k, np.array(bias, dtype=kind))
    if layer.nnz:
        rows, cols, starts, targets = _layer_parts(layer)
        dense = layer.nnz * 4 >= layer.n_in * layer.n_out
        if small and dense:
            w = np.zeros((layer.n_in, layer.n_out), dtype=np.int64)
            w[cols, rows] = nums
            z += a_k @ w
        elif dense and _flint is not None and a.shape[0] * layer.nnz >= 4096:
            z += _flint_product(a_k, layer)
        else:
            prod = a_k[:, cols] * np.array(nums, dtype=kind)
            z[:, targets] += np.add.reduceat(prod, starts, axis=1)
    return z, d_k * layer.denom


def _flint_product(a: np.ndarray, layer: AffineLayer) -> np.ndarray:
    """``a W^T`` as one FLINT ``fmpz_mat`` product (object array of ``fmpz``)."""
    w, _, _ = layer.to_dense()
    prod = _flint.fmpz_mat(a.tolist()) * _flint.fmpz_mat(w).transpose()
    out = np.empty(a.shape[0] * layer.n_out, dtype=object)
    out[:] = prod.entries()
    return out.reshape(a.shape[0], layer.n_out)


def hidden_preactivations(net: Network, inputs: Any) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Exact pre-activations of each hidden layer: ``(numerators (N, n_l), denominators (N,))``.

    Row ``i`` of layer ``l`` is ``numerators[i] / denominators[i]``.

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0], denom=3),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> [(z.tolist(), d.tolist()) for z, d in hidden_preactivations(net, [[0.5]])]
    [([[1, -1]], [6])]
    """
    x = exact_inputs(inputs)
    if x.shape[1] != net.input_dim:
        raise DataError(f"inputs have {x.shape[1]} coordinates but the network expects {net.input_dim}")
    a, dens = x.nums, x.dens
    for layer in net.layers[:-1]:
        z, dens = _affine(a, dens, layer)
        yield z, dens
        a = np.where(z > 0, z, 0).astype(z.dtype)


def _sign(z: np.ndarray) -> np.ndarray:
    return (z > 0).astype(np.int8) - (z < 0).astype(np.int8)


# -- segments ----------------------------------------------------------------------


def _point(values: Any, what: str) -> tuple[Fraction, ...]:
    try:
        pts = tuple(Fraction(v) if not isinstance(v, np.floating) else Fraction(float(v)) for v in values)
    except (TypeError, ValueError) as err:
        raise DataError(f"{what} must be a sequence of numbers or fractions, got {values!r}") from err
    if not pts:
        raise DataError(f"{what} is empty")
    return pts


@dataclass(frozen=True)
class Segment:
    """The segment ``x(t) = start + t (end - start)``, ``t`` in ``[0, 1]``, with exact ends.

    ``label`` says where it comes from; ``data_t`` holds the exact parameter
    ``t`` of each data point's projection when the segment was made from data.
    """

    start: tuple[Fraction, ...]
    end: tuple[Fraction, ...]
    label: str = "segment"
    data_t: tuple[Fraction, ...] = ()

    def __post_init__(self) -> None:
        if len(self.start) != len(self.end):
            raise DataError(f"segment ends have {len(self.start)} and {len(self.end)} coordinates")
        if self.start == self.end:
            raise DataError(
                f"segment ends coincide at {[str(v) for v in self.start]}; give two distinct points"
            )

    @classmethod
    def between(cls, start: Any, end: Any, label: str = "segment") -> Segment:
        """From two points given as numbers or fractions (floats convert exactly)."""
        return cls(_point(start, "segment start"), _point(end, "segment end"), label)

    def at(self, t: Fraction) -> tuple[Fraction, ...]:
        """The exact point ``x(t)``."""
        return tuple(s + t * (e - s) for s, e in zip(self.start, self.end, strict=True))


@dataclass(frozen=True)
class _Exact:
    """Exact vertices of a segment count (see :class:`SegmentRegions`)."""

    t_nums: np.ndarray
    t_dens: np.ndarray
    breakpoints: list[Fraction]
    max_bits: int
    data_pieces: int | None


@dataclass(frozen=True)
class SegmentRegions:
    """Exact regions of a network restricted to a segment.

    The counts are known when the object is made; the exact vertices are
    computed on first access when the certified float filter found the counts
    (see :func:`segment_regions`).

    Attributes
    ----------
    segment : Segment
    per_layer : list of int
        Activation regions after each hidden layer.
    stopped_after : int or None
        ``None`` when the count is complete. Otherwise the hidden layer after
        which counting stopped because the vertices passed the limit; then
        :attr:`activation_regions` is a proven lower bound (regions only
        split, layer after layer) and the linear pieces are unknown.
    t_nums, t_dens : numpy.ndarray
        Vertex ``k`` (an activation-region boundary, or an end) sits at
        ``t = t_nums[k] / t_dens[k]``; :attr:`vertices` gives them as Fractions.
    breakpoints : list of Fraction
        Interior ``t`` where the restricted output stops being affine.
    max_bits : int
        Largest bit length of a vertex's denominator.
    data_pieces : int or None
        For a segment made from data: how many linear pieces hold data points.
    """

    segment: Segment
    per_layer: list[int]
    stopped_after: int | None
    n_vertices: int
    n_breakpoints: int
    net: Network | None = field(default=None, repr=False, compare=False)
    exact: _Exact | None = field(default=None, repr=False, compare=False)

    @cached_property
    def _exact(self) -> _Exact:
        if self.exact is not None:
            return self.exact
        if not self.complete or self.net is None:
            empty = np.zeros(0, dtype=object)
            return _Exact(empty, empty, [], 0, None)
        found = _exact_segment(self.net, self.segment, None)
        if found.n_vertices != self.n_vertices or found.n_breakpoints != self.n_breakpoints:
            raise NetworkError(
                "the certified and the exact region counts differ; this is a bug, please report it"
            )
        return found._exact

    @property
    def t_nums(self) -> np.ndarray:
        return self._exact.t_nums

    @property
    def t_dens(self) -> np.ndarray:
        return self._exact.t_dens

    @property
    def breakpoints(self) -> list[Fraction]:
        return self._exact.breakpoints

    @property
    def max_bits(self) -> int:
        return self._exact.max_bits

    @property
    def data_pieces(self) -> int | None:
        return self._exact.data_pieces

    @property
    def complete(self) -> bool:
        """True when every layer was processed (the counts are exact, not lower bounds)."""
        return self.stopped_after is None

    @property
    def vertices(self) -> list[Fraction]:
        """Parameters ``t`` of every vertex, 0 and 1 included, in order (empty when stopped)."""
        return [Fraction(int(n), int(d)) for n, d in zip(self.t_nums, self.t_dens, strict=True)]

    @property
    def activation_regions(self) -> int:
        """Maximal intervals with one activation pattern (a lower bound when stopped)."""
        return self.n_vertices - 1 if self.complete else self.per_layer[-1]

    @property
    def activation_regions_text(self) -> str:
        """The count, or ``">= n"`` when counting stopped at the limit."""
        n = self.activation_regions
        return str(n) if self.complete else f">= {n}"

    @property
    def linear_pieces(self) -> int:
        """Maximal intervals on which the restricted output is affine.

        Raises :class:`~proofs.errors.NetworkError` when counting stopped at the
        vertex limit: then only :attr:`activation_regions` (a lower bound) is known.
        """
        if not self.complete:
            raise NetworkError(
                f"the region count along {self.segment.label} stopped after hidden layer "
                f"{self.stopped_after} with >= {self.activation_regions} activation regions; "
                "the linear pieces are unknown (raise max_vertices to count further)"
            )
        return self.n_breakpoints + 1

    def to_dict(self, points: bool = False) -> dict[str, Any]:
        """JSON-ready summary; with ``points`` also every breakpoint as a string ``p/q``."""
        out: dict[str, Any] = {
            "segment": self.segment.label,
            "start": [str(v) for v in self.segment.start],
            "end": [str(v) for v in self.segment.end],
            "activation_regions": self.activation_regions,
            "linear_pieces": self.linear_pieces if self.complete else None,
            "complete": self.complete,
            "per_layer": self.per_layer,
            "max_breakpoint_bits": self.max_bits,
        }
        if not self.complete:
            out["stopped_after_layer"] = self.stopped_after
        if self.data_pieces is not None:
            out["pieces_holding_data"] = self.data_pieces
        if points:
            out["breakpoints"] = [str(t) for t in self.breakpoints]
        return out


def segment_regions(net: Network, segment: Segment, *, max_vertices: int | None = 100_000) -> SegmentRegions:
    """Exact activation regions and linear pieces of ``net`` along ``segment``.

    The counts come first from a certified float64 filter
    (:mod:`proofs.segment_filter`): it propagates every pre-activation as an
    affine function of ``t`` on each piece with a rigorous error bound, and
    accepts a sign, an order of roots or a change of slope only when the
    margin proves it. If any test is undecided (exact ties, zeros at vertices,
    weights float64 cannot hold) the exact counter below runs instead; the
    exact vertices of a filtered result are computed by it on first access.
    Either way the result is the exact one.

    In the exact counter every vertex carries its parameter ``t`` and its activations as integers
    over one denominator per vertex; a new vertex is the exact interpolation
    of its two neighbours, reduced by the gcd of all its integers.

    Counting stops once more than ``max_vertices`` vertices would exist
    (``None``: never); the result then says where it stopped and gives a lower
    bound (see :class:`SegmentRegions`). Networks that extract many bits per
    unit, like memcap's construction between its data points, can have more
    pieces than any computer can list.

    Raises
    ------
    DataError
        If the segment's dimension differs from the network's input.

    Examples
    --------
    ``|x| - 1`` on ``[-2, 2]`` has one breakpoint, at the middle:

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [-1])])
    >>> r = segment_regions(net, Segment.between([-2], [2]))
    >>> r.activation_regions, r.linear_pieces, r.breakpoints
    (2, 2, [Fraction(1, 2)])
    """
    if len(segment.start) != net.input_dim:
        raise DataError(
            f"segment has {len(segment.start)} coordinates but the network expects {net.input_dim}"
        )
    counts = certified_counts(net, segment.start, segment.end, max_vertices)
    if counts is None:
        return _exact_segment(net, segment, max_vertices)
    return SegmentRegions(
        segment, counts.per_layer, counts.stopped_after, counts.vertices, counts.breakpoints, net
    )


def _exact_segment(net: Network, segment: Segment, max_vertices: int | None) -> SegmentRegions:
    """The exact counter: vertices as integers over one denominator each."""
    x = ExactInputs.from_fractions([segment.start, segment.end])
    a, dens = x.nums, x.dens
    tn = np.array([0, int(dens[1])], dtype=object)  # t = tn / dens on every row
    per_layer = []
    last = len(net.layers) - 1
    stopped = None
    for l_idx, layer in enumerate(net.layers):
        z, dens = _affine(a, dens, layer)
        tn = tn * layer.denom
        if l_idx == last:
            break
        found = _crossing_edges(z)
        if max_vertices is not None and len(tn) + found > max_vertices:
            stopped = l_idx
            per_layer.append(len(tn) - 1 + found)  # each crossing edge gains a vertex at least
            break
        z, dens, tn = _insert_crossings(z, dens, tn)
        per_layer.append(len(tn) - 1)
        a = _narrow(np.where(z > 0, z, 0).astype(z.dtype))
        dens = _narrow(dens)
    if stopped is not None:
        return _stopped(segment, per_layer, stopped)
    breaks = _breakpoints(z, dens.astype(object), tn)
    data_pieces = None
    if segment.data_t:
        data_pieces = len({bisect.bisect_left(breaks, t) for t in segment.data_t})
    gcds = [math.gcd(int(n), int(d)) for n, d in zip(tn, dens, strict=True)]
    t_nums = np.array([int(n) // g for n, g in zip(tn, gcds, strict=True)], dtype=object)
    t_dens = np.array([int(d) // g for d, g in zip(dens, gcds, strict=True)], dtype=object)
    max_bits = max(int(d).bit_length() for d in t_dens)
    exact = _Exact(t_nums, t_dens, breaks, max_bits, data_pieces)
    return SegmentRegions(segment, per_layer, None, len(t_nums), len(breaks), net, exact)


def _crossing_edges(z: np.ndarray) -> int:
    """How many edges have a unit changing sign strictly inside."""
    sgn = _sign(z)
    return int(((sgn[:-1] * sgn[1:]) < 0).any(axis=1).sum())


def _stopped(segment: Segment, per_layer: list[int], layer: int) -> SegmentRegions:
    """A result whose count is the lower bound ``per_layer[-1]``; no vertices are kept."""
    return SegmentRegions(segment, per_layer, layer, 0, 0)


def _insert_crossings(
    z: np.ndarray, dens: np.ndarray, tn: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Insert a vertex wherever a unit changes sign strictly inside an edge.

    Row ``k`` is ``(tn[k], z[k]) / dens[k]``. On the edge ``k, k+1`` a unit
    with values ``e_lo, e_hi`` of opposite signs is zero at the fraction
    ``lam = e_lo / (e_lo - e_hi)`` of the edge; the new row is
    ``(1 - lam) row_k + lam row_{k+1}``, exactly.
    """
    sgn = _sign(z)
    cross = (sgn[:-1] * sgn[1:]) < 0
    edges = np.flatnonzero(cross.any(axis=1))
    if not edges.size:
        return z, dens, tn
    zo = z.astype(object)
    new_rows, new_dens, new_t, where = [], [], [], []
    for k in edges.tolist():
        lo, hi = zo[k], zo[k + 1]
        d_lo, d_hi = int(dens[k]), int(dens[k + 1])
        lams = {
            Fraction(int(lo[j]) * d_hi, int(lo[j]) * d_hi - int(hi[j]) * d_lo)
            for j in np.flatnonzero(cross[k]).tolist()
        }
        for lam in sorted(lams):
            p, q = lam.numerator, lam.denominator
            c_lo, c_hi = d_hi * (q - p), d_lo * p
            row = lo * c_lo + hi * c_hi
            t = int(tn[k]) * c_lo + int(tn[k + 1]) * c_hi
            den = d_lo * d_hi * q
            g = math.gcd(den, t, *row.tolist())
            new_rows.append(row // g)
            new_dens.append(den // g)
            new_t.append(t // g)
            where.append(k + 1)
    rows = np.empty((len(new_rows), z.shape[1]), dtype=object)
    rows[:] = new_rows
    z = np.insert(zo, where, rows, axis=0)
    dens = np.insert(dens.astype(object), where, _objects(new_dens))
    tn = np.insert(tn, where, _objects(new_t))
    return z, dens, tn


def _objects(values: list[int]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _breakpoints(out: np.ndarray, dens: np.ndarray, tn: np.ndarray) -> list[Fraction]:
    """Interior vertices where the slope of the output changes.

    With ``f_k = F_k / D_k`` and ``t_k = T_k / D_k``, the slope on edge ``k`` is
    ``(F_{k+1} D_k - F_k D_{k+1}) / (T_{k+1} D_k - T_k D_{k+1})``, a positive
    denominator; two slopes are compared by cross-multiplication.
    """
    f = out.astype(object)
    num = f[1:] * dens[:-1, None] - f[:-1] * dens[1:, None]
    den = tn[1:] * dens[:-1] - tn[:-1] * dens[1:]
    change = (num[:-1] * den[1:, None] != num[1:] * den[:-1, None]).any(axis=1)
    return [Fraction(int(tn[k + 1]), int(dens[k + 1])) for k in np.flatnonzero(change).tolist()]


def _first_row(net: Network, unit: int) -> tuple[list[Fraction], Fraction]:
    layer = net.layers[0]
    if not 0 <= unit < layer.n_out:
        raise DataError(f"unit {unit} is not in the first layer (units 0..{layer.n_out - 1})")
    w, b = layer.to_fractions()
    if not any(w[unit]):
        raise NetworkError(f"unit {unit} of the first layer has zero weights; it defines no direction")
    return w[unit], b[unit]


def data_segment(net: Network, X: Any = None, *, unit: int = 0) -> Segment:
    """The segment along the weight vector ``w`` of a first-layer unit, covering the data.

    The segment is ``t w / |w|^2``; the projection ``<w, x>`` runs over
    ``[min_i <w, x_i>, max_i <w, x_i>]`` widened by 1/16 of its length on each
    side, or over ``[-R, R]`` (``R >= |w|`` rational) to cover the unit ball when
    no data are given. For memcap's construction, unit 0 is the projection
    ``s(x)``, and after the first layer the network depends on ``<w, x>`` only.

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[3, 4]], [0]), AffineLayer.from_dense([[1]], [0])])
    >>> seg = data_segment(net, [[0.0, 0.5], [0.5, 0.0]])
    >>> [str(v) for v in seg.start], [str(v) for v in seg.end], [str(t) for t in seg.data_t]
    (['141/800', '47/200'], ['39/160', '13/40'], ['17/18', '1/18'])
    """
    w, _ = _first_row(net, unit)
    norm2 = sum((v * v for v in w), Fraction(0))
    if X is None:
        lo, hi = -_sqrt_up(norm2), _sqrt_up(norm2)
        proj: list[Fraction] = []
    else:
        rows = exact_inputs(X).as_fractions()
        if len(rows[0]) != len(w):
            raise DataError(f"data have {len(rows[0])} coordinates but the network expects {len(w)}")
        proj = [sum((a * b for a, b in zip(w, row, strict=True)), Fraction(0)) for row in rows]
        lo, hi = min(proj), max(proj)
        pad = (hi - lo) / 16 if hi > lo else Fraction(1)
        lo, hi = lo - pad, hi + pad
    start = tuple(lo * v / norm2 for v in w)
    end = tuple(hi * v / norm2 for v in w)
    return Segment(start, end, f"data line (unit {unit})", tuple((p - lo) / (hi - lo) for p in proj))


def _sqrt_up(value: Fraction) -> Fraction:
    """A rational upper bound of ``sqrt(value)`` within a relative ``2**-30``."""
    scale = 1 << 60
    return Fraction(math.isqrt(value.numerator * scale * scale // value.denominator) + 1, scale)


def random_segments(d: int, count: int, seed: int = 0) -> list[Segment]:
    """``count`` random chords of the unit ball in ``R^d`` (float ends, converted exactly).

    The ends are independent uniform points of the unit sphere (for ``d = 1``
    the chord is ``[-1, 1]``).

    >>> [len(s.start) for s in random_segments(3, 2)]
    [3, 3]
    """
    if d < 1 or count < 0:
        raise DataError(f"need d >= 1 and count >= 0, got d={d}, count={count}")
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        ends = rng.standard_normal((2, d))
        ends /= np.linalg.norm(ends, axis=1, keepdims=True)
        if d == 1:  # the only chord of the 1-D ball
            ends = np.array([[-1.0], [1.0]])
        out.append(Segment.between(ends[0], ends[1], f"random chord {i} (seed {seed})"))
    return out


# -- planes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Plane:
    """The slice ``x(u, v) = origin + u * axis_u + v * axis_v`` over a box of ``(u, v)``."""

    origin: tuple[Fraction, ...]
    axis_u: tuple[Fraction, ...]
    axis_v: tuple[Fraction, ...]
    box: tuple[Fraction, Fraction, Fraction, Fraction]
    label: str = "plane"

    def __post_init__(self) -> None:
        if not len(self.origin) == len(self.axis_u) == len(self.axis_v):
            raise DataError("plane origin and axes must have the same number of coordinates")
        u0, u1, v0, v1 = self.box
        if not (u0 < u1 and v0 < v1):
            raise DataError(f"plane box must have u0 < u1 and v0 < v1, got {[str(b) for b in self.box]}")
        au, av = self.axis_u, self.axis_v
        n = len(au)
        if not any(au[i] * av[j] != au[j] * av[i] for i in range(n) for j in range(i + 1, n)):
            raise DataError(
                "plane axes are parallel or zero (or the input is 1-D); give three points not on one line"
            )


def plane_through(points: Sequence[Any], margin: Any = Fraction(1, 4)) -> Plane:
    """The plane through three points: ``p0 + u (p1 - p0) + v (p2 - p0)``, box ``[-m, 1 + m]^2``.

    >>> p = plane_through([[0, 0], [1, 0], [0, 1]])
    >>> [str(b) for b in p.box]
    ['-1/4', '5/4', '-1/4', '5/4']
    """
    if len(points) != 3:
        raise DataError(f"a plane needs exactly three points, got {len(points)}")
    p0, p1, p2 = (_point(p, f"point {i}") for i, p in enumerate(points))
    m = Fraction(margin)
    return Plane(
        p0,
        tuple(b - a for a, b in zip(p0, p1, strict=True)),
        tuple(b - a for a, b in zip(p0, p2, strict=True)),
        (-m, 1 + m, -m, 1 + m),
        "plane through three points",
    )


def plane_axes(d: int, i: int, j: int, half: Any = 1) -> Plane:
    """The coordinate plane of axes ``i`` and ``j`` through the origin, box ``[-half, half]^2``.

    >>> plane_axes(3, 0, 2).axis_v
    (Fraction(0, 1), Fraction(0, 1), Fraction(1, 1))
    """
    if not (0 <= i < d and 0 <= j < d) or i == j:
        raise DataError(f"axes must be two different indices in 0..{d - 1}, got {i} and {j}")
    h = Fraction(half)
    zero = tuple(Fraction(0) for _ in range(d))
    eu = tuple(Fraction(int(k == i)) for k in range(d))
    ev = tuple(Fraction(int(k == j)) for k in range(d))
    return Plane(zero, eu, ev, (-h, h, -h, h), f"axes {i}, {j}")


def plane_from_spec(spec: str, d: int, X: Any = None) -> Plane:
    """A plane from a short text: ``axes:I,J[:H]``, ``points:I,J,K`` (data rows) or ``auto``.

    ``auto`` is the plane through the first three data points when ``X`` has
    at least three rows and ``d >= 2``, else the plane of axes 0 and 1.

    >>> plane_from_spec("axes:0,2:3", d=3).box[1]
    Fraction(3, 1)
    >>> plane_from_spec("points:0,1,2", d=2, X=[[0, 0], [1, 0], [0, 1]]).label
    'plane through data points 0, 1, 2'
    """
    kind, _, rest = spec.partition(":")
    try:
        if kind == "auto":
            if X is not None and len(X) >= 3 and d >= 2:
                return plane_from_spec("points:0,1,2", d, X)
            return plane_axes(d, 0, 1)
        if kind == "axes":
            idx, _, half = rest.partition(":")
            i, j = (int(v) for v in idx.split(","))
            return plane_axes(d, i, j, Fraction(half) if half else 1)
        if kind == "points":
            if X is None:
                raise DataError("a plane through data points needs the data (--data)")
            rows = [int(v) for v in rest.split(",")]
            bad = [r for r in rows if not 0 <= r < len(X)]
            if len(rows) != 3 or bad:
                raise DataError(f"give three data row indices in 0..{len(X) - 1}, got {rest!r}")
            plane = plane_through([np.asarray(X, dtype=np.float64)[r] for r in rows])
            return Plane(
                plane.origin,
                plane.axis_u,
                plane.axis_v,
                plane.box,
                f"plane through data points {', '.join(map(str, rows))}",
            )
    except ValueError as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f"cannot read the plane {spec!r}: {err}") from err
    raise DataError(f"unknown plane {spec!r}; use axes:I,J[:H], points:I,J,K or auto")


@dataclass(frozen=True)
class PlaneRegions:
    """Exact regions of a network on a plane slice.

    ``faces`` are convex polygons (lists of exact ``(u, v)`` corners), one per
    activation region; ``region_of[k]`` is the linear region of face ``k``.
    """

    plane: Plane
    faces: list[list[tuple[Fraction, Fraction]]]
    region_of: list[int]
    per_layer: list[int]

    @property
    def activation_regions(self) -> int:
        return len(self.faces)

    @property
    def linear_regions(self) -> int:
        return len(set(self.region_of))

    def to_dict(self) -> dict[str, Any]:
        return {
            "plane": self.plane.label,
            "origin": [str(v) for v in self.plane.origin],
            "axis_u": [str(v) for v in self.plane.axis_u],
            "axis_v": [str(v) for v in self.plane.axis_v],
            "box": [str(v) for v in self.plane.box],
            "activation_regions": self.activation_regions,
            "linear_regions": self.linear_regions,
            "per_layer": self.per_layer,
        }


def plane_regions(net: Network, plane: Plane, *, max_faces: int = 20000) -> PlaneRegions:
    """Exact activation and linear regions of ``net`` on ``plane`` (small networks).

    Each face is a convex polygon whose corners carry their exact activations;
    every unit splits each face along its zero line, and the pieces are the
    activation regions. Faces with the same output map that share an edge of
    positive length are merged into linear regions.

    Raises
    ------
    DataError
        If the plane's dimension differs from the network's input.
    NetworkError
        If more than ``max_faces`` faces appear (the network is too large).

    Examples
    --------
    ``ReLU(u) + ReLU(v)`` cuts the square into four activation regions, each
    with its own affine map:

    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1, 0], [0, 1]], [0, 0]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> r = plane_regions(net, plane_axes(2, 0, 1))
    >>> r.activation_regions, r.linear_regions
    (4, 4)
    """
    if len(plane.origin) != net.input_dim:
        raise DataError(f"plane has {len(plane.origin)} coordinates but the network expects {net.input_dim}")
    u0, u1, v0, v1 = plane.box
    corners = [(u0, v0), (u1, v0), (u1, v1), (u0, v1)]
    rows = [
        [u, v, *(o + u * a + v * b for o, a, b in zip(plane.origin, plane.axis_u, plane.axis_v, strict=True))]
        for u, v in corners
    ]
    faces = [rows]
    per_layer = []
    last = len(net.layers) - 1
    for l_idx, layer in enumerate(net.layers):
        w, b = layer.to_fractions()
        faces = [[[r[0], r[1], *_apply(w, b, r[2:])] for r in face] for face in faces]
        if l_idx == last:
            break
        for j in range(layer.n_out):
            faces = [piece for face in faces for piece in _split(face, 2 + j)]
            if len(faces) > max_faces:
                raise NetworkError(
                    f"more than {max_faces} regions on this slice after layer {l_idx}; "
                    "use a smaller network or raise max_faces"
                )
        per_layer.append(len(faces))
        faces = [
            [[r[0], r[1], *(v if v > 0 else Fraction(0) for v in r[2:])] for r in face] for face in faces
        ]
    polys = [[(r[0], r[1]) for r in face] for face in faces]
    return PlaneRegions(plane, polys, _merge_linear(faces), per_layer)


def _apply(w: list[list[Fraction]], b: list[Fraction], a: list[Fraction]) -> list[Fraction]:
    return [
        sum((wi * ai for wi, ai in zip(row, a, strict=True) if wi), bi) for row, bi in zip(w, b, strict=True)
    ]


def _split(face: list[list[Fraction]], col: int) -> list[list[list[Fraction]]]:
    """Cut a convex face along the zero line of column ``col``; pieces of positive area only."""
    vals = [r[col] for r in face]
    if all(v >= 0 for v in vals) or all(v <= 0 for v in vals):
        return [face]
    pos: list[list[Fraction]] = []
    neg: list[list[Fraction]] = []
    n = len(face)
    for i in range(n):
        r, e = face[i], vals[i]
        if e >= 0:
            pos.append(r)
        if e <= 0:
            neg.append(r)
        nxt, f = face[(i + 1) % n], vals[(i + 1) % n]
        if e * f < 0:
            lam = e / (e - f)
            cut = [x + lam * (y - x) for x, y in zip(r, nxt, strict=True)]
            pos.append(cut)
            neg.append(cut)
    return [pos, neg]


def _affine_key(face: list[list[Fraction]]) -> tuple[Fraction, ...]:
    """The output map ``(du, dv, c)`` per output of a face, from three non-collinear corners."""
    p = face[0]
    for i in range(1, len(face)):
        for k in range(i + 1, len(face)):
            q, r = face[i], face[k]
            det = (q[0] - p[0]) * (r[1] - p[1]) - (r[0] - p[0]) * (q[1] - p[1])
            if det:
                key: list[Fraction] = []
                for c in range(2, len(p)):
                    dq, dr = q[c] - p[c], r[c] - p[c]
                    du = (dq * (r[1] - p[1]) - dr * (q[1] - p[1])) / det
                    dv = ((q[0] - p[0]) * dr - (r[0] - p[0]) * dq) / det
                    key += [du, dv, p[c] - du * p[0] - dv * p[1]]
                return tuple(key)
    raise NetworkError("a region of zero area appeared; this is a bug, please report it")


def _merge_linear(faces: list[list[list[Fraction]]]) -> list[int]:
    """Union faces with equal output maps that share a boundary piece of positive length."""
    keys = [_affine_key(f) for f in faces]
    parent = list(range(len(faces)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lines: dict[tuple[Fraction, ...], list[tuple[Fraction, Fraction, int]]] = {}
    for k, face in enumerate(faces):
        for i in range(len(face)):
            p, q = face[i], face[(i + 1) % len(face)]
            line, lo, hi = _edge_line(p, q)
            lines.setdefault(line, []).append((lo, hi, k))
    for items in lines.values():
        items.sort()
        for i, (lo1, hi1, k1) in enumerate(items):
            for lo2, hi2, k2 in items[i + 1 :]:
                if lo2 >= hi1:
                    break
                if keys[k1] == keys[k2] and min(hi1, hi2) > max(lo1, lo2):
                    parent[find(k1)] = find(k2)
    roots = [find(k) for k in range(len(faces))]
    ids: dict[int, int] = {}
    return [ids.setdefault(r, len(ids)) for r in roots]


def _edge_line(p: list[Fraction], q: list[Fraction]) -> tuple[tuple[Fraction, ...], Fraction, Fraction]:
    """Normalized line ``a u + b v = c`` of an edge, and the edge as an interval along it."""
    a, b = q[1] - p[1], p[0] - q[0]
    s = a if a else b
    a, b = a / s, b / s
    c = a * p[0] + b * p[1]
    # position along the line: u when the line is not vertical, else v
    tp, tq = (p[0], q[0]) if b else (p[1], q[1])
    return (a, b, c), min(tp, tq), max(tp, tq)


def plane_coordinates(plane: Plane, X: Any) -> np.ndarray:
    """Float ``(u, v)`` coordinates of the points' orthogonal projections, for drawing only.

    >>> plane_coordinates(plane_axes(3, 0, 2), [[0.5, 9.0, -0.25]]).tolist()
    [[0.5, -0.25]]
    """
    basis = np.array([plane.axis_u, plane.axis_v], dtype=np.float64).T
    shifted = np.asarray(X, dtype=np.float64) - np.array(plane.origin, dtype=np.float64)
    coords, *_ = np.linalg.lstsq(basis, shifted.T, rcond=None)
    return np.asarray(coords.T)


def plot_plane_regions(
    result: PlaneRegions, path: Any, *, points: Any = None, labels: Any = None, title: str | None = None
) -> None:
    """Draw the regions (one colour per linear region, edges of activation regions) to a PNG.

    ``points`` are optional ``(u, v)`` plane coordinates to mark, ``labels``
    their classes. The file is written atomically.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    from proofs.files import atomic_write

    polys = [[(float(u), float(v)) for u, v in face] for face in result.faces]
    cmap = plt.get_cmap("tab20")
    colors = [cmap(r % 20) for r in result.region_of]
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.add_collection(PolyCollection(polys, facecolors=colors, edgecolors="k", linewidths=0.3))
    u0, u1, v0, v1 = (float(b) for b in result.plane.box)
    ax.set_xlim(u0, u1)
    ax.set_ylim(v0, v1)
    ax.set_aspect("equal")
    if points is not None:
        pts = np.asarray(points, dtype=float)
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            c=labels if labels is not None else "k",
            s=12,
            cmap="viridis",
            edgecolors="white",
            linewidths=0.4,
            zorder=3,
        )
    ax.set_xlabel("u")
    ax.set_ylabel("v")
    ax.set_title(
        title
        or f"{result.activation_regions} activation regions, "
        f"{result.linear_regions} linear regions ({result.plane.label})"
    )
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)


# -- regioncam cross-check ---------------------------------------------------------------


def _float32_layers(net: Network) -> list[tuple[np.ndarray, np.ndarray]]:
    """Layers as float32 ``(W^T, b)``; refuses weights float32 does not hold exactly."""
    out = []
    for i, layer in enumerate(net.layers):
        w, b = layer.to_fractions()
        wt = np.array(w, dtype=np.float64).T.astype(np.float32)
        bf = np.array(b, dtype=np.float64).astype(np.float32)
        exact = all(
            Fraction(float(wt[c, r])) == w[r][c] for r in range(layer.n_out) for c in range(layer.n_in)
        )
        if not exact or any(Fraction(float(bf[r])) != b[r] for r in range(layer.n_out)):
            raise NetworkError(f"layer {i} has weights float32 cannot hold exactly; regioncam cannot run it")
        out.append((np.ascontiguousarray(wt), bf))
    return out


def _regioncam() -> Any:
    try:
        import regioncam
    except ImportError as err:
        raise NetworkError("regioncam is not installed; install memcap[regions]") from err
    return regioncam


def regioncam_segment_count(net: Network, segment: Segment) -> int:
    """Activation regions along ``segment`` as counted by ``regioncam`` (float32).

    For cross-checks only: the network's weights and the segment's midpoint and
    half-difference must be float32 numbers.
    """
    rc_mod = _regioncam()
    layers = _float32_layers(net)
    mid = [(s + e) / 2 for s, e in zip(segment.start, segment.end, strict=True)]
    half = [(e - s) / 2 for s, e in zip(segment.start, segment.end, strict=True)]
    rc = rc_mod.Regioncam1D(2.0)  # the parameter runs over [-1, 1]
    rc.linear(np.array([half], dtype=np.float32), np.array(mid, dtype=np.float32))
    for i, (w, b) in enumerate(layers):
        rc.linear(w, b)
        if i < len(layers) - 1:
            rc.relu()
    return int(rc.num_edges)


def regioncam_plane_count(net: Network, plane: Plane) -> int:
    """Activation regions on ``plane`` as counted by ``regioncam`` (float32).

    The box must be a square ``[-h, h]^2`` centred at the origin of ``(u, v)``.
    """
    rc_mod = _regioncam()
    u0, u1, v0, v1 = plane.box
    if not (u0 == v0 == -u1 and u1 == v1):
        raise DataError("regioncam slices are squares [-h, h]^2; use such a box")
    layers = _float32_layers(net)
    rc = rc_mod.Regioncam(float(u1))
    axes = np.array([plane.axis_u, plane.axis_v], dtype=np.float64).astype(np.float32)
    rc.linear(axes, np.array(plane.origin, dtype=np.float64).astype(np.float32))
    for i, (w, b) in enumerate(layers):
        rc.linear(w, b)
        if i < len(layers) - 1:
            rc.relu()
    return int(rc.num_faces)
