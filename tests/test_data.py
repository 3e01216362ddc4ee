"""Loading, validating, saving and generating data sets."""

from __future__ import annotations

import importlib.util
import math
import sys
import warnings
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.data import (
    DuplicateRowsWarning,
    load_dataset,
    load_digits_dataset,
    make_dataset,
    min_distance,
    save_dataset,
    validate_dataset,
)
from proofs.errors import DataError, FormatError, InfeasibleError, ParameterError
from proofs.sampling import packing_bound

OK_X = [[0.5, 0.0], [0.0, 0.5], [-0.5, 0.0]]
OK_Y = [1, 2, 1]


def exact_sq_norm(row):
    return sum(Fraction(float(v)) ** 2 for v in row)


# -- validation ----------------------------------------------------------------------------
def test_valid_data_set_properties():
    ds = validate_dataset(OK_X, OK_Y)
    assert (ds.N, ds.d, ds.C, ds.classes, ds.rescale, ds.notes) == (3, 2, 2, [1, 2], None, ())
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        ([0.1, 0.2, 0.3], [0, 1, 0], r"1-D shape \(3,\).*reshape\(-1, 1\)"),
        (np.zeros((2, 2, 2)), [0, 1], r"2-D with shape \(N, d\), got shape \(2, 2, 2\)"),
        (np.zeros((0, 3)), [], r"empty \(N = 0\)"),
        (np.zeros((2, 0)), [0, 1], "d must be at least 1"),
        ([[0.5]], [1], "at least 2 distinct points, got 1"),
        ([["a", "b"], ["c", "d"]], [0, 1], "text dtype"),
        ([[0.1j], [0.2]], [0, 1], "complex"),
        (OK_X, [1, 2], "X has 3 rows but y has 2 labels"),
        (OK_X, [[1], [2], [1]], r"y must be 1-D.*shape \(3, 1\)"),
        ([[0.1], [np.nan], [0.2], [np.inf]], [0, 1, 0, 1], r"NaN or inf at rows 1, 3;"),
        (OK_X, [1, 1.5, 2], r"labels must be integers, not so at row 1 \(row 1 has 1\.5\)"),
        (OK_X, ["cat", "dog", "cat"], r"labels must be integers, not so at rows 0, 1, 2 \(row 0 has 'cat'\)"),
        (OK_X, [1, np.nan, 2], r"not so at row 1 \(row 1 has nan\)"),
        (OK_X, [7, 7, 7], "all points have label 7; memorization needs at least 2 classes"),
        ([[0.5], [0.5]], [1, 1], "at least 2 distinct points, got 1 after merging"),
        (np.array([[2**60 + 1], [1]], dtype=np.int64), [0, 1], r"at row 0 are not exactly representable"),
    ],
)
def test_bad_input_rejected(X, y, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateRowsWarning)
        with pytest.raises(DataError, match=match):
            validate_dataset(X, y)


def test_integer_and_float_labels_and_coordinates_accepted():
    ds = validate_dataset(np.array([[0], [1]], dtype=np.int8), np.array([0.0, 3.0]))
    assert ds.y.tolist() == [0, 3] and ds.X.dtype == np.float64


def test_points_outside_ball_named_with_largest_norm():
    X = [[0.5, 0.5], [1.0, 0.5], [0.0, 0.1], [3.0, 4.0]]
    with pytest.raises(DataError, match=r"outside the closed unit ball at rows 1, 3 \(largest norm 5\)"):
        validate_dataset(X, [0, 1, 0, 1])


def test_rescale_is_exact_power_of_two():
    X = np.array([[0.5, 0.5], [3.0, 4.0], [-0.1, 0.3]])
    ds = validate_dataset(X, [0, 1, 0], rescale=True)
    assert ds.rescale == 0.125  # 5 <= 8 = 2**3, 5 > 4
    assert np.array_equal(ds.X * 8, X)
    assert "rescaled by 2**-3" in ds.notes[0]
    assert all(exact_sq_norm(r) <= 1 for r in ds.X)


