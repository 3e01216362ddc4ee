"""Labeled data sets: load, validate, save, generate.

A :class:`Dataset` holds N points of R^d as float64 rows (every float64 is an
exact dyadic rational, so the points are exact) and one integer label each.
Validation makes every data set fit the memorization problem of THEORY
section 1: at least 2 distinct points and 2 classes, every point in the closed
unit ball (decided exactly), no identical points with different labels.

Rows are numbered from 0 in every message. Labels may be any integers; the
generator :func:`make_dataset` uses ``1..C``.
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from proofs.errors import DataError, FormatError, ParameterError
from proofs.files import atomic_write
from proofs.geometry import (
    MinDistance,
    close_pairs,
    compare_sq_norms,
    duplicate_groups,
    min_distance,
    outside_unit_ball,
)

__all__ = [
    "Dataset",
    "DuplicateRowsWarning",
    "MinDistance",
    "load_dataset",
    "validate_dataset",
    "save_dataset",
    "make_dataset",
    "min_distance",
    "load_digits_dataset",
    "DIGITS",
]

DIGITS = "digits"  # reserved name: scikit-learn's digits data set
_SHOW = 10  # offending rows named in a message


class DuplicateRowsWarning(UserWarning):
    """Identical points with the same label were merged."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated labeled data set.

    Attributes
    ----------
    X : numpy.ndarray
        float64 array of shape (N, d), every row in the closed unit ball.
    y : numpy.ndarray
        int64 array of shape (N,).
    source : str
        Where the data came from (a path, ``"array"``, ``"generated ..."``).
    rescale : float or None
        The power of two the original points were multiplied by, if any.
    notes : tuple of str
        What validation changed (merged duplicates, rescaling).
    """

    X: np.ndarray
    y: np.ndarray
    source: str
    rescale: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def N(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def C(self) -> int:
        """Number of distinct labels."""
        return int(np.unique(self.y).size)

    @property
    def classes(self) -> list[int]:
        return [int(v) for v in np.unique(self.y)]

    def max_norm(self) -> tuple[float, int]:
        """The largest Euclidean norm (rounded to float64) and its row."""
        norms = np.sqrt(np.einsum("ij,ij->i", self.X, self.X))
        i = int(np.argmax(norms))
        return float(norms[i]), i

    def __repr__(self) -> str:
        return f"Dataset(N={self.N}, d={self.d}, C={self.C}, source={self.source!r})"


def _rows(idx: Any, word: str = "row") -> str:
    """``"row 3"`` or ``"rows 1, 4, ... (12 rows in all)"``; :func:`_row_details` lists them all."""
    idx = [int(i) for i in idx]
    shown = ", ".join(str(i) for i in idx[:_SHOW])
    more = f", ... ({len(idx)} {word}s in all)" if len(idx) > _SHOW else ""
    return f"{word}{'s' if len(idx) > 1 else ''} {shown}{more}"


def _row_details(idx: Any, word: str = "row") -> dict[str, Any]:
    """The rows (or lines) a message names, for :attr:`DataError.details`."""
    return {f"{word}s": [int(i) for i in idx]}


def _points(X: Any) -> np.ndarray:
    try:
        arr = np.asarray(X)
    except Exception as err:  # ragged nested lists
        raise DataError(f"X cannot be read as an (N, d) array: {err}") from None
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise DataError("X holds non-numeric values; X must be numbers of shape (N, d)") from None
    if arr.dtype.kind in "USV":
        raise DataError(f"X has text dtype {arr.dtype}; X must be numbers of shape (N, d)")
    if arr.dtype.kind == "c":
        raise DataError("X is complex; points must be real")
    if arr.ndim == 1:
        raise DataError(
            f"X must be 2-D with one point per row, got 1-D shape {arr.shape}; "
            "for one feature per point use X.reshape(-1, 1)"
        )
    if arr.ndim != 2:
        raise DataError(f"X must be 2-D with shape (N, d), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise DataError("the data set is empty (N = 0); give at least 2 points")
    if arr.shape[1] == 0:
        raise DataError(f"points have no coordinates (shape {arr.shape}); d must be at least 1")
    x = arr.astype(np.float64)
    if arr.dtype.kind in "iu":
        lost = np.nonzero((x.astype(np.int64) != arr).any(axis=1) | (np.abs(x) >= 2.0**63).any(axis=1))[0]
        if lost.size:
            raise DataError(
                f"integer coordinates at {_rows(lost)} are not exactly representable in float64 "
                "(integers above 2**53 may not be); scale them down by a power of two first",
                details=_row_details(lost),
            )
    bad = ~np.isfinite(x)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])
        raise DataError(
            f"X contains NaN or inf at {_rows(rows)}; remove or replace them", details=_row_details(rows)
        )
    return np.ascontiguousarray(x + 0.0)


def _labels(y: Any, n: int) -> np.ndarray:
    try:
        arr = np.asarray(y)
    except Exception as err:
        raise DataError(f"y cannot be read as an array of labels: {err}") from None
    if arr.ndim != 1:
        raise DataError(f"y must be 1-D with one label per point, got shape {arr.shape}; use y.reshape(-1)")
    if arr.shape[0] != n:
        raise DataError(f"X has {n} rows but y has {arr.shape[0]} labels; give one label per point")
    if arr.dtype.kind == "b":
        return arr.astype(np.int64)
    if arr.dtype.kind in "iu":
        if arr.dtype.kind == "u" and arr.size and int(arr.max()) >= 2**63:
            raise DataError("labels above 2**63 - 1 do not fit int64")
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = np.nonzero(~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr) >= 2.0**63))[0]
        if bad.size:
            i = int(bad[0])
            raise DataError(
                f"labels must be integers, not so at {_rows(bad)} (row {i} has {arr[i].item()!r}); "
                "map classes to integers such as 0..C-1",
                details=_row_details(bad),
            )
        return arr.astype(np.int64)
    out = np.empty(n, dtype=np.int64)
    bad_rows = []
    values = arr.tolist()
    for i, v in enumerate(values):
        try:
            out[i] = _label_value(v)
        except (TypeError, ValueError, OverflowError):
            bad_rows.append(i)
    if bad_rows:
        i = bad_rows[0]
        raise DataError(
            f"labels must be integers, not so at {_rows(bad_rows)} (row {i} has {values[i]!r}); "
            "map classes to integers such as 0..C-1",
            details=_row_details(bad_rows),
        )
    return out


def _label_value(v: Any) -> int:
    """One label as an int64-sized integer; text is read as an integer first, exactly."""
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, str):
        try:
            value = int(v.strip())
        except ValueError:
            f = float(v)
            if not f.is_integer():
                raise
            value = int(f)
    elif isinstance(v, int):
        value = v
    else:
        f = float(v)
        if not f.is_integer():
            raise ValueError
        value = int(f)
    if not -(2**63) <= value < 2**63:
        raise OverflowError
    return value


def _power_of_two_scale(x: np.ndarray) -> int:
    """Least ``s >= 0`` with every row's squared norm at most ``4**s``, decided exactly."""
    top = float(np.einsum("ij,ij->i", x, x).max())
    s = max(0, math.ceil(math.log(top, 4)) - 1) if top > 0 else 0
    while (compare_sq_norms(x, 4.0**s) > 0).any():
        s += 1
    return s


