"""Comparing HMC steps with the reference, and naming the usual mistakes.

Because the key convention fixes every random number, a wrong step usually
matches one of a few well-known variants exactly: no Metropolis test, the
course reading's extra momentum kick, the two keys swapped, one key used for
both draws. Each is computed here from the same keys; when the student's
results match one, the feedback says which.
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .dynamics_fixtures import reference_x64
from .framework import Fail, Target


class StepCase(NamedTuple):
    """HMC steps to compare: one per (theta, seed), same target and settings."""

    label: str
    target: Target  # the log-density as the child builds it
    log_prob: Callable  # the same log-density for the reference, in the parent
    thetas: list  # starting points, each (d,)
    seeds: list  # PRNGKey seeds, one per start
    step_size: float
    n_leapfrog: int


class StepResults(NamedTuple):
    thetas: np.ndarray  # (k, d), the dtype the student returned
    accepted: np.ndarray  # (k,) bool


def require_step_results(raw, *, count: int, dim: int) -> StepResults:
    """Validate ``[(theta_new, accepted), ...]`` from the child; Fail with a teaching message."""
    thetas, accepted = [], []
    for result in raw if isinstance(raw, list) else []:
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise Fail(f"hmc_step should return a pair (theta_new, accepted); got {type(result).__name__}: {result!r:.120}")
        theta, flag = np.asarray(result[0]), np.asarray(result[1])
        if theta.shape != (dim,):
            raise Fail(f"hmc_step's theta_new: expected shape ({dim},) like theta, got {theta.shape}.")
        if flag.shape != () or flag.dtype != np.bool_:
            raise Fail(
                f"hmc_step's accepted: expected a boolean scalar array, got dtype {flag.dtype} and shape {flag.shape}. "
                "Return the comparison itself, e.g. `accepted = jnp.isfinite(h1) & (log_u < log_ratio)`."
            )
        thetas.append(theta)
        accepted.append(bool(flag))
    if len(thetas) != count:
        raise Fail(f"expected {count} results from hmc_step, got {len(thetas)}.")
    return StepResults(thetas=np.stack(thetas), accepted=np.array(accepted))


# -- the reference and its well-known variants ---------------------------------------
def _hamiltonian(theta, p, log_prob):
    return -log_prob(theta) + 0.5 * jnp.sum(p**2)


def _trajectory(theta, p, log_prob, step_size, n_leapfrog, *, extra_kick):
    grad = jax.grad(log_prob)
    for _ in range(n_leapfrog):  # parent-side fixture: n_leapfrog is small
        p = p + step_size / 2 * grad(theta)
        theta = theta + step_size * p
        p = p + step_size / 2 * grad(theta)
    if extra_kick:  # the course reading's snippet: one more half kick at the end
        p = p + step_size / 2 * grad(theta)
    return theta, p


@functools.partial(jax.jit, static_argnums=(0, 3, 4, 5))
def _variant_steps(variant: str, keys, thetas, log_prob, step_size, n_leapfrog):
    """The variant's (theta_new, accepted) for each key and start; keys (k, 2), thetas (k, d)."""

    def one(key, theta):
        key_p, key_u = jax.random.split(key)
        if variant == "swapped keys":
            key_p, key_u = key_u, key_p
        elif variant == "one key":
            key_p = key_u = key
        p0 = jax.random.normal(key_p, theta.shape, theta.dtype)
        theta1, p1 = _trajectory(theta, p0, log_prob, step_size, n_leapfrog, extra_kick=variant == "extra kick")
        h0, h1 = _hamiltonian(theta, p0, log_prob), _hamiltonian(theta1, p1, log_prob)
        log_ratio = h0 - h1
        accepted = jnp.isfinite(h1) & (jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio)
        if variant == "finite start only":
            accepted = accepted & jnp.isfinite(h0)
        if variant == "always accept":
            accepted = jnp.ones((), bool)
        return jnp.where(accepted, theta1, theta), accepted

    return jax.vmap(one)(keys, thetas)


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


def variant_results(case: StepCase, names=("swapped keys", "one key", "extra kick")) -> list:
    """StepResults of the named well-known variants on ``case`` (parent side, float64)."""
    with reference_x64():
        keys = jnp.stack([jax.random.PRNGKey(seed) for seed in case.seeds])
        thetas = jnp.asarray(np.stack(case.thetas))
        results = []
        for variant in names:
            new, accepted = _variant_steps(variant, keys, thetas, case.log_prob, case.step_size, case.n_leapfrog)
            results.append(StepResults(thetas=np.asarray(new), accepted=np.asarray(accepted)))
        return results