def test_rescale_boundary_norm_exactly_one_kept():
    X = [[1.0, 0.0], [0.0, -1.0], [0.5, 0.5]]
    assert validate_dataset(X, [0, 1, 0], rescale=True).rescale is None


@settings(max_examples=200, deadline=None)
@given(v=st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=6), ulps=st.integers(-3, 3))
def test_unit_ball_decided_exactly(v, ulps):
    row = np.array(v)
    norm = np.linalg.norm(row)
    if norm == 0:
        return
    row = row / norm  # on the sphere up to rounding, then nudged
    row = np.array([np.nextafter(a, math.copysign(np.inf, ulps * a)) if ulps else a for a in row])
    X = np.vstack([row, np.zeros_like(row)])
    inside = exact_sq_norm(row) <= 1
    if inside:
        validate_dataset(X, [0, 1])
    else:
        with pytest.raises(DataError, match="outside the closed unit ball at row 0 "):
            validate_dataset(X, [0, 1])


def test_identical_points_different_labels_name_both_rows():
    X = [[0.1, 0.2], [0.3, 0.0], [0.1, 0.2], [0.0, 0.0], [0.3, -0.0]]
    with pytest.raises(DataError) as err:
        validate_dataset(X, [0, 1, 2, 0, 5])
    msg = str(err.value)
    assert "rows 0 and 2 (labels 0, 2)" in msg and "rows 1 and 4 (labels 1, 5)" in msg


def test_identical_points_same_label_merged_with_warning():
    X = [[0.1, 0.2], [0.3, 0.0], [0.1, 0.2], [0.0, 0.0], [0.1, 0.2]]
    with pytest.warns(DuplicateRowsWarning, match=r"removed rows 2 \(same as 0\), 4 \(same as 0\)"):
        ds = validate_dataset(X, [0, 1, 0, 1, 0])
    assert ds.N == 3 and ds.X.tolist() == [[0.1, 0.2], [0.3, 0.0], [0.0, 0.0]]
    assert ds.y.tolist() == [0, 1, 1] and "merged 2 duplicate rows" in ds.notes[0]


def test_declared_delta_violation_names_pair_and_exact_distance():
    X = [[0.0, 0.0], [0.5, 0.0], [0.0, 0.25], [-0.5, 0.5]]
    validate_dataset(X, [0, 1, 0, 1], delta=0.25)  # the closest pair is exactly 0.25 apart
    msg = r"rows 0 and 2 are at distance 0\.25 \(squared exactly 1/16\) < delta"
    with pytest.raises(DataError, match=msg):
        validate_dataset(X, [0, 1, 0, 1], delta=0.3)
    with pytest.raises(ParameterError, match="delta must be a positive number"):
        validate_dataset(X, [0, 1, 0, 1], delta=-1.0)


def test_delta_checked_after_rescaling():
    X = [[0.0], [2.0], [-2.0]]
    validate_dataset(X, [0, 1, 0], rescale=True, delta=0.5)
    with pytest.raises(DataError, match="rows 0 and 1 are at distance 1 "):
        validate_dataset(X, [0, 1, 0], rescale=True, delta=1.5)


# -- files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_save_load_round_trip_is_exact(tmp_path: Path, suffix: str):
    rng = np.random.default_rng(0)
    X = rng.uniform(-0.5, 0.5, (40, 3))
    X[0, 0] = 2.0**-60 + 2.0**-100
    ds = validate_dataset(X, rng.integers(0, 3, 40))
    save_dataset(ds, tmp_path / f"d{suffix}")
    back = load_dataset(tmp_path / f"d{suffix}")
    assert np.array_equal(back.X, ds.X) and np.array_equal(back.y, ds.y)


