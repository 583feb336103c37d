"""Loose verdicts of "the same physics", the gates of the property checks.

A property check (conservation, reversibility, dtypes, compiling, program
size, finiteness) measures a function; its points count only once that
function is shown to compute the assignment's quantity. The value checks hold
it to the reference tightly; the gates here are looser on purpose, so that an
honest mistake of a whole factor or of an integrator's order still earns the
properties it does have, while a placeholder (a step that returns its input,
a potential that is not the pair potential, zero forces) earns none.

Each verdict returns '' when the gate is open, else a phrase saying why not.
"""
from __future__ import annotations

import numpy as np

from ..shipped.diagnosis import max_normalised_error_or_inf, scale_hint

MOTION_COSINE = 0.9  # direction of a change vs the reference's change
MOTION_FACTOR = 4.0  # size of a change within this factor of the reference's


def motion_mismatch(moved, expected) -> str:
    """'' when the change ``moved`` points along ``expected`` and is of its size (loosely), else why not.

    Any consistent integrator of the same equations (Euler, symplectic Euler,
    RK2, full kicks) passes over one small step; a step that returns its
    input, or moves by something other than the velocities and forces, does not.
    Shapes: any, the same for both.
    """
    moved = np.asarray(moved, dtype=np.float64).ravel()
    expected = np.asarray(expected, dtype=np.float64).ravel()
    if moved.shape != expected.shape:
        return f"has shape {moved.shape}, expected {expected.shape}"
    if not np.all(np.isfinite(moved)):
        return "holds NaN or inf"
    size_e, size_s = float(np.linalg.norm(expected)), float(np.linalg.norm(moved))
    if size_e == 0.0:
        return ""
    if size_s == 0.0:
        return f"is zero: nothing changed, where the reference's change has size {size_e:.3g}"
    cosine = float(moved @ expected) / (size_s * size_e)
    ratio = size_s / size_e
    if cosine < MOTION_COSINE or not 1 / MOTION_FACTOR <= ratio <= MOTION_FACTOR:
        return (
            f"has size {size_s:.3g} and direction cosine {cosine:.3f} with the reference's change (size "
            f"{size_e:.3g}); expected a change along the reference's, of a similar size"
        )
    return ""


def not_the_same_quantity(seen, expected, *, G: float = 1.0, tolerance: float = 1e-6) -> str:
    """'' when ``seen`` is ``expected`` up to ``tolerance`` or a whole-factor slip ``scale_hint`` names.

    For energies (scalars) and other values: a sign, a double count or a
    forgotten G is still the pair potential; any other number is not.
    """
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape:
        return f"it has shape {seen.shape}, expected {expected.shape}"
    if not np.all(np.isfinite(seen)):
        return "it holds NaN or inf"
    if max_normalised_error_or_inf(seen, expected) <= tolerance or scale_hint(seen, expected, G=G):
        return ""
    seen_text, expected_text = (np.array2string(a, precision=6) for a in (seen, expected))
    return f"it is {seen_text} where the reference gives {expected_text}"
