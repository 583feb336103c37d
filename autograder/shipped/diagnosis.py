"""Verdicts of the public properties and the diagnoses behind their hints.

One definition, two users. The grader's public checks call these functions on
what the sandboxed child sent back; the student template ships this module
as ``tests/jaxgrade_diagnosis.py`` and its public tests call the same
functions on what the student's code returned in-process. So a mistake gets
the same verdict and the same words in both places: a sign-flipped force is
"the opposite sign" locally and on Gradescope, a symplectic Euler step is
named as such in both.

Every verdict returns ``None`` when the property holds, else one message:
what was expected, what was seen, how to fix it. Inputs are NumPy arrays (or
anything with ``.x`` and ``.v`` for integrator states); shapes are in the
docstrings. Only NumPy and JAX are imported, so the copy runs anywhere the
student's code runs.
"""
from __future__ import annotations

import numpy as np

try:  # inside the autograder package
    from . import feedback
except ImportError:  # the student template's copy sits next to jaxgrade_feedback.py
    import jaxgrade_feedback as feedback


# -- whole-factor and per-particle mistakes -------------------------------------
def scale_hint(seen, expected, *, G: float = 1.0) -> str:
    """A diagnosis when ``seen`` is a simple multiple of ``expected``, else ''.

    The usual mistakes are whole factors: a sign, a double-counted pair sum,
    a forgotten G, or a mass too many.
    """
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape or not np.all(np.isfinite(seen)) or not np.any(expected):
        return ""
    ratio = float(np.vdot(seen, expected) / np.vdot(expected, expected))
    if np.max(np.abs(seen - ratio * expected)) > 1e-6 * np.max(np.abs(expected)):
        return ""
    hints = {
        -1.0: "Your result has the opposite sign. W is negative (gravity binds), and F = -dW/dx "
        "points each particle towards the others.",
        2.0: "Your result is twice the reference: each unordered pair must count once (sum over "
        "i < j, or halve the double sum over i != j).",
        0.5: "Your result is half the reference: did you halve a sum that already counts each pair once?",
    }
    for factor, hint in hints.items():
        if abs(ratio - factor) < 1e-6 * abs(factor):
            return hint
    if G != 1.0 and abs(ratio * G - 1.0) < 1e-6:
        return "Your result is missing the factor G: multiply by the G argument (do not assume G = 1)."
    if abs(ratio - 1.0) > 1e-6 and expected.size > 1:  # any scalar is a multiple of another
        return f"Your result is {ratio:.6g} times the reference everywhere: look for a constant factor."
    return ""


def acceleration_hint(seen, expected, m) -> str:
    """A diagnosis when ``seen`` (N, 3) is ``expected / m`` (accelerations, not forces), else ''."""
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape or not np.all(np.isfinite(seen)):
        return ""
    accelerations = expected / np.asarray(m, dtype=np.float64)[:, None]
    if np.max(np.abs(seen - accelerations)) <= 1e-9 * np.max(np.abs(accelerations)):
        return "Your result is F_i / m_i, the acceleration. Return the force F_i = -dW/dx_i (do not divide by m_i)."
    return ""


def max_normalised_error_or_inf(seen, expected) -> float:
    """max |seen - expected| / max |expected|; inf when shapes differ or values are not finite."""
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape or not np.all(np.isfinite(seen)):
        return float("inf")
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    diff = float(np.max(np.abs(seen - expected))) if expected.size else 0.0
    return diff / scale if scale > 0 else diff


# -- forces and potentials --------------------------------------------------------
AUTODIFF_FIX = (
    "Return -jax.grad(potential_energy)(x, m, eps2, G): automatic differentiation is exact "
    "to round-off, finite differences are not. The only softening is eps2: add no small "
    "constant of your own inside the square root."
)
LAW_FIX = (
    "F = -jax.grad(potential_energy)(x, m, eps2, G), differentiating with respect to x (argument 0); "
    "make potential_energy match its own check first."
)
POTENTIAL_FIX = "W = -G sum_{i<j} m_i m_j / sqrt(|x_i - x_j|^2 + eps2), each pair once, no self-pairs."
PAIR_FORCE_FIX = "F_ij = -G m_i m_j (x_i - x_j) / (|x_i - x_j|^2 + eps2)^(3/2): the force on i, pointing towards j."
VMAP_SUM_FIX = (
    "F_i = sum over j != i of pair_force(x_i, x_j, m_i, m_j): vmap over j inside, over i outside, "
    "then sum over the j axis (axis=1)."
)
FLOAT32_TOLERANCE = 1e-5  # float32 autodiff lands near 3e-7
FLOAT32_FIX = (
    "Compute in the input's dtype throughout; a float32 result this far off usually means "
    "a step that loses precision (a finite difference, or a cast down after a float64 step)."
)