def _matching_variant(seen: StepResults, case: StepCase) -> str | None:
    with reference_x64():
        keys = jnp.stack([jax.random.PRNGKey(seed) for seed in case.seeds])
        thetas = jnp.asarray(np.stack(case.thetas))
        for variant, explanation in VARIANTS.items():
            variant_thetas, accepted = _variant_steps(variant, keys, thetas, case.log_prob, case.step_size, case.n_leapfrog)
            if np.array_equal(np.asarray(accepted), seen.accepted) and np.allclose(
                np.asarray(variant_thetas), seen.thetas, rtol=1e-6, atol=1e-9
            ):
                return explanation
    return None


@functools.lru_cache(maxsize=None)
def _jitted_reference_step(reference):
    return jax.jit(reference.hmc_step, static_argnums=(2, 4))


def reference_steps(reference, case: StepCase) -> StepResults:
    step = _jitted_reference_step(reference)
    with reference_x64():
        results = [
            step(jax.random.PRNGKey(seed), jnp.asarray(theta), case.log_prob, case.step_size, case.n_leapfrog)
            for theta, seed in zip(case.thetas, case.seeds)
        ]
        return StepResults(thetas=np.stack([np.asarray(t) for t, _ in results]), accepted=np.array([bool(a) for _, a in results]))


def compare_steps(seen: StepResults, case: StepCase, expected: StepResults, *, tolerance: float = 1e-9, note: str = "") -> str:
    """Same accept decisions as the reference's ``expected`` and positions within
    ``tolerance`` (max-normalised), else Fail."""
    scale = max(float(np.max(np.abs(expected.thetas))), 1e-300)
    error = np.max(np.abs(seen.thetas.astype(np.float64) - expected.thetas), axis=1) / scale
    decided_differently = np.flatnonzero(seen.accepted != expected.accepted)
    off = decided_differently if decided_differently.size else np.flatnonzero(~(error <= tolerance))
    if off.size:
        i = int(off[0])
        lines = [
            f"hmc_step on the {case.label} (step_size = {case.step_size}, n_leapfrog = {case.n_leapfrog}): "
            f"{len(decided_differently)} of {len(case.seeds)} accept decisions differ from the reference's, and "
            f"{int(np.sum(~(error <= tolerance)))} positions differ by more than {tolerance:.0e} (max-normalised).",
            f"  first difference: key PRNGKey({case.seeds[i]}), theta = {np.asarray(case.thetas[i]).tolist()}: expected "
            f"theta_new = {expected.thetas[i].tolist()}, accepted = {bool(expected.accepted[i])}; got "
            f"{seen.thetas[i].tolist()}, accepted = {bool(seen.accepted[i])}.",
        ]
        explanation = _matching_variant(seen, case)
        lines.append(
            "How to fix: " + (explanation or "follow the spec's key convention and steps exactly: split, momentum from "
            "key_p in theta's dtype, n_leapfrog velocity-Verlet steps with jax.grad, H at both ends, accept iff "
            "H1 is finite and log(u) < log_ratio.")
        )
        if note:
            lines.append(note)
        raise Fail("\n".join(lines))
    rate = float(np.mean(expected.accepted))
    return f"{case.label}: {len(case.seeds)} steps match the reference (acceptance {rate:.0%})."


def momentum_diagnosis(momentum, *, seed: int, d: int) -> str | None:
    """None if ``momentum`` is normal(split(key)[0]); else which draw it matches."""
    with reference_x64():
        key = jax.random.PRNGKey(seed)
        key_p, key_u = jax.random.split(key)
        candidates = {
            "convention": key_p,
            "it was drawn with the SECOND key of split(key): the split order is swapped.": key_u,
            "it was drawn with the unsplit key itself, which the uniform draw must not share.": key,
        }
        draws = {label: np.asarray(jax.random.normal(k, (d,), jnp.float64)) for label, k in candidates.items()}
    if np.allclose(momentum, draws["convention"], rtol=1e-10, atol=1e-12):
        return None
    for label, draw in draws.items():
        if np.allclose(momentum, draw, rtol=1e-10, atol=1e-12):
            return label
    return f"expected {draws['convention']} = jax.random.normal(split(key)[0], (d,), float64)."
