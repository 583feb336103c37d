"""The XLA flags of grading processes (the grader, its sandboxed child, the verifier): defined once.

A child lives for one grading and compiles each of the student's functions a
handful of times, on inputs of a few dozen particles; it runs them for
milliseconds. Its time goes to XLA's CPU compiler, not to the programs, so the
child asks for the faster compile: the loop emitters instead of the fusion
emitters, and no LLVM optimisation passes. This cuts what a child spends
compiling by half or more (the hmc step: 0.24 s to 0.10 s; the whole corpus,
graded one case after another: 348 s to 240 s, hmc 123 s to 75 s) and
changes no verdict: both settings are IEEE arithmetic without fast-math, so
values move by a rounding at most, far inside every tolerance: every corpus
case kept its scores and statuses check by check (tests/grading/test_corpus.py
grades with these flags; benchmarks/results/class_scale.md has the times).

Two guards:

- XLA aborts the whole process on a flag it does not know. The compile flags are
  therefore given only to a jaxlib whose version they were tested with
  (``COMPILE_FLAGS_TESTED``: the lock's); any other jaxlib gets the thread flag
  alone, as before. A test fails when the lock moves to an untested jaxlib.
- A child in GPU mode (the GPU tier) keeps XLA's optimised code: the optimisation
  level also applies to GPU kernels; that tier runs its integrations at full size,
  where run time outweighs compile time; and the flags were never tried on a GPU.

The grader's own process compiles too: the reference on the seeded inputs, and a
diagnosis's variants of a wrong step (hmc's twelve variants in one program took
the grader from 390 MB to 600 MB at XLA's defaults, to 425 MB with these
flags). ``grader_xla_flags`` gives it the same compile flags, unless
``XLA_FLAGS`` is already set (an instructor's own flags are never overridden)
or its JAX may compile for a GPU (a GPU plugin is installed and
``JAX_PLATFORMS`` is not ``cpu``): the flags were tried on CPUs only.
"""
from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Mapping
from importlib import metadata

# One compile thread per child: a grading's children share the machine with other gradings.
THREAD_FLAGS = ("--xla_cpu_multi_thread_eigen=false",)
# Faster compiles for short-lived children (see the module's docstring).
COMPILE_FLAGS = ("--xla_cpu_use_fusion_emitters=false", "--xla_backend_optimization_level=0")
# jaxlib releases COMPILE_FLAGS were tested with: a version starts with one of these.
COMPILE_FLAGS_TESTED = ("0.10.",)


@functools.cache
def installed_jaxlib() -> str | None:
    """The installed jaxlib's version, read from its metadata (without importing it)."""
    try:
        return metadata.version("jaxlib")
    except metadata.PackageNotFoundError:
        return None


def compile_flags_known(version: str | None) -> bool:
    """Whether ``version`` of jaxlib is one COMPILE_FLAGS were tested with."""
    return version is not None and version.startswith(COMPILE_FLAGS_TESTED)


def child_xla_flags(*, gpu: bool) -> str:
    """``XLA_FLAGS`` for a sandboxed child; ``gpu``: the child runs the GPU tier.

    The child runs this interpreter, so the installed jaxlib is the one it imports.
    """
    fast = not gpu and compile_flags_known(installed_jaxlib())
    return " ".join(THREAD_FLAGS + COMPILE_FLAGS if fast else THREAD_FLAGS)


def grader_xla_flags(*, gpu: bool, environ: Mapping[str, str] | None = None) -> str | None:
    """``XLA_FLAGS`` for a grader process about to import JAX (None: leave it as it is).

    ``environ``: the environment it will run with (default: this process's);
    flags already set there win. ``gpu``: the grading runs the GPU tier.
    """
    environ = os.environ if environ is None else environ
    if "XLA_FLAGS" in environ or gpu or not compile_flags_known(installed_jaxlib()):
        return None
    if environ.get("JAX_PLATFORMS") != "cpu" and accelerator_plugin_installed():
        return None  # the grader's JAX would compile for a GPU: these flags were never tried there
    return " ".join(COMPILE_FLAGS)


@functools.cache
def accelerator_plugin_installed() -> bool:
    """Whether a JAX plugin for a GPU or another accelerator is installed (JAX finds them the same two ways)."""
    return importlib.util.find_spec("jax_plugins") is not None or bool(metadata.entry_points(group="jax_plugins"))


def use_grader_flags(*, gpu: bool) -> None:
    """Give this process the grader's XLA flags (``grader_xla_flags``); call it before JAX starts.

    Each grader process decides for itself, so that the flags match the jaxlib of
    the interpreter that runs it.
    """
    flags = grader_xla_flags(gpu=gpu)
    if flags:
        os.environ["XLA_FLAGS"] = flags
