"""The plain-data codec between grader and child."""
from __future__ import annotations

import os

import ml_dtypes
import numpy as np
import pytest

from autograder.child import codec


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "int32", "bool"])
def test_arrays_round_trip_with_their_dtype(dtype):
    array = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    back = codec.decode_value(codec.encode_value(array))
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, array)


def test_bfloat16_travels_as_bits():
    array = np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)
    back = codec.decode_value(codec.encode_value(array))
    assert back.dtype == np.dtype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(back.astype(np.float32), [1.5, -2.0])


def test_containers_and_namedtuples():
    from typing import NamedTuple

    class State(NamedTuple):
        x: np.ndarray
        v: float

    value = {"a": [1, 2.5, None, "s"], "b": (True, State(np.zeros(2), float("inf")))}
    back = codec.decode_value(codec.encode_value(value))
    assert back["a"] == [1, 2.5, None, "s"]
    record = back["b"][1]
    assert record.type_name == "State" and record.v == float("inf")
    np.testing.assert_array_equal(record.x, np.zeros(2))


def test_object_arrays_and_unknown_objects_become_opaque():
    back = codec.decode_value(codec.encode_value(np.array([object()], dtype=object)))
    assert isinstance(back, codec.Opaque)
    assert isinstance(codec.decode_value(codec.encode_value(object())), codec.Opaque)


def test_pickled_npy_is_refused():
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    payload = {"__npy__": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(ValueError):
        codec.decode_value(payload)


def _pipe_with(data: bytes):
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    return lambda n: os.read(r, n)


def test_frames_round_trip_and_reject_garbage():
    r, w = os.pipe()
    codec.write_frame(w, {"ok": True, "value": [1, 2]})
    os.close(w)
    assert codec.read_frame(lambda n: os.read(r, n)) == {"ok": True, "value": [1, 2]}
    for bad in (b"", b"12\n{}", b"abc\n{}", b"99999999999999999999999\n", b"2\n[]", b"3\n\xff\xfe\xfd"):
        with pytest.raises(codec.FrameError):
            codec.read_frame(_pipe_with(bad))
    with pytest.raises(codec.FrameError):
        codec.read_frame(_pipe_with(b"100\n" + b" " * 100), limit=10)
