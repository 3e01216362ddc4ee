"""Arithmetic backends for exact evaluation, behind one interface.

Every backend computes the same exact semantics (see :mod:`proofs.network`):
activations are integer numerators over a positive per-row denominator;
layer ``l`` maps ``(a, D)`` to ``(W_l a + b_l D, q_l D)``, then ReLU on the
numerators. Backends differ only in how the integers are held.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proofs.backends import python as _python
from proofs.errors import MemcapError
from proofs.exact import ExactInputs, ExactOutputs, exact_inputs

if TYPE_CHECKING:
    from proofs.network import Network

__all__ = ["BACKENDS", "available_backends", "choose_backend", "evaluate"]

# name -> module with `available() -> bool`, `evaluate(net, ExactInputs) -> (nums, dens)`
BACKENDS: dict[str, Any] = {"python": _python}


def available_backends() -> list[str]:
    """Names of the backends usable on this machine."""
    return [name for name, mod in BACKENDS.items() if mod.available()]


def choose_backend(net: Network, inputs: ExactInputs) -> str:
    """The fastest backend that is exact for this network and these inputs."""
    return "python"


def evaluate(net: Network, inputs: Any, backend: str = "auto") -> ExactOutputs:
    """Evaluate ``net`` exactly on ``inputs`` with the named backend (or ``"auto"``)."""
    x = exact_inputs(inputs)
    if x.shape[1] != net.input_dim:
        raise MemcapError(
            f"inputs have {x.shape[1]} coordinates but the network expects {net.input_dim}"
        )
    name = choose_backend(net, x) if backend == "auto" else backend
    if name not in BACKENDS:
        raise MemcapError(f"unknown backend {name!r}; choose one of {sorted(BACKENDS)} or 'auto'")
    mod = BACKENDS[name]
    if not mod.available():
        raise MemcapError(f"backend {name!r} is not available here; available: {available_backends()}")
    nums, dens = mod.evaluate(net, x)
    return ExactOutputs(nums, dens, name)
