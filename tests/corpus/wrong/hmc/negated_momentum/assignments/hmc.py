"""HMC sampler + JLA supernova posterior."""
import jax
import jax.numpy as jnp
from jax.scipy.linalg import cho_factor, cho_solve

C_KMS = 299792.458


def _leapfrog(theta, p, grad_fn, eps, n_steps):
    def one(carry, _):
        th, mom = carry
        mom = mom + 0.5 * eps * grad_fn(th)
        th = th + eps * mom
        mom = mom + 0.5 * eps * grad_fn(th)
        return (th, mom), None

    (theta, p), _ = jax.lax.scan(one, (theta, p), None, length=n_steps)
    return theta, p


def hmc_step(key, theta, log_prob_fn, step_size, n_leapfrog):
    key_p, key_u = jax.random.split(key)
    p0 = -jax.random.normal(key_p, theta.shape, theta.dtype)
    theta1, p1 = _leapfrog(theta, p0, jax.grad(log_prob_fn), step_size, n_leapfrog)

    def H(th, p):
        return -log_prob_fn(th) + 0.5 * jnp.sum(p ** 2)

    h1 = H(theta1, p1)
    log_ratio = H(theta, p0) - h1
    u = jax.random.uniform(key_u, dtype=theta.dtype)
    accepted = jnp.isfinite(h1) & (jnp.log(u) < log_ratio)
    return jnp.where(accepted, theta1, theta), accepted


def run_chain(key, theta0, log_prob_fn, step_size, n_leapfrog, n_samples):
    keys = jax.random.split(key, n_samples)

    def body(theta, k):
        theta, acc = hmc_step(k, theta, log_prob_fn, step_size, n_leapfrog)
        return theta, (theta, acc)

    _, (samples, accepted) = jax.lax.scan(body, theta0, keys)
    return samples, jnp.mean(accepted.astype(samples.dtype))


def _eta(a, s):
    poly = a ** -4 - 0.1540 * s * a ** -3 + 0.4304 * s ** 2 * a ** -2 + 0.19097 * s ** 3 / a + 0.066941 * s ** 4
    return 2.0 * jnp.sqrt(s ** 3 + 1.0) * poly ** (-1.0 / 8.0)


def log_posterior(theta, z, mu, cov):
    om, h = theta[0], theta[1]
    ok = (om > 0) & (om < 1) & (h > 0.5) & (h < 0.9)
    om_safe = jnp.where(ok, om, 0.5)
    h_safe = jnp.where(ok, h, 0.7)
    s = ((1.0 - om_safe) / om_safe) ** (1.0 / 3.0)
    dl = C_KMS / (100.0 * h_safe) * (1 + z) * (_eta(1.0, s) - _eta(1.0 / (1.0 + z), s))
    r = mu - (25.0 + 5.0 * jnp.log10(dl))
    chi2 = r @ cho_solve(cho_factor(cov, lower=True), r)
    return jnp.where(ok, -0.5 * chi2, -jnp.inf)
