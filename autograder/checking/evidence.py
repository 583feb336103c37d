"""Structural evidence the student's process cannot forge: exported programs, read and run confined.

The child exports the student's function with ``jax.export`` on abstract
inputs and sends the serialized program back (see ``child/exporting.py``).
The grader never deserializes or runs it itself: the bytes go to the
verifier (``autograder/verifier``), a second confined process with its own
memory limit and the call budget, which reads the program (StableHLO
operations, inputs, custom calls) and runs it on inputs the grader draws
after the export and never sends to the child. What the program establishes
does not depend on anything measured inside the student's process:

- a parameter is a real input (``dt``, ``eps2``, ``G``): the program has an
  input for it. A static parameter cannot be exported with an abstract value;
- the size of the program, at two sizes of the problem (N, n_steps): a Python
  loop unrolls into a program that grows;
- a loop (``stablehlo.while``) is present, for ``lax.scan``-based code;
- the attribute is a ``jax.jit`` function (``jax.export`` accepts nothing else).

None of it counts until the program is shown to compute the assignment's
quantity on inputs nobody saw before (held to the reference, as loosely as
the gates are) and to be the program the student's function runs (held to
the child's own answers on other inputs drawn after the export). The
programs are vetted before they run: a size cap, one device, the CPU
platform, and no ``custom_call`` other than JAX's own shape assertions.

Helpers are general (any assignment): ``export`` a function, ``run`` a
program, compare sizes (``grows``), read ``inputs``.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field

import numpy as np

from ..child import codec, exporting
from ..sandbox.session import ChildCrashed, ChildError, ChildTimeout, StudentError
from ..shipped import diagnosis
from .verdicts import Fail

ALLOWED_CUSTOM_CALLS = frozenset({"shape_assertion"})


class State(collections.namedtuple("State", ["x", "v"])):
    """The parent's twin of the assignment's ``State(x, v)``: sent to the verifier as a NamedTuple."""


@dataclass(frozen=True)
class Evidence:
    """What one export request established.

    ``route``: the route that exported (None: none did); ``failures``: (route,
    message) for each route that failed before it; ``function``: the student
    function exported; ``key``: the program's name in the verifier;
    ``operations``: its StableHLO operation counts; ``inputs``: its inputs.
    """

    route: str | None
    failures: tuple
    function: str = ""
    key: str = ""
    operations: collections.Counter = field(default_factory=collections.Counter)
    inputs: list = field(default_factory=list)  # [(shape, dtype name), ...] of the program's inputs

    def failure(self, route: str) -> str:
        """The error message of ``route``, or ""."""
        return next((message for name, message in self.failures if name == route), "")

    @property
    def operation_count(self) -> int:
        return sum(self.operations.values())

    @property
    def has_loop(self) -> bool:
        return self.operations.get("stablehlo.while", 0) > 0


SIZE_SLACK = 5  # operations: the same code may fold a constant or two differently at another size


def grows(small: Evidence, large: Evidence) -> bool:
    """Whether the program at the larger problem size is bigger than round-off of lowering explains."""
    return large.operation_count > small.operation_count + SIZE_SLACK


def verifier_of(ctx):
    """The grading's verifier (grading.py makes one); a context made elsewhere gets its own."""
    if getattr(ctx, "verifier", None) is None:
        import atexit

        from ..verifier import Verifier

        ctx.verifier = Verifier(seed_material=ctx.source.encode("utf-8", "surrogateescape"))
        atexit.register(ctx.verifier.close)  # no process outlives the grader, whoever forgot to close it
    return ctx.verifier


def export(ctx, function: str, program: str, *args) -> Evidence:
    """Ask the child to run the export program ``program`` for ``function``, then load its reply in the verifier.

    The verifier starts first, so that its JAX import overlaps the child's export.
    """
    verifier = verifier_of(ctx)
    try:
        verifier.start()
    except Exception as exc:  # the grader's own machinery; no student bytes involved yet
        raise Fail(f"The grader could not start the process that checks compiled programs ({exc}).") from None
    return receive(ctx, ctx.program(program, *args), function)


