"""What a check is, how it talks to the student's code, and how it fails.

A check is a small function of a :class:`Context`. It asks the sandboxed child
to run the student's code on inputs drawn here, compares the plain data that
comes back with the reference computed here, and either returns a short
success message or raises :class:`Fail` with a message that teaches.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType

from ..child import codec
from ..sandbox.session import ChildCrashed, ChildError, ChildSession, ChildTimeout, StudentError, student_functions
from ..shipped import feedback
from ..vocabulary import CALL_BUDGET_SECONDS as DEFAULT_BUDGET_SECONDS  # defined once, in vocabulary
from .arguments import Attr, Construct, Key, NamedTupleValue, NumpyArray, Target, encode_arg
from .property_inputs import reference64
from .verdicts import Fail, Gated, NotShown, Partial, as_float_array, draw_examples, require_close, require_dtype


@dataclass(frozen=True)
class Check:
    """One graded check.

    ``id`` is its stable identifier, the name of its function (``two_body_forces``):
    the key the corpus, the public tests (``@graded_as``), Otter, the gradebook and
    batch resume use. ``name`` is its title, free text shown to students: rewording
    it changes no key anywhere.
    """

    name: str
    points: float
    fn: Callable
    public: bool = False  # public checks are also in the student template's tests
    gpu: bool = False  # GPU tier: graded only with --gpu, and run only where the child sees a GPU
    tags: tuple = ()
    id: str = ""

    def __post_init__(self):
        if not self.id:
            object.__setattr__(self, "id", getattr(self.fn, "__name__", None) or self.name)


class CheckRegistry:
    """The ordered checks of one assignment."""

    def __init__(self, assignment: str):
        self.assignment = assignment
        self.checks: list[Check] = []

    def check(self, name: str, *, points: float, public: bool = False, gpu: bool = False, tags: tuple = ()):
        """Register the decorated function as a check titled ``name``; its identifier is the function's name."""

        def register(fn):
            check = Check(name=name, points=points, fn=fn, public=public, gpu=gpu, tags=tuple(tags))
            if any(c.id == check.id for c in self.checks):
                raise ValueError(f"duplicate check identifier {check.id!r} in {self.assignment}: rename the function")
            if any(c.name == name for c in self.checks):
                raise ValueError(f"duplicate check title {name!r} in {self.assignment}")
            self.checks.append(check)
            return fn

        return register

    def by_id(self, check_id: str) -> Check:
        """The check whose identifier is ``check_id`` (KeyError naming the known ones otherwise)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(f"{self.assignment} has no check {check_id!r}; its checks: {[c.id for c in self.checks]}")

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def for_grading(self, *, gpu_tier: bool) -> CheckRegistry:
        """The checks one deployment grades: the GPU tier is in or out for every row alike.

        Whether the GPU tier counts is the instructor's choice (``--gpu``), never
        the runner's: with it, its checks are always in the maximum (reported not
        run where the sandbox sees no GPU); without it, they are left out entirely.
        """
        chosen = CheckRegistry(self.assignment)
        chosen.checks = [c for c in self.checks if gpu_tier or not c.gpu]
        return chosen


# -- gates: a property counts only once the function computes the quantity ----
@dataclass(frozen=True)
class Gate:
    """What a property check needs before it counts.

    ``verify(ctx)`` raises :class:`NotShown` (or ``Fail``/a student error) unless
    ``subject`` is shown to compute the assignment's quantity, from values other
    checks already fetched (memoised with ``ctx.remember``), so a gate costs no
    extra child calls. ``counts`` names what waits on it ("the physics checks").
    """

    subject: str
    verify: Callable
    fix: str
    counts: str = "the property checks"

    def headline(self, problem: str) -> str:
        return f"{self.subject} {problem}: {self.counts} count once it does."


def _gate_problem(exc: BaseException) -> tuple[str, str]:
    """(short problem, detail) for whatever a gate's ``verify`` raised."""
    if isinstance(exc, NotShown):
        return exc.problem, str(exc)
    if isinstance(exc, StudentError):
        return f"raises {exc.type_name}", explain_failure(exc)
    return "does not compute the expected values yet", explain_failure(exc)


@functools.cache
def _functions_defined_in(reference: ModuleType | None) -> frozenset[str]:
    """Names of the functions a reference module defines: the student functions a request can name."""
    if reference is None:
        return frozenset()
    return frozenset(name for name, value in vars(reference).items()
                     if callable(value) and getattr(value, "__module__", None) == reference.__name__)


