"""Certify, by exact interval error analysis, what float64 does to the first layers.

The first layer takes real inputs, so its float64 output is rounded. This
module bounds that rounding with exact rational arithmetic and checks that it
cannot move any data point across a breakpoint of the second layer (a step of
the construction, or an edge of a code's interval): every second-layer unit
keeps its side of zero, under float64 evaluation of both layers, whatever the
runtime's summation order.

The bound used (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd
ed., Lemma 3.1 and eq. 3.5): a dot product of ``n`` terms evaluated in float64
in any order, with or without fused multiply-add, satisfies
``|fl(sum w_k h_k) - sum w_k h_k| <= gamma_n sum |w_k h_k|`` with
``gamma_n = n u / (1 - n u)``, ``u = 2^-53``. A layer's bias is one more term.
We add ``2^-200 (sum |w_k| + 2 n + 2)`` for underflow (far above the true
``2^-1022`` per operation, even with flush-to-zero or denormals-are-zero),
the exact effect of rounding the weights to float64,
and, from the second layer on, the propagated input error ``|W| rho`` where
``rho`` bounds the first layer's output error (ReLU is 1-Lipschitz).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from proofs.errors import DataError
from proofs.exact import exact_inputs
from proofs.export import float_layers
from proofs.network import AffineLayer, Network

__all__ = [
    "gamma",
    "layer_error_bounds",
    "certify_float64_first_layer",
    "certify_float64_clamped",
    "certify_float64",
    "mantissa_bits_needed",
]

_U_INV = 1 << 53  # 1/u for float64, round to nearest
# 1/eta: absolute allowance per operation for underflow. The true worst case is
# 2^-1022 (flush-to-zero); allowing the larger 2^-200 keeps the bound valid and
# the integers short.
_ETA = 1 << 200


def gamma(n: int) -> Fraction:
    """``gamma_n = n u / (1 - n u)`` for float64 (``u = 2^-53``), exactly.

    >>> gamma(1) == Fraction(1, 2**53 - 1)
    True
    """
    return Fraction(n, _U_INV - n)


def _obj(a: Any) -> np.ndarray:
    return np.asarray(a).astype(object)


def _dyadic(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Float64 values as integers over one power of two: ``values == nums / den``."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    if flat.size == 0:
        return np.zeros(np.shape(values), dtype=object), 1
    e = exact_inputs(flat.reshape(1, -1))
    return _obj(e.nums[0]).reshape(np.shape(values)), int(e.dens[0])


def layer_error_bounds(
    layer: AffineLayer,
    h: np.ndarray,
    den: np.ndarray,
    radius: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact pre-activations of one layer and bounds on their float64 error.

    Parameters
    ----------
    layer : AffineLayer
        The exact layer; its float64 version rounds every weight to nearest.
    h, den : numpy.ndarray
        Exact inputs: row ``i`` is ``h[i] / den[i]`` (integers, ``den > 0``).
    radius : numpy.ndarray, optional
        Integers over the same ``den``: the float64 input of row ``i`` is
        within ``radius[i] / den[i]`` of the exact one, entrywise. ``None``
        means the inputs are exact (then the weight-rounding term is computed
        exactly rather than bounded).

    Returns
    -------
    z, err, g : numpy.ndarray
        Row ``i``: exact pre-activations ``z[i] / g[i]``; the float64
        pre-activations lie within ``err[i] / g[i]`` of them.

    Examples
    --------
    One weight 1/3, input 3/4: the float64 product is within the bound.

    >>> layer = AffineLayer.from_rationals([[Fraction(1, 3)]], [0])
    >>> z, err, g = layer_error_bounds(layer, np.array([[3]], dtype=object), np.array([4], dtype=object))
    >>> Fraction(z[0, 0], g[0]), float(Fraction(err[0, 0], g[0])) < 2**-53
    (Fraction(1, 4), True)
    >>> abs(Fraction(0.75 * (1 / 3)) - Fraction(1, 4)) <= Fraction(err[0, 0], g[0])
    True
    """
    q = layer.denom
    n = layer.n_in + 1
    w_dense, b_list, _ = layer.to_dense()
    w = np.array(w_dense, dtype=object).reshape(layer.n_out, layer.n_in)
    b = np.array(b_list, dtype=object)
    (wf, bf), = float_layers(Network([layer]), "float64")
    a_all, F = _dyadic(np.concatenate([wf.reshape(-1), bf]))
    a = a_all[: wf.size].reshape(wf.shape)
    af = a_all[wf.size :]
    h = _obj(h)
    den = _obj(den)
    P = den[:, None]
    z = h.dot(w.T) + b[None, :] * P  # over q P
    abs_a = np.abs(a)
    sum_abs_a = abs_a.sum(axis=1) if layer.n_in else np.zeros(layer.n_out, dtype=object)
    if radius is None:
        zf = h.dot(a.T) + af[None, :] * P  # exact sum with float weights, over F P
        mismatch = np.abs(zf * q - z * F)  # over q F P
        propagated = np.zeros_like(z)
        size = np.abs(h).dot(abs_a.T) + np.abs(af)[None, :] * P  # over F P
    else:
        r = _obj(radius)
        top = np.abs(h) + r
        dw = np.abs(a * q - w * F)
        db = np.abs(af * q - b * F)
        mismatch = top.dot(dw.T) + db[None, :] * P  # over q F P
        propagated = r.dot(np.abs(w).T)  # over q P
        size = top.dot(abs_a.T) + np.abs(af)[None, :] * P  # over F P
    k = _U_INV - n
    g = q * F * den * k * _ETA  # common row denominator
    err = (
        mismatch * (k * _ETA)
        + propagated * (F * k * _ETA)
        + size * (n * q * _ETA)
        + (sum_abs_a + (2 * n + 2) * F)[None, :] * (q * k) * P
    )
    return z * (F * k * _ETA), err, g


