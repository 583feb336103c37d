"""Structural evidence the student's process cannot forge: exported programs.

The child exports the student's function with ``jax.export`` on abstract
inputs and sends the serialized program back (see ``child/exporting.py``).
Here, in the grader's process, which never imports student code, the program
is deserialized, read (StableHLO operations, inputs) and run on inputs the
child never saw. What this establishes does not depend on anything measured
inside the student's process:

- a parameter is a real input (``dt``, ``eps2``, ``G``): the program has an
  input for it, and reproduces the student's results for new values of it.
  A static parameter cannot be exported with an abstract value at all;
- the size of the program, at two sizes of the problem (N, n_steps): a Python
  loop unrolls into a program that grows;
- a loop (``stablehlo.while``) is present, for ``lax.scan``-based code;
- the attribute is a ``jax.jit`` function (``jax.export`` accepts nothing else).

The programs come from an untrusted process, so they are checked before they
run: a size cap, one device, the CPU platform, and no ``custom_call`` other
than the shape assertions JAX itself emits.

Helpers are general (any assignment): ``receive`` a reply, ``run`` it,
compare sizes (``grows``), read ``inputs``.
"""
from __future__ import annotations

import collections
import re
from dataclasses import dataclass
from typing import NamedTuple

import jax
import numpy as np

from .. import diagnosis
from ..child import exporting
from .framework import Fail

ALLOWED_CUSTOM_CALLS = frozenset({"shape_assertion"})
_OPERATION = re.compile(r"\b((?:stablehlo|chlo|mhlo|func)\.[a-z_][a-z0-9_]*)")
_CUSTOM_CALL_TARGET = re.compile(r"custom_call\s*@([\w.$-]+)|call_target_name\s*=\s*\"([^\"]*)\"")


class State(NamedTuple):
    """The parent's twin of the assignment's ``State(x, v)``, for exported signatures."""

    x: object
    v: object


try:
    jax.export.register_namedtuple_serialization(State, serialized_name=exporting.STATE_NAME)
except ValueError:  # already registered in this process
    pass


@dataclass(frozen=True)
class Evidence:
    """What one export request established.

    ``route``: the route that exported (None: none did); ``failures``: (route,
    message) for each route that failed before it; ``program``: the
    deserialized ``jax.export.Exported``; ``text``: its StableHLO.
    """

    route: str | None
    failures: tuple
    program: object = None
    text: str = ""

    def failure(self, route: str) -> str:
        """The error message of ``route``, or ""."""
        return next((message for name, message in self.failures if name == route), "")

    @property
    def operations(self) -> collections.Counter:
        return operation_histogram(self.text)

    @property
    def operation_count(self) -> int:
        return sum(self.operations.values())

    @property
    def has_loop(self) -> bool:
        return self.operations.get("stablehlo.while", 0) > 0

    @property
    def inputs(self) -> list:
        """``[(shape, dtype name), ...]`` of the program's (non-static) inputs."""
        return [(tuple(int(d) for d in a.shape), str(a.dtype)) for a in self.program.in_avals]


SIZE_SLACK = 5  # operations: the same code may fold a constant or two differently at another size


def grows(small: Evidence, large: Evidence) -> bool:
    """Whether the program at the larger problem size is bigger than round-off of lowering explains."""
    return large.operation_count > small.operation_count + SIZE_SLACK


def operation_histogram(text: str) -> collections.Counter:
    """StableHLO operations of a module's text, location lines excluded."""
    counts: collections.Counter = collections.Counter()
    for line in text.splitlines():
        if not line.lstrip().startswith("#loc"):
            counts.update(_OPERATION.findall(line.split(" loc(")[0]))
    return counts


def receive(reply: dict) -> Evidence:
    """An export reply from the child, deserialized and vetted; Fail if it cannot be trusted to run."""
    failures = tuple((str(name), str(message)) for name, message in reply.get("failures", []))
    route = reply.get("route")
    if route is None:
        return Evidence(route=None, failures=failures)
    blob = np.asarray(reply.get("program"), dtype=np.uint8).tobytes()
    if len(blob) > exporting.MAX_PROGRAM_BYTES:
        raise Fail(f"The exported program has {len(blob)} bytes (limit {exporting.MAX_PROGRAM_BYTES}).")
    try:
        program = jax.export.deserialize(bytearray(blob))
        text = program.mlir_module()
    except Exception as exc:
        raise Fail(f"The program exported from your code could not be read back ({type(exc).__name__}).") from None
    problem = _untrusted_program_problem(program, text)
    if problem:
        raise Fail(f"The program exported from your code was refused: {problem}.")
    return Evidence(route=str(route), failures=failures, program=program, text=text)


def _untrusted_program_problem(program, text: str) -> str:
    targets = {a or b for a, b in _CUSTOM_CALL_TARGET.findall(text)}
    unknown = sorted(targets - ALLOWED_CUSTOM_CALLS)
    if unknown or ("custom_call" in text and not targets):
        return f"it calls external code ({', '.join(unknown) or 'custom_call'})"
    if program.nr_devices != 1:
        return f"it asks for {program.nr_devices} devices"
    if "cpu" not in tuple(program.platforms):
        return f"it was built for {', '.join(program.platforms)}, not the CPU"
    return ""


def run(evidence: Evidence, *args):
    """Run the exported program on ``args`` in this process (64-bit, CPU); NumPy results."""
    cpu = jax.devices("cpu")[0]
    with jax.enable_x64(True), jax.default_device(cpu):
        result = evidence.program.call(*args)
        return jax.tree_util.tree_map(np.asarray, result)


def relative_difference(seen, expected) -> float:
    """max |seen - expected| / max |expected| (inf for mismatched shapes or non-finite values)."""
    seen, expected = np.asarray(seen, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape:
        return float("inf")
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    difference = float(np.max(np.abs(seen - expected))) if seen.size else 0.0
    if not np.isfinite(difference):
        return float("inf")
    return difference / scale if scale > 0 else difference


def summarize_failures(evidence: Evidence) -> str:
    """One line per failed route, for feedback."""
    return diagnosis.export_failures_text(evidence.failures)
