"""Initial conditions for the benchmarks: a Kepler orbit and a Plummer sphere.

Everything here is NumPy float64 and seeded, so every run (and every dtype)
starts from the same physical state; callers cast to the dtype under test.
Units: G = 1 throughout.
"""
import math

import numpy as np

# Hénon units for the Plummer sphere: G = M = 1 and total energy -1/4, which
# puts the Plummer scale length at 3*pi/16 and the crossing time at 2*sqrt(2).
PLUMMER_SCALE = 3 * math.pi / 16
PLUMMER_CROSSING_TIME = 2 * math.sqrt(2)
# Beyond ~10 scale lengths the Plummer tail holds < 0.2 % of the mass; cutting
# it keeps a few far-flung particles from dominating the time step.
_PLUMMER_MAX_RADIUS = 10 * PLUMMER_SCALE


def kepler_initial_state(*, eccentricity, semi_major_axis=1.0):
    """A test particle at pericentre of a Kepler orbit about a unit mass.

    Returns:
        ``(x, v, period)``: position and velocity of shape (1, 3) and the
        orbital period, float64. The central mass sits fixed at the origin.
    """
    pericentre = semi_major_axis * (1 - eccentricity)
    speed = math.sqrt((1 + eccentricity) / pericentre)  # vis-viva, GM = 1
    x = np.array([[pericentre, 0.0, 0.0]])
    v = np.array([[0.0, speed, 0.0]])
    period = 2 * math.pi * semi_major_axis**1.5
    return x, v, period


def kepler_accel(x):
    """Acceleration toward a unit mass at the origin; x: (1, 3) -> (1, 3).

    A module-level function on purpose: ``integrate`` takes ``accel_fn`` as a
    static argument, so it must be the same hashable object on every call.
    """
    r2 = (x**2).sum(axis=-1, keepdims=True)
    return -x / (r2 * r2**0.5)


def kepler_energy(x, v):
    """Specific orbital energy, float64; x, v: (..., 1, 3) -> (...)."""
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    kinetic = 0.5 * np.sum(v**2, axis=(-2, -1))
    potential = -1.0 / np.sqrt(np.sum(x**2, axis=(-2, -1)))
    return kinetic + potential


def _plummer_radii(rng, n):
    radii = np.empty(0)
    while radii.size < n:
        mass_fraction = rng.uniform(1e-10, 1.0, size=2 * n)
        candidate = PLUMMER_SCALE / np.sqrt(mass_fraction ** (-2.0 / 3.0) - 1.0)
        radii = np.concatenate([radii, candidate[candidate < _PLUMMER_MAX_RADIUS]])
    return radii[:n]


def _isotropic_directions(rng, n):
    cos_theta = rng.uniform(-1.0, 1.0, size=n)
    phi = rng.uniform(0.0, 2 * math.pi, size=n)
    sin_theta = np.sqrt(1.0 - cos_theta**2)
    return np.stack([sin_theta * np.cos(phi), sin_theta * np.sin(phi), cos_theta], axis=1)


def _plummer_speed_fractions(rng, n):
    """Speeds in units of the local escape speed, by rejection sampling.

    The Plummer distribution function makes q = v / v_esc follow
    g(q) ∝ q^2 (1 - q^2)^(7/2) on [0, 1], whose maximum is below 0.1.
    """
    fractions = np.empty(0)
    while fractions.size < n:
        q = rng.uniform(0.0, 1.0, size=4 * n)
        accept = rng.uniform(0.0, 0.1, size=4 * n) < q**2 * (1 - q**2) ** 3.5
        fractions = np.concatenate([fractions, q[accept]])
    return fractions[:n]


def plummer_sphere(*, n, seed=0):
    """An equal-mass Plummer sphere in Hénon units, centred at rest.

    Args:
        n: number of particles.
        seed: NumPy random seed.

    Returns:
        ``(x, v, m)`` float64: positions and velocities (n, 3), masses (n,)
        summing to 1.
    """
    rng = np.random.default_rng(seed)
    radii = _plummer_radii(rng, n)
    x = radii[:, None] * _isotropic_directions(rng, n)
    escape_speed = np.sqrt(2.0) * (radii**2 + PLUMMER_SCALE**2) ** -0.25
    speeds = _plummer_speed_fractions(rng, n) * escape_speed
    v = speeds[:, None] * _isotropic_directions(rng, n)
    m = np.full(n, 1.0 / n)
    x -= np.average(x, axis=0, weights=m)
    v -= np.average(v, axis=0, weights=m)
    return x, v, m


def random_positions(*, n, seed=0):
    """Positions of a Plummer sphere, for timing force and potential codes.

    Returns:
        ``(x, m)`` float64: positions (n, 3) and masses (n,) summing to 1.
    """
    x, _, m = plummer_sphere(n=n, seed=seed)
    return x, m
