"""Certificates: a JSON record of an exact verification that anyone can re-check.

A certificate names the network file and the data file by their SHA-256
digests, states the network's sizes and bits, the arithmetic backend, how many
points were checked and matched, the verdict, memcap's version and the time,
and carries the network's metadata (the construction's report, for networks
memcap built).
:func:`check_certificate` re-checks everything from the files alone: it
recomputes both digests, reloads the network, re-evaluates every point exactly
and compares each claim with what it finds.

The format is described in ``docs/reference/certificate.md``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from proofs import __version__
from proofs.errors import FormatError, VerificationError
from proofs.files import atomic_write, sha256_file
from proofs.network import Network
from proofs.verify import Verification, verify

__all__ = [
    "CERTIFICATE_FORMAT",
    "CERTIFICATE_VERSION",
    "make_certificate",
    "write_certificate",
    "read_certificate",
    "CertificateCheck",
    "check_certificate",
    "save_verified",
    "data_digest",
]

CERTIFICATE_FORMAT = "memcap-certificate"
CERTIFICATE_VERSION = 1

# network sizes a certificate states; each is compared on re-checking
_SIZE_KEYS = ("input_dim", "depth", "width", "widths", "params", "nonzeros", "max_bits", "total_bits")


def data_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a data file; for a built-in data set (``digits``), of its arrays.

    A built-in set's digest covers the bytes of ``X`` (float64) then ``y``
    (int64), so a changed installation is caught as a changed file would be.
    """
    if Path(path).is_file():
        return sha256_file(path)
    from proofs.data import load_dataset

    ds = load_dataset(path)
    digest = hashlib.sha256(np.ascontiguousarray(ds.X, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(ds.y, dtype=np.int64).tobytes())
    return digest.hexdigest()


def make_certificate(
    verification: Verification,
    net: Network,
    net_path: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    *,
    labels: Any = None,
    float64: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The certificate of a finished verification, as a JSON-ready dict.

    Parameters
    ----------
    verification : Verification
        The result of :func:`proofs.verify.verify` on this network and data.
    net : Network
        The network that was verified (its sizes and metadata are recorded).
    net_path, data_path : path
        The files holding the network and the data; their digests are recorded.
    labels : array_like of int, optional
        The labels, to record the number of classes.
    float64 : dict, optional
        The float64 certificate of a float64-safe network
        (:func:`proofs.float_certify.certify_float64_clamped`), recorded as ``"float64"``.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from proofs.io import save_network
    >>> from proofs.network import AffineLayer, Network
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]),
    ...                AffineLayer.from_dense([[4, 4]], [0])])      # 4 |x|
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> X, y = np.array([[-0.5], [0.75]]), np.array([2, 3])
    >>> np.savez(d / "data.npz", X=X, y=y)
    >>> _ = save_network(net, d / "net.json")
    >>> cert = make_certificate(verify(net, X, y), net, d / "net.json", d / "data.npz")
    >>> cert["verification"]["verdict"], cert["network"]["width"]
    ('memorized', 2)
    >>> check_certificate(cert, d / "net.json", d / "data.npz").ok
    True
    """
    classes = None if labels is None else len({int(v) for v in labels})
    cert = {
        "format": CERTIFICATE_FORMAT,
        "version": CERTIFICATE_VERSION,
        "memcap_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {
            "file": Path(data_path).name,
            "sha256": data_digest(data_path),
            "points": verification.checked,
            "classes": classes,
        },
        "network": {
            "file": Path(net_path).name,
            "sha256": sha256_file(net_path),
            **{k: v for k, v in net.sizes().items() if k in _SIZE_KEYS},
        },
        "verification": verification.to_json(),
        "construction": net.meta or None,
    }
    if float64 is not None:
        cert["float64"] = float64
    return cert


def write_certificate(cert: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a certificate as indented JSON, atomically."""
    target = Path(path)
    with atomic_write(target) as handle:
        json.dump(cert, handle, indent=2)
        handle.write("\n")
    return target


