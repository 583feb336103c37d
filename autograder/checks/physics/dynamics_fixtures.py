"""Parent-side copies of the child's test fixtures, for computing references.

Closures hold NumPy arrays, not JAX arrays, so that they take the precision
of the ``jax.enable_x64`` context the reference runs in.

The child builds accelerations and log-densities from ``child/targets.py``;
the grader runs the reference solution on the same problem with the very same
builders (public test fixtures, not secrets), plus the initial conditions and
energy measures the dynamics checks share.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import numpy as np

from ...child import targets

KEPLER_ECCENTRICITY = 0.5
KEPLER_PERIOD = 2 * np.pi  # semi-major axis 1, G M = 1


def reference_x64():
    """A context in which reference computations run in 64-bit mode.

    The reference is always computed in float64 (the grader's own process may
    not have switched 64-bit mode on globally); thread-local, so it leaves
    the rest of the process alone.
    """
    return jax.enable_x64(True)


# -- accelerations: the very functions the child builds from child/targets.py --
# Closures hold NumPy arrays, so they take the precision of the enclosing
# jax.enable_x64 context.
_KEPLER = targets.kepler()


def kepler_accel(x):
    """Point mass 1 at the origin; x (1, 3) -> (1, 3)."""
    return _KEPLER(x)


@functools.cache
def harmonic_accel(omega2: float):
    """a = -omega^2 x; cached so the reference's static accel_fn stays one object."""
    return targets.harmonic(omega2)


def pairwise_accel(m, eps2: float, G: float = 1.0):
    """Softened pairwise gravity a_i = F_i / m_i; x (N, 3), m (N,)."""
    return targets.pairwise(np.asarray(m), eps2, G)


def pairwise_energy(m, eps2: float, G: float = 1.0):
    """K + W for softened pairwise gravity; (x, v) (N, 3) -> scalar."""
    return targets.pairwise_energy(np.asarray(m), eps2, G)


# -- initial conditions ------------------------------------------------------
class Phase(NamedTuple):
    """Plain NumPy initial conditions: x, v (N, 3), float64."""

    x: np.ndarray
    v: np.ndarray


def kepler_apocentre() -> Phase:
    """A bound orbit of eccentricity 0.5 starting at apocentre (energy -1/2)."""
    e = KEPLER_ECCENTRICITY
    return Phase(x=np.array([[1.0 + e, 0.0, 0.0]]), v=np.array([[0.0, np.sqrt((1 - e) / (1 + e)), 0.0]]))


def kepler_energy(x, v) -> np.ndarray:
    """Specific orbital energy for x, v of shape (..., 1, 3); float64 NumPy."""
    x = np.asarray(x, dtype=np.float64)[..., 0, :]
    v = np.asarray(v, dtype=np.float64)[..., 0, :]
    return 0.5 * np.sum(v**2, axis=-1) - 1.0 / np.linalg.norm(x, axis=-1)


def random_cluster(n: int, *, seed: int) -> tuple[Phase, np.ndarray]:
    """n particles in a unit box with small random velocities and masses in [0.5, 2]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 3))
    v = rng.normal(scale=0.3, size=(n, 3))
    m = rng.uniform(0.5, 2.0, size=n)
    return Phase(x=x, v=v), m


def plummer_sphere(n: int, *, seed: int) -> tuple[Phase, np.ndarray]:
    """An isotropic Plummer sphere (G = M = 1, scale radius 1), centred at rest.

    Radii from the inverse cumulative mass profile, speeds by rejection from
    ``q^2 (1 - q^2)^(7/2)`` (Aarseth, Henon & Wielen 1974). Masses 1/n each.
    """
    rng = np.random.default_rng(seed)
    mass_fraction = rng.uniform(1e-3, 0.99, size=n)  # trim the infinite tail
    r = 1.0 / np.sqrt(mass_fraction ** (-2.0 / 3.0) - 1.0)
    x = r[:, None] * _isotropic_directions(rng, n)
    q = _plummer_speed_fractions(rng, n)
    speed = q * np.sqrt(2.0) * (1.0 + r**2) ** -0.25
    v = speed[:, None] * _isotropic_directions(rng, n)
    x -= x.mean(axis=0)
    v -= v.mean(axis=0)
    return Phase(x=x, v=v), np.full(n, 1.0 / n)


def _isotropic_directions(rng, n):
    u = rng.normal(size=(n, 3))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def _plummer_speed_fractions(rng, n):
    accepted = np.empty(0)
    while accepted.size < n:
        q = rng.uniform(0.0, 1.0, size=2 * n)
        y = rng.uniform(0.0, 0.1, size=2 * n)  # max of q^2 (1 - q^2)^3.5 is ~0.092
        accepted = np.concatenate([accepted, q[y < q**2 * (1.0 - q**2) ** 3.5]])
    return accepted[:n]


# -- log-densities: the child's own target builders ----------------------------
def gaussian_log_prob(mean, precision):
    return targets.gaussian(np.asarray(mean), np.asarray(precision))


def gaussian_in_box_log_prob(mean, precision, lower, upper):
    return targets.gaussian_in_box(*(np.asarray(a) for a in (mean, precision, lower, upper)))


def banana_log_prob(b: float = 0.1, scale: float = 10.0):
    return targets.banana(b, scale)


def flat_custom_gradient_log_prob(slope):
    return targets.flat_custom_gradient(np.asarray(slope))


flat_log_prob = targets.flat()
