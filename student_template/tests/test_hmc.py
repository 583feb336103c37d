"""Public tests for ``assignments/hmc.py`` (a subset of the graded checks)."""
import functools

import jax
import jax.numpy as jnp
import numpy as np
from jaxgrade_diagnosis_chain import (
    CHAIN_PROBE_SAMPLES,
    POSTERIOR_FIX,
    POSTERIOR_GRADIENT_FIX,
    chain_scan_verdict,
    chain_shape_verdict,
    chain_verdict,
    pointwise_verdict,
    posterior_shape_verdict,
)

from assignments import hmc as student
from assignments.jla import load_jla
from fixture_inputs import gaussian_in_box_log_prob, gaussian_log_prob, load_fixture, standard_normal_log_prob
from jaxgrade_diagnosis_sampling import steps_verdict
from public_helpers import assert_close, assert_dtype, assert_finite, graded_as, primitive_names, program_stats, require

FIXTURE = load_fixture("hmc")
STEP_SIZE = float(FIXTURE["step_size"])
N_LEAPFROG = int(FIXTURE["n_leapfrog"])
N_SAMPLES = int(FIXTURE["n_samples"])

# Compiled once and shared by the tests below: compiling a whole function is
# much faster than running it operation by operation.
log_posterior = jax.jit(student.log_posterior)
posterior_gradient = jax.jit(jax.grad(student.log_posterior))
hmc_step = jax.jit(student.hmc_step, static_argnames=("log_prob_fn", "n_leapfrog"))
run_chain = jax.jit(student.run_chain, static_argnames=("log_prob_fn", "n_leapfrog", "n_samples"))

# The graded checks' own targets: built once, so each compiles once.
GAUSSIAN = gaussian_log_prob(FIXTURE["gaussian_mean"], FIXTURE["gaussian_precision"])
GAUSSIAN_IN_BOX = gaussian_in_box_log_prob(
    FIXTURE["gaussian_mean"], FIXTURE["gaussian_precision"], FIXTURE["box_lower"], FIXTURE["box_upper"]
)


def model_mu(theta, z):
    """mu(z) read off log_posterior with one bin, mu_obs = 0 and unit variance.

    Then log_posterior = -mu(z)^2 / 2, so mu(z) = sqrt(-2 log_posterior).
    """
    value = log_posterior(jnp.asarray(theta), jnp.asarray([z]), jnp.zeros(1), jnp.eye(1))
    return float(np.sqrt(-2.0 * float(value)))


STEP_PROBLEMS = {"gaussian": GAUSSIAN, "box": GAUSSIAN_IN_BOX}
"""The fixture's cases for hmc_step (prefixes of its arrays) and their log-densities."""


@functools.cache
def steps_evidence(prefix: str) -> tuple:
    """hmc_step for the fixture's case ``prefix``, one step per (start, key), with the case's settings."""
    thetas, seeds = FIXTURE[f"{prefix}_thetas"], [int(seed) for seed in FIXTURE[f"{prefix}_seeds"]]
    step_size, n_leapfrog = float(FIXTURE[f"{prefix}_step_size"]), int(FIXTURE[f"{prefix}_n_leapfrog"])
    log_prob = STEP_PROBLEMS[prefix]
    results = [
        hmc_step(jax.random.PRNGKey(seed), jnp.asarray(theta), log_prob, step_size, n_leapfrog)
        for theta, seed in zip(thetas, seeds)
    ]
    seen_thetas = np.stack([np.asarray(theta) for theta, _ in results])
    seen_accepted = np.array([bool(accepted) for _, accepted in results])
    return seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog


def steps_problem(prefix: str, *, others=()):
    """The graded verdict on hmc_step for the fixture's case ``prefix``.

    ``others``: the fixture's other cases, which tell lookalike mistakes apart.
    """
    seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog = steps_evidence(prefix)
    return steps_verdict(
        seen_thetas, seen_accepted, FIXTURE[f"{prefix}_expected_thetas"], FIXTURE[f"{prefix}_expected_accepted"],
        label=str(FIXTURE[f"{prefix}_label"]), thetas=thetas, seeds=seeds, log_prob=log_prob,
        step_size=step_size, n_leapfrog=n_leapfrog, more=lambda: [steps_evidence(other) for other in others],
    )


