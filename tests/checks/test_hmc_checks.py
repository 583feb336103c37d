"""The hmc checks' own claims: every reference accept decision is far from
its threshold, the cases mix accepts and rejects, the chain bounds hold for
the reference and not without a Metropolis test, and the diagnoses name the
mistakes they claim to."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import solutions.hmc as reference
from autograder.checks.hmc import cases as checks
from autograder.checks.hmc import support
from autograder.checks.physics import dynamics_fixtures as fx
from autograder.child import targets
from autograder.shipped import diagnosis_sampling as sampling


def _cases():
    return {
        "gaussian": checks.gaussian_case(),
        "banana64": checks.banana_case(),
        "banana32": checks.banana_case(np.float32),
        "supernova": checks.supernova_case(reference),
        "outside prior": checks.outside_prior_case(),
        "diverging": checks.diverging_case(),
    }


def _decision_margins(case):
    """|log u - log_ratio| for each reference step (inf when H1 is not finite)."""
    margins = []
    with fx.reference_x64():
        for theta, seed in zip(case.thetas, case.seeds):
            key_p, key_u = jax.random.split(jax.random.PRNGKey(seed))
            theta = jnp.asarray(theta)
            p0 = jax.random.normal(key_p, theta.shape, theta.dtype)
            theta1, p1 = sampling.trajectory(
                theta, p0, case.log_prob, case.step_size, case.n_leapfrog, extra_kick=False
            )
            h1 = sampling.hamiltonian(theta1, p1, case.log_prob)
            log_ratio = sampling.hamiltonian(theta, p0, case.log_prob) - h1
            log_u = jnp.log(jax.random.uniform(key_u, dtype=theta.dtype))
            margins.append(float(jnp.abs(log_u - log_ratio)) if jnp.isfinite(h1) else np.inf)
    return np.array(margins)


@pytest.mark.parametrize("name", ["gaussian", "banana64", "banana32", "supernova", "outside prior", "diverging"])
def test_reference_decisions_are_far_from_their_threshold(name):
    assert _decision_margins(_cases()[name]).min() >= 0.03


@pytest.mark.parametrize("name", ["gaussian", "banana64", "banana32", "supernova", "outside prior", "diverging"])
def test_cases_mix_accepted_and_rejected_steps(name):
    accepted = support.reference_steps(reference, _cases()[name]).accepted
    assert 0.2 <= accepted.mean() <= 0.9, accepted


def test_reference_chain_meets_the_bounds_with_margin():
    samples, rate = checks.reference_chain(reference)
    bounds = checks.chain_bounds()
    mean_error = np.abs(samples.mean(axis=0) - checks.GAUSSIAN_MEAN) / np.sqrt(np.diag(checks.GAUSSIAN_COV))
    scale = np.sqrt(np.outer(np.diag(checks.GAUSSIAN_COV), np.diag(checks.GAUSSIAN_COV)))
    cov_error = np.abs(np.cov(samples.T) - checks.GAUSSIAN_COV) / scale
    assert mean_error.max() < bounds["mean"] / 2 and cov_error.max() < bounds["cov"] / 2
    assert 0.5 < rate < 0.9


def test_a_chain_without_metropolis_breaks_the_bounds():
    case = checks.gaussian_case()._replace(step_size=checks.CHAIN["step_size"], n_leapfrog=checks.CHAIN["n_leapfrog"])
    keys = jax.random.split(jax.random.PRNGKey(checks.CHAIN["seed"]), checks.CHAIN["n_samples"])
    with fx.reference_x64():
        theta, samples = jnp.asarray(checks.GAUSSIAN_MEAN), []
        for key in keys:
            thetas, _, _ = sampling.jitted_all_variants()(
                key[None], theta[None], case.log_prob, case.step_size, case.n_leapfrog
            )["always accept"]
            theta = thetas[0]
            samples.append(np.asarray(theta))
    scale = np.sqrt(np.outer(np.diag(checks.GAUSSIAN_COV), np.diag(checks.GAUSSIAN_COV)))
    cov_error = np.abs(np.cov(np.array(samples).T) - checks.GAUSSIAN_COV) / scale
    assert cov_error.max() > 3 * checks.chain_bounds()["cov"]


def test_momentum_diagnosis_names_swapped_and_unsplit_keys():
    seed, d = 5, 3
    key = jax.random.PRNGKey(seed)
    key_p, key_u = jax.random.split(key)
    with fx.reference_x64():
        draw = {
            k: np.asarray(jax.random.normal(v, (d,), jnp.float64))
            for k, v in (("p", key_p), ("u", key_u), ("key", key))
        }
    assert support.momentum_diagnosis(draw["p"], seed=seed, d=d) is None
    assert "SECOND key" in support.momentum_diagnosis(draw["u"], seed=seed, d=d)
    assert "unsplit" in support.momentum_diagnosis(draw["key"], seed=seed, d=d)


def test_custom_gradient_target_moves_the_reference_by_the_constant_force_formula():
    flat = support.reference_steps(reference, checks.flat_case(custom_gradient=False))
    pushed = support.reference_steps(reference, checks.flat_case(custom_gradient=True))
    case = checks.flat_case(custom_gradient=True)
    assert flat.accepted.all() and pushed.accepted.all()
    expected = (case.n_leapfrog * case.step_size) ** 2 / 2 * checks.FLAT_SLOPE
    np.testing.assert_allclose(pushed.thetas - flat.thetas, np.broadcast_to(expected, flat.thetas.shape), rtol=1e-9)


def test_custom_gradient_target_has_a_zero_numerical_derivative():
    with fx.reference_x64():
        log_prob = targets.build("flat_custom_gradient", slope=jnp.asarray(checks.FLAT_SLOPE))
        theta, h = jnp.array([0.3, -0.2, 0.1]), 1e-4
        numerical = [(log_prob(theta + h * e) - log_prob(theta - h * e)) / (2 * h) for e in jnp.eye(3)]
        np.testing.assert_array_equal(np.asarray(numerical), 0.0)
        np.testing.assert_array_equal(np.asarray(jax.grad(log_prob)(theta)), checks.FLAT_SLOPE)


def test_parent_log_densities_mirror_the_child_targets():
    theta = jnp.array([0.7, -1.2])
    with fx.reference_x64():
        mean, precision = jnp.asarray(checks.GAUSSIAN_MEAN), jnp.asarray(checks.GAUSSIAN_PRECISION)
        assert float(targets.build("gaussian", mean=mean, precision=precision)(theta)) == float(
            fx.gaussian_log_prob(checks.GAUSSIAN_MEAN, checks.GAUSSIAN_PRECISION)(theta)
        )
        assert float(targets.build("banana", b=0.1, scale=10.0)(theta)) == float(fx.banana_log_prob(0.1, 10.0)(theta))


def test_outside_prior_case_starts_at_minus_infinity_and_some_chains_move_in():
    case = checks.outside_prior_case()
    with fx.reference_x64():
        assert all(float(case.log_prob(jnp.asarray(theta))) == -np.inf for theta in case.thetas)
        inside = targets.build("gaussian_in_box", **{k: jnp.asarray(v) for k, v in case.target.params.items()})
        assert float(inside(jnp.asarray(checks.GAUSSIAN_MEAN))) == float(
            case.log_prob(jnp.asarray(checks.GAUSSIAN_MEAN))
        )
    steps = support.reference_steps(reference, case)
    assert steps.accepted.any() and not steps.accepted.all()
    with fx.reference_x64():  # the target's compiled pieces are float64: call them in the same mode
        assert np.all(np.isfinite([float(case.log_prob(jnp.asarray(t))) for t in steps.thetas[steps.accepted]]))


def test_a_step_that_rejects_non_finite_starts_is_caught_and_named():
    """From outside the prior it looks like a flipped Metropolis sign; the Gaussian (where it is right) tells."""
    case, gaussian = checks.outside_prior_case(), checks.gaussian_case()

    def steps_of(problem):
        thetas, accepted = sampling.variant_steps("finite start only", problem.seeds, problem.thetas,
                                                  problem.log_prob, problem.step_size, problem.n_leapfrog)
        return support.StepResults(thetas=thetas, accepted=accepted)

    with pytest.raises(Exception) as caught:
        support.compare_steps(steps_of(case), case, support.reference_steps(reference, case),
                              more=[support.evidence(steps_of(gaussian), gaussian)])
    assert "rejects every proposal from a start where the log-probability is -inf" in str(caught.value)


def test_prior_points_are_inside_and_outside_as_labelled():
    values, grads = checks.reference_posterior(reference)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))
    z, mu, cov = checks.jla_data()
    with fx.reference_x64():
        outside = [float(reference.log_posterior(jnp.asarray(t), z, mu, cov)) for t in checks.OUTSIDE_PRIOR]
    assert all(v == -np.inf for v in outside)


def test_the_diverging_case_diverges_and_the_reference_returns_theta0():
    """Four proposals are NaN (paths crossing theta = 0); the reference rejects them and
    returns theta0 bit for bit, where a blend returns NaN."""
    case = checks.diverging_case()
    with fx.reference_x64():
        ends = [sampling.trajectory(jnp.asarray(theta), jax.random.normal(jax.random.split(jax.random.PRNGKey(seed))[0],
                                                                          (2,), jnp.float64),
                                    case.log_prob, case.step_size, case.n_leapfrog, extra_kick=False)[0]
                for theta, seed in zip(case.thetas, case.seeds)]
    diverged = np.array([not np.all(np.isfinite(np.asarray(end))) for end in ends])
    assert diverged.sum() >= 3, diverged
    steps = support.reference_steps(reference, case)
    assert not steps.accepted[diverged].any()
    assert np.array_equal(steps.thetas[diverged], np.stack(case.thetas)[diverged])
    blended = np.stack(case.thetas) + 0.0 * (np.stack([np.asarray(e) for e in ends]) - np.stack(case.thetas))
    assert np.isnan(blended[diverged]).any(axis=1).all()  # the component that crossed 0


@pytest.mark.parametrize("variant", sorted(sampling.VARIANTS))
def test_each_known_mistake_is_named_on_the_first_line(variant):
    """A step made with the mistake is named by it, on the case where it shows (the Gaussian, or the
    starts outside a box prior), with the other case as the evidence that tells lookalikes apart."""
    gaussian, outside = checks.gaussian_case(), checks.outside_prior_case()

    def made_with_mistake(case):
        thetas, accepted = sampling.variant_steps(variant, case.seeds, case.thetas, case.log_prob, case.step_size,
                                                  case.n_leapfrog)
        return support.StepResults(thetas=thetas, accepted=accepted)

    messages = []
    for case, other in ((gaussian, outside), (outside, gaussian)):
        try:
            support.compare_steps(made_with_mistake(case), case, support.reference_steps(reference, case),
                                  more=[support.evidence(made_with_mistake(other), other)])
        except Exception as failure:  # noqa: BLE001 - Fail carries the message
            messages.append(str(failure))
    assert messages, f"{variant}: neither case catches it"
    first_line = messages[0].splitlines()[0]
    assert first_line.startswith("hmc_step on the ") and sampling.VARIANTS[variant][0] in first_line, first_line


def test_a_case_changed_by_one_check_is_unchanged_for_the_next():
    """The cases are built once per process (for reuse across students); each caller gets its own starts."""
    from autograder.checks.hmc import cases

    first = cases.gaussian_case()
    first.thetas[0][:] = 99.0
    first.seeds.append(7)
    again = cases.gaussian_case()
    assert again.log_prob is first.log_prob, "the log_prob object must be shared: compilations are keyed on it"
    assert not np.any(again.thetas[0] == 99.0) and again.seeds == list(range(16)) + [0, 99]
