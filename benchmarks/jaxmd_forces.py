"""Pair forces from jax-md, a published JAX molecular-dynamics library.

jax-md has no gravity module, but its ``smap.pair`` lifts any pair energy
to a whole system (all N x N pairs, diagonal masked, each pair halved), and
``quantity.force`` takes minus its gradient. A softened Newtonian pair
energy with a per-particle mass combinator gives exactly the course's
potential, so its forces are a like-for-like comparison with double vmap.

jax-md is optional: install it with ``pip install --no-deps jax-md`` (its
declared requirement is ``jax>=0.5``; its other dependencies are listed in
``benchmarks/README.md``). When it cannot be imported, the report says why.
"""
import importlib.metadata
import re

import jax
import jax.numpy as jnp


def jax_md_status():
    """``(modules, reason)``: modules is ``(space, smap, quantity)`` or None.

    ``reason`` is a sentence for the report when jax-md cannot be used.
    """
    try:
        from jax_md import quantity, smap, space
    except Exception as error:  # jax-md pulls in flax, e3nn-jax, ...: any may fail
        return None, f"jax-md did not import ({type(error).__name__}: {error})"
    return (space, smap, quantity), None


def jax_md_requirement():
    """jax-md's installed version and the jax versions it declares it needs."""
    try:
        version = importlib.metadata.version("jax-md")
        requires = importlib.metadata.requires("jax-md") or []
    except importlib.metadata.PackageNotFoundError:
        return None, None
    jax_requirements = [requirement for requirement in requires if re.match(r"jax(lib)?\s*[<>=!~]", requirement)]
    return version, ", ".join(jax_requirements)


def make_jax_md_forces(modules, *, eps2, G=1.0):
    """Jitted ``forces(x, m) -> (N, 3)`` built from jax-md's ``smap.pair``.

    Args:
        modules: ``(space, smap, quantity)`` from ``jax_md_status``.
        eps2: softening length squared (> 0: jax-md evaluates the masked
            diagonal too, where eps2 = 0 would divide by zero).
        G: gravitational constant.
    """
    space, smap, quantity = modules
    displacement, _ = space.free()

    def squared_distance(r_a, r_b, **unused):
        return space.square_distance(displacement(r_a, r_b))

    def softened_gravity(r2, mass_product, eps2, G):
        return -G * mass_product / jnp.sqrt(r2 + eps2)

    energy = smap.pair(
        softened_gravity,
        squared_distance,
        mass_product=lambda m_i, m_j: m_i * m_j,  # combinator for per-particle masses
        eps2=eps2,
        G=G,
    )
    return jax.jit(quantity.force(lambda x, m: energy(x, mass_product=m)))
