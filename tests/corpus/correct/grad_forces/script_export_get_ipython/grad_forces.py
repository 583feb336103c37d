#!/usr/bin/env python
# coding: utf-8

# # grad_forces: forces by automatic differentiation

# In[1]:


get_ipython().system('pip install -q jax')
get_ipython().run_line_magic('matplotlib', 'inline')
import jax
import jax.numpy as jnp


# In[2]:


def potential_energy(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    i = jnp.arange(n)
    upper = i[:, None] < i[None, :]          # each pair once, no self-pairs
    dx = x[:, None, :] - x[None, :, :]       # (N, N, 3)
    r2 = jnp.sum(dx * dx, axis=-1) + eps2    # (N, N)
    r2_safe = jnp.where(upper, r2, 1.0)      # keep sqrt/divide away from 0 on the diagonal
    inv_r = jnp.where(upper, 1.0 / jnp.sqrt(r2_safe), 0.0)
    mm = m[:, None] * m[None, :]
    return -G * jnp.sum(mm * inv_r)


# In[3]:


def grad_forces(x, m, eps2=0.0, G=1.0):
    return -jax.grad(potential_energy)(x, m, eps2, G)


# In[4]:


get_ipython().run_cell_magic('time', '', 'print(grad_forces(jnp.eye(3), jnp.ones(3)))\n')
