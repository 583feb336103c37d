"""The table of named harness programs, and the decorator that fills it.

Kept apart from the programs themselves so that every module of programs
(:mod:`.programs`, :mod:`.programs_forces`, :mod:`.programs_dynamics`, ...)
imports this table and nothing imports back: :mod:`.programs` imports the
assignment-specific modules to register them, and they import only this.
"""
from __future__ import annotations

_PROGRAMS: dict = {}


def program(fn):
    """Register ``fn`` under its own name."""
    _PROGRAMS[fn.__name__] = fn
    return fn


def get(name: str):
    """The program registered as ``name``; ValueError if there is none."""
    try:
        return _PROGRAMS[name]
    except KeyError:
        raise ValueError(f"unknown program {name!r}") from None
