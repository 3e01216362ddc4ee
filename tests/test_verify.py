"""Exact verification, the scalar line backend, and memorize-then-verify end to end."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memorizers import interpolating_network

from proofs.backends import evaluate, scalar
from proofs.errors import DataError, MemcapError, NetworkError
from proofs.exact import ExactOutputs, exact_inputs
from proofs.network import AffineLayer, Network
from proofs.verify import Failure, check_labels, verify

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the scalar backend agrees with the reference, bit for bit ---------------------------
@st.composite
def line_networks(draw: st.DrawFn) -> tuple[Network, np.ndarray]:
    """Random networks whose first hidden layer has one unit, with random inputs."""
    d = draw(st.integers(1, 4))
    big = draw(st.sampled_from([3, 20, 80]))
    weight = st.one_of(st.integers(-5, 5), st.integers(-(2**big), 2**big), st.just(0))

    def layer(n_out: int, n_in: int) -> AffineLayer:
        w = [[draw(weight) for _ in range(n_in)] for _ in range(n_out)]
        b = [draw(st.integers(-8, 8)) * 2 ** draw(st.integers(0, big)) for _ in range(n_out)]
        q = draw(st.sampled_from([1, 2, 3, 4, 2**big]))
        return AffineLayer.from_dense(w, b, denom=q)

    widths = [1] + draw(st.lists(st.integers(1, 5), max_size=4))
    layers = [layer(1, d)] + [layer(b, a) for a, b in zip(widths, widths[1:] + [1], strict=True)]
    grid = 2 ** draw(st.sampled_from([3, 20, 34, 45]))
    coord = st.one_of(
        st.integers(-grid, grid).map(lambda k: k / grid),
        st.floats(-1, 1, allow_nan=False),
        st.floats(0, 1e-30),
    )
    rows = draw(st.lists(st.lists(coord, min_size=d, max_size=d), min_size=1, max_size=25))
    X = np.array(rows + rows[: draw(st.integers(0, 3))], dtype=np.float64)
    return Network(layers), X


@FAST
@given(line_networks())
def test_scalar_backend_equals_reference(case: tuple[Network, np.ndarray]) -> None:
    net, X = case
    ref = evaluate(net, X, backend="python")
    out = evaluate(net, scalar.exact_rows(X), backend="scalar")
    assert out.same_as(ref)
    assert out.backend == "scalar"


@FAST
@given(line_networks(), st.sampled_from([0.0, -0.0, 5e-324, 2.0**-1022, 1e-300, 1e300, 0.1]))
def test_scalar_backend_on_floats_equals_reference(case: tuple[Network, np.ndarray], odd: float) -> None:
    """Float inputs go to the exact dot products without exact_rows; adversarial entries included."""
    net, X = case
    X = X.copy()
    X[0, 0] = odd  # subnormal, huge, negative zero, a value whose products round
    ref = evaluate(net, X, backend="python")
    nums, dens = scalar.evaluate(net, X)
    out = ExactOutputs(nums, dens, "scalar")
    assert out.same_as(ref)
    outs = [f[0] for f in ref.as_fractions()]
    fits = [abs(v) < 2**62 for v in outs]
    y = [int(v) if ok else 0 for v, ok in zip(outs, fits, strict=True)]  # labels, where they can be
    result = verify(net, X, y)
    assert result.backend == "scalar"
    assert result.matched == sum(v.denominator == 1 and ok for v, ok in zip(outs, fits, strict=True))


@FAST
@given(
    st.integers(1, 6).flatmap(
        lambda d: st.lists(
            st.lists(
                st.one_of(
                    st.floats(-2, 2, allow_nan=False),
                    st.integers(-(2**40), 2**40).map(lambda k: k / 2**40),
                ),
                min_size=d,
                max_size=d,
            ),
            min_size=1,
            max_size=20,
        )
    )
)
def test_exact_rows_equal_exact_inputs(rows: list[list[float]]) -> None:
    a, b = exact_inputs(rows), scalar.exact_rows(rows)
    assert a.nums.tolist() == b.nums.tolist() and a.dens.tolist() == b.dens.tolist()


def test_scalar_backend_refuses_wide_first_layer() -> None:
    net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])])
    assert not scalar.applicable(net)
    with pytest.raises(MemcapError, match="scalar"):
        evaluate(net, [[0.5]], backend="scalar")
    assert verify(net, [[0.5]], [0]).backend != "scalar"


def test_scalar_backend_several_outputs() -> None:
    net = Network(
        [
            AffineLayer.from_dense([[2, 1]], [0], denom=3),
            AffineLayer.from_dense([[1], [-1]], [-1, 1], denom=5),
            AffineLayer.from_dense([[1, 1], [3, 0]], [1, 0], denom=7),
        ]
    )
    X = np.array([[0.5, -0.25], [1.0, 0.0], [0.0, 0.0], [0.3, 0.3]])
    assert evaluate(net, X, backend="scalar").same_as(evaluate(net, X, backend="python"))


# -- verify on networks built by hand ----------------------------------------------------
def _ball(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.normal(size=(n, d))
    return x / np.maximum(1.0, np.linalg.norm(x, axis=1, keepdims=True)) * rng.uniform(0, 1, (n, 1))


@FAST
@given(
    n=st.integers(2, 40),
    d=st.integers(1, 6),
    labels=st.lists(st.integers(-1000, 1000), min_size=2, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_hand_built_memorizer_verifies(n: int, d: int, labels: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = _ball(rng, n, d)
    y = np.array([labels[i % len(labels)] for i in range(n)])
    net = interpolating_network(X, y)
    result = verify(net, X, y)
    assert result.memorized and result.verdict == "memorized"
    assert (result.checked, result.matched, result.failures) == (n, n, ())
    assert result.backend == "scalar"
    assert verify(net, X, y, backend="python").memorized


def test_duplicated_points_verify() -> None:
    rng = np.random.default_rng(3)
    X = _ball(rng, 30, 3)
    y = rng.integers(1, 4, size=30)
    X2, y2 = np.vstack([X, X[:10]]), np.concatenate([y, y[:10]])
    assert verify(interpolating_network(X, y), X2, y2).memorized


def test_failures_name_points_with_exact_outputs() -> None:
    rng = np.random.default_rng(5)
    X = _ball(rng, 50, 2)
    y = rng.integers(0, 5, size=50)
    net = interpolating_network(X, y)
    wrong = y.copy()
    wrong[[7, 30, 31]] += np.array([1, -2, 5])
    result = verify(net, X, wrong, max_failures=2)
    assert not result.memorized and result.verdict == "not memorized"
    assert (result.checked, result.matched) == (50, 47)
    assert result.failures == (
        Failure(7, int(wrong[7]), Fraction(int(y[7]))),
        Failure(30, int(wrong[30]), Fraction(int(y[30]))),
    )
    assert "point 7: output" in result.summary()


def test_one_changed_weight_is_caught() -> None:
    rng = np.random.default_rng(11)
    X = _ball(rng, 40, 4)
    y = rng.integers(1, 3, size=40)
    net = interpolating_network(X, y)
    out = net.layers[-1]
    nums = out.nums.copy()
    nums[len(nums) // 2] += 1
    tampered = Network(
        [
            *net.layers[:-1],
            AffineLayer(out.n_out, out.n_in, out.rows, out.cols, nums, out.bias, out.denom),
        ]
    )
    result = verify(tampered, X, y)
    assert not result.memorized
    assert result.failures  # the points after the changed knot move


def test_bad_inputs_are_named() -> None:
    net = Network([AffineLayer.from_dense([[1, 1]], [0]), AffineLayer.from_dense([[1]], [0])])
    with pytest.raises(DataError, match="3 coordinates but the network expects 2"):
        verify(net, np.zeros((2, 3)), [0, 0])
    with pytest.raises(DataError, match="3 labels for 2 points"):
        verify(net, np.zeros((2, 2)), [0, 0, 0])
    with pytest.raises(DataError, match="label 1 is 0.5"):
        verify(net, np.zeros((2, 2)), [0, 0.5])
    two = Network([AffineLayer.from_dense([[1, 1]], [0]), AffineLayer.from_dense([[1], [2]], [0, 0])])
    with pytest.raises(NetworkError, match="one output; this one has 2"):
        verify(two, np.zeros((2, 2)), [0, 0])
    with pytest.raises(DataError, match="NaN or inf"):
        verify(net, [[np.nan, 0.0]], [0])


def test_check_labels_accepts_integral_floats_and_objects() -> None:
    assert check_labels(np.array([1.0, -3.0])).tolist() == [1, -3]
    assert check_labels(np.array([Fraction(4, 2)], dtype=object)).tolist() == [2]
    with pytest.raises(DataError, match="label 0"):
        check_labels(np.array([Fraction(1, 2)], dtype=object))


# -- memorize, then verify exactly ---------------------------------------------------------
def _memorize_and_check(X: np.ndarray, y: np.ndarray, width: int, reference: bool = False) -> None:
    from proofs.construction import memorize

    net = memorize(X, y, width=width).network
    assert net.width <= width
    result = verify(net, X, y)
    assert result.memorized, result.summary()
    assert (result.checked, result.matched) == (len(y), len(y))
    if reference:
        assert evaluate(net, X, backend="python").same_as(evaluate(net, X, backend="scalar"))


@FAST
@given(
    n=st.integers(2, 120),
    d=st.integers(1, 8),
    width=st.integers(5, 64),
    classes=st.integers(2, 12),
    shift=st.integers(-50, 50),
    seed=st.integers(0, 2**16),
)
def test_memorize_then_verify_random(
    n: int, d: int, width: int, classes: int, shift: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    X = np.unique(np.round(_ball(rng, n, d) * 2**20) / 2**20, axis=0)
    y = rng.integers(0, classes, size=len(X)) + shift  # negative labels included
    if len(X) >= 2:
        _memorize_and_check(X, y, width, reference=len(X) <= 40)


@pytest.mark.parametrize(("n", "width"), [(2, 5), (500, 5), (2000, 16), (3000, 64)])
def test_memorize_then_verify_sizes(n: int, width: int) -> None:
    from proofs.data import make_dataset

    ds = make_dataset(n, 6, 10 if n > 10 else 2, 0.01, seed=n)
    _memorize_and_check(ds.X, ds.y, width)


def test_two_classes_and_every_point_its_own_class() -> None:
    rng = np.random.default_rng(7)
    X = _ball(rng, 300, 3)
    _memorize_and_check(X, np.arange(300) % 2, 12)
    _memorize_and_check(X, np.arange(300) * 7 - 1000, 12)


def test_points_on_the_sphere() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(400, 5))
    X = x / np.linalg.norm(x, axis=1, keepdims=True) * (1 - 2.0**-50)  # norm 1 up to rounding, inside
    _memorize_and_check(X, rng.integers(1, 6, size=400), 20)


def test_duplicated_points_of_memorized_data() -> None:
    from proofs.construction import memorize

    rng = np.random.default_rng(9)
    X = _ball(rng, 200, 4)
    y = rng.integers(1, 4, size=200)
    net = memorize(X, y, width=10).network
    dup = np.concatenate([np.arange(200), np.arange(0, 200, 3)])
    assert verify(net, X[dup], y[dup]).memorized


def test_digits() -> None:
    pytest.importorskip(
        "sklearn", reason="the digits data set needs scikit-learn (pip install 'memcap[digits]')"
    )
    from proofs.data import load_digits_dataset

    ds = load_digits_dataset()
    _memorize_and_check(ds.X, ds.y, 32)


@pytest.mark.slow
def test_memorize_then_verify_100k() -> None:
    from proofs.data import make_dataset

    ds = make_dataset(100_000, 16, 10, 0.05, seed=1)
    _memorize_and_check(ds.X, ds.y, 64)


@FAST
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.floats(allow_nan=False, allow_infinity=False),
                st.floats(-1e-300, 1e-300),
                st.sampled_from([0.0, -0.0, 2.0**-61, 2.0**-62, 2.0**61, -(2.0**62), 3 * 2.0**60]),
            ),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_exact_rows_at_the_int64_edges(rows: list[list[float]]) -> None:
    """Huge, tiny, subnormal and signed-zero entries: the same rationals, int64 only when they fit."""
    a, b = exact_inputs(rows), scalar.exact_rows(rows)
    assert a.nums.tolist() == b.nums.tolist() and a.dens.tolist() == b.dens.tolist()
    assert b.nums.dtype == object or np.abs(b.nums).max() < 2**62


@FAST
@given(
    st.sampled_from([0, 20, 34, 61]).flatmap(
        lambda s: st.lists(
            st.lists(st.integers(-(2**s), 2**s).map(lambda k: k / 2**s), min_size=3, max_size=3),
            min_size=1,
            max_size=8,
        )
    )
)
def test_exact_rows_on_a_grid_take_the_block_path(rows: list[list[float]]) -> None:
    """Points on a dyadic grid: integer numerators from one scaling, least denominators per row."""
    x = np.array(rows)
    grid = scalar._grid_rows(x)
    ref = exact_inputs(x)
    assert grid is not None or int(ref.dens.max()) > 2**61 - 1
    if grid is not None:
        assert grid[0].tolist() == ref.nums.tolist() and grid[1].tolist() == ref.dens.tolist()