def float32_verdict(seen32, own64, *, what: str) -> str | None:
    """A float32 result against the same function's own float64 result (not the reference's:
    a wrong force law costs the values checks, not this one)."""
    return feedback.compare_arrays(seen32, own64, what=what, tolerance=FLOAT32_TOLERANCE, fix=FLOAT32_FIX)


TWO_BODY_POTENTIAL_FIX = "W = -G m1 m2 / r: count each unordered pair once, and no self-pairs."


def force_fix(seen, expected, *, G: float, m=None, law_fix: str | None = None) -> str:
    """How to fix forces ``seen`` (N, 3) that differ from ``expected`` (N, 3).

    A whole factor (sign, 2, G) or accelerations (when the masses ``m`` (N,)
    are given) are named. Otherwise ``law_fix`` (the assignment's own force
    law) when given; without it, forces close to the truth (within 1e-6) are
    finite differences or an extra softening, and anything further off is
    the wrong force law.
    """
    hint = scale_hint(seen, expected, G=G) or (acceleration_hint(seen, expected, m) if m is not None else "")
    if hint:
        return hint
    if law_fix:
        return law_fix
    return AUTODIFF_FIX if max_normalised_error_or_inf(seen, expected) < 1e-6 else LAW_FIX


def named_first(what: str, named: str, message: str | None) -> str | None:
    """``message`` under a first line that names the mistake (``named``: a hint's words), if one is named."""
    if message is None or not named:
        return message
    headline = named.split(". ")[0].split("; ")[0].rstrip(".")
    return f"{what}: {headline[0].lower()}{headline[1:]}.\n{message}"


def forces_verdict(seen, expected, *, what: str, G: float, m=None, tolerance: float,
                   law_fix: str | None = None) -> str | None:
    """Forces ``seen`` against ``expected`` (same shape): None, or expected / seen / how to fix.

    A named mistake (a sign, a factor, accelerations) is the first line."""
    named = scale_hint(seen, expected, G=G) or (acceleration_hint(seen, expected, m) if m is not None else "")
    fix = named or force_fix(seen, expected, G=G, m=m, law_fix=law_fix)
    return named_first(what, named, feedback.compare_arrays(seen, expected, what=what, tolerance=tolerance, fix=fix))


def potential_verdict(seen, expected, *, what: str, G: float, tolerance: float,
                      law_fix: str = POTENTIAL_FIX) -> str | None:
    """A potential energy ``seen`` (scalar) against ``expected`` (scalar)."""
    shape = np.shape(seen)
    if shape != ():
        return (
            f"{what}: expected a scalar (shape ()), got shape {shape}. "
            "Sum over all pairs: the potential energy of a system is one number."
        )
    named = scale_hint(seen, expected, G=G)
    return named_first(what, named, feedback.compare_arrays(seen, expected, what=what, tolerance=tolerance,
                                                            fix=named or law_fix))


# -- integrator steps -------------------------------------------------------------
# A wrong leapfrog step is rarely random: each known mistake is computed from
# the same inputs, and a step that matches one is named.
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
STEP_CONTRACT = (
    "follow the contract exactly: `v_half = v + dt/2 * accel_fn(x)`; `x_new = x + dt * v_half`; "
    "`v_new = v_half + dt/2 * accel_fn(x_new)`; return `State(x=x_new, v=v_new)`."
)


def describe_step_mistake(seen, start, dt: float, accel) -> str:
    """A 'how to fix' sentence naming the mistake one step matches, if any.

    ``seen`` and ``start`` have ``.x`` and ``.v`` (N, 3); ``accel`` maps x (N, 3)
    to accelerations (N, 3) and is evaluated in float64.
    """
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        x, v = jnp.asarray(start.x, dtype=jnp.float64), jnp.asarray(start.v, dtype=jnp.float64)
        for step, name, fix in KNOWN_MISTAKES:
            x_new, v_new = (np.asarray(a) for a in step(x, v, dt, accel))
            if values_close(seen.x, x_new) and values_close(seen.v, v_new):
                return f"your result matches {name}; {fix}."
    if values_close(seen.x, start.v) or values_close(seen.v, start.x):
        return "x and v look swapped: return `State(x=new_x, v=new_v)` in that order."
    return STEP_CONTRACT