def validate_dataset(
    X: Any, y: Any, *, rescale: bool = False, delta: float | None = None, source: str = "array"
) -> Dataset:
    """Check a data set and return it as a :class:`Dataset`.

    Identical points with the same label are merged (the first row kept) with a
    :class:`DuplicateRowsWarning`; every other problem raises.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Points, numbers.
    y : array_like, shape (N,)
        Integer labels (floats with integral values are accepted).
    rescale : bool
        If points lie outside the closed unit ball, multiply all of them by the
        power of two ``2**-s`` with the least ``s`` that brings them inside
        (exact in float64), instead of raising.
    delta : float, optional
        A declared separation: every pair must be at distance at least ``delta``
        (checked exactly, after rescaling).
    source : str
        Recorded in :attr:`Dataset.source`.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Wrong shapes or dtypes, empty data, fewer than 2 points, NaN or inf,
        labels that are not integers, fewer than 2 classes, points outside the
        unit ball (without ``rescale``), identical points with different labels,
        a pair closer than ``delta``.

    Examples
    --------
    >>> ds = validate_dataset([[0.5, 0.0], [0.0, -0.5]], [1, 2])
    >>> ds.N, ds.d, ds.C
    (2, 2, 2)
    >>> validate_dataset([[2.0], [-1.0]], [0, 1], rescale=True).rescale
    0.5
    """
    x = _points(X)
    labels = _labels(y, x.shape[0])
    notes: list[str] = []
    first = duplicate_groups(x)
    dup = np.nonzero(first != np.arange(x.shape[0]))[0]
    if dup.size:
        clash = dup[labels[dup] != labels[first[dup]]]
        if clash.size:
            pairs = ", ".join(
                f"rows {int(first[j])} and {int(j)} (labels {int(labels[first[j]])}, {int(labels[j])})"
                for j in clash[:_SHOW]
            )
            raise DataError(
                f"identical points with different labels: {pairs}"
                + (f" and {clash.size - _SHOW} more" if clash.size > _SHOW else "")
                + "; no function can fit them, remove or relabel one of each",
                details={"pairs": [[int(first[j]), int(j)] for j in clash]},
            )
        pairs = ", ".join(f"{int(j)} (same as {int(first[j])})" for j in dup[:_SHOW])
        note = (
            f"merged {dup.size} duplicate row{'s' if dup.size > 1 else ''} with the same label: "
            f"removed row{'s' if dup.size > 1 else ''} {pairs}" + (" ..." if dup.size > _SHOW else "")
        )
        warnings.warn(note, DuplicateRowsWarning, stacklevel=2)
        notes.append(note)
        keep = np.ones(x.shape[0], bool)
        keep[dup] = False
        x, labels = x[keep], labels[keep]
    if x.shape[0] < 2:
        raise DataError(
            f"memorization needs at least 2 distinct points, got {x.shape[0]}"
            + (" after merging duplicates" if dup.size else "")
        )
    classes = np.unique(labels)
    if classes.size < 2:
        raise DataError(
            f"all points have label {int(classes[0])}; memorization needs at least 2 classes (a constant "
            "function fits one class)"
        )
    outside = outside_unit_ball(x)
    factor = None
    if outside:
        max_norm = float(np.sqrt(np.einsum("ij,ij->i", x, x).max()))
        if not rescale:
            hint = (
                " (over 1 by rounding: divide by the norms times 1 + 2**-40 when normalizing)"
                if max_norm < 1 + 1e-12
                else ""
            )
            raise DataError(
                f"points outside the closed unit ball at {_rows(outside)} (largest norm {max_norm:.17g})"
                f"{hint}; scale the data, or pass rescale=True (--rescale) to divide by a power of two",
                details=_row_details(outside),
            )
        s = _power_of_two_scale(x)
        scaled = np.ldexp(x, -s)
        if not np.array_equal(np.ldexp(scaled, s), x):
            raise DataError(
                f"dividing by 2**{s} would underflow some coordinates; rescale the data by hand"
            )
        x, factor = scaled, 2.0**-s
        notes.append(f"rescaled by 2**-{s} (largest norm was {max_norm:.6g})")
    if delta is not None:
        _check_delta(x, delta)
    return Dataset(x, labels, source, factor, tuple(notes))


