"""Ordinary child: JAX must still work in the sandbox. Writes result.json."""
import json

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)
value = jax.jit(lambda x: x + 1)(1.0)
forces = jax.grad(lambda x: jnp.sum(x ** 2))(jnp.arange(3.0))
with open("result.json", "w") as out:
    json.dump({"value": float(value), "dtype": str(value.dtype),
               "grad": [float(f) for f in forces]}, out)
