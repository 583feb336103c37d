"""Verdicts of the hmc assignment's run_chain and log_posterior, and the hints behind them.

Like ``diagnosis_sampling.py`` (the HMC step): the grader's public checks call
these functions on what the sandboxed child sent back, and the student
template ships this module as ``tests/jaxgrade_diagnosis_chain.py`` for its
public tests to call on what the student's code returned in-process. The same
mistake gets the same verdict and the same words.
"""
from __future__ import annotations

import numpy as np

try:  # inside the autograder package
    from . import feedback
except ImportError:  # the student template's copy sits next to jaxgrade_feedback.py
    import jaxgrade_feedback as feedback


# -- run_chain ----------------------------------------------------------------------------
CHAIN_PROBE_SAMPLES = (4, 16)
CHAIN_SKIP = (
    "Skipped because run_chain is not built on lax.scan: its traced program grows with n_samples "
    "({short} equations for n_samples = {n_short}, {long} for n_samples = {n_long}), so the "
    "{n} samples this check draws would unroll and compile for minutes. Loop with "
    "`jax.lax.scan(step, theta0, keys)` over `keys = jax.random.split(key, n_samples)`."
)
CHAIN_FIX = (
    "split once, `keys = jax.random.split(key, n_samples)`, and give step i `keys[i]` (scan over keys); "
    "record the state AFTER each step; do not split the key again inside the loop."
)


def chain_scan_verdict(stats, n_samples: int) -> str | None:
    """None unless the traced program of run_chain grows with n_samples (a Python loop).

    ``stats``: ``{"n_eqns": int, ...}`` of the traced program at each of CHAIN_PROBE_SAMPLES.
    """
    (n_short, short), (n_long, long) = zip(CHAIN_PROBE_SAMPLES, stats)
    if long["n_eqns"] > short["n_eqns"] + 5:
        return CHAIN_SKIP.format(short=short["n_eqns"], long=long["n_eqns"], n_short=n_short, n_long=n_long,
                                 n=n_samples)
    return None


def chain_shape_verdict(samples, n_samples: int, d: int) -> str | None:
    """run_chain's samples must have shape (n_samples, d)."""
    shape = np.shape(samples)
    if shape != (n_samples, d):
        return f"run_chain samples: expected shape ({n_samples}, {d}) (n_samples, d), got {shape}."
    return None


CHAIN_FIX_STEP_FIRST = (
    "Fix hmc_step first: run_chain is built on it, and hmc_step does not match the reference yet (see the "
    "hmc_step check on the 2-D Gaussian). Once hmc_step is right, run_chain will likely match too.\n"
    "How to fix: make hmc_step match the reference (its message names the mistake); run_chain itself may "
    "already be right."
)


def _chain_mistake(samples, expected_samples, theta0) -> str | None:
    """What a chain whose steps are right records instead of its states, if it is one of the usual slips."""
    close = lambda a, b: np.max(np.abs(a - b), axis=-1) <= 1e-9 * max(np.max(np.abs(b)), 1e-300)  # noqa: E731
    previous = np.concatenate([np.asarray(theta0, dtype=np.float64)[None], expected_samples[:-1]])
    moved = ~close(expected_samples, previous)
    agree = close(samples, expected_samples)
    if np.all(agree[moved]) and not np.all(agree[~moved]):
        return (
            "run_chain records the proposals instead of the chain's states: where a step is rejected the chain "
            "stays at theta, and that repeated theta is the sample.\nHow to fix: record what hmc_step returns, "
            "`theta, accepted = hmc_step(keys[i], theta, ...)`, then emit that theta."
        )
    if np.all(close(samples, previous)):
        return (
            "run_chain records the state BEFORE each step (sample 0 is theta0), one step late.\nHow to fix: "
            "emit the state after the step: `theta, accepted = hmc_step(k, theta, ...); return theta, (theta, "
            "accepted)`."
        )
    return None


