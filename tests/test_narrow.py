"""Widths 1, 2 and 3: the clamp, the chain and the pipeline memorize exactly; sizes equal the formulas."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bounds.errors import InfeasibleError, ParameterError
from bounds.narrow import NarrowLayout, narrow_sizes, narrow_widths
from bounds.upper import construction_sizes, plan
from proofs.cli import main
from proofs.construction import memorize, projection
from proofs.data import make_dataset, save_dataset, validate_dataset
from proofs.narrow import clamp_fit, ramp_knots
from proofs.network import Network
from proofs.verify import verify


def _check(c, X, y):
    """Exact verification, and every size equal to the formulas (from the report and from scratch)."""
    net, r = c.network, c.report
    assert net.evaluate(X, backend="python").matches(y).all()
    planned, built = r["planned"], r["built"]
    for key in ("width", "depth", "params", "nonzeros"):
        assert planned[key] == built[key], key
    after_first = max(abs(v).bit_length() for layer in net.layers[1:] for v in layer.integers())
    if planned["max_bits_exact"] or r["regime"] in ("clamp", "chain", "pipeline"):
        assert planned["max_bits_exact"] and after_first == planned["max_bits"]
    else:  # a lane layout with one selection layer: a bound (bounds.upper.construction_sizes)
        assert after_first <= planned["max_bits"]
    sizes = construction_sizes(
        len(X), X.shape[1], r["C"], 0.5, width=r["requested"]["width"], depth=r["requested"]["depth"],
        n_b=r["n_b"], n_c=r["n_c"], label_min=r["label_min"], ties=r["ties"],
        fits_clamp=r["regime"] == "clamp",
    )
    assert net.widths == sizes["widths"]
    assert (net.width, net.depth, net.params, net.nonzeros) == (
        sizes["width"], sizes["depth"], sizes["params"], sizes["nonzeros"])
    assert sizes["regime"] == r["regime"]


def _hidden_values(net: Network, X) -> list[list[list[Fraction]]]:
    """Exact pre-activations of every hidden layer, point by point."""
    acts = [[Fraction(v) for v in row] for row in np.asarray(X).tolist()]
    out = []
    for layer in net.layers[:-1]:
        W, b = layer.to_fractions()
        pre = [[sum((w * a for w, a in zip(row, x, strict=True)), bb) for row, bb in zip(W, b, strict=True)]
               for x in acts]
        out.append(pre)
        acts = [[max(Fraction(0), v) for v in x] for x in pre]
    return out


@st.composite
def datasets(draw, n_max=60):
    """Points in the ball (some on the sphere, some duplicated and merged), labels of any sign."""
    n = draw(st.integers(2, n_max))
    d = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 10**6))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, d)) / math.sqrt(d)
    if d >= 2 and draw(st.booleans()):  # half of them on the sphere
        k = n // 2
        X[:k] /= np.linalg.norm(X[:k], axis=1, keepdims=True) / (1 - 2**-30)
    classes = draw(st.sampled_from([1, 2, 3, 7, 40]))
    y = rng.integers(-classes // 2 - 3, classes - classes // 2 - 3, n) if classes > 1 else np.full(n, -4)
    if n >= 4 and len(set(y[:-1].tolist())) > 1 and draw(st.booleans()):
        X[-1], y[-1] = X[0], y[0]  # a duplicated point, merged by the data layer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = validate_dataset(X, y)
        X, y = ds.X, ds.y
    assume(len(X) >= 2)
    return X, y, seed


# -- widths 2 and 3 ---------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(), width=st.sampled_from([2, 3]))
def test_chain_and_pipeline_memorize_any_labels(data, width):
    X, y, seed = data
    c = memorize(X, y, width=width, seed=seed % 5)
    assert c.network.width <= width
    expected = {"pipeline"} if width == 3 and len(X) >= 3 else {"chain"}
    if width == 3 and len(X) == 2:
        expected.add("staircase")  # two points: the staircase ties the chain when n_c = 1
    assert c.report["regime"] in expected
    order = projection(X, seed=seed % 5).order
    assert c.report["ties"] == int(np.count_nonzero(np.diff(np.asarray(y)[order]) == 0))
    _check(c, X, y)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(n_max=14), width=st.sampled_from([2, 3]))
def test_accumulator_stays_positive_and_values_fit_their_bits(data, width):
    """Lemmas 11 and 12: the accumulator is positive on the data and every value has <= n_b + n_c + 1 bits."""
    X, y, _ = data
    c = memorize(X, y, width=width)
    assume(c.report["regime"] in ("chain", "pipeline"))
    pre = _hidden_values(c.network, X)
    accumulators = [[x[-1] for x in layer] for layer in pre[2:]]  # the last unit of layers 3, 4, ...
    assert all(v > 0 for layer in accumulators for v in layer)
    bits = c.report["planned"]["max_value_bits"]
    assert bits == c.report["n_b"] + c.report["n_c"] + 1
    assert all(abs(math.floor(v)).bit_length() <= bits for layer in pre[1:] for x in layer for v in x)


def test_ties_lower_the_nonzeros_only():
    X = np.linspace(-0.9, 0.9, 12).reshape(-1, 1)
    base = memorize(X, np.arange(12) % 2, width=2)  # no two neighbours share a label
    flat = memorize(X, (np.arange(12) >= 6).astype(int), width=2)  # one change
    assert base.report["ties"] == 0 and flat.report["ties"] == 10
    assert base.network.widths == flat.network.widths
    assert base.network.nonzeros - flat.network.nonzeros == 2 * 10
    _check(flat, X, (np.arange(12) >= 6).astype(int))


def test_ramp_knots_separate_the_codes():
    assert ramp_knots(np.array([1, 4, 10])) == [3, 6]
    with pytest.raises(AssertionError, match="3 apart"):
        ramp_knots(np.array([1, 3, 10]))


# -- width 1 ----------------------------------------------------------------------------------
@st.composite
def separable(draw):
    """Two labels split by a random hyperplane, with a margin; sometimes one label only."""
    n = draw(st.integers(2, 60))
    d = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 10**6)))
    X = rng.uniform(-1, 1, (4 * n, d)) / math.sqrt(d)
    w, b = rng.standard_normal(d), draw(st.floats(-0.3, 0.3))
    side = X @ (w / np.linalg.norm(w)) - b
    X, side = X[np.abs(side) > 0.05][:n], side[np.abs(side) > 0.05][:n]
    assume(len(X) >= 2)
    lo, hi = draw(st.integers(-50, 50)), draw(st.integers(-50, 50))
    return X, np.where(side > 0, hi, lo)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=separable(), seed=st.integers(0, 5))
def test_width_one_memorizes_two_labels_split_by_a_hyperplane(data, seed):
    X, y = data
    c = memorize(X, y, width=1, seed=seed)
    assert c.report["regime"] == "clamp" and c.network.widths == [1, 1]
    assert c.report["layout"]["shape"] == "step"
    _check(c, X, y)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(n_max=2), seed=st.integers(0, 5))
def test_width_one_always_memorizes_two_points(data, seed):
    X, y, _ = data
    c = memorize(X, y, width=1, seed=seed)
    _check(c, X, y)


@pytest.mark.parametrize("labels", [
    [0, 0, 1, 3, 5, 8, 8], [8, 8, 6, 4, 2, 0, 0], [-2, -2, -1, 1, 3, 6, 6],
    [0, 0, 0, 4, 4, 4, 4], [0, 0, 0, 5, 8, 8, 8],
])
def test_width_one_fits_a_clamped_line(labels):
    """Labels strictly between the least and largest on one line (Lemma 13's affine case), d = 1 and 2."""
    t = np.array([-0.75, -0.5, -0.375, -0.25, -0.125, 0.25, 0.5])
    for X in (t.reshape(-1, 1), np.column_stack([t, 0.25 * t + 0.1])):
        c = memorize(X, labels, width=1)
        assert c.report["layout"]["shape"] == ("affine" if len(set(labels)) > 2 else "step")
        _check(c, X, np.array(labels))


@pytest.mark.parametrize(("X", "y", "reason"), [
    ([[-0.5], [0.0], [0.5]], [0, 1, 0], r"rows 0, 1, 2 have labels 0, 1, 0 in projection order \(not mono"),
    ([[0.5, 0.5], [-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5]], [0, 0, 1, 1], "not monotone"),
    ([[-0.75], [-0.25], [0.25], [0.75]], [0, 1, 1, 2], "both strictly between 0 and 2"),
    ([[-0.75], [-0.25], [0.25], [0.6], [0.75]], [0, 1, 2, 4, 5], "not on one line"),
])
def test_width_one_refusals_name_the_reason(X, y, reason):
    """Cases no width-1 network memorizes (XOR; a middle value taken twice on a line; a bent middle)."""
    with pytest.raises(InfeasibleError, match=reason) as err:
        memorize(np.array(X), y, width=1)
    assert "Lemma 13" in str(err.value) and "use width >= 2" in str(err.value)
    c = memorize(np.array(X), y, width=2)
    _check(c, np.array(X), np.array(y))


def test_width_one_refuses_without_data_for_more_than_two_points():
    assert plan(2, 3, 10, 2, width=1).regime == "clamp"
    assert construction_sizes(50, 3, 1, 0.1, width=1)["regime"] == "clamp"  # one label: a constant
    with pytest.raises(InfeasibleError, match="width 1: a width-1 network is a clamped affine function"):
        plan(50, 3, 10, 2, width=1)
    with pytest.raises(InfeasibleError, match="least depth 2 of a width-1 network"):
        plan(2, 3, 10, 2, width=1, depth=1)
    assert plan(50, 3, 10, 2, width=1, fits_clamp=True).depth == 2


# -- formulas and planning --------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 10**5), d=st.integers(1, 50), n_b=st.integers(3, 60), n_c=st.integers(1, 12),
       kind=st.sampled_from(["clamp", "chain", "pipeline"]), label_min=st.integers(-10**6, 10**6),
       tie_share=st.floats(0, 1))
