import jax.numpy as jnp


def potential_energy(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    diff = x[:, None, :] - x[None, :, :]
    dist2 = jnp.sum(diff**2, axis=2) + eps2
    pairs = jnp.triu(jnp.ones((n, n), dtype=bool), k=1)
    dist2 = jnp.where(pairs, dist2, 1.0)
    return -G * jnp.sum(jnp.where(pairs, jnp.outer(m, m) / jnp.sqrt(dist2), 0.0))


def grad_forces(x, m, eps2=0.0, G=1.0):
    # central differences, one coordinate at a time
    h = 1e-5
    n = x.shape[0]
    forces = jnp.zeros_like(x)
    for i in range(n):
        for k in range(3):
            step = jnp.zeros_like(x).at[i, k].set(h)
            dW = potential_energy(x + step, m, eps2, G) - potential_energy(x - step, m, eps2, G)
            forces = forces.at[i, k].set(-dW / (2 * h))
    return forces
