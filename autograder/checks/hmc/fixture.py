"""The hmc public tests' fixture: reference answers on fixed inputs (tests/fixtures/hmc.npz).

Computed by ``jaxgrade regenerate`` with 64-bit mode on; the public checks'
twins in the public tests read the same problems the graded checks pose.
"""
from __future__ import annotations

import numpy as np

from . import cases
from .support import reference_steps


def public_fixture(*, reference, inputs):
    """Reference answers on fixed inputs for tests/fixtures/hmc.npz (name -> array)."""
    import jax

    from solutions import jla

    # Compiled whole: running HMC operation by operation is many times slower.
    hmc_step = jax.jit(reference.hmc_step, static_argnames=("log_prob_fn", "n_leapfrog"))
    run_chain = jax.jit(reference.run_chain, static_argnames=("log_prob_fn", "n_leapfrog", "n_samples"))
    log_posterior = jax.jit(reference.log_posterior)
    theta0 = np.asarray([0.8, -0.4])
    step_size, n_leapfrog, n_samples = 0.4, 6, 40
    log_prob = inputs.standard_normal_log_prob
    theta1, accepted = hmc_step(jax.random.PRNGKey(7), theta0, log_prob, step_size, n_leapfrog)
    samples, accept_rate = run_chain(jax.random.PRNGKey(11), theta0, log_prob, step_size, n_leapfrog, n_samples)
    z, mu, cov = jla.load_jla()
    thetas = np.asarray([[0.3, 0.7], [0.25, 0.72], [0.35, 0.68]])
    worked_theta = np.asarray([0.3, 0.7])
    # mu(z) read off log_posterior with one bin of unit variance: with mu_obs = 0 it is -mu^2 / 2, mu > 0.
    single_bin = log_posterior(worked_theta, np.asarray([0.5]), np.asarray([0.0]), np.eye(1))
    return {
        "theta0": theta0, "step_size": np.float64(step_size),
        "n_leapfrog": np.int64(n_leapfrog), "n_samples": np.int64(n_samples),
        "step_key_seed": np.int64(7), "chain_key_seed": np.int64(11),
        "step_theta": np.asarray(theta1), "step_accepted": np.asarray(accepted),
        "chain_samples": np.asarray(samples), "chain_accept_rate": np.asarray(accept_rate),
        "posterior_thetas": thetas,
        "posterior_values": np.asarray([log_posterior(t, z, mu, cov) for t in thetas]),
        "posterior_grad": np.asarray(jax.jit(jax.grad(reference.log_posterior))(thetas[0], z, mu, cov)),
        "worked_theta": worked_theta,
        "worked_mu": np.sqrt(-2.0 * np.asarray(single_bin)),
        **_public_check_fixture(reference, inputs),
    }


def _public_check_fixture(reference, inputs) -> dict:
    """The public checks' own problems and the reference's answers, for their twins in the public tests.

    The same starts, keys and settings as the graded checks; the log-densities
    are those of fixture_inputs.py (the same formulas as the grader's targets).
    """
    import jax

    mean, precision = cases.GAUSSIAN_MEAN, cases.GAUSSIAN_PRECISION
    gaussian = inputs.gaussian_log_prob(mean, precision)
    box = inputs.gaussian_in_box_log_prob(mean, precision, cases.BOX_LOWER, cases.BOX_UPPER)
    arrays = {"gaussian_mean": mean, "gaussian_precision": precision,
              "box_lower": cases.BOX_LOWER, "box_upper": cases.BOX_UPPER}
    for prefix, case in (("gaussian", cases.gaussian_case()._replace(log_prob=gaussian)),
                         ("box", cases.outside_prior_case()._replace(log_prob=box))):
        expected = reference_steps(reference, case)
        arrays.update({
            f"{prefix}_label": np.asarray(case.label), f"{prefix}_thetas": np.stack(case.thetas),
            f"{prefix}_seeds": np.asarray(case.seeds), f"{prefix}_step_size": np.float64(case.step_size),
            f"{prefix}_n_leapfrog": np.int64(case.n_leapfrog),
            f"{prefix}_expected_thetas": expected.thetas, f"{prefix}_expected_accepted": expected.accepted,
        })
    chain = jax.jit(reference.run_chain, static_argnames=("log_prob_fn", "n_leapfrog", "n_samples"))
    samples, rate = chain(jax.random.PRNGKey(cases.CHAIN["seed"]), mean, gaussian, cases.CHAIN["step_size"],
                          cases.CHAIN["n_leapfrog"], cases.CHAIN["n_samples"])
    arrays.update({
        "chain_check_seed": np.int64(cases.CHAIN["seed"]),
        "chain_check_step_size": np.float64(cases.CHAIN["step_size"]),
        "chain_check_n_leapfrog": np.int64(cases.CHAIN["n_leapfrog"]),
        "chain_check_n_samples": np.int64(cases.CHAIN["n_samples"]),
        "chain_check_samples": np.asarray(samples), "chain_check_accept_rate": np.asarray(rate),
    })
    values, grads = cases.reference_posterior(reference)
    arrays.update({"inside_prior_thetas": cases.INSIDE_PRIOR, "inside_prior_values": values,
                   "inside_prior_grads": grads})
    return arrays
