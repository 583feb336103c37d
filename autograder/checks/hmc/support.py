"""Comparing HMC steps with the reference, and naming the usual mistakes.

Because the key convention fixes every random number, a wrong step usually
matches one of a few well-known variants exactly: no Metropolis test, the
course reading's extra momentum kick, the two keys swapped, one key used for
both draws. Each is computed from the same keys (autograder/shipped/diagnosis_sampling.py,
which the public tests share); when the student's results match one, the
feedback says which.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ...checking.framework import Fail, Target
from ...shipped import diagnosis_sampling as sampling
from ..physics.dynamics_fixtures import reference_x64


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
            raise Fail(
                f"hmc_step should return a pair (theta_new, accepted); got {type(result).__name__}: {result!r:.120}"
            )
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


# -- the well-known variants (shared with the public tests: autograder/shipped/diagnosis_sampling.py)
def variant_results(case: StepCase, names=("swapped keys", "one key", "extra kick", "negated momentum")) -> list:
    """StepResults of the named well-known variants on ``case`` (parent side, float64)."""
    return [
        StepResults(*sampling.variant_steps(variant, case.seeds, case.thetas, case.log_prob, case.step_size,
                                            case.n_leapfrog))
        for variant in names
    ]


# -- the reference -------------------------------------------------------------------------
@functools.cache
def _jitted_reference_step(reference):
    return jax.jit(reference.hmc_step, static_argnums=(2, 4))


def reference_steps(reference, case: StepCase) -> StepResults:
    step = _jitted_reference_step(reference)
    with reference_x64():
        results = [
            step(jax.random.PRNGKey(seed), jnp.asarray(theta), case.log_prob, case.step_size, case.n_leapfrog)
            for theta, seed in zip(case.thetas, case.seeds)
        ]
        return StepResults(
            thetas=np.stack([np.asarray(t) for t, _ in results]), accepted=np.array([bool(a) for _, a in results])
        )


def evidence(seen: StepResults, case: StepCase) -> tuple:
    """The student's steps on ``case`` as diagnosis_sampling.matching_variant reads them."""
    return seen.thetas, seen.accepted, case.seeds, case.thetas, case.log_prob, case.step_size, case.n_leapfrog


def compare_steps(seen: StepResults, case: StepCase, expected: StepResults, *, tolerance: float = 1e-9,
                  note: str = "", more=()) -> str:
    """Same accept decisions as the reference's ``expected`` and positions within
    ``tolerance`` (max-normalised), else Fail (the verdict is shared with the public test).
    ``more``: the student's steps on other cases, to tell lookalike mistakes apart."""
    message = sampling.steps_verdict(
        seen.thetas, seen.accepted, expected.thetas, expected.accepted, label=case.label, thetas=case.thetas,
        seeds=case.seeds, log_prob=case.log_prob, step_size=case.step_size, n_leapfrog=case.n_leapfrog,
        tolerance=tolerance, note=note, more=more,
    )
    if message is not None:
        raise Fail(message)
    rate = float(np.mean(expected.accepted))
    return f"{case.label}: {len(case.seeds)} steps match the reference (acceptance {rate:.0%})."


def momentum_diagnosis(momentum, *, seed: int, d: int) -> str | None:
    """None if ``momentum`` is normal(split(key)[0]); else what completes "hmc_step's momentum ..."."""
    with reference_x64():
        key = jax.random.PRNGKey(seed)
        key_p, key_u = jax.random.split(key)
        candidates = {
            "convention": key_p,
            "is drawn with the SECOND key of split(key): the split order is swapped.": key_u,
            "is drawn with the unsplit `key` itself instead of `key_p`.": key,
        }
        draws = {label: np.asarray(jax.random.normal(k, (d,), jnp.float64)) for label, k in candidates.items()}
    if np.allclose(momentum, draws["convention"], rtol=1e-10, atol=1e-12):
        return None
    for label, draw in draws.items():
        if np.allclose(momentum, draw, rtol=1e-10, atol=1e-12):
            return label
    if np.allclose(momentum, -draws["convention"], rtol=1e-10, atol=1e-12):
        return "has its sign flipped: it is -jax.random.normal(key_p, ...)."
    return f"is not jax.random.normal(split(key)[0], (d,)) = {draws['convention']}."