@functools.cache
def gaussian_step_problem():
    """The verdict on hmc_step on the Gaussian (None: right), computed once: run_chain's tests depend on it."""
    return steps_problem("gaussian", others=("box",))


@graded_as("gaussian_steps")
def test_gaussian_steps_match_reference():
    require(gaussian_step_problem())
    # The contract: a chain started outside the prior (log-probability -inf) can move in.
    require(steps_problem("box", others=("gaussian",)))


@graded_as("chain_matches")
def test_chain_matches_reference():
    mean = jnp.asarray(FIXTURE["gaussian_mean"])
    stats = [
        program_stats(jax.make_jaxpr(lambda key, theta, n=n: student.run_chain(key, theta, GAUSSIAN, 0.5, 2, n))(
            jax.random.PRNGKey(0), mean))
        for n in CHAIN_PROBE_SAMPLES
    ]
    n_samples, seed = int(FIXTURE["chain_check_n_samples"]), int(FIXTURE["chain_check_seed"])
    require(chain_scan_verdict(stats, n_samples))
    samples, rate = run_chain(jax.random.PRNGKey(seed), mean, GAUSSIAN, float(FIXTURE["chain_check_step_size"]),
                              int(FIXTURE["chain_check_n_leapfrog"]), n_samples)
    require(chain_shape_verdict(samples, n_samples, 2))
    require(chain_verdict(np.asarray(samples), np.asarray(rate), FIXTURE["chain_check_samples"],
                          float(FIXTURE["chain_check_accept_rate"]), seed=seed, theta0=FIXTURE["gaussian_mean"],
                          step_is_wrong=gaussian_step_problem() is not None))


@graded_as("posterior_inside")
def test_posterior_inside_the_prior_matches_reference():
    z, mu, cov = (jnp.asarray(a) for a in load_jla())
    thetas = jnp.asarray(FIXTURE["inside_prior_thetas"])
    values = jax.jit(jax.vmap(student.log_posterior, in_axes=(0, None, None, None)))(thetas, z, mu, cov)
    require(posterior_shape_verdict(values, len(thetas)))
    require(pointwise_verdict(values, FIXTURE["inside_prior_values"], thetas, what="log_posterior",
                              tolerance=1e-10, fix=POSTERIOR_FIX))
    grads = jax.jit(jax.vmap(jax.grad(student.log_posterior), in_axes=(0, None, None, None)))(thetas, z, mu, cov)
    require(pointwise_verdict(grads, FIXTURE["inside_prior_grads"], thetas, what="jax.grad(log_posterior)",
                              tolerance=1e-8, fix=POSTERIOR_GRADIENT_FIX))


def test_worked_example_distance_modulus():
    # The handout's worked example: Pen's formula at z = 0.5, Omega_m = 0.3, h = 0.7.
    mu = model_mu([0.3, 0.7], 0.5)
    assert abs(mu - 42.267) < 5e-4, (
        f"distance modulus at z = 0.5, Omega_m = 0.3, h = 0.7: expected 42.267 (Pen's formula), "
        f"saw {mu:.4f}. Check eta(a), D_L = (c / H0)(1 + z)[eta(1) - eta(1/(1+z))] with H0 = 100 h, "
        "and mu = 25 + 5 log10(D_L / Mpc)."
    )
    assert_close(mu, FIXTURE["worked_mu"], what="mu(z = 0.5) at the worked example", tolerance=1e-10)


def test_prior_edges_are_outside():
    z, mu, cov = (jnp.asarray(a) for a in load_jla())
    inside = log_posterior(jnp.asarray([0.3, 0.7]), z, mu, cov)
    assert_finite(inside, what="log_posterior at (Omega_m, h) = (0.3, 0.7)")
    for theta in ([1.0, 0.7], [0.0, 0.7], [0.3, 0.5], [0.3, 0.9], [1.2, 0.7]):
        value = float(log_posterior(jnp.asarray(theta), z, mu, cov))
        assert value == -np.inf, (
            f"log_posterior at (Omega_m, h) = {tuple(theta)}: expected -inf (outside the open prior "
            f"box 0 < Omega_m < 1, 0.5 < h < 0.9, edges excluded), saw {value}. Use jnp.where on the "
            "prior condition; a Python `if` on traced values fails under jit."
        )


