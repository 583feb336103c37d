"""Fixture files: reproducible ``.npz`` bytes and a numerical comparison.

``np.savez`` stamps each archive member with the current time, so the same
arrays would give different bytes on every run; ``npz_bytes`` fixes the
member order and timestamps instead. Recomputed fixtures are compared by
value, because XLA's CPU code may round the last bits differently on another
machine.
"""
from __future__ import annotations

import io
import zipfile

import numpy as np

FIXTURE_RTOL = 1e-9
"""Relative tolerance under which a recomputed fixture counts as unchanged."""

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive of ``arrays`` with fixed member order and timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def read_npz(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def fixture_difference(new: dict[str, np.ndarray], old: dict[str, np.ndarray]) -> str | None:
    """Why two fixtures differ, or None when they agree.

    Keys, shapes and dtypes must match exactly; floating values within a
    relative tolerance of ``FIXTURE_RTOL`` (scaled by the largest value, so
    entries that are rounding noise around zero do not count); everything
    else exactly.
    """
    if sorted(new) != sorted(old):
        return f"arrays {sorted(new)} instead of {sorted(old)}"
    for name in sorted(new):
        a, b = np.asarray(new[name]), np.asarray(old[name])
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"{name}: {a.dtype}{list(a.shape)} instead of {b.dtype}{list(b.shape)}"
        if np.issubdtype(a.dtype, np.inexact):
            finite = np.isfinite(b)
            scale = float(np.max(np.abs(b[finite]))) if finite.any() else 0.0
            if not np.allclose(a, b, rtol=FIXTURE_RTOL, atol=FIXTURE_RTOL * scale, equal_nan=True):
                return f"{name}: values changed beyond rtol {FIXTURE_RTOL:g}"
        elif not np.array_equal(a, b):
            return f"{name}: values changed"
    return None
