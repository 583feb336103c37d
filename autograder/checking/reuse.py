"""Reference values kept for the life of the grading process: what is the same for every student.

A long-lived grader (:mod:`autograder.batch.worker`) grades a whole class in one
process. The reference's value on a seeded input does not depend on the student,
so it is computed once and handed to every later grading as a fresh copy.

Only values that cannot depend on anything else are kept: the function must be
a module-level function (the key holds the function object itself, never a name
that two closures could share), and every argument must be plain data whose
exact bytes make the key (arrays by dtype, shape and bytes; numbers and strings
by type and repr; tuples, lists, dicts and named tuples by their items). Any
other argument (a callable, a PRNG key, an object) means: compute it, keep nothing.
Nothing here ever sees the student's code or values: only references and the
inputs the checks draw.
"""
from __future__ import annotations

import copy
import sys
import threading

import numpy as np

MAX_ENTRIES = 4096  # a bound on what one process keeps; beyond it, values are computed and not kept

_values: dict = {}
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0, "unkeyable": 0}


class _Unkeyable(Exception):
    pass


def _value_key(value):
    """A hashable key made of ``value``'s exact content, or :class:`_Unkeyable`."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return type(value).__name__, repr(value)
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise _Unkeyable
        return "ndarray", value.dtype.str, value.shape, value.tobytes()
    if isinstance(value, np.generic):
        return "scalar", value.dtype.str, value.tobytes()
    if isinstance(value, np.dtype):
        return "dtype", value.str
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple: its type is part of the value
        return "namedtuple", _function_key(type(value)), tuple(_value_key(v) for v in value)
    if type(value) in (tuple, list):
        return type(value).__name__, tuple(_value_key(v) for v in value)
    if type(value) is dict:
        return "dict", tuple(sorted((repr(k), _value_key(v)) for k, v in value.items()))
    raise _Unkeyable


def _function_key(fn):
    """``fn`` itself when it is what its module calls by that name (a module-level function or class)."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    qualname = getattr(fn, "__qualname__", "")
    if module is None or "<" in qualname or "." in qualname or getattr(module, qualname, None) is not fn:
        raise _Unkeyable
    return fn


def key_of(fn, args: tuple, kwargs: dict, *extra):
    """The key of ``fn(*args, **kwargs)`` (with ``extra``: transforms, static names), or None if unkeyable."""
    try:
        return (_function_key(fn), tuple(_function_key(t) if callable(t) else _value_key(t) for t in extra),
                _value_key(tuple(args)), _value_key(dict(kwargs)))
    except _Unkeyable:
        return None


def remembered(key, compute):
    """``compute()``, kept under ``key`` for later gradings (None: not kept); always a fresh copy back."""
    if key is None:
        stats["unkeyable"] += 1
        return compute()
    with _lock:
        found = key in _values
        value = _values.get(key)
    if found:
        stats["hits"] += 1
        return copy.deepcopy(value)
    stats["misses"] += 1
    value = compute()  # an exception is not kept: the next grading computes again
    with _lock:
        if len(_values) < MAX_ENTRIES:
            _values[key] = copy.deepcopy(value)
    return value


def forget() -> None:
    """Drop every kept value (tests)."""
    with _lock:
        _values.clear()