def test_csv_header_detected_and_optional(tmp_path: Path):
    (tmp_path / "h.csv").write_text("a,b,label\n0.5,0,1\n0,0.5,2\n")
    (tmp_path / "n.csv").write_text("0.5,0,1\n0,0.5,2\n\n")
    (tmp_path / "s.csv").write_text("0.5;0;1\n0;0.5;2\n")
    for name in ("h.csv", "n.csv", "s.csv"):
        ds = load_dataset(tmp_path / name)
        assert ds.X.tolist() == [[0.5, 0.0], [0.0, 0.5]] and ds.y.tolist() == [1, 2]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"empty \(N = 0\)"),
        ("x,label\n", r"empty \(N = 0\)"),
        ("0.5,0,1\n0,0.5\n0.1,0.1,2\n", r"line 2: expected 3 fields"),
        ("0.5,0,1\n0,zz,2\n", r"row 1 \(line 2\) has the non-numeric coordinate 'zz'"),
        ("0.5,0,1\n0,0.5,two\n", r"labels must be integers, not so at row 1 \(row 1 has 'two'\)"),
        ("0.5,0,1\n0,0.5,2.5\n", r"labels must be integers, not so at row 1 "),
        ("0.5\n0.25\n", "at least one coordinate and a label"),
        ("0.5,0,1\n0,nan,2\n", r"NaN or inf at row 1;"),
    ],
)
def test_bad_csv_rejected(tmp_path: Path, text: str, match: str):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(DataError, match=match):
        load_dataset(tmp_path / "bad.csv")


def test_bad_npz_and_paths_rejected(tmp_path: Path):
    np.savez(tmp_path / "noy.npz", X=np.zeros((2, 2)), labels=np.zeros(2))
    with pytest.raises(DataError, match=r"missing arrays? y; the file holds \['X', 'labels'\]"):
        load_dataset(tmp_path / "noy.npz")
    np.savez(tmp_path / "none.npz")
    with pytest.raises(DataError, match="missing arrays X, y"):
        load_dataset(tmp_path / "none.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="not a readable .npz"):
        load_dataset(tmp_path / "junk.npz")
    with pytest.raises(DataError, match="no such file"):
        load_dataset(tmp_path / "missing.npz")
    (tmp_path / "d.json").write_text("{}")
    with pytest.raises(FormatError, match="unknown data format '.json'"):
        load_dataset(tmp_path / "d.json")
    np.savez(tmp_path / "obj.npz", X=np.array([[0.5], [0.1]]), y=np.array(["a", "b"]))
    with pytest.raises(DataError, match="labels must be integers"):
        load_dataset(tmp_path / "obj.npz")


def test_save_refuses_unknown_suffix_and_leaves_nothing(tmp_path: Path):
    ds = validate_dataset(OK_X, OK_Y)
    with pytest.raises(FormatError):
        save_dataset(ds, tmp_path / "d.txt")
    assert list(tmp_path.iterdir()) == []


# -- generation ----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 60),
    d=st.integers(1, 4),
    classes=st.integers(2, 5),
    delta=st.floats(0.01, 0.3),
    seed=st.integers(0, 2**32 - 1),
)
def test_generated_data_is_separated_in_ball_and_complete(n, d, classes, delta, seed):
    if classes > n:
        with pytest.raises(ParameterError, match="every class needs a point"):
            make_dataset(n, d, classes, delta, seed)
        return
    try:
        ds = make_dataset(n, d, classes, delta, seed)
    except InfeasibleError:
        assert n > packing_bound(d, delta) or d > 1  # too dense to sample, with a reason
        return
    assert (ds.N, ds.d, ds.C) == (n, d, classes)
    assert ds.classes == list(range(1, classes + 1))
    assert np.bincount(ds.y)[1:].min() >= n // classes
    fr = [[Fraction(float(v)) for v in row] for row in ds.X]
    assert all(sum(v * v for v in row) <= 1 for row in fr)
    d2 = Fraction(delta) ** 2
    assert all(sum((a - b) ** 2 for a, b in zip(p, q, strict=True)) >= d2 for p, q in combinations(fr, 2))