def test_narrow_sizes_from_the_layer_list(n, d, n_b, n_c, kind, label_min, tie_share):
    assume(kind != "pipeline" or n >= 3)
    ties = 0 if kind == "clamp" else int(tie_share * (n - 1))
    lay = NarrowLayout(n, d, n_b, n_c, kind, label_min, ties)
    widths, sizes = narrow_widths(lay), narrow_sizes(lay)
    assert sizes["depth"] == len(widths) == lay.depth
    assert sizes["width"] == max(widths) == {"clamp": 1, "chain": 2, "pipeline": 3}[kind]
    dims = [d, *widths, 1]
    assert sizes["params"] == sum((a + 1) * b for a, b in zip(dims, dims[1:], strict=False))
    assert sizes["nonzeros"] <= sizes["params"]


def test_narrow_layout_checks_its_fields():
    with pytest.raises(ParameterError, match="pipeline needs N >= 3"):
        NarrowLayout(2, 1, 5, 1, "pipeline")
    with pytest.raises(ParameterError, match="ties must lie in 0..4"):
        NarrowLayout(5, 1, 5, 1, "chain", ties=5)
    with pytest.raises(ParameterError, match="choose clamp, chain or pipeline"):
        NarrowLayout(5, 1, 5, 1, "ladder")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 10**5), n_b=st.integers(3, 50), n_c=st.integers(1, 8), W=st.integers(2, 5))
