"""Project-wide test configuration.

The grader enables 64-bit mode before it imports any submission, so the
project's own tests do the same before anything touches JAX.
"""
import jax

jax.config.update("jax_enable_x64", True)