# -- the context a check runs in ----------------------------------------------
@dataclass
class Context:
    """Everything a check may use: the child, the reference, the student's source."""

    assignment: str
    session: ChildSession
    reference: ModuleType
    source: str
    budget: float = DEFAULT_BUDGET_SECONDS
    memo: dict = field(default_factory=dict)
    gpu_tier: object = None  # autograder.gpu_tier.GpuTier when the GPU tier is graded
    verifier: object = None  # autograder.verifier.Verifier: runs exported programs, confined (evidence.py)

    def call(self, function: str, *args, transforms=(), timeout: float | None = None, **kwargs):
        """Call ``assignments.<assignment>.<function>`` in the child; decoded plain data back."""
        request = {
            "op": "call",
            "module": self.assignment,
            "function": function,
            "args": [encode_arg(a, self.assignment) for a in args],
            "kwargs": {k: encode_arg(v, self.assignment) for k, v in kwargs.items()},
            "transforms": list(transforms),
        }
        return self._request(request, timeout)

    def program(self, name: str, *args, timeout: float | None = None, **kwargs):
        """Run a harness program from ``child/programs.py`` on the student's module."""
        request = {
            "op": "program",
            "name": name,
            "module": self.assignment,
            "args": [encode_arg(a, self.assignment) for a in args],
            "kwargs": {k: encode_arg(v, self.assignment) for k, v in kwargs.items()},
        }
        return self._request(request, timeout)

    def _request(self, request: dict, timeout: float | None):
        # A student function that used up its budget once is not called again (session.py).
        functions = student_functions(request, _functions_defined_in(self.reference))
        return codec.decode_value(self.session.request(request, timeout=timeout or self.budget, functions=functions))

    def reference64(self, function: str, *args, transforms: tuple = (), **kwargs):
        """The reference's ``function`` in float64 (NumPy back), under ``jax.enable_x64(True)``.

        Always call the reference through this: the grading process does not
        switch 64-bit mode on, so ``ctx.reference.<function>(...)`` called
        directly would compute in float32. See ``checking/properties.py``.
        """
        return reference64(getattr(self.reference, function), *args, transforms=transforms, **kwargs)

    def remember(self, key, compute: Callable):
        """Run ``compute()`` once per grading; later checks reuse its value or its failure."""
        if key not in self.memo:
            try:
                self.memo[key] = ("value", compute())
            except (StudentError, ChildError, Fail) as exc:
                self.memo[key] = ("error", exc)
        kind, value = self.memo[key]
        if kind == "error":
            raise value
        return value

    def verdict(self, gate: Gate) -> tuple[str, str] | None:
        """None when ``gate`` is open, else (problem, detail); decided once per grading."""
        key = ("gate", gate.subject, gate.counts, getattr(gate.verify, "__qualname__", repr(gate.verify)))
        if key not in self.memo:
            try:
                gate.verify(self)
                self.memo[key] = ("value", None)
            except (StudentError, ChildError, Fail) as exc:
                self.memo[key] = ("value", _gate_problem(exc))
        return self.memo[key][1]

    def require(self, *gates: Gate) -> None:
        """Withhold this check's points (raise :class:`Gated`) unless every gate is open.

        The first closed gate names what to fix first; grading's summary opens with it.
        """
        for gate in gates:
            closed = self.verdict(gate)
            if closed is not None:
                problem, detail = closed
                headlines = self.memo.setdefault("closed gates", [])
                if gate.headline(problem) not in headlines:
                    headlines.append(gate.headline(problem))
                raise Gated(
                    f"Not counted yet: {gate.headline(problem)}\nExpected vs seen: {detail}\n"
                    f"How to fix: {gate.fix} This check measures a property of {gate.subject}; it is graded "
                    f"once {gate.subject} computes the assignment's quantity."
                )

    def closed_gates(self) -> list[str]:
        """Headlines of the gates found closed so far, in the order checks met them."""
        return list(self.memo.get("closed gates", ()))

    @contextmanager
    def fix_first(self, gate: Gate, *, subject_check: str):
        """Prefix a failure with "fix <subject> first" when ``gate`` is closed.

        For checks that depend on another function without being gated on it:
        the failure is real, but its cause is usually the function named here.
        """
        try:
            yield
        except Fail as exc:
            if isinstance(exc, Gated) or self.verdict(gate) is None:
                raise
            raise Fail(
                f"Fix {gate.subject} first: it does not match the reference yet (see the check "
                f"{subject_check!r}), and this check runs it. Once {gate.subject} is right, this check will "
                f"likely pass too.\n\n{exc}"
            ) from None


# -- helpers checks share (the comparisons live in verdicts.py) -----------------
def explain_failure(exc: BaseException) -> str:
    """The student-facing text for an exception raised while a check ran."""
    if isinstance(exc, Fail):
        return str(exc)
    if isinstance(exc, StudentError):
        parts = [f"Your code raised {exc.type_name}: {exc.message}"]
        if exc.traceback:
            parts.append("Traceback (your files only):\n" + exc.traceback)
        parts.append("How to fix: " + feedback.explain_error(exc.type_name, exc.message))
        return "\n".join(parts)
    if isinstance(exc, ChildTimeout):
        return (
            f"Time limit: {exc}. Each graded call has a {exc.seconds:.0f} s budget, compilation "
            "included. Common causes: a Python loop over particles or steps inside jit (it unrolls "
            "and compiles for minutes: use vmap or lax.scan), or recompiling on every call "
            "(mark configuration arguments static, keep eps2/G/dt traced)."
        )
    if isinstance(exc, ChildCrashed):
        return f"The process running your code stopped: {exc}. Checks after this one ran in a fresh process."
    raise TypeError(f"not a check failure: {exc!r}")


# Checks import the verdicts (verdicts.py) and argument references (arguments.py) from here, with the rest.
__all__ = [
    "DEFAULT_BUDGET_SECONDS", "Attr", "Check", "CheckRegistry", "Construct", "Context", "Fail", "Gate", "Gated", "Key",
    "NamedTupleValue", "NotShown", "NumpyArray", "Partial", "Target", "as_float_array", "draw_examples", "encode_arg",
    "explain_failure", "require_close", "require_dtype",
]
