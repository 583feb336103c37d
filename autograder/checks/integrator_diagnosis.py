"""Reading integrator results back from the child, and naming common mistakes.

A wrong leapfrog step is rarely random: it is drift-kick-drift instead of
kick-drift-kick, full kicks instead of half kicks, a first-order Euler step,
or the start-of-step acceleration reused. Each of these is computed here from
the same inputs; when the student's step matches one, the feedback names it.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import dynamics_fixtures as fx
from .framework import Fail, as_float_array, require_close


def require_state(value, *, what: str) -> fx.Phase:
    """A returned ``State`` as a Phase of NumPy arrays (dtype kept); Fail otherwise."""
    fields = getattr(value, "type_name", None) and set(value)
    if not fields or not {"x", "v"} <= fields:
        kind = getattr(value, "type_name", type(value).__name__)
        raise Fail(
            f"{what}: expected a State NamedTuple with fields x and v, got {kind}. "
            "Return `State(x=new_x, v=new_v)` (the class defined in the module)."
        )
    try:
        return fx.Phase(x=np.asarray(value["x"]), v=np.asarray(value["v"]))
    except (TypeError, ValueError):
        raise Fail(f"{what}: State.x and State.v should be arrays.") from None


def compare_state(seen: fx.Phase, expected, *, what: str, tolerance: float, fix: str = "") -> None:
    for name in ("x", "v"):
        require_close(
            as_float_array(getattr(seen, name), what=f"{what}: {name}"),
            np.asarray(getattr(expected, name), dtype=np.float64),
            what=f"{what}: {name}",
            tolerance=tolerance,
            fix=fix,
        )


def states_close(seen: fx.Phase, expected, *, tolerance: float) -> bool:
    return all(_close(getattr(seen, name), getattr(expected, name), tolerance) for name in ("x", "v"))


# -- known wrong steps ---------------------------------------------------------
def _drift_kick_drift(x, v, dt, a):
    x_half = x + dt / 2 * v
    v_new = v + dt * a(x_half)
    return x_half + dt / 2 * v_new, v_new


def _full_kicks(x, v, dt, a):
    v_mid = v + dt * a(x)
    x_new = x + dt * v_mid
    return x_new, v_mid + dt * a(x_new)


def _symplectic_euler(x, v, dt, a):
    v_new = v + dt * a(x)
    return x + dt * v_new, v_new


def _explicit_euler(x, v, dt, a):
    return x + dt * v, v + dt * a(x)


def _stale_acceleration(x, v, dt, a):
    a_old = a(x)
    v_half = v + dt / 2 * a_old
    return x + dt * v_half, v_half + dt / 2 * a_old


def _midpoint(x, v, dt, a):
    x_mid, v_mid = x + dt / 2 * v, v + dt / 2 * a(x)
    return x + dt * v_mid, v + dt * a(x_mid)


KNOWN_MISTAKES = (
    (_drift_kick_drift, "a drift-kick-drift step (x half-drift, full kick, x half-drift)",
     "the contract is kick-drift-kick: half kick with a(x), full drift, half kick with a(x_new)"),
    (_full_kicks, "kick-drift-kick with FULL kicks (dt * a instead of dt/2 * a)",
     "each of the two kicks is half a step: `v + dt / 2 * accel_fn(x)`"),
    (_symplectic_euler, "a symplectic Euler step (one full kick, then a drift)",
     "split the kick in two halves around the drift: half kick, drift, half kick with the NEW positions"),
    (_explicit_euler, "an explicit Euler step (positions drift with the OLD velocities)",
     "kick first (half a step), then drift with the half-step velocities, then the second half kick"),
    (_stale_acceleration, "kick-drift-kick that reuses the starting acceleration for the second kick",
     "the second half kick uses `accel_fn(x_new)`, evaluated at the drifted positions"),
    (_midpoint, "a midpoint (Runge-Kutta 2) step",
     "leapfrog is kick-drift-kick; RK2 is not symplectic, so its energy error grows over long runs"),
)


def describe_step_mistake(seen: fx.Phase, phase: fx.Phase, dt: float, accel) -> str:
    """A 'how to fix' sentence naming the mistake the step matches, if any."""
    with fx.reference_x64():
        x, v = jnp.asarray(phase.x), jnp.asarray(phase.v)
        for step, name, fix in KNOWN_MISTAKES:
            x_new, v_new = (np.asarray(a) for a in step(x, v, dt, accel))
            if _close(seen.x, x_new) and _close(seen.v, v_new):
                return f"your result matches {name}; {fix}."
    if _close(seen.x, phase.v) or _close(seen.v, phase.x):
        return "x and v look swapped: return `State(x=new_x, v=new_v)` in that order."
    return (
        "follow the contract exactly: `v_half = v + dt/2 * accel_fn(x)`; `x_new = x + dt * v_half`; "
        "`v_new = v_half + dt/2 * accel_fn(x_new)`; return `State(x=x_new, v=v_new)`."
    )


def _close(seen, expected, tolerance=1e-10) -> bool:
    try:
        seen = np.asarray(seen, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape:
        return False
    scale = max(float(np.max(np.abs(expected))), 1e-300)
    return float(np.max(np.abs(seen - expected))) / scale <= tolerance


# -- structure -------------------------------------------------------------------
def structure_problem(stats, probe_steps) -> str | None:
    """None when integrate is scan-based with a size independent of n_steps, else why not."""
    (short_n, short), (long_n, long) = zip(probe_steps, stats)
    if long["n_eqns"] > short["n_eqns"] + 5:
        return (
            f"the traced program of integrate grows with n_steps: {short['n_eqns']} equations for "
            f"n_steps = {short_n}, {long['n_eqns']} for n_steps = {long_n}. A Python loop over steps "
            "unrolls into one copy of the step per iteration; with thousands of steps it compiles for minutes."
        )
    if "scan" not in long["primitives"]:
        loops = sorted(p for p in long["primitives"] if p in ("while", "fori_loop"))
        seen = f"it uses {', '.join(loops)} instead" if loops else "no scan primitive appears in its traced program"
        return f"integrate must be built on jax.lax.scan, but {seen}."
    return None



# -- energy along a run --------------------------------------------------------
def kepler_energy_error(trajectory: fx.Phase, start: fx.Phase) -> float:
    """max_t |E(t) - E(0)| / |E(0)| over a Kepler trajectory, float64."""
    energy0 = float(fx.kepler_energy(start.x, start.v))
    energies = fx.kepler_energy(
        as_float_array(trajectory.x, what="trajectory.x"), as_float_array(trajectory.v, what="trajectory.v")
    )
    if not np.all(np.isfinite(energies)):
        raise Fail("The Kepler trajectory holds NaN or inf: the orbit blew up. Check the kicks (dt/2 each) and the drift.")
    return float(np.max(np.abs(energies - energy0)) / abs(energy0))


def window_drift(energies, *, window_fraction: float = 0.2) -> float:
    """|mean(E over the last window) - mean(E over the first window)| / |E(0)|.

    Whole-window averages, not a fitted slope: energy oscillates within each
    orbit, and spikes at close passages would dominate a linear fit.
    """
    energies = np.asarray(energies, dtype=np.float64)
    width = max(1, int(len(energies) * window_fraction))
    return float(abs(energies[-width:].mean() - energies[:width].mean()) / abs(energies[0]))