def read_certificate(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a certificate file.

    Raises
    ------
    FormatError
        If the file is missing, not JSON, or lacks a field a certificate needs.
    """
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise FormatError(f"cannot read certificate {str(path)!r}: {err.strerror}") from None
    try:
        cert = json.loads(text)
    except json.JSONDecodeError as err:
        raise FormatError(
            f"certificate {str(path)!r} is not JSON ({err.msg} at line {err.lineno})"
        ) from None
    if not isinstance(cert, dict) or cert.get("format") != CERTIFICATE_FORMAT:
        raise FormatError(
            f'{str(path)!r} is not a memcap certificate (no "format": "{CERTIFICATE_FORMAT}")'
        )
    if cert.get("version") != CERTIFICATE_VERSION:
        raise FormatError(
            f"certificate {str(path)!r} has version {cert.get('version')!r}; "
            f"this memcap reads version {CERTIFICATE_VERSION}"
        )
    for part, keys in (
        ("data", ("sha256", "points")),
        ("network", ("sha256", *_SIZE_KEYS)),
        ("verification", ("verdict", "checked", "matched")),
    ):
        section = cert.get(part)
        if not isinstance(section, dict):
            raise FormatError(f"certificate {str(path)!r} has no {part!r} section")
        missing = [k for k in keys if k not in section]
        if missing:
            raise FormatError(f"certificate {str(path)!r}: section {part!r} lacks {missing}")
    return cert


@dataclass(frozen=True)
class CertificateCheck:
    """The outcome of re-checking a certificate against the files.

    Attributes
    ----------
    verification : Verification
        The fresh exact verification.
    mismatches : tuple of str
        Each claim of the certificate that the files contradict, in words.
    """

    verification: Verification
    mismatches: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the network memorizes the data and every claim holds."""
        return self.verification.memorized and not self.mismatches

    def raise_for_failure(self) -> None:
        """Raise :class:`~proofs.errors.VerificationError` naming the first problem."""
        if self.mismatches:
            raise VerificationError(f"certificate does not match: {self.mismatches[0]}")
        if not self.verification.memorized:
            raise VerificationError(self.verification.summary())


def check_certificate(
    cert: dict[str, Any],
    net_path: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    *,
    backend: str = "auto",
    rescale: bool = False,
) -> CertificateCheck:
    """Re-check a certificate from the network and data files alone.

    Recomputes both SHA-256 digests, loads the files, re-evaluates every point
    exactly and compares the certificate's sizes, counts and verdict with what
    it finds. ``rescale`` is passed to :func:`proofs.data.load_dataset`. See
    :func:`make_certificate` for an example.
    """
    from proofs.data import load_dataset
    from proofs.io import load_network

    mismatches: list[str] = []
    for part, path in (("data", data_path), ("network", net_path)):
        actual = data_digest(path) if part == "data" else sha256_file(path)
        claimed = cert[part]["sha256"]
        if actual != claimed:
            mismatches.append(
                f"SHA-256 of the {part} file {str(path)!r} is {actual[:16]}..., "
                f"the certificate states {str(claimed)[:16]}...; the file was changed or is another one"
            )
    net = load_network(net_path)
    data = load_dataset(data_path, rescale=rescale)
    result = verify(net, data.X, data.y, backend=backend)
    sizes = net.sizes()
    for key in _SIZE_KEYS:
        if cert["network"][key] != sizes[key]:
            mismatches.append(
                f"network {key} is {sizes[key]}, the certificate states {cert['network'][key]}"
            )
    claims = cert["verification"]
    for key, actual_value in (
        ("checked", result.checked),
        ("matched", result.matched),
        ("verdict", result.verdict),
    ):
        if claims[key] != actual_value:
            mismatches.append(f"{key} is {actual_value!r}, the certificate states {claims[key]!r}")
    if "float64" in cert:
        from proofs.float_certify import certify_float64_clamped

        again = certify_float64_clamped(net, data.X)["certified"]
        if cert["float64"]["certified"] != again:
            claimed = cert["float64"]["certified"]
            mismatches.append(f"float64 certified is {again}, the certificate states {claimed}")
    return CertificateCheck(result, tuple(mismatches))


def save_verified(
    net: Network,
    verification: Verification,
    net_path: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    cert_path: str | os.PathLike[str] | None = None,
    *,
    labels: Any = None,
    float64: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a verified network and, optionally, its certificate: both or neither.

    The network goes to a temporary file next to ``net_path`` first; its digest
    goes into the certificate, which is written atomically; only then is the
    network renamed into place. Returns the certificate (written or not).

    Raises
    ------
    VerificationError
        If ``verification`` does not say the network memorizes its data.
    """
    from proofs.io import save_network

    if not verification.memorized:
        raise VerificationError(f"refusing to save an unverified network: {verification.summary()}")
    target = Path(net_path)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.part{target.suffix}")
    try:
        save_network(net, tmp)
        cert = make_certificate(verification, net, tmp, data_path, labels=labels, float64=float64)
        cert["network"]["file"] = target.name
        if cert_path is not None:
            write_certificate(cert, cert_path)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return cert
