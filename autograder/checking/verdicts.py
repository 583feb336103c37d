"""How a check ends: the verdicts and the comparisons that raise them.

A leaf of the framework: it imports only the shipped message builders, so
every other framework module (``framework``, ``evidence``, ``tolerances``, the
property helpers) can import it without importing one another.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..shipped import feedback


class Fail(Exception):
    """The check failed; ``message`` says what was expected, seen, and how to fix it."""


@dataclass(frozen=True)
class Partial:
    """A check that earns part of its points."""

    fraction: float
    message: str


class NotShown(Fail):
    """A gate's verdict: the function it guards does not (yet) compute the assignment's quantity.

    ``problem`` is a short phrase completing "<subject> ...", e.g. "does not move the
    particles"; the message (``str``) holds what was expected and seen.
    """

    def __init__(self, problem: str, detail: str):
        super().__init__(detail)
        self.problem = problem


class Gated(Fail):
    """A property check withheld its points because a gate it depends on is closed."""


def require_close(seen, expected, *, what: str, tolerance: float, fix: str = "") -> None:
    message = feedback.compare_arrays(seen, expected, what=what, tolerance=tolerance, fix=fix)
    if message is not None:
        raise Fail(message)


def require_dtype(seen, *, expected: str, what: str) -> None:
    dtype = str(getattr(seen, "dtype", type(seen).__name__))
    if dtype != expected:
        raise Fail(feedback.describe_dtype_mismatch(what=what, expected=expected, seen=dtype))


def as_float_array(value, *, what: str) -> np.ndarray:
    """Re-cast child data to float64 in the parent; a non-numeric reply fails the check."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Fail(f"{what}: expected a numeric array, got {type(value).__name__} ({value!r:.200}).") from None


def draw_examples(strategy, *, count: int, seed: int) -> list:
    """A deterministic list of examples from a hypothesis strategy (no shrinking)."""
    import hypothesis
    from hypothesis import HealthCheck, Phase

    examples: list = []

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
        derandomize=False,
    )
    @hypothesis.given(strategy)
    def collect(example):
        examples.append(example)

    collect()
    return examples[:count]


__all__ = ["Fail", "Gated", "NotShown", "Partial", "as_float_array", "draw_examples", "require_close", "require_dtype"]
