"""Saving and loading exact networks, losslessly.

Two formats, chosen by the file's suffix:

- ``.json``: the interchange format of ``docs/format.md``. Layers are sparse
  ``[row, col, "numerator"]`` triplets, biases and a denominator, every weight,
  bias and denominator written as a decimal string. Readable by any program.
- ``.npz``: numpy's archive, for speed. Integers that fit in 62 bits are stored
  as int64 arrays; larger ones as sign, byte-length and little-endian
  magnitude-byte arrays, so nothing is rounded.

Both writers go through :func:`proofs.files.atomic_write`; both readers validate
and raise :class:`~proofs.errors.FormatError` naming what is wrong.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import gmpy2
import numpy as np

from proofs.errors import FormatError, NetworkError
from proofs.files import atomic_write
from proofs.network import AffineLayer, Network, int_array

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "save_network",
    "load_network",
    "network_to_json",
    "network_from_json",
    "network_json_text",
    "int_to_decimal",
    "int_from_decimal",
]

FORMAT_NAME = "memcap-network"
FORMAT_VERSION = 1

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_SMALL = 1 << 62


# -- decimal strings (no limit on the number of digits) ----------------------------
def int_to_decimal(value: Any) -> str:
    """An integer as a decimal string, however many digits it has.

    >>> int_to_decimal(-(10**5000)) == "-1" + "0" * 5000
    True
    """
    return str(gmpy2.mpz(int(value)).digits(10))


def int_from_decimal(text: Any, where: str = "value") -> int:
    """Parse a strict decimal integer string (``-?(0|[1-9][0-9]*)``), any length.

    >>> int_from_decimal("-120")
    -120
    >>> int_from_decimal("1e3", "bias[0]")
    Traceback (most recent call last):
    ...
    proofs.errors.FormatError: bias[0]: expected an integer written as a decimal string like "-12", got '1e3'
    """
    if not isinstance(text, str) or not _DECIMAL.match(text):
        raise FormatError(
            f"{where}: expected an integer written as a decimal string like \"-12\", got {text!r}"
        )
    return int(gmpy2.mpz(text))


# -- JSON ----------------------------------------------------------------------------
def _meta_text(net: Network) -> str:
    try:
        return json.dumps(net.meta)
    except (TypeError, ValueError) as err:
        raise FormatError(f"network meta is not JSON-serializable ({err}); store plain values") from None


def network_to_json(net: Network) -> dict[str, Any]:
    """The network as a JSON-ready dict in the interchange format (``docs/format.md``).

    Examples
    --------
    >>> net = Network([AffineLayer.from_dense([[1, -2]], [3], denom=4)])
    >>> obj = network_to_json(net)
    >>> obj["layers"][0]["weights"], obj["layers"][0]["bias"], obj["layers"][0]["denominator"]
    ([[0, 0, '1'], [0, 1, '-2']], ['3'], '4')
    """
    meta = json.loads(_meta_text(net))
    layers = []
    for layer in net.layers:
        rows, cols = layer.rows.tolist(), layer.cols.tolist()
        layers.append(
            {
                "n_out": layer.n_out,
                "n_in": layer.n_in,
                "denominator": int_to_decimal(layer.denom),
                "weights": [
                    [r, c, int_to_decimal(v)] for r, c, v in zip(rows, cols, layer.nums, strict=True)
                ],
                "bias": [int_to_decimal(v) for v in layer.bias],
            }
        )
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "input_dim": net.input_dim,
        "output_dim": net.output_dim,
        "meta": meta,
        "layers": layers,
    }


def network_json_text(net: Network) -> str:
    """The interchange file's text: one key per line, one weight triplet per line.

    Examples
    --------
    >>> print(network_json_text(Network([AffineLayer.from_dense([[1, -2]], [3], denom=4)])))
    {
     "format": "memcap-network",
     "version": 1,
     "input_dim": 2,
     "output_dim": 1,
     "meta": {},
     "layers": [
      {
       "n_out": 1,
       "n_in": 2,
       "denominator": "4",
       "weights": [
        [0, 0, "1"],
        [0, 1, "-2"]
       ],
       "bias": ["3"]
      }
     ]
    }
    """
    obj = network_to_json(net)
    dump = json.dumps
    head = [f' {dump(k)}: {dump(v, ensure_ascii=False)},' for k, v in obj.items() if k != "layers"]
    layers = []
    for layer in obj["layers"]:
        trip = ",\n".join(f"    {dump(t)}" for t in layer["weights"])
        layers.append(
            "  {\n"
            f'   "n_out": {layer["n_out"]},\n'
            f'   "n_in": {layer["n_in"]},\n'
            f'   "denominator": {dump(layer["denominator"])},\n'
            + (f'   "weights": [\n{trip}\n   ],\n' if trip else '   "weights": [],\n')
            + f'   "bias": {dump(layer["bias"])}\n'
            "  }"
        )
    return "{\n" + "\n".join(head) + '\n "layers": [\n' + ",\n".join(layers) + "\n ]\n}"


def _require(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise FormatError(f"{where}: missing key {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise FormatError(f"{where}: key {key!r} must be of type {names}, got {value!r:.60}")
    return value


def _layer_from_json(obj: Any, i: int) -> AffineLayer:
    where = f"layer {i}"
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: expected an object, got {type(obj).__name__}")
    n_out = _require(obj, "n_out", int, where)
    n_in = _require(obj, "n_in", int, where)
    if n_out < 1 or n_in < 1:
        raise FormatError(f"{where}: n_out and n_in must be positive, got {n_out} and {n_in}")
    denom = int_from_decimal(_require(obj, "denominator", str, where), f"{where} denominator")
    if denom < 1:
        raise FormatError(f"{where}: the denominator must be a positive integer, got {denom}")
    bias_raw = _require(obj, "bias", list, where)
    if len(bias_raw) != n_out:
        raise FormatError(f"{where}: bias has {len(bias_raw)} entries but n_out is {n_out}")
    bias = [int_from_decimal(v, f"{where} bias[{j}]") for j, v in enumerate(bias_raw)]
    seen: set[tuple[int, int]] = set()
    trip = []
    for k, t in enumerate(_require(obj, "weights", list, where)):
        at = f"{where} weights[{k}]"
        if not isinstance(t, list) or len(t) != 3:
            raise FormatError(f"{at}: expected a triplet [row, col, \"numerator\"], got {t!r:.60}")
        r, c, v = t
        if not (isinstance(r, int) and isinstance(c, int)) or isinstance(r, bool) or isinstance(c, bool):
            raise FormatError(f"{at}: row and col must be integers, got {r!r} and {c!r}")
        if not (0 <= r < n_out and 0 <= c < n_in):
            raise FormatError(f"{at}: index ({r}, {c}) is outside the {n_out}x{n_in} weight matrix")
        if (r, c) in seen:
            raise FormatError(f"{at}: entry ({r}, {c}) appears twice; write each entry once")
        seen.add((r, c))
        trip.append((r, c, int_from_decimal(v, at)))
    return AffineLayer.from_triplets(n_out, n_in, trip, bias, denom)


def network_from_json(obj: Any) -> Network:
    """Rebuild a network from the interchange format, validating every field.

    Raises
    ------
    FormatError
        Naming the missing key, wrong version, bad integer string or shape mismatch.

    Examples
    --------
    >>> net = Network([AffineLayer.from_dense([[1], [-1]], [0, 0]), AffineLayer.from_dense([[1, 1]], [0])])
    >>> network_from_json(network_to_json(net)).same_as(net)
    True
    >>> network_from_json({"format": "memcap-network", "version": 7})
    Traceback (most recent call last):
    ...
    proofs.errors.FormatError: unsupported version 7 of memcap-network; this memcap reads version 1
    """
    if not isinstance(obj, dict):
        raise FormatError(f"expected a JSON object at the top level, got {type(obj).__name__}")
    fmt = obj.get("format")
    if fmt != FORMAT_NAME:
        raise FormatError(f"key 'format' must be {FORMAT_NAME!r}, got {fmt!r}; is this a memcap network?")
    version = obj.get("version")
    if version != FORMAT_VERSION:
        raise FormatError(
            f"unsupported version {version!r} of {FORMAT_NAME}; this memcap reads version {FORMAT_VERSION}"
        )
    raw_layers = _require(obj, "layers", list, "network")
    if not raw_layers:
        raise FormatError("network: 'layers' is empty; a network needs at least its output layer")
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise FormatError(f"network: 'meta' must be an object, got {type(meta).__name__}")
    layers = [_layer_from_json(layer, i) for i, layer in enumerate(raw_layers)]
    for i in range(1, len(layers)):
        if layers[i].n_in != layers[i - 1].n_out:
            raise FormatError(
                f"layer {i} has n_in {layers[i].n_in} but layer {i - 1} has n_out {layers[i - 1].n_out}"
            )
    for key, value in (("input_dim", layers[0].n_in), ("output_dim", layers[-1].n_out)):
        if key in obj and obj[key] != value:
            raise FormatError(f"network: {key} is {obj[key]!r} but the layers give {value}")
    return Network(layers, meta=meta)


# -- npz -----------------------------------------------------------------------------
def _pack(prefix: str, values: Any, out: dict[str, np.ndarray]) -> None:
    ints = [int(v) for v in values]
    if all(-_SMALL < v < _SMALL for v in ints):
        out[prefix] = np.array(ints, dtype=np.int64)
        return
    mags = [abs(v).to_bytes((abs(v).bit_length() + 7) // 8, "little") for v in ints]
    out[prefix + ".sign"] = np.array([v < 0 for v in ints], dtype=bool)
    out[prefix + ".len"] = np.array([len(m) for m in mags], dtype=np.int64)
    out[prefix + ".bytes"] = np.frombuffer(b"".join(mags), dtype=np.uint8)


def _unpack(prefix: str, data: Any) -> list[int]:
    if prefix in data:
        return [int(v) for v in data[prefix]]
    try:
        sign, lens, raw = data[prefix + ".sign"], data[prefix + ".len"], data[prefix + ".bytes"].tobytes()
    except KeyError:
        raise FormatError(f"npz: missing array {prefix!r}") from None
    if len(sign) != len(lens) or int(lens.sum()) != len(raw) or (lens < 0).any():
        raise FormatError(f"npz: arrays of {prefix!r} have inconsistent lengths")
    ends = np.cumsum(lens).tolist()
    starts = [0, *ends[:-1]]
    return [
        -int.from_bytes(raw[a:b], "little") if s else int.from_bytes(raw[a:b], "little")
        for a, b, s in zip(starts, ends, sign.tolist(), strict=True)
    ]


def _save_npz(net: Network, path: Path) -> None:
    meta = _meta_text(net)
    out: dict[str, np.ndarray] = {
        "format": np.array(FORMAT_NAME),
        "version": np.array(FORMAT_VERSION),
        "meta": np.array(meta),
        "n_layers": np.array(len(net.layers)),
    }
    for i, layer in enumerate(net.layers):
        out[f"L{i}.shape"] = np.array([layer.n_out, layer.n_in], dtype=np.int64)
        out[f"L{i}.rows"] = layer.rows.astype(np.int64)
        out[f"L{i}.cols"] = layer.cols.astype(np.int64)
        _pack(f"L{i}.nums", layer.nums, out)
        _pack(f"L{i}.bias", layer.bias, out)
        _pack(f"L{i}.denom", [layer.denom], out)
    with atomic_write(path, "wb") as handle:
        np.savez(handle, **out)  # type: ignore[arg-type]


def _load_npz(path: Path) -> Network:
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise FormatError(f"{path}: not a readable .npz archive ({err})") from None
    with data:
        try:
            fmt = str(data["format"])
            version = int(data["version"])
            n_layers = int(data["n_layers"])
            meta = json.loads(str(data["meta"]))
        except (KeyError, ValueError, TypeError) as err:
            raise FormatError(
                f"{path}: missing or bad header array ({err}); was it written by memcap?"
            ) from None
        if fmt != FORMAT_NAME:
            raise FormatError(f"{path}: format is {fmt!r}, expected {FORMAT_NAME!r}")
        if version != FORMAT_VERSION:
            raise FormatError(
                f"{path}: unsupported version {version} of {FORMAT_NAME}; this memcap reads {FORMAT_VERSION}"
            )
        layers = []
        for i in range(n_layers):
            try:
                n_out, n_in = (int(v) for v in data[f"L{i}.shape"])
                rows, cols = data[f"L{i}.rows"], data[f"L{i}.cols"]
            except (KeyError, ValueError) as err:
                raise FormatError(f"{path}: layer {i}: missing or bad array ({err})") from None
            nums = _unpack(f"L{i}.nums", data)
            bias = _unpack(f"L{i}.bias", data)
            denom = _unpack(f"L{i}.denom", data)
            if len(denom) != 1:
                raise FormatError(f"{path}: layer {i}: expected one denominator, got {len(denom)}")
            try:
                layer = AffineLayer(
                    n_out, n_in, rows.astype(np.int64), cols.astype(np.int64),
                    int_array(nums), int_array(bias), denom[0],
                )
            except (NetworkError, TypeError, ValueError) as err:
                raise FormatError(f"{path}: layer {i}: {err}") from None
            layers.append(layer)
    try:
        return Network(layers, meta=meta)
    except NetworkError as err:
        raise FormatError(f"{path}: {err}") from None


# -- by suffix -------------------------------------------------------------------------
def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".npz"):
        raise FormatError(f"{path}: unknown network file suffix {path.suffix!r}; use .json or .npz")
    return suffix


def save_network(net: Network, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` to ``path`` (``.json`` or ``.npz``) atomically; return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> net = Network([AffineLayer.from_dense([[2**100, -1]], [7], denom=2**80)], meta={"seed": 1})
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> all(load_network(save_network(net, d / f"n.{s}")).same_as(net) for s in ("json", "npz"))
    True
    """
    target = Path(path)
    if _suffix(target) == ".json":
        text = network_json_text(net)
        with atomic_write(target, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        _save_npz(net, target)
    return target


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :func:`save_network` (or any writer of the JSON format).

    Raises
    ------
    FormatError
        When the file is missing, is not valid JSON or npz, or breaks the format.
    """
    source = Path(path)
    suffix = _suffix(source)
    if not source.is_file():
        raise FormatError(f"{source}: no such file")
    if suffix == ".npz":
        return _load_npz(source)
    try:
        obj = json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(f"{source}: not valid JSON ({err})") from None
    try:
        return network_from_json(obj)
    except FormatError as err:
        raise FormatError(f"{source}: {err}") from None