def test_generation_is_reproducible():
    a, b = make_dataset(50, 3, 3, 0.1, seed=7), make_dataset(50, 3, 3, 0.1, seed=7)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, make_dataset(50, 3, 3, 0.1, seed=8).X)


def test_line_reaches_packing_limit_exactly():
    ds = make_dataset(5, 1, 2, 0.5)  # floor(2 / 0.5) + 1 = 5: the points -1, -0.5, 0, 0.5, 1
    assert sorted(ds.X[:, 0].tolist()) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    with pytest.raises(InfeasibleError, match=r"at most floor\(2/delta\) \+ 1 = 5"):
        make_dataset(6, 1, 2, 0.5)
    ds = make_dataset(1025, 1, 2, 2.0**-9)  # the grid of step 2**-9 on [-1, 1]
    assert sorted(ds.X[:, 0].tolist()) == [k / 512 for k in range(-512, 513)]
    with pytest.raises(InfeasibleError, match="at most floor"):
        make_dataset(1001, 1, 2, 0.002)  # float 0.002 is a little above 1/500: 1000 points fit


def test_packing_bound_refusal_states_bound():
    with pytest.raises(InfeasibleError, match=r"volume packing bound allows at most \(1 \+ 2/delta\)\^d = 9"):
        make_dataset(10, 2, 2, 1.0)


def test_too_dense_to_sample_suggests_smaller_delta():
    with pytest.raises(InfeasibleError, match=r"too dense for random sampling, try delta <="):
        make_dataset(400, 2, 2, 0.1)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1, 2, 2, 0.1), "n must be at least 2"),
        ((10, 0, 2, 0.1), "d must be at least 1"),
        ((10, 2, 1, 0.1), "classes must be at least 2"),
        ((10, 2, 2, 0.0), r"delta must be in \(0, 2\]"),
        ((10, 2, 2, 2.5), r"delta must be in \(0, 2\]"),
        ((10.0, 2, 2, 0.1), "n must be an integer"),
    ],
)
def test_bad_generation_parameters(args, match):
    with pytest.raises(ParameterError, match=match):
        make_dataset(*args)


def test_larger_generated_set_checked_by_grid():
    ds = make_dataset(20_000, 16, 10, 0.05, seed=3)
    assert ds.N == 20_000 and ds.C == 10
    validate_dataset(ds.X, ds.y, delta=0.05)


# -- digits --------------------------------------------------------------------------------
NO_SKLEARN = importlib.util.find_spec("sklearn") is None


@pytest.mark.skipif(NO_SKLEARN, reason="scikit-learn (memcap[digits]) missing")
def test_digits_scaled_exactly_into_ball():
    from sklearn.datasets import load_digits

    raw = load_digits().data
    ds = load_digits_dataset()
    assert (ds.N, ds.d, ds.C, ds.rescale) == (1797, 64, 10, 2.0**-7)
    assert np.array_equal(ds.X * 128, raw)
    md = min_distance(ds.X)
    assert md.exact and md.delta_squared == Fraction(7, 4096)
    i, j = md.pair
    assert sum(Fraction(int(a) - int(b)) ** 2 for a, b in zip(raw[i], raw[j], strict=True)) == 28
    assert load_dataset("digits").N == 1797


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(DataError, match=r"pip install 'memcap\[digits\]'"):
        load_dataset("digits")


def test_text_labels_read_exactly(tmp_path: Path):
    (tmp_path / "d.csv").write_text("0.5,9007199254740993\n0.25,2.0\n0,-3\n")
    assert load_dataset(tmp_path / "d.csv").y.tolist() == [2**53 + 1, 2, -3]
    (tmp_path / "e.csv").write_text("0.5,99999999999999999999\n0.25,1\n")
    with pytest.raises(DataError, match="not so at row 0"):
        load_dataset(tmp_path / "e.csv")
