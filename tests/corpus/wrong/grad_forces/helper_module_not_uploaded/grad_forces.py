import jax

from . import pair_sums  # a helper module the student kept in assignments/ but did not upload


def potential_energy(x, m, eps2=0.0, G=1.0):
    return pair_sums.potential(x, m, eps2, G)


def grad_forces(x, m, eps2=0.0, G=1.0):
    return -jax.grad(potential_energy)(x, m, eps2, G)
