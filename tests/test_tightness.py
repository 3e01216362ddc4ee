import json
from fractions import Fraction

import numpy as np
import pytest

from proofs.cli import main
from proofs.data import make_dataset, save_dataset
from proofs.errors import DataError, ParameterError
from proofs.io import save_network
from proofs.network import AffineLayer, Network
from proofs.regions import data_segment, segment_regions
from proofs.tightness import (
    check,
    line_pieces_needed,
    measure,
    plot_tightness,
    render,
    run_case,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small_case():
    return run_case(30, 2, 3, 0.05, width=24, relabelings=1)


def test_case_matches_formula_and_verifies(small_case):
    c = small_case
    assert c.failures == []
    assert c.verification["verdict"] == "memorized"
    assert all(c.measured[k] == c.predicted[k] for k in ("widths", "width", "depth", "params", "nonzeros"))
    assert c.relabelings == [{"memorized": True, "same_architecture": True}]
    assert c.regions["complete"]
    assert c.regions["pieces_needed"] <= c.regions["linear_pieces"] <= c.regions["activation_regions"]
    assert c.vc["vc_upper"] >= c.N


def test_a_formula_that_differs_fails_naming_the_case(monkeypatch):
    import bounds.upper

    real = bounds.upper.construction_sizes

    def off_by_one(*args, **kwargs):
        out = real(*args, **kwargs)
        return out | {"depth": out["depth"] + 1}

    monkeypatch.setattr(bounds.upper, "construction_sizes", off_by_one)
    case = run_case(12, 2, 2, 0.05, width=24, regions=False, relabelings=0)
    depth = case.measured["depth"]
    assert check([case]) == [f"{case.name}: built depth {depth} differs from the formula's {depth + 1}"]
    assert case.name.startswith("N=12, d=2, C=2")


def test_a_broken_vc_bound_fails(monkeypatch):
    import bounds.lower

    monkeypatch.setattr(bounds.lower, "vc_dimension_bound", lambda widths, d: 11)
    case = run_case(12, 2, 2, 0.05, width=24, regions=False, relabelings=0)
    assert check([case]) == [f"{case.name}: 12 points memorized but the VC upper bound is 11"]


@pytest.mark.parametrize("fmt", ["markdown", "latex", "csv"])
def test_tables_show_measured_and_predicted(small_case, fmt):
    text = render([small_case], fmt)
    m, p = small_case.measured, small_case.predicted
    assert f"{m['depth']} ({p['depth']})" in text
    assert "memorized" in text
    if fmt == "latex":
        assert "\\toprule" in text and "\\bottomrule" in text
    with pytest.raises(ParameterError, match="unknown format 'html'"):
        render([small_case], "html")


def test_plot_is_a_png(small_case, tmp_path):
    plot_tightness([small_case], tmp_path / "t.png")
    assert (tmp_path / "t.png").read_bytes()[:8] == PNG


def test_pieces_needed_is_a_lower_bound_on_any_fit():
    net = Network([AffineLayer.from_dense([[1]], [0]), AffineLayer.from_dense([[1]], [0])])
    x = [[v] for v in np.linspace(-1, 1, 9)]
    assert line_pieces_needed(x, [1] * 9, net) == 1
    assert line_pieces_needed(x, list(range(9)), net) == 1  # collinear: one affine piece fits
    alternating = [1, 2] * 4 + [1]
    need = line_pieces_needed(x, alternating, net)
    assert need == 5
    from proofs.construction import memorize

    built = memorize(np.array(x), alternating, width=24).network
    assert segment_regions(built, data_segment(built, x)).linear_pieces >= need


def test_measure_reports_sizes_regions_and_verification():
    net = Network([AffineLayer.from_dense([[2], [-2]], [0, 1]), AffineLayer.from_dense([[1, 1]], [0])])
    m = measure(net, [[0.25], [0.75]], [1, 2], segments=1, breakpoints=True)
    assert m["sizes"]["depth"] == 1
    assert [r["segment"] for r in m["regions"]] == ["data line (unit 0)", "random chord 0 (seed 0)"]
    assert all(r["complete"] for r in m["regions"])
    assert all(Fraction(b) for r in m["regions"] for b in r["breakpoints"])
    assert m["verification"]["verdict"] in ("memorized", "not memorized")
    with pytest.raises(DataError, match="labels were given without points"):
        measure(net, None, [1])


@pytest.fixture
def built_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ds = make_dataset(25, 2, 3, 0.05, seed=1)
    save_dataset(ds, "d.npz")
    from proofs.construction import memorize

    save_network(memorize(ds.X, ds.y, width=24).network, "net.json")
    return tmp_path


def test_analyze_command_json_and_picture(built_files, capsys):
    assert (
        main(["analyze", "net.json", "--data", "d.npz", "--json", "--regions-2d", "auto", "-o", "r.png"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["verification"]["verdict"] == "memorized"
    assert report["sizes"]["active"]["units"] >= 1
    assert report["regions"][0]["segment"] == "data line (unit 0)"
    assert report["plane"]["activation_regions"] >= report["plane"]["linear_regions"] >= 1
    assert (built_files / "r.png").read_bytes()[:8] == PNG
    assert main(["analyze", "net.json"]) == 0


def test_analyze_command_refuses_bad_requests_and_writes_nothing(built_files):
    assert main(["analyze", "net.json", "-o", "r.png"]) == 2
    assert main(["analyze", "net.json", "--regions-2d", "axes:0,7", "-o", "r.png"]) == 2
    assert main(["analyze", "net.json", "--regions-2d", "points:0,1,2"]) == 2  # needs --data
    assert main(["analyze", "net.json", "--regions-2d", "auto", "-o", "r.jpg"]) == 2
    assert main(["analyze", "missing.json"]) != 0
    assert not list(built_files.glob("*.png")) and not list(built_files.glob("*.jpg"))


def test_tightness_and_check_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["tightness", "--n", "20", "--d", "2", "--widths", "24", "--relabelings", "0"]
    assert main([*args, "--format", "csv", "-o", "t.csv", "--plot", "t.png"]) == 0
    assert (tmp_path / "t.csv").read_text().startswith("N,width,depth")
    assert (tmp_path / "t.png").read_bytes()[:8] == PNG
    assert main([*args, "--format", "html"]) == 2
    assert main(["tightness", "--n", "1,x"]) == 2
    assert not (tmp_path / "t.html").exists()
    capsys.readouterr()
    assert main(["check", "--n", "20", "--d", "2", "--widths", "24", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