def test_width_caps_never_cost_depth(n, n_b, n_c, W):
    """The least depth within a width cap falls as the cap grows; widths 2 and 3 are always met."""
    here = plan(n, 4, n_b, n_c, width=W)
    assert here.width <= W
    assert plan(n, 4, n_b, n_c, width=W + 1).depth <= here.depth
    if W == 2 or (W == 3 and n >= 3):
        assert here.regime == ("pipeline" if W == 3 else "chain")


def test_depth_requests_take_the_narrowest_layout_that_fits():
    assert plan(40, 3, 20, 2, depth=79).regime == "chain"
    assert plan(40, 3, 20, 2, depth=78).regime == "pipeline"
    assert plan(40, 3, 20, 2, depth=40).regime == "pipeline"
    assert plan(40, 3, 20, 2, depth=39).width >= 4
    lay = plan(40, 3, 20, 2, params=600)  # only the chain and the pipeline are this small
    assert lay.regime == "pipeline"
    with pytest.raises(InfeasibleError, match="least depth at width 2 is 79; or depth 50 with width 3"):
        plan(40, 3, 20, 2, width=2, depth=50)


# -- every width, and the command line ----------------------------------------------------------
def test_every_width_from_1_to_64():
    rng = np.random.default_rng(3)
    X = rng.uniform(-0.6, 0.6, (14, 3))
    y = np.where(X @ np.array([1.0, -2.0, 0.5]) > 0, 4, -3)
    for width in range(1, 65):
        c = memorize(X, y, width=width, seed=width)
        assert c.network.width <= width
        _check(c, X, y)


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