def receive(ctx, reply: dict, function: str) -> Evidence:
    """An export reply from the child, loaded and vetted in the verifier; Fail if it cannot be trusted to run."""
    failures = tuple((str(name), str(message)) for name, message in reply.get("failures", []))
    route = reply.get("route")
    if route is None:
        return Evidence(route=None, failures=failures, function=function)
    blob = np.asarray(reply.get("program"), dtype=np.uint8).ravel()
    if blob.size > exporting.MAX_PROGRAM_BYTES:
        raise Fail(f"The exported program has {blob.size} bytes (limit {exporting.MAX_PROGRAM_BYTES}).")
    try:
        described = _ask(ctx, function, {"op": "load", "program": codec.encode_array(blob)})
    except StudentError as exc:
        raise Fail(f"The program exported from your {function} could not be read back ({exc.type_name}).") from None
    problem = _untrusted_program_problem(described)
    if problem:
        raise Fail(f"The program exported from your {function} was refused: {problem}.")
    operations = collections.Counter({str(k): int(v) for k, v in dict(described.get("operations", {})).items()})
    inputs = [(tuple(int(d) for d in shape), str(dtype)) for shape, dtype in described.get("inputs", [])]
    return Evidence(route=str(route), failures=failures, function=function, key=str(described["key"]),
                    operations=operations, inputs=inputs)


def _untrusted_program_problem(described: dict) -> str:
    unknown = sorted(set(map(str, described.get("custom_calls", []))) - ALLOWED_CUSTOM_CALLS)
    if unknown:
        return f"it calls external code ({', '.join(unknown)})"
    if described.get("nr_devices") != 1:
        return f"it asks for {described.get('nr_devices')} devices"
    platforms = [str(p) for p in described.get("platforms", [])]
    if "cpu" not in platforms:
        return f"it was built for {', '.join(platforms)}, not the CPU"
    return ""


def run(ctx, evidence: Evidence, *args) -> list:
    """Run the program in the verifier on ``args`` (64-bit, CPU): its outputs, flattened, as NumPy arrays."""
    message = {"op": "run", "key": evidence.key, "args": [codec.encode_value(a) for a in args]}
    try:
        leaves = _ask(ctx, evidence.function, message)
    except StudentError as exc:
        said = "".join(ch for ch in (exc.message.splitlines() or [""])[0][:200] if ch.isprintable())
        raise Fail(f"The program exported from your {evidence.function} failed to run on new inputs: "
                   f"{exc.type_name}: {said}") from None
    if not isinstance(leaves, list):
        raise Fail(f"The program exported from your {evidence.function} returned no arrays.")
    return [np.asarray(codec.decode_value(leaf)) for leaf in leaves]


def _ask(ctx, function: str, message: dict):
    """One verifier request under the call budget; what it cost the student, as Fail."""
    try:
        return verifier_of(ctx).request(message, function=function, budget=ctx.budget)
    except ChildTimeout:
        raise Fail(
            f"The program exported from your {function} did not finish within the {ctx.budget:.0f} s budget when "
            "the grader ran it on new inputs, so nothing it would show counts. A compiled program for this "
            "assignment runs in milliseconds: look for a loop that never ends (lax.while_loop) in your code."
        ) from None
    except ChildCrashed as exc:
        raise Fail(
            f"The program exported from your {function} stopped the process that ran it on new inputs ({exc}), "
            "so nothing it would show counts. Look for arrays far larger than the problem needs, or code that "
            "behaves differently when exported."
        ) from None
    except ChildError as exc:  # refused: an earlier program of this function used up the verifier
        raise Fail(f"Not run: {exc}.") from None


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


def worst_difference(seen: list, expected: list) -> float:
    """The largest relative_difference over paired outputs (inf when their numbers differ)."""
    if len(seen) != len(expected) or not seen:
        return float("inf")
    return max(relative_difference(s, e) for s, e in zip(seen, expected))


def summarize_failures(evidence: Evidence) -> str:
    """One line per failed route, for feedback."""
    return diagnosis.export_failures_text(evidence.failures)