def test_posterior_matches_reference_values():
    z, mu, cov = (jnp.asarray(a) for a in load_jla())
    values = [log_posterior(jnp.asarray(t), z, mu, cov) for t in FIXTURE["posterior_thetas"]]
    assert_close(jnp.stack(values), FIXTURE["posterior_values"], what="log_posterior on the JLA bins",
                 tolerance=1e-9, fix="-1/2 r^T C^-1 r with r = mu_obs - mu(z), through a Cholesky solve.")
    gradient = posterior_gradient(jnp.asarray(FIXTURE["posterior_thetas"][0]), z, mu, cov)
    assert_close(gradient, FIXTURE["posterior_grad"], what="jax.grad of log_posterior", tolerance=1e-8)


def test_hmc_step_matches_reference():
    theta0 = jnp.asarray(FIXTURE["theta0"])
    seed = int(FIXTURE["step_key_seed"])
    theta1, accepted = hmc_step(jax.random.PRNGKey(seed), theta0, standard_normal_log_prob, STEP_SIZE, N_LEAPFROG)
    require(steps_verdict(
        np.asarray(theta1)[None], np.asarray([bool(accepted)]), FIXTURE["step_theta"][None],
        np.asarray([bool(FIXTURE["step_accepted"])]), label="standard normal", thetas=[FIXTURE["theta0"]],
        seeds=[seed], log_prob=standard_normal_log_prob, step_size=STEP_SIZE, n_leapfrog=N_LEAPFROG, tolerance=1e-10,
    ))
    typed, typed_accepted = hmc_step(jax.random.key(seed), theta0, standard_normal_log_prob, STEP_SIZE, N_LEAPFROG)
    assert np.array_equal(np.asarray(typed), np.asarray(theta1)) and bool(typed_accepted) == bool(accepted), (
        f"hmc_step with the typed key jax.random.key({seed}) gave {np.asarray(typed).tolist()} (accepted = "
        f"{bool(typed_accepted)}); with jax.random.PRNGKey({seed}), which holds the same random bits, "
        f"{np.asarray(theta1).tolist()}. How to fix: treat the key as opaque: only pass it to jax.random "
        "functions (split, normal, uniform); do not index it or read its shape."
    )


def test_run_chain_matches_reference():
    samples, accept_rate = run_chain(
        jax.random.PRNGKey(int(FIXTURE["chain_key_seed"])), jnp.asarray(FIXTURE["theta0"]),
        standard_normal_log_prob, STEP_SIZE, N_LEAPFROG, N_SAMPLES,
    )
    require(chain_shape_verdict(samples, N_SAMPLES, len(FIXTURE["theta0"])))
    require(chain_verdict(np.asarray(samples), np.asarray(accept_rate), FIXTURE["chain_samples"],
                          float(FIXTURE["chain_accept_rate"]), seed=int(FIXTURE["chain_key_seed"]),
                          theta0=FIXTURE["theta0"], step_is_wrong=gaussian_step_problem() is not None))


def test_float32_in_float32_out():
    theta0 = jnp.asarray(FIXTURE["theta0"], jnp.float32)
    theta1, accepted = hmc_step(jax.random.PRNGKey(0), theta0, standard_normal_log_prob, STEP_SIZE, N_LEAPFROG)
    assert_dtype(theta1, jnp.float32, what="hmc_step of a float32 theta")
    assert_dtype(accepted, jnp.bool_, what="hmc_step: accepted")


def test_run_chain_is_built_on_scan():
    theta0 = jnp.asarray(FIXTURE["theta0"])
    jaxpr = jax.make_jaxpr(
        lambda key, theta: student.run_chain(key, theta, standard_normal_log_prob, STEP_SIZE, N_LEAPFROG, 5)
    )(jax.random.PRNGKey(0), theta0)
    assert "scan" in primitive_names(jaxpr), (
        "run_chain: expected a `scan` in the traced program, found none. Loop over samples with "
        "jax.lax.scan over the split keys, not a Python for loop."
    )
