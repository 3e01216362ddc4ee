"""Small hand-built memorizing networks, independent of memcap's construction.

``interpolating_network`` projects on a direction ``v`` (one first-layer unit
``s = ReLU(v.x + c)``), then interpolates the labels linearly between the
sorted projections with one unit ``ReLU(s - s_k)`` per point. It is exact by
construction, so tests of the verifier and the certificates can run on it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from proofs.exact import exact_inputs
from proofs.network import AffineLayer, Network


def interpolating_network(X: np.ndarray, y: np.ndarray, seed: int = 0) -> Network:
    """A depth-2 network with ``f(x_i) = y_i`` exactly (points with one label per location)."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    v = [Fraction(int(k), 64) for k in rng.integers(-64, 65, size=d)]
    if not any(v):
        v[0] = Fraction(1)
    rows = exact_inputs(X).as_fractions()
    proj = [sum((a * b for a, b in zip(v, row, strict=True)), Fraction(0)) for row in rows]
    c = -min(proj) + 1
    s = {}
    for p, lab in zip(proj, y.tolist(), strict=True):
        s.setdefault(p + c, int(lab))
    knots = sorted(s)
    if len(knots) != len({tuple(r) for r in X.tolist()}):
        raise ValueError("two distinct points project to one value; use another seed")
    first = AffineLayer.from_rationals([v], [c])
    slopes = [Fraction(s[b] - s[a]) / (b - a) for a, b in zip(knots, knots[1:], strict=False)] or [
        Fraction(0)
    ]
    hidden = AffineLayer.from_rationals([[Fraction(1)] for _ in knots], [-t for t in knots])
    coef = [slopes[0]] + [slopes[k] - slopes[k - 1] for k in range(1, len(slopes))]
    coef += [Fraction(0)] * (len(knots) - len(coef))
    out = AffineLayer.from_rationals([coef], [s[knots[0]]])
    return Network([first, hidden, out], meta={"construction": "interpolation (tests)"})
