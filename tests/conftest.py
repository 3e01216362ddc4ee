"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from proofs.backends import pieces


@pytest.fixture(params=["compiled", "numpy"])
def pieces_engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test with the compiled loops of the pieces engine, then with its numpy loops."""
    kernels = pieces._kernels
    if request.param == "compiled" and kernels is None:
        why = "the compiled loops (proofs/backends/_kernels.c) are not built (no C compiler at install?)"
        if os.environ.get("MEMCAP_REQUIRE_KERNELS"):
            pytest.fail(why)
        pytest.skip(why)
    if request.param == "numpy":
        pieces._kernels = None
    try:
        yield request.param
    finally:
        pieces._kernels = kernels
