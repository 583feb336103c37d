"""Inputs shared by the public tests and the fixtures they compare against.

The numbers in ``tests/fixtures/<assignment>.npz`` were computed by the
course's reference solutions on the arrays stored in the same file, with
64-bit mode on. Whatever is not an array (an acceleration function, a log
density, a pytree) is defined here once, so the fixtures and the tests use
exactly the same thing.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

FIXTURE_DIR = Path(__file__).parent / "fixtures"

HARMONIC_K = 1.5
"""Spring constant of ``harmonic_accel`` (unit mass)."""

UNIFORM_GRAVITY = (0.0, 0.0, -9.81)
"""The constant acceleration of ``uniform_gravity_accel``."""


def load_fixture(assignment: str) -> dict[str, np.ndarray]:
    """All arrays of ``fixtures/<assignment>.npz`` as a plain dict."""
    with np.load(FIXTURE_DIR / f"{assignment}.npz", allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def harmonic_accel(x):
    """``a = -k x``: every particle on its own spring. x: (N, 3) -> (N, 3)."""
    return -HARMONIC_K * x


def uniform_gravity_accel(x):
    """A constant acceleration, for which leapfrog is exact. x: (N, 3) -> (N, 3)."""
    return jnp.zeros_like(x) + jnp.asarray(UNIFORM_GRAVITY, dtype=x.dtype)


def standard_normal_log_prob(theta):
    """``log N(theta | 0, I)`` up to a constant; theta: (d,) -> scalar."""
    return -0.5 * jnp.sum(theta**2)


def gaussian_log_prob(mean, precision):
    """``log N(theta | mean, precision^-1)`` up to a constant; theta: (d,) -> scalar."""
    mean, precision = np.asarray(mean), np.asarray(precision)

    def log_prob(theta):
        r = theta - mean
        return -0.5 * r @ (precision @ r)

    return log_prob


def gaussian_in_box_log_prob(mean, precision, lower, upper):
    """``gaussian_log_prob`` inside the open box lower < theta < upper, -inf outside (gradient 0 there)."""
    mean, precision, lower, upper = (np.asarray(a) for a in (mean, precision, lower, upper))

    def log_prob(theta):
        inside = jnp.all((theta > lower) & (theta < upper))
        r = jnp.where(inside, theta, mean) - mean
        return jnp.where(inside, -0.5 * r @ (precision @ r), -jnp.inf)

    return log_prob


class Particle(NamedTuple):
    """A small NamedTuple leaf container for the dtype audit tree."""

    x: object
    v: object


def example_tree() -> dict:
    """A pytree with one leaf of every kind the dtype audit must handle.

    Real floats of three widths (bfloat16 included), complex64, an integer
    array, a boolean array, and Python scalars (weakly typed).
    """
    return {
        "state": Particle(
            x=np.linspace(0.0, 1.0, 6, dtype=np.float32).reshape(2, 3),
            v=np.zeros((2, 3), dtype=np.float64),
        ),
        "masses": jnp.asarray([1.0, 2.0], dtype=jnp.bfloat16),
        "phase": np.asarray([1 + 2j, 3 - 1j], dtype=np.complex64),
        "counts": np.arange(3, dtype=np.int32),
        "alive": np.asarray([True, False]),
        "config": [0.01, 7],
    }
