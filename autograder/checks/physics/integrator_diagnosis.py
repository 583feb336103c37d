"""Reading integrator results back from the child, and naming common mistakes.

A wrong leapfrog step is rarely random: it is drift-kick-drift instead of
kick-drift-kick, full kicks instead of half kicks, a first-order Euler step,
or the start-of-step acceleration reused. ``autograder.shipped.diagnosis`` computes
each of these from the same inputs and names the one a step matches; it is
shared with the student template's public tests, so both say the same.
"""
from __future__ import annotations

import numpy as np

from ...checking.framework import Fail, as_float_array, require_close

# Shared with the student template's public tests (one definition); re-exported for the checks.
from ...shipped.diagnosis import KNOWN_MISTAKES, describe_step_mistake, structure_problem  # noqa: F401
from ...shipped.diagnosis import values_close as _close
from . import dynamics_fixtures as fx


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


# -- energy along a run --------------------------------------------------------
def kepler_energy_error(trajectory: fx.Phase, start: fx.Phase) -> float:
    """max_t |E(t) - E(0)| / |E(0)| over a Kepler trajectory, float64."""
    energy0 = float(fx.kepler_energy(start.x, start.v))
    energies = fx.kepler_energy(
        as_float_array(trajectory.x, what="trajectory.x"), as_float_array(trajectory.v, what="trajectory.v")
    )
    if not np.all(np.isfinite(energies)):
        raise Fail(
            "The Kepler trajectory holds NaN or inf: the orbit blew up. Check the kicks (dt/2 each) and the drift."
        )
    return float(np.max(np.abs(energies - energy0)) / abs(energy0))


def window_drift(energies, *, window_fraction: float = 0.2) -> float:
    """|mean(E over the last window) - mean(E over the first window)| / |E(0)|.

    Whole-window averages, not a fitted slope: energy oscillates within each
    orbit, and spikes at close passages would dominate a linear fit.
    """
    energies = np.asarray(energies, dtype=np.float64)
    width = max(1, int(len(energies) * window_fraction))
    return float(abs(energies[-width:].mean() - energies[:width].mean()) / abs(energies[0]))


def require_trajectory_convention(trajectory: fx.Phase, phase: fx.Phase, *, expected_shape: tuple) -> None:
    """Fail unless ``trajectory`` (x of shape (n_steps, N, 3)) holds the states after steps 1..n_steps."""
    shape = trajectory.x.shape
    if shape == expected_shape:
        if np.array_equal(trajectory.x[0], phase.x):
            raise Fail(
                "trajectory.x[0] equals the initial positions: the trajectory should hold the states AFTER "
                "steps 1..n_steps, not start with the initial state. Emit the new state from the scan "
                "body (`return new_state, new_state`), not the old one."
            )
        return
    hint = ""
    if shape[:1] == (expected_shape[0] + 1,):
        hint = (
            " It has one entry too many: it looks like the initial state was prepended; "
            "the trajectory holds only the states after steps 1..n_steps."
        )
    raise Fail(f"trajectory.x: expected shape {expected_shape} (n_steps, N, 3), got {shape}.{hint}")


PROMOTION_FIX = (
    "A float64 constant promoted the result: write `dt / 2` or `0.5 * dt` with Python floats, never "
    "`np.float64(...)`, `jnp.float64(...)` or `jnp.asarray(dt, dtype=jnp.float64)`."
)


def require_float32(state: fx.Phase, *, label: str) -> None:
    """Fail unless both fields of a state the student returned for a float32 input are float32."""
    for name in ("x", "v"):
        dtype = str(getattr(state, name).dtype)
        if dtype != "float32":
            raise Fail(
                f"{label}.{name}: expected float32 for a float32 state and a Python float dt, got {dtype}. "
                f"{PROMOTION_FIX}"
            )