def chain_verdict(samples, rate, expected_samples, expected_rate: float, *, seed: int, theta0=None,
                  step_is_wrong: bool = False) -> str | None:
    """run_chain's ``samples`` (n, d) and ``rate`` against the reference's on PRNGKey(``seed``) from ``theta0`` (d,).

    ``step_is_wrong``: hmc_step itself does not match the reference, so the chain
    cannot either: the message says to fix hmc_step first.
    """
    rate_array = np.asarray(rate)
    if rate_array.shape != () or rate_array.dtype.kind != "f":
        return (
            f"accept_rate should be a floating scalar array, got {rate!r:.80} (dtype {rate_array.dtype}, shape "
            f"{rate_array.shape}). Return `jnp.mean(accepted.astype(samples.dtype))`."
        )
    samples = np.asarray(samples, dtype=np.float64)
    expected_samples = np.asarray(expected_samples, dtype=np.float64)
    differs = np.flatnonzero(
        np.max(np.abs(samples - expected_samples), axis=1) > 1e-9 * np.max(np.abs(expected_samples))
    )
    where = ""
    if differs.size:
        where = f" (the first {differs[0]} samples agree; sample {differs[0]} is the first to differ)"
    what = f"run_chain samples ({len(expected_samples)} steps, key PRNGKey({seed})){where}"
    fix = "" if step_is_wrong else CHAIN_FIX
    message = feedback.compare_arrays(samples, expected_samples, what=what, tolerance=1e-9, fix=fix)
    if message is not None:
        if step_is_wrong:
            return CHAIN_FIX_STEP_FIRST + "\n" + message
        named = None if theta0 is None else _chain_mistake(samples, expected_samples, theta0)
        return message if named is None else named + "\n" + message
    if abs(float(rate_array) - expected_rate) > 1e-12:
        return (
            f"accept_rate: expected {expected_rate:.6f} (the fraction of accepted steps), "
            f"got {float(rate_array):.6f}."
            + ("\n" + CHAIN_FIX_STEP_FIRST if step_is_wrong else "")
        )
    return None


# -- log_posterior --------------------------------------------------------------------------
POSTERIOR_FIX = (
    "follow the handout's Pen (1999) formula term by term (s^3 = (1 - Omega_m)/Omega_m, eta(1) - eta(1/(1+z)), "
    "D_L = (c/H0)(1+z)[...] with H0 = 100 h, mu = 25 + 5 log10 D_L) and the likelihood -1/2 r^T C^-1 r "
    "through a Cholesky solve."
)
POSTERIOR_GRADIENT_FIX = POSTERIOR_FIX + (
    " NaN gradients inside the prior usually come from evaluating the model at an unsafe point "
    "in a jnp.where branch: replace theta by a harmless value before the model, then mask."
)


def posterior_shape_verdict(values, count: int) -> str | None:
    """log_posterior under jax.vmap over ``count`` thetas must give ``count`` scalars."""
    shape = np.shape(values)
    if shape != (count,):
        return (
            "log_posterior should return a scalar; under jax.vmap over theta it returned "
            f"shape {shape[1:]} per theta."
        )
    return None


def pointwise_verdict(seen, expected, thetas, *, what: str, tolerance: float, fix: str) -> str | None:
    """Values (k,) or gradients (k, 2) of log_posterior at ``thetas`` (k, 2) against the reference's.

    Each point is compared relative to max(|expected|, 1) at that point.
    """
    seen, expected = np.asarray(seen, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape:
        return (
            f"{what}: expected shape {expected.shape} (one result per theta), got {seen.shape}.\n"
            f"How to fix: {fix}"
        )
    scale = np.maximum(np.abs(expected).reshape(len(expected), -1).max(axis=1), 1.0)
    error = np.abs(seen - expected).reshape(len(expected), -1).max(axis=1) / scale
    worst = int(np.argmax(error))
    if not error[worst] <= tolerance:
        return (
            f"{what} at theta = (Omega_m, h) = {tuple(np.asarray(thetas)[worst].tolist())}: "
            f"expected {expected[worst]}, got {seen[worst]} (relative error {error[worst]:.1e}, "
            f"tolerance {tolerance:.0e}).\nHow to fix: {fix}"
        )
    return None