def _check_delta(x: np.ndarray, delta: float) -> None:
    if not (isinstance(delta, (int, float)) and math.isfinite(delta) and delta > 0):
        raise ParameterError(f"delta must be a positive number, got {delta!r}")
    bad = close_pairs(x, delta, limit=_SHOW)
    if bad:
        i, j, q = bad[0]
        more = f" ({len(bad)}{'+' if len(bad) == _SHOW else ''} such pairs)" if len(bad) > 1 else ""
        raise DataError(
            f"rows {i} and {j} are at distance {math.sqrt(float(q)):.17g} (squared exactly {q}) < "
            f"delta = {delta!r}{more}; declare a smaller delta or remove one of them",
            details={"pairs": [[int(a), int(b)] for a, b, _ in bad]},
        )


def _read_npz(path: Path) -> tuple[Any, Any]:
    try:
        with np.load(path, allow_pickle=False) as z:
            names = list(z.files)
            missing = [k for k in ("X", "y") if k not in names]
            if missing:
                raise DataError(
                    f"{path}: missing array{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                    f"the file holds {names or 'no arrays'}; save points as X (N, d) and labels as y (N,)"
                )
            return z["X"], z["y"]
    except DataError:
        raise
    except (OSError, ValueError, EOFError) as err:
        raise FormatError(f"{path}: not a readable .npz file ({err})") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_csv(path: Path) -> tuple[Any, Any]:
    try:
        with open(path, newline="") as handle:
            sample = handle.read(1 << 16)
            handle.seek(0)
            delim = ";" if sample.count(";") > sample.count(",") else ","
            rows = [r for r in csv.reader(handle, delimiter=delim)]
    except (OSError, UnicodeDecodeError) as err:
        raise FormatError(f"{path}: cannot read as CSV ({err})") from None
    lines = [(k + 1, [c.strip() for c in r]) for k, r in enumerate(rows) if any(c.strip() for c in r)]
    if lines and not all(_is_number(c) for c in lines[0][1][:-1]):
        lines = lines[1:]  # a header row: its coordinate fields are not numbers
    if not lines:
        raise DataError(f"{path}: the data set is empty (N = 0); give at least 2 points")
    width = len(lines[0][1])
    if width < 2:
        raise DataError(f"{path}: each row needs at least one coordinate and a label in the last column")
    bad = [ln for ln, r in lines if len(r) != width]
    if bad:
        raise DataError(
            f"{path}: {_rows(bad, 'line')}: expected {width} fields like the first data line",
            details=_row_details(bad, "line"),
        )
    feats = np.empty((len(lines), width - 1))
    for k, (ln, r) in enumerate(lines):
        try:
            feats[k] = [float(c) for c in r[:-1]]
        except ValueError:
            col = next(c for c in r[:-1] if not _is_number(c))
            raise DataError(
                f"{path}: row {k} (line {ln}) has the non-numeric coordinate {col!r}; "
                "coordinates must be numbers",
                details={"rows": [k], "lines": [ln]},
            ) from None
    labels = np.array([r[-1] for _, r in lines], dtype=object)
    return feats, labels


