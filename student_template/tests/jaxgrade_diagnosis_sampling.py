"""Verdicts of the hmc assignment's public properties, and the mistakes they name.

Like ``diagnosis.py``: the grader's public checks call these functions on
what the sandboxed child sent back, and the student template ships this
module as ``tests/jaxgrade_diagnosis_sampling.py`` for its public tests to
call on what the student's code returned in-process, on the same keys and
inputs. The same mistake gets the same verdict and the same words.

The key convention makes an HMC step deterministic per key, so a wrong step
usually matches one of a few well-known variants exactly: no Metropolis test,
the course reading's extra momentum kick, the two keys swapped, one key for
both draws, no move out of a -inf start. Each is computed here (float64) from
the same keys; a step that matches one is named.
"""
from __future__ import annotations

import functools

import numpy as np

try:  # inside the autograder package
    from . import feedback
except ImportError:  # the student template's copy sits next to jaxgrade_feedback.py
    import jaxgrade_feedback as feedback


# -- the well-known variants of one HMC step ------------------------------------------
def hamiltonian(theta, p, log_prob):
    """H = -log_prob(theta) + |p|^2 / 2."""
    import jax.numpy as jnp

    return -log_prob(theta) + 0.5 * jnp.sum(p**2)


def trajectory(theta, p, log_prob, step_size, n_leapfrog, *, extra_kick):
    """n_leapfrog velocity-Verlet steps from (theta, p), each (d,); with ``extra_kick`` one half kick more."""
    import jax

    grad = jax.grad(log_prob)
    for _ in range(n_leapfrog):  # n_leapfrog is small
        p = p + step_size / 2 * grad(theta)
        theta = theta + step_size * p
        p = p + step_size / 2 * grad(theta)
    if extra_kick:  # the course reading's snippet: one more half kick at the end
        p = p + step_size / 2 * grad(theta)
    return theta, p


@functools.cache
def jitted_variant_steps():
    """``steps(variant, keys (k, 2), thetas (k, d), log_prob, step_size, n_leapfrog)``, jitted (built once)."""
    import jax
    import jax.numpy as jnp

    @functools.partial(jax.jit, static_argnums=(0, 3, 4, 5))
    def steps(variant: str, keys, thetas, log_prob, step_size, n_leapfrog):
        def one(key, theta):
            key_p, key_u = jax.random.split(key)
            if variant == "swapped keys":
                key_p, key_u = key_u, key_p
            elif variant == "one key":
                key_p = key_u = key
            p0 = jax.random.normal(key_p, theta.shape, theta.dtype)
            theta1, p1 = trajectory(theta, p0, log_prob, step_size, n_leapfrog, extra_kick=variant == "extra kick")
            h0, h1 = hamiltonian(theta, p0, log_prob), hamiltonian(theta1, p1, log_prob)
            log_ratio = h0 - h1
            accepted = jnp.isfinite(h1) & (jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio)
            if variant == "finite start only":
                accepted = accepted & jnp.isfinite(h0)
            if variant == "always accept":
                accepted = jnp.ones((), bool)
            return jnp.where(accepted, theta1, theta), accepted

        return jax.vmap(one)(keys, thetas)

    return steps


def variant_steps(variant: str, seeds, thetas, log_prob, step_size: float, n_leapfrog: int):
    """The variant's ``(theta_new (k, d), accepted (k,))`` for PRNGKey(seed) and start, float64, NumPy."""
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        keys = jnp.stack([jax.random.PRNGKey(int(seed)) for seed in seeds])
        new, accepted = jitted_variant_steps()(
            variant, keys, jnp.asarray(np.stack(thetas)), log_prob, float(step_size), int(n_leapfrog)
        )
        return np.asarray(new), np.asarray(accepted)


