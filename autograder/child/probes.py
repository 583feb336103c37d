"""Measurements the child takes of student functions: transforms,
traced-program statistics, and resolving argument references.

The child reports raw numbers; what counts as good is decided by the grader.
"""
from __future__ import annotations

import collections

import jax
import jax.numpy as jnp

from . import codec, targets


def block(value):
    """Wait for asynchronous results so that timings and errors land here."""
    return jax.block_until_ready(value) if _has_arrays(value) else value


def _has_arrays(value) -> bool:
    try:
        return any(isinstance(leaf, jax.Array) for leaf in jax.tree_util.tree_leaves(value))
    except Exception:
        return False


class Resolver:
    """Turns the grader's argument references into live values in the child."""

    def __init__(self, server):
        self.server = server

    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__npy__" in value:
            array = codec.decode_array(value)
            # device_put, not jnp.asarray: the same array, without an XLA compile per shape (lax.stage).
            return array if value.get("kind") == "numpy" else jax.device_put(array)
        if "__tuple__" in value:
            return tuple(self.resolve(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {self.resolve(k): self.resolve(v) for k, v in value["__dict__"]}
        if "__namedtuple__" in value:
            fields = {k: self.resolve(v) for k, v in value["fields"].items()}
            cls = collections.namedtuple(str(value["__namedtuple__"]), list(fields))
            return cls(**fields)
        if "__float__" in value:
            return float(value["__float__"])
        if "__dtype__" in value:
            return jnp.dtype(value["__dtype__"])
        if "__key__" in value:
            seed = int(value["__key__"])
            return jax.random.key(seed) if value.get("typed") else jax.random.PRNGKey(seed)
        if "__attr__" in value:
            return getattr(self.server.module(value["module"]), value["__attr__"])
        if "__target__" in value:
            params = {k: self.resolve(v) for k, v in value.get("params", {}).items()}
            return targets.build(value["__target__"], **params)
        if "__call__" in value:
            fn = self.resolve(value["__call__"])
            args = [self.resolve(a) for a in value.get("args", [])]
            kwargs = {k: self.resolve(v) for k, v in value.get("kwargs", {}).items()}
            return fn(*args, **kwargs)
        raise ValueError(f"unknown argument reference {sorted(value)}")


def apply_transforms(fn, transforms):
    """Wrap ``fn`` in JAX transformations, innermost first."""
    for spec in transforms:
        kind = spec["kind"]
        if kind == "jit":
            fn = jax.jit(fn, static_argnums=tuple(spec.get("static_argnums", ())),
                         static_argnames=tuple(spec.get("static_argnames", ())))
        elif kind in ("grad", "jacfwd", "jacrev", "hessian"):
            fn = getattr(jax, kind)(fn, argnums=spec.get("argnums", 0))
        elif kind == "vmap":
            in_axes = spec.get("in_axes", 0)
            fn = jax.vmap(fn, in_axes=tuple(in_axes) if isinstance(in_axes, list) else in_axes)
        elif kind == "neg_sum":  # a scalar from an array output, for gradients through it
            fn = _neg_sum(fn)
        else:
            raise ValueError(f"unknown transform {kind!r}")
    return fn


def _neg_sum(fn):
    def wrapped(*args, **kwargs):
        leaves = jax.tree_util.tree_leaves(fn(*args, **kwargs))
        return -sum(jnp.sum(leaf) for leaf in leaves)

    return wrapped


def _sub_jaxprs(params):
    for value in params.values():
        for item in value if isinstance(value, (tuple, list)) else (value,):
            inner = getattr(item, "jaxpr", None)
            if inner is not None and hasattr(inner, "eqns"):
                yield inner
            elif hasattr(item, "eqns"):
                yield item


def jaxpr_stats(closed_jaxpr) -> dict:
    """Total equation count (recursing into sub-programs) and primitive histogram."""
    primitives: collections.Counter = collections.Counter()
    total = 0
    stack = [closed_jaxpr.jaxpr]
    while stack:
        jaxpr = stack.pop()
        for eqn in jaxpr.eqns:
            total += 1
            primitives[eqn.primitive.name] += 1
            stack.extend(_sub_jaxprs(eqn.params))
    return {"n_eqns": total, "primitives": dict(primitives)}


def traced_stats(fn, args, kwargs=None, *, static_argnums=()) -> dict:
    kwargs = kwargs or {}
    closed = jax.make_jaxpr(lambda *a: fn(*a, **kwargs), static_argnums=tuple(static_argnums))(*args)
    return jaxpr_stats(closed)