def load_dataset(
    path: str | os.PathLike[str], *, rescale: bool = False, delta: float | None = None
) -> Dataset:
    """Load and validate a data set from ``.npz`` or ``.csv``.

    ``.npz`` files hold an array ``X`` of shape (N, d) and ``y`` of shape (N,).
    ``.csv`` files hold one point a row with its label in the last column; a
    first row whose coordinates are not numbers is a header. Decimal text
    becomes the nearest float64, and that float is the exact point. The name
    ``digits`` (not an existing file) loads :func:`load_digits_dataset`.

    See :func:`validate_dataset` for ``rescale``, ``delta`` and the errors.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "toy.csv"
    >>> _ = p.write_text("x1,x2,label\\n0.5,0,1\\n0,0.5,2\\n")
    >>> load_dataset(p)
    Dataset(N=2, d=2, C=2, source='...toy.csv')
    """
    p = Path(path)
    if str(path) == DIGITS and not p.exists():
        ds = load_digits_dataset()
        if delta is not None:
            _check_delta(ds.X, delta)
        return ds
    if not p.exists():
        raise DataError(f"{p}: no such file (give a .npz or .csv data set, or the name {DIGITS!r})")
    suffix = p.suffix.lower()
    if suffix == ".npz":
        X, y = _read_npz(p)
    elif suffix == ".csv":
        X, y = _read_csv(p)
    else:
        raise FormatError(f"{p}: unknown data format {suffix or '(no suffix)'!r}; use .npz or .csv")
    return validate_dataset(X, y, rescale=rescale, delta=delta, source=str(p))


