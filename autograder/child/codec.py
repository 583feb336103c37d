"""Plain-data encoding of values between the grader and the sandboxed child.

Only JSON and `.npy` bytes (read with ``allow_pickle=False``) ever cross the
process boundary. Both sides import this module; it depends on the standard
library and NumPy alone, so the child can carry a copy of it.

Frames: an ASCII decimal length, a newline, then that many bytes of UTF-8 JSON.
"""
from __future__ import annotations

import base64
import io
import json
import math
import os

import numpy as np

MAX_FRAME_BYTES = 64 * 1024 * 1024


class FrameError(Exception):
    """A frame was malformed, too large, or the pipe closed mid-frame."""


def encode_array(array) -> dict:
    """An array as ``{"__npy__": base64}`` (plus its weak_type flag when it has one)."""
    arr = np.asarray(array)
    if arr.dtype == object:
        raise TypeError("object arrays cannot cross the sandbox boundary")
    extension_dtype = None
    if arr.dtype.kind == "V" or arr.dtype.name not in np.sctypeDict:
        # bfloat16 and friends (ml_dtypes) have no .npy form: send their bits.
        extension_dtype = arr.dtype.name
        arr = arr.view(f"uint{arr.dtype.itemsize * 8}")
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=False)
    out = {"__npy__": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if extension_dtype is not None:
        out["dtype"] = extension_dtype
    weak = getattr(array, "weak_type", None)
    if weak is not None:
        out["weak_type"] = bool(weak)
    return out


def decode_array(payload: dict) -> np.ndarray:
    raw = base64.b64decode(payload["__npy__"].encode("ascii"), validate=True)
    arr = np.load(io.BytesIO(raw), allow_pickle=False)
    name = payload.get("dtype")
    if name is not None:
        import ml_dtypes  # installed with jax; only needed for extension dtypes

        if name not in _EXTENSION_DTYPES:
            raise ValueError(f"unsupported extension dtype {name!r}")
        arr = arr.view(getattr(ml_dtypes, name))
    return arr


_EXTENSION_DTYPES = ("bfloat16", "float8_e4m3fn", "float8_e5m2", "int4", "uint4")


def _is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def encode_value(value, *, depth: int = 0):
    """Encode a return value generically (arrays, containers, scalars, strings)."""
    if depth > 64:
        return {"__repr__": "<nested too deeply>", "__type__": type(value).__name__}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"__repr__": str(value), "__type__": "int"}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if _is_namedtuple(value):
        fields = {name: encode_value(getattr(value, name), depth=depth + 1) for name in value._fields}
        return {"__namedtuple__": type(value).__name__, "fields": fields}
    if isinstance(value, (list, tuple)):
        items = [encode_value(v, depth=depth + 1) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        return {"__dict__": [[encode_value(k, depth=depth + 1), encode_value(v, depth=depth + 1)]
                             for k, v in value.items()]}
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        try:
            return encode_array(value)
        except Exception as exc:  # e.g. a typed PRNG key array
            return {"__repr__": f"<array that could not be encoded: {exc}>"[:300], "__type__": type(value).__name__}
    if isinstance(value, (np.generic,)):
        return encode_array(value)
    return {"__repr__": repr(value)[:300] if _safe_repr(value) else "<unprintable>", "__type__": type(value).__name__}


def _safe_repr(value) -> bool:
    try:
        repr(value)
        return True
    except Exception:
        return False


def decode_value(value):
    """Inverse of :func:`encode_value`; NamedTuples come back as :class:`Record`."""
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__npy__" in value:
        return decode_array(value)
    if "__tuple__" in value:
        return tuple(decode_value(v) for v in value["__tuple__"])
    if "__namedtuple__" in value:
        return Record(str(value["__namedtuple__"]), {str(k): decode_value(v) for k, v in value["fields"].items()})
    if "__dict__" in value:
        return {_hashable(decode_value(k)): decode_value(v) for k, v in value["__dict__"]}
    if "__float__" in value:
        return float(value["__float__"])
    if "__repr__" in value:
        return Opaque(str(value.get("__type__", "?")), str(value["__repr__"]))
    return {k: decode_value(v) for k, v in value.items()}


def _hashable(key):
    return key if isinstance(key, (str, int, float, bool, type(None), tuple)) else repr(key)


class Record(dict):
    """A decoded NamedTuple: its class name plus its fields, in order."""

    def __init__(self, type_name: str, fields: dict):
        super().__init__(fields)
        self.type_name = type_name

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


class Opaque:
    """A value the child could not encode as data; only its type and repr survive."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


def write_frame(fd: int, message: dict) -> None:
    body = json.dumps(message, allow_nan=False).encode("utf-8")
    data = str(len(body)).encode("ascii") + b"\n" + body
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_frame(read_chunk, *, limit: int = MAX_FRAME_BYTES) -> dict:
    """Read one frame using ``read_chunk(n) -> bytes`` (b"" at end of stream)."""
    header = b""
    while not header.endswith(b"\n"):
        byte = read_chunk(1)
        if not byte:
            raise FrameError("the pipe closed before a frame arrived")
        header += byte
        if len(header) > 20:
            raise FrameError("malformed frame header")
    try:
        size = int(header)
    except ValueError as exc:
        raise FrameError("malformed frame header") from exc
    if not 0 <= size <= limit:
        raise FrameError(f"frame of {size} bytes exceeds the {limit}-byte limit")
    chunks, remaining = [], size
    while remaining:
        chunk = read_chunk(min(remaining, 1 << 20))
        if not chunk:
            raise FrameError("the pipe closed mid-frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    try:
        message = json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameError(f"frame is not valid JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise FrameError("frame is not a JSON object")
    return message