@pytest.mark.parametrize("width", [1, 2, 3])
def test_cli_memorize_then_verify_narrow(tmp_path: Path, capsys, width):
    data, net, cert = tmp_path / "d.npz", tmp_path / "n.npz", tmp_path / "c.json"
    classes = 2 if width > 1 else 3
    code, _, err = _run(capsys, "make-data", "--n", "40", "--d", "3", "--classes", str(classes),
                        "--delta", "0.05", "--seed", "2", "-o", str(data))
    assert code == 0, err
    argv = ["memorize", str(data), "--width", str(width), "-o", str(net), "--cert", str(cert), "--json"]
    code, out, err = _run(capsys, *argv)
    if width == 1:  # random labels of three classes: refused, with the reason, and nothing written
        assert code == 3 and "width 1: no width-1 network" in err and "use width >= 2" in err
        assert not net.exists() and not cert.exists()
        return
    assert code == 0, err
    summary = json.loads(out)
    assert summary["regime"] == ("chain" if width == 2 else "pipeline") and summary["width"] <= width
    code, _, err = _run(capsys, "verify", str(net), str(data), "--cert", str(cert))
    assert code == 0, err


def test_cli_width_one_on_separable_data(tmp_path: Path, capsys):
    ds = make_dataset(30, 2, 2, 0.05, seed=4)
    y = np.where(ds.X[:, 0] > 0.1, 2, 1)
    save_dataset(dataclasses.replace(ds, y=y), tmp_path / "d.npz")
    data, net, cert = tmp_path / "d.npz", tmp_path / "n.npz", tmp_path / "c.json"
    code, out, err = _run(capsys, "memorize", str(data), "--width", "1", "-o", str(net), "--cert", str(cert))
    assert code == 0, err
    assert "clamp" in out
    code, _, err = _run(capsys, "verify", str(net), str(data), "--cert", str(cert))
    assert code == 0, err


@pytest.mark.slow
@pytest.mark.parametrize("width", [2, 3])
def test_ten_thousand_points_at_width_two_and_three(width):
    rng = np.random.default_rng(7)
    g = rng.standard_normal((10**4, 8))
    X = g / np.linalg.norm(g, axis=1, keepdims=True) * (1 - 2**-30)
    y = rng.integers(-5, 5, 10**4)
    c = memorize(X, y, width=width)
    assert c.network.width == width and c.report["planned"]["nonzeros"] == c.network.nonzeros
    assert verify(c.network, X, y).memorized


def test_clamp_fit_reports_the_direction():
    X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, -0.75], [0.25, 0.5]])
    fit = clamp_fit(X, np.array([1, 0, 0, 1]))
    assert fit.direction in {"seeded", "regression", "class means", "perceptron", "logistic"}
    assert fit.bias != 0 and all(w != 0 for w in fit.weights)