def save_dataset(ds: Dataset, path: str | os.PathLike[str]) -> None:
    """Write ``ds`` as ``.npz`` (arrays ``X``, ``y``) or ``.csv``, atomically and losslessly.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.npz"
    >>> ds = make_dataset(20, 3, 2, 0.1)
    >>> save_dataset(ds, p)
    >>> bool((load_dataset(p).X == ds.X).all())
    True
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".npz":
        with atomic_write(p, "wb") as handle:
            np.savez(handle, X=ds.X, y=ds.y)
    elif suffix == ".csv":
        with atomic_write(p, "w") as handle:
            handle.write(",".join([f"x{k + 1}" for k in range(ds.d)] + ["label"]) + "\n")
            for row, lab in zip(ds.X.tolist(), ds.y.tolist(), strict=True):
                handle.write(",".join([repr(v) for v in row] + [str(lab)]) + "\n")
    else:
        raise FormatError(f"{p}: unknown data format {suffix or '(no suffix)'!r}; use .npz or .csv")


def make_dataset(n: int, d: int, classes: int, delta: float, seed: int = 0) -> Dataset:
    """A random ``delta``-separated labeled set in the closed unit ball.

    Points are drawn uniformly from the ball and truncated to multiples of
    ``2**-b`` (so they are short dyadic rationals and their norms can only
    shrink); pairs closer than ``delta`` are found exactly and redrawn. In
    dimension 1 the points are spaced directly, up to the packing limit
    ``n <= 2 / delta + 1``. Labels are ``1..classes``, each used
    ``n // classes`` or one more times, in random order.

    Raises
    ------
    ParameterError
        ``n < 2``, ``d < 1``, ``classes < 2``, ``classes > n``, or ``delta`` not in (0, 2].
    InfeasibleError
        More points than the packing bound ``(1 + 2/delta)**d`` allows, or no
        separated sample found within the attempt budget.

    Examples
    --------
    >>> ds = make_dataset(100, 2, 3, 0.05, seed=1)
    >>> ds.N, ds.d, ds.C, ds.classes
    (100, 2, 3, [1, 2, 3])
    >>> min_distance(ds.X).delta >= 0.05
    True
    """
    from proofs.sampling import sample_separated

    for name, v in (("n", n), ("d", d), ("classes", classes)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ParameterError(f"{name} must be an integer, got {v!r}")
    if n < 2:
        raise ParameterError(f"n must be at least 2 (memorization needs 2 points), got {n}")
    if d < 1:
        raise ParameterError(f"d must be at least 1, got {d}")
    if classes < 2:
        raise ParameterError(f"classes must be at least 2, got {classes}")
    if classes > n:
        raise ParameterError(f"classes = {classes} > n = {n}: every class needs a point; lower classes")
    if not (isinstance(delta, (int, float)) and math.isfinite(delta) and 0 < delta <= 2):
        raise ParameterError(f"delta must be in (0, 2] (points lie in the unit ball), got {delta!r}")
    x = sample_separated(int(n), int(d), float(delta), int(seed))
    rng = np.random.default_rng([int(seed), 1])
    labels = rng.permutation(np.arange(n) % classes + 1).astype(np.int64)
    return Dataset(x, labels, f"generated n={n} d={d} classes={classes} delta={delta!r} seed={seed}")


def load_digits_dataset() -> Dataset:
    """scikit-learn's digits (1797 images of 8x8 pixels, values 0..16, labels 0..9) in the unit ball.

    Pixel vectors are divided by ``2**s``, the least power of two at least
    their largest norm (``2**7 = 128``; the largest norm is about 76.9), which
    is exact. The 1797 images are pairwise distinct (scikit-learn 1.3 to 1.9);
    had any been identical they would be merged, or rejected with their rows
    named if their labels differed. Needs the ``digits`` extra:
    ``pip install 'memcap[digits]'``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DataError(
            "the digits data set needs scikit-learn: pip install 'memcap[digits]'"
        ) from None
    raw = load_digits()
    X = np.asarray(raw.data, dtype=np.float64)
    y = np.asarray(raw.target, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateRowsWarning)
        return validate_dataset(X, y, rescale=True, source="scikit-learn digits")