def _relu_radius(z: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReLU of exact values and the radius of ReLU over ``[z - err, z + err]``."""
    h = np.where(z > 0, z, 0)
    up = np.where(z + err > 0, z + err, 0) - h
    down = h - np.where(z - err > 0, z - err, 0)
    return h, np.where(up > down, up, down)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Entrywise ``num / den`` as floats (close, not exact: only used to locate extremes)."""
    try:
        return num.reshape(-1).astype(np.float64) / den.reshape(-1).astype(np.float64)
    except OverflowError:
        return np.array([int(a) / int(b) for a, b in zip(num.reshape(-1), den.reshape(-1), strict=True)])


def _dyadic_bound(value: Fraction, up: bool, bits: int = 64) -> Fraction:
    """A short dyadic bound on ``value``: above it if ``up``, else below it."""
    if value == 0:
        return value
    shift = bits - (abs(value.numerator).bit_length() - value.denominator.bit_length())
    scaled = value * Fraction(2) ** shift
    n = -((-scaled.numerator) // scaled.denominator) if up else scaled.numerator // scaled.denominator
    return Fraction(n) / Fraction(2) ** shift


def certify_float64_first_layer(net: Network, X: Any) -> dict[str, Any]:
    """Certify that float64 rounding in the first layer moves no point across a step.

    For every point, bound exactly how far the float64 first layer can be from
    the exact one, then how far the float64 second-layer pre-activations can
    be from the exact ones, and check each second-layer unit stays on its side
    of zero (or, if the second layer is the output, stays within 1/2). The
    margin is the least distance of an exact second-layer pre-activation from
    zero minus its error bound (``1/2`` minus the error for an output).

    Parameters
    ----------
    net : Network
    X : array_like
        The data points (float64 rows), converted exactly.

    Returns
    -------
    dict
        JSON-ready: ``certified`` (bool, decided exactly); ``margin``
        (float) and ``margin_lower_bound`` (an exact dyadic ``"p/q"`` below
        it) with the ``margin_point`` and ``margin_unit`` attaining it;
        ``margin_bits`` (``log2`` of the least ratio |pre-activation| / error
        bound); ``first_layer_error`` (the largest bound on the first layer's
        float64 error) and ``first_layer_error_bound`` (an exact dyadic above
        it) at ``first_layer_worst`` ``[point, unit]``; ``unstable_points``
        (up to 10); ``points``; ``checked``; ``gamma``; ``assumptions``;
        ``scope`` (what is certified, in words).

    Examples
    --------
    ``s(x) = 3x + 1/10`` then steps at 1 and 2 (the nearest point is 0.35 away):

    >>> net = Network([AffineLayer.from_rationals([[3]], [Fraction(1, 10)]),
    ...                AffineLayer.from_dense([[1], [1]], [-1, -2]),
    ...                AffineLayer.from_dense([[1, 1]], [0])])
    >>> cert = certify_float64_first_layer(net, [[0.0], [0.5], [0.75]])
    >>> cert["certified"], cert["margin_point"], round(cert["margin"], 6)
    (True, 2, 0.35)
    >>> cert["first_layer_error"] < 1e-15
    True
    """
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != net.input_dim:
        raise DataError(f"inputs of shape {x.shape} do not fit a network with {net.input_dim} inputs")
    e = exact_inputs(x)
    z1, err1, g1 = layer_error_bounds(net.layers[0], e.nums, e.dens)
    ratios1 = _ratio(err1, np.repeat(g1, err1.shape[1]))
    w1 = int(np.argmax(ratios1))
    worst1 = divmod(w1, err1.shape[1])
    first_err = _dyadic_bound(Fraction(int(err1[worst1]), int(g1[worst1[0]])), up=True)
    cert: dict[str, Any] = {
        "scope": (
            "float64 rounding in the first layer, then in the second, moves no point across a "
            "second-layer breakpoint; whether later layers are exact in float64 is a separate "
            "property (proofs.float_certify.mantissa_bits_needed, memcap precision)"
        ),
        "points": int(x.shape[0]),
        "first_layer_error": float(first_err),
        "first_layer_error_bound": str(first_err),
        "first_layer_worst": [int(worst1[0]), int(worst1[1])],
        "gamma": str(gamma(net.layers[0].n_in + 1)),
        "assumptions": (
            "IEEE 754 binary64 with round to nearest; any summation order, "
            "with or without fused multiply-add; gradual underflow or flush-to-zero"
        ),
    }
    if len(net.layers) == 1:
        slack = g1[:, None] - 2 * err1  # 1/2 - err, over 2 g
        return _finish(cert, slack, 2 * g1, abs(z1), err1, output=True)
    h1, r1 = _relu_radius(z1, err1)
    z2, err2, g2 = layer_error_bounds(net.layers[1], h1, g1, r1)
    output = len(net.layers) == 2
    if output:
        slack = g2[:, None] - 2 * err2
        return _finish(cert, slack, 2 * g2, np.abs(z2), err2, output=True)
    size = np.abs(z2)
    slack = np.where(err2 == 0, size + 1, size - err2)  # err 0: the value is exact in float64
    return _finish(cert, slack, g2, size, err2, output=False)


def certify_float64_clamped(net: Network, X: Any) -> dict[str, Any]:
    """Certify the first layer of a float64-safe network (regime ``"float64"``, Lemma 10).

    Such a network computes ``s`` in its first layer (one unit) and then, in
    later layers, steps ``ReLU(s - t + 1)`` whose exact values on the data are
    at most ``-1/2`` or at least ``3/2``; each is clamped to ``0`` or ``1``.
    Every step is computed in float64 as ``fl(s~ - (t - 1))`` from the float64
    ``s~``, within ``eps + u (|s~| + |t - 1|)`` of the exact value, where
    ``eps`` bounds the first layer's error (:func:`certify_float64_first_layer`)
    and ``u = 2**-53``. When that bound is below ``1/2`` every clamp is exact,
    and the rest of the network is exact in float64 because its values have at
    most ``max_value_bits <= 53`` bits (Lemma 10).

    Returns
    -------
    dict
        JSON-ready: ``certified`` (both conditions hold), ``step_error`` and
        ``step_error_bound`` (an exact dyadic above the error of any step),
        ``first_layer`` (the first-layer certificate: ``certified``,
        ``margin``, ``first_layer_error``), ``points``.

    Examples
    --------
    >>> import numpy as np
    >>> from proofs.construction import memorize
    >>> X = np.array([[0.5, 0.0], [-0.5, 0.25], [0.0, -0.75], [0.25, 0.5]])
    >>> net = memorize(X, [3, -1, 3, 0], max_weight_bits=50).network
    >>> cert = certify_float64_clamped(net, X)
    >>> cert["certified"], cert["step_error"] < 1e-9
    (True, True)
    """
    if net.layers[0].n_out != 1:
        raise DataError(
            f"a float64-safe network has one first-layer unit s, this one has {net.layers[0].n_out}; "
            "build it with memorize(..., max_weight_bits=B)"
        )
    first = certify_float64_first_layer(net, X)
    eps = Fraction(first["first_layer_error_bound"])
    (w1, b1), = float_layers(Network([net.layers[0]]), "float64")
    s_float = np.asarray(X, dtype=np.float64) @ w1.T + b1
    # |s~| <= |s| + eps <= |s computed here| + 2 eps, in any evaluation order
    s_top = Fraction(float(np.abs(s_float).max())) + 2 * eps
    t_top = max((abs(Fraction(int(b), layer.denom)) for layer in net.layers[1:] for b in layer.bias),
                default=Fraction(0))
    bound = _dyadic_bound(eps + (s_top + t_top) / _U_INV, up=True)
    return {
        "scope": (
            "float64 rounding of the first layer and of every step ReLU(s - t + 1) leaves each clamp "
            "exactly 0 or 1; the later layers are exact in float64 (docs/theory/upper.md, Lemma 10)"
        ),
        "points": first["points"],
        "certified": bool(first["certified"] and bound < Fraction(1, 2)),
        "step_error": float(bound),
        "step_error_bound": str(bound),
        "first_layer": {k: first[k] for k in ("certified", "margin", "first_layer_error")},
    }


def _finish(
    cert: dict[str, Any],
    slack: np.ndarray,
    den: np.ndarray,
    size: np.ndarray,
    err: np.ndarray,
    *,
    output: bool,
) -> dict[str, Any]:
    m = slack.shape[1]
    bad = np.flatnonzero((slack <= 0).any(axis=1))
    exact_cells = err == 0
    margins = _ratio(slack, np.repeat(den, m))
    masked = np.where(exact_cells.reshape(-1), np.inf, margins)
    if not np.isfinite(masked).any():
        masked = margins
    k = int(np.argmin(masked))
    i, j = divmod(k, m)
    exact_margin = _dyadic_bound(Fraction(int(slack[i, j]), int(den[i])), up=False)
    with np.errstate(divide="ignore"):
        factors = np.where(exact_cells.reshape(-1), np.inf, _ratio(size, np.where(err == 0, 1, err)))
    least = float(np.min(factors)) if factors.size else float("inf")
    cert.update(
        {
            "checked": "output within 1/2" if output else "second-layer activation pattern",
            "certified": bool(bad.size == 0),
            "margin": float(exact_margin),
            "margin_lower_bound": str(exact_margin),
            "margin_point": i,
            "margin_unit": j,
            "margin_bits": float(np.log2(least)) if least > 0 else float("-inf"),
            "unstable_points": bad[:10].tolist(),
        }
    )
    return cert


def _v2(values: np.ndarray) -> np.ndarray:
    """2-adic valuation of nonzero Python ints (entrywise)."""
    return np.array([(int(v) & -int(v)).bit_length() - 1 for v in values.reshape(-1)], dtype=np.int64)


def mantissa_bits_needed(
    net: Network, X: Any, backend: str = "auto", *, exact_layers: list[Any] | None = None
) -> list[int | None]:
    """For each layer, the mantissa bits that make it exact on these points in any summation order.

    Layer ``l`` is fed its exact input ``h`` (from exact evaluation of ``X``).
    Its terms ``w_k h_k`` and its bias are dyadic rationals, all multiples of
    some ``2^m``, whose absolute values sum to ``S``. Every partial sum, in any
    order and with or without fused multiply-add, is then a multiple of ``2^m``
    of magnitude at most ``S``, so a float format with ``p`` mantissa bits
    (53 for float64, 24 for float32) computes the layer exactly if
    ``S / 2^m < 2^p`` and the weights themselves are representable, barring
    overflow and underflow. The value returned is the least such ``p``, the
    largest over the points: a layer needing at most 53 bits is exact in
    float64 whenever its input is. ``None`` marks a layer with a term or a
    weight that is not dyadic (a denominator with an odd factor), which no
    binary float holds exactly. ``exact_layers``, if given, is
    :func:`proofs.precision.exact_forward` of ``X`` (saves recomputing it).

    Examples
    --------
    >>> net = Network([AffineLayer.from_dense([[1], [2**60 + 1]], [0, 0]),
    ...                AffineLayer.from_rationals([[1, Fraction(1, 3)]], [0])])
    >>> mantissa_bits_needed(net, [[1.0], [0.5]])
    [61, None]
    """
    from proofs.precision import exact_forward

    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != net.input_dim:
        raise DataError(f"inputs of shape {x.shape} do not fit a network with {net.input_dim} inputs")
    e = exact_inputs(x)
    layers = exact_forward(net, x, backend) if exact_layers is None else exact_layers
    inputs = [(e.nums, e.dens)] + [(n, d) for n, d in layers[:-1]]
    out: list[int | None] = []
    for layer, (h, den) in zip(net.layers, inputs, strict=True):
        out.append(_bits_needed(layer, _obj(h), _obj(den)))
    return out


def _bits_needed(layer: AffineLayer, h: np.ndarray, den: np.ndarray) -> int | None:
    q = layer.denom
    odd_q = q >> ((q & -q).bit_length() - 1)
    if odd_q != 1:
        return None  # a weight is not dyadic after reduction only if q's odd part survives
    rows, cols = layer.rows, layer.cols
    nums = _obj(layer.nums)
    bias = _obj(layer.bias)
    need = 1
    for i in range(h.shape[0]):
        d = int(den[i])
        odd_d = d >> ((d & -d).bit_length() - 1)
        terms = nums * h[i, cols] if len(cols) else np.zeros(0, dtype=object)
        terms = np.concatenate([terms, bias * d]) if len(bias) else terms
        if odd_d != 1:
            if any(int(t) % odd_d for t in terms):
                return None
            terms = terms // odd_d
        per_row = np.zeros(layer.n_out, dtype=object)
        low = np.full(layer.n_out, 1 << 30, dtype=np.int64)
        where = np.concatenate([rows, np.arange(layer.n_out)])
        nz = terms != 0
        if nz.any():
            np.add.at(per_row, where[nz], np.abs(terms[nz]))
            np.minimum.at(low, where[nz], _v2(terms[nz]))
        for total, m in zip(per_row, low, strict=True):
            if total:
                need = max(need, (int(total) >> int(m)).bit_length())
    return need


def _segments(layer: AffineLayer) -> tuple[np.ndarray, np.ndarray]:
    """Start of each unit's run of triplets, and whether the unit has any."""
    starts = np.searchsorted(layer.rows, np.arange(layer.n_out))
    ends = np.searchsorted(layer.rows, np.arange(layer.n_out), side="right")
    return starts, ends > starts


def _per_unit(layer: AffineLayer, values: np.ndarray, ufunc: Any, empty: Any) -> np.ndarray:
    """Reduce ``values`` (rows x triplets) over each unit's triplets with ``ufunc``."""
    n = values.shape[0]
    if layer.nnz == 0:
        return np.full((n, layer.n_out), empty, dtype=values.dtype)
    starts, has = _segments(layer)
    starts = np.minimum(starts, layer.nnz - 1)
    out = ufunc.reduceat(values, starts, axis=1)
    return np.where(has[None, :], out, empty)


def _exact_units(
    layer: AffineLayer,
    h: np.ndarray,
    den: np.ndarray,
    radius: np.ndarray | None,
    w_ok: np.ndarray,
    b_ok: np.ndarray,
) -> np.ndarray:
    """Units provably exact in float64: exact inputs, at most 53 bits (see mantissa_bits_needed)."""
    n = h.shape[0]
    cols = layer.cols
    hin = h[:, cols] if layer.nnz else np.zeros((n, 0), dtype=object)
    ok = np.ones((n, layer.n_out), dtype=bool)
    if radius is not None and layer.nnz:
        ok &= _per_unit(layer, radius[:, cols] == 0, np.logical_and, True)
    if layer.nnz:
        ok &= ~_per_unit(layer, (~w_ok)[None, :] & (hin != 0), np.logical_or, False)
    ok &= b_ok[None, :]
    q = layer.denom
    D = den * q
    terms = _obj(layer.nums)[None, :] * hin
    bias = _obj(layer.bias)[None, :] * den[:, None]
    for i in range(n):  # strip the odd part of each row's denominator, where the terms allow it
        d = int(D[i])
        odd = d >> ((d & -d).bit_length() - 1)
        if odd != 1:
            bad_t = np.array([int(t) % odd != 0 for t in terms[i]], dtype=bool)
            bad_b = np.array([int(t) % odd != 0 for t in bias[i]], dtype=bool)
            if layer.nnz:
                ok[i] &= ~_per_unit(layer, bad_t[None, :], np.logical_or, False)[0]
            ok[i] &= ~bad_b
            terms[i] = terms[i] // odd
            bias[i] = bias[i] // odd
            D[i] = d // odd
    mag = np.abs(terms)
    total = _per_unit(layer, mag, np.add, 0) + np.abs(bias)
    ors = _per_unit(layer, mag, np.bitwise_or, 0) | np.abs(bias)
    for i in range(n):
        scale = (int(D[i]) & -int(D[i])).bit_length() - 1  # D is now a power of two
        for j in range(layer.n_out):
            if not ok[i, j] or not total[i, j]:
                continue
            m = (int(ors[i, j]) & -int(ors[i, j])).bit_length() - 1
            top = int(total[i, j]).bit_length() - scale
            ok[i, j] = (int(total[i, j]) >> m).bit_length() <= 53 and m - scale >= -1022 and top <= 1023
    return ok


def _weights_exact(layer: AffineLayer) -> tuple[np.ndarray, np.ndarray]:
    """Which stored weights and biases float64 holds exactly."""
    (wf, bf), = float_layers(Network([layer]), "float64")
    q = layer.denom
    w_ok = [
        Fraction(float(wf[r, c])) == Fraction(int(v), q)
        for r, c, v in zip(layer.rows, layer.cols, layer.nums, strict=True)
    ]
    b_ok = [Fraction(float(v)) == Fraction(int(b), q) for v, b in zip(bf, layer.bias, strict=True)]
    return np.array(w_ok, dtype=bool), np.array(b_ok, dtype=bool)


def _fine_denominators(err: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Per row a power of two ``R`` with ``err / g`` at about 2^60 units of ``1/R``."""
    out = np.ones(len(g), dtype=object)
    for i in range(len(g)):
        top = max((int(v) for v in err[i]), default=0)
        if top:
            out[i] = 1 << max(0, 60 - (top.bit_length() - int(g[i]).bit_length()))
    return out


def certify_float64(net: Network, X: Any, y: Any) -> dict[str, Any]:
    """Certify what float64 evaluation of ``net`` outputs on every point, in any summation order.

    Propagates, layer by layer and point by point, the exact activations and
    an exact bound on how far a float64 run can be from them:

    - a unit whose inputs are exact in float64 and whose terms need at most
      53 mantissa bits (:func:`mantissa_bits_needed`) is computed exactly;
    - any other unit is within the bound of :func:`layer_error_bounds`
      (rounding in any order, the weights' rounding, the inputs' errors);
    - a ReLU whose pre-activation is certainly at most 0 outputs exactly 0.

    At the output, a point is certified *exact* when its float64 output is
    provably its label, and *rounded* when the output is provably within
    1/2 of it. This is a proof about every IEEE float64 evaluation order, not
    a measurement; it costs exact arithmetic on every unit of every point,
    so it suits small and medium data sets.

    Returns
    -------
    dict
        JSON-ready: ``points``, ``exact`` and ``rounded`` (points certified),
        ``certified`` (every point rounded to its label), ``exact_layers``
        (layers proven exact on every point), ``max_error`` (largest output
        error bound), ``first_failing`` (up to 10 points not certified).
        ``exact_layers`` lists the layers whose float64 activations provably
        equal the exact ones on every point.

    Examples
    --------
    A clamped step ``1 - ReLU(1 - ReLU(s - 1))`` (a step at 2) on ``s = x / 3 + 1``: the
    first layer rounds, and the clamp makes the rest exact.

    >>> net = Network([AffineLayer.from_rationals([[Fraction(1, 3)]], [1]),
    ...                AffineLayer.from_dense([[1]], [-1]),
    ...                AffineLayer.from_dense([[-1]], [1]),
    ...                AffineLayer.from_dense([[-7]], [7])])
    >>> cert = certify_float64(net, [[-0.9], [4.5]], [0, 7])
    >>> cert["certified"], cert["exact"], cert["exact_layers"], cert["max_error"]
    (True, 2, [2, 3], 0.0)
    """
    x = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y).reshape(-1)
    if x.ndim != 2 or x.shape[1] != net.input_dim:
        raise DataError(f"inputs of shape {x.shape} do not fit a network with {net.input_dim} inputs")
    if len(labels) != x.shape[0] or net.output_dim != 1:
        raise DataError(
            f"need one label per point and one output; got {len(labels)} labels for {x.shape[0]} points "
            f"and {net.output_dim} outputs"
        )
    e = exact_inputs(x)
    h, den = _obj(e.nums), _obj(e.dens)
    radius: np.ndarray | None = None  # float64 activations are within radius / R of h / den
    R = np.ones(x.shape[0], dtype=object)
    exact_layers = []
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        w_dense, b_list, _ = layer.to_dense()
        w = np.array(w_dense, dtype=object).reshape(layer.n_out, layer.n_in)
        z = h.dot(w.T) + np.array(b_list, dtype=object)[None, :] * den[:, None]  # exact, over D
        D = den * layer.denom
        if radius is None:
            _, err, g = layer_error_bounds(layer, h, den)
        else:
            _, err, g = layer_error_bounds(layer, h * R[:, None], den * R, radius * den[:, None])
        exact = _exact_units(layer, h, den, radius, *_weights_exact(layer))
        err = np.where(exact, 0, err)
        R = _fine_denominators(err, g)
        err = -((-err * R[:, None]) // g[:, None])  # rounded up, over R
        if i < last:
            h = np.where(z > 0, z, 0)
            err = np.where(z * R[:, None] + err * D[:, None] <= 0, 0, err)  # ReLU of a sure non-positive
            radius, den = err, D
        if not err.any():
            exact_layers.append(i)
    target = _obj(labels)[:, None] * D[:, None]
    miss = np.abs(z - target)
    exact_ok = ((err == 0) & (miss == 0))[:, 0]
    rounded_ok = (2 * (miss * R[:, None] + err * D[:, None]) < (D * R)[:, None])[:, 0]
    bounds = _ratio(err[:, 0], R)
    return {
        "scope": "every IEEE 754 float64 evaluation, any summation order, with or without fused multiply-add",
        "points": int(x.shape[0]),
        "certified": bool(rounded_ok.all()),
        "exact": int(exact_ok.sum()),
        "rounded": int(rounded_ok.sum()),
        "exact_layers": exact_layers,
        "max_error": float(bounds.max()) if bounds.size else 0.0,
        "first_failing": np.flatnonzero(~rounded_ok)[:10].tolist(),
    }