def step_verdict(seen, expected, *, start, dt: float, accel, what: str, tolerance: float) -> str | None:
    """One integrator step ``seen`` against ``expected`` (both with ``.x``, ``.v`` (N, 3))."""
    if all(values_close(getattr(seen, name), getattr(expected, name), tolerance) for name in ("x", "v")):
        return None
    fix = describe_step_mistake(seen, start, dt, accel)
    named = "" if fix == STEP_CONTRACT else fix
    for name in ("x", "v"):
        message = feedback.compare_arrays(
            getattr(seen, name), getattr(expected, name), what=f"{what}: {name}", tolerance=tolerance, fix=fix
        )
        if message is not None:
            return named_first(what, named, message)
    return None


# -- structure of a traced program ----------------------------------------------
def structure_problem(stats, probe_steps) -> str | None:
    """None when integrate is scan-based with a size independent of n_steps, else why not.

    ``stats``: for each of the two ``probe_steps``, ``{"n_eqns": int, "primitives": {name: count}}``
    of the traced program of integrate at that n_steps.
    """
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


FIX_SCAN = (
    "write the loop as `jax.lax.scan(step, state0, length=n_steps)` where `step(state, _)` "
    "returns `(new_state, new_state)`"
)


def scan_verdict(stats, probe_steps) -> str | None:
    """None when integrate is built on lax.scan at a constant size, else expected / seen / how to fix."""
    problem = structure_problem(stats, probe_steps)
    if problem is None:
        return None
    return (
        "Expected a scan-based integrate whose traced program has the same size for every n_steps; "
        f"{problem}\nHow to fix: {FIX_SCAN}."
    )


def values_close(seen, expected, tolerance=1e-10) -> bool:
    try:
        seen = np.asarray(seen, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape:
        return False
    scale = max(float(np.max(np.abs(expected))), 1e-300)
    return float(np.max(np.abs(seen - expected))) / scale <= tolerance


# -- any assignment ------------------------------------------------------------------
def factor_hint(seen, expected) -> str:
    """A diagnosis when ``seen`` is ``expected`` times one constant (a sign, a double count), else ''.

    The assignment-neutral twin of ``scale_hint``; ``autograder/checking/properties.py``
    and the public tests ``jaxgrade new`` writes both use it.
    """
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape or expected.size < 2 or not np.all(np.isfinite(seen)) or not np.any(expected):
        return ""
    ratio = float(np.vdot(seen, expected) / np.vdot(expected, expected))
    if abs(ratio - 1.0) < 1e-6 or np.max(np.abs(seen - ratio * expected)) > 1e-6 * np.max(np.abs(expected)):
        return ""
    if abs(ratio + 1.0) < 1e-6:
        return "Your result has the opposite sign of the reference everywhere: look for a missing minus sign."
    return f"Your result is {ratio:.6g} times the reference everywhere: look for a constant factor."


# -- jax.jit-compiled module attributes ------------------------------------------------
# Whether an attribute is a jax.jit function is read from jax.export: it exports
# only those. The grader exports in the sandboxed child, the public test in
# process, along the same routes: "jit" (the attribute itself), "wrapped"
# (inside a jax.jit of ours), then "jit_constants"/"constants" (the scalar
# parameters fixed to numbers).
JITTED_ROUTES = ("jit", "jit_constants")


def export_failures_text(failures) -> str:
    """One line per failed export route; ``failures``: [(route, error message), ...]."""
    lines = (f"  - {name}: {message.splitlines()[0] if message else ''}"[:400] for name, message in failures)
    return "\n".join(lines)


def jit_problem(function: str, route: str | None, failures) -> str | None:
    """None when the attribute ``function`` exported as itself (a jax.jit function), else why not.

    ``route``: the export route that worked (None: none did); ``failures``:
    [(route, error message), ...] of the routes tried before it.
    """
    if route is None:
        return f"{function} could not be compiled into a program at all:\n" + export_failures_text(failures)
    if route not in JITTED_ROUTES:
        said = next((message for name, message in failures if name == "jit"), "")
        first_line = (said.splitlines() or [""])[0][:200]
        return (
            f"{function} is not itself a jax.jit-compiled function (jax.export accepts only those; it said: "
            f"{first_line})"
        )
    return None


def jitted_verdict(function: str, problem: str | None) -> str | None:
    """The verdict on ``problem`` (from ``jit_problem``): None, or expected / seen / how to fix."""
    if problem is None:
        return None
    return (
        f"{function}: expected the module attribute to be a jax.jit-compiled function; {problem}.\n"
        f"How to fix: put @jax.jit directly above `def {function}`. Calling jax.jit inside a plain "
        "function does not count: it builds a new compiled program on every call."
    )