VARIANTS = {
    "always accept": "your step accepts every proposal: the Metropolis test is missing. Accept iff "
    "`jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio` (and H at the end is finite), "
    "else return theta0.",
    "extra kick": "your step matches the course reading's snippet, which applies one half kick too many at the "
    "end, so H at the end is wrong. Each of the n_leapfrog steps is half kick, drift, half kick, nothing more.",
    "swapped keys": "your step draws the momentum with the second key and the uniform with the first. Use "
    "`key_p, key_u = jax.random.split(key)` in that order.",
    "finite start only": "your step rejects every proposal from a start where the log-probability is -inf "
    "(H(theta0, p0) = +inf). The contract accepts iff H(theta1, p1) is finite and log(u) < log_ratio: from "
    "outside the prior log_ratio = +inf, so a proposal that ends inside is accepted and the chain moves in. "
    "Two usual causes: testing the start too (test only the end point: `accepted = jnp.isfinite(H1) & "
    "(log_u < H0 - H1)`), or a gradient that is NaN outside the prior, as finite differences of -inf are "
    "(use `jax.grad(log_prob_fn)`: where the density is flat at -inf its gradient is 0 and the momentum "
    "carries theta in).",
    "one key": "your step uses the same key for the momentum and the uniform draw (correlated random numbers). "
    "Split first: `key_p, key_u = jax.random.split(key)`.",
}
STEP_FIX = (
    "follow the spec's key convention and steps exactly: split, momentum from key_p in theta's dtype, "
    "n_leapfrog velocity-Verlet steps with jax.grad, H at both ends, accept iff H1 is finite and "
    "log(u) < log_ratio."
)


def matching_variant(seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog) -> str | None:
    """The explanation of the well-known variant the steps match exactly, if any."""
    for variant, explanation in VARIANTS.items():
        variant_thetas, accepted = variant_steps(variant, seeds, thetas, log_prob, step_size, n_leapfrog)
        if np.array_equal(accepted, seen_accepted) and np.allclose(variant_thetas, seen_thetas, rtol=1e-6, atol=1e-9):
            return explanation
    return None


def steps_verdict(seen_thetas, seen_accepted, expected_thetas, expected_accepted, *, label: str, thetas, seeds,
                  log_prob, step_size: float, n_leapfrog: int, tolerance: float = 1e-9, note: str = "") -> str | None:
    """hmc_step from each ``thetas[i]`` (d,) with PRNGKey(``seeds[i]``) against the reference.

    ``seen_thetas``/``expected_thetas``: (k, d); ``seen_accepted``/``expected_accepted``:
    (k,) bool. None when every accept decision agrees and every position is
    within ``tolerance`` (max-normalised), else expected / seen / how to fix.
    """
    seen_thetas, expected_thetas = np.asarray(seen_thetas), np.asarray(expected_thetas, dtype=np.float64)
    seen_accepted, expected_accepted = np.asarray(seen_accepted, dtype=bool), np.asarray(expected_accepted, dtype=bool)
    scale = max(float(np.max(np.abs(expected_thetas))), 1e-300)
    error = np.max(np.abs(seen_thetas.astype(np.float64) - expected_thetas), axis=1) / scale
    decided_differently = np.flatnonzero(seen_accepted != expected_accepted)
    off = decided_differently if decided_differently.size else np.flatnonzero(~(error <= tolerance))
    if not off.size:
        return None
    i = int(off[0])
    lines = [
        f"hmc_step on the {label} (step_size = {step_size}, n_leapfrog = {n_leapfrog}): "
        f"{len(decided_differently)} of {len(seeds)} accept decisions differ from the reference's, and "
        f"{int(np.sum(~(error <= tolerance)))} positions differ by more than {tolerance:.0e} (max-normalised).",
        f"  first difference: key PRNGKey({seeds[i]}), theta = {np.asarray(thetas[i]).tolist()}: expected "
        f"theta_new = {expected_thetas[i].tolist()}, accepted = {bool(expected_accepted[i])}; got "
        f"{seen_thetas[i].tolist()}, accepted = {bool(seen_accepted[i])}.",
    ]
    explanation = matching_variant(seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog)
    lines.append("How to fix: " + (explanation or STEP_FIX))
    if note:
        lines.append(note)
    return "\n".join(lines)


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


def chain_verdict(samples, rate, expected_samples, expected_rate: float, *, seed: int) -> str | None:
    """run_chain's ``samples`` (n, d) and ``rate`` against the reference's on PRNGKey(``seed``)."""
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
    message = feedback.compare_arrays(samples, expected_samples, what=what, tolerance=1e-9, fix=CHAIN_FIX)
    if message is not None:
        return message
    if abs(float(rate_array) - expected_rate) > 1e-12:
        return (
            f"accept_rate: expected {expected_rate:.6f} (the fraction of accepted steps), "
            f"got {float(rate_array):.6f}."
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
