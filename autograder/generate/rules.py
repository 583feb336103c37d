"""The rules every assignment must meet, checked from its files.

``assignment_problems(root)`` lists every broken rule, one sentence each,
naming the file to create or fix. ``regenerate`` (with or without
``--check``) refuses to run while the list is not empty, and the test suite
holds the committed tree to the same function. docs/authoring.md states the
rules for authors; the two rules that need a grading to check (the reference
scores full marks, the unchanged stub scores zero) are held by the test suite
(tests/grading/test_grading_contract.py and the corpus).
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from ..catalog import HEADING, Assignment, discover, module_assignments, shared_modules
from .markers import BEGIN, LINE_MARK

MIN_PUBLIC_TESTS = 4
PUBLIC_TEST_KEYWORDS = ("reference", "float32")
"""Each assignment has a public test comparing with the reference fixture and one on float32 inputs."""

CORPUS_KINDS = ("correct", "wrong")


def assignment_problems(root: Path) -> list[str]:
    """Every rule an assignment under ``root`` breaks; empty when all assignments are complete."""
    root = Path(root)
    assignments = discover(root)
    problems = []
    for assignment in assignments:
        problems += _reference_problems(assignment)
        problems += _handout_problems(assignment)
        problems += _public_test_problems(assignment)
        problems += _checks_problems(assignment)
        problems += _corpus_problems(assignment)
    problems += _numbering_problems(assignments)
    problems += _orphan_problems(root, {a.name for a in assignments})
    return problems


def _reference_problems(assignment: Assignment) -> list[str]:
    text = assignment.reference.read_text(encoding="utf-8")
    if BEGIN not in text and LINE_MARK not in text:
        return [
            f"{_rel(assignment.reference)}: no solution markers ({BEGIN!r} ... '# END SOLUTION'), so the stub "
            "would hand students the solution. Mark what students write, or, for a module students receive "
            "unchanged, declare `SHARED_MODULE = True` at module level."
        ]
    return []


def _handout_problems(assignment: Assignment) -> list[str]:
    if not assignment.handout.is_file():
        return [f"{assignment.name}: missing handout {_rel(assignment.handout)} "
                "(first line: '# Assignment <N>: <title>')"]
    if assignment.heading is None:
        first = assignment.handout.read_text(encoding="utf-8").splitlines()[:1]
        return [
            f"{_rel(assignment.handout)}: the first line must read '# Assignment <N>: <title>' "
            f"(course order and title), not {first[0] if first else '(empty file)'!r}"
        ]
    return []


def public_test_names(path: Path) -> list[str]:
    """The ``test_*`` functions defined at module level in a public test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.name for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    ]


def _public_test_problems(assignment: Assignment) -> list[str]:
    path = assignment.public_tests
    if not path.is_file():
        return [f"{assignment.name}: missing public tests {_rel(path)}"]
    names = public_test_names(path)
    problems = []
    if len(names) < MIN_PUBLIC_TESTS:
        problems.append(f"{_rel(path)}: {len(names)} tests, at least {MIN_PUBLIC_TESTS} needed ({names})")
    for word in PUBLIC_TEST_KEYWORDS:
        if not any(word in name for name in names):
            problems.append(f"{_rel(path)}: no test with {word!r} in its name")
    return problems


def _checks_problems(assignment: Assignment) -> list[str]:
    path = assignment.checks
    if not path.is_file():
        return [f"{assignment.name}: missing checks module {_rel(path)} "
                f"(defining REGISTRY = CheckRegistry({assignment.name!r}))"]
    registry = _registry_name(path)
    if registry is None:
        return [f"{_rel(path)}: no module-level `REGISTRY = CheckRegistry({assignment.name!r})`"]
    if registry != assignment.name:
        return [f"{_rel(path)}: REGISTRY is CheckRegistry({registry!r}); it must be CheckRegistry({assignment.name!r})"]
    return []


def _registry_name(path: Path) -> str | None:
    """The assignment name given to ``REGISTRY = CheckRegistry(...)`` in a checks module, or None."""
    value = module_assignments(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))).get("REGISTRY")
    if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant):
        return str(value.args[0].value)
    return "?" if value is not None else None


def _corpus_problems(assignment: Assignment) -> list[str]:
    problems = []
    corpus = assignment.root / "tests" / "corpus"
    for kind in CORPUS_KINDS:
        cases = []
        for expect in sorted((corpus / kind / assignment.name).glob("*/expect.json")):
            try:
                score = json.loads(expect.read_text(encoding="utf-8")).get("score")
            except (json.JSONDecodeError, AttributeError):
                problems.append(f"{_rel(expect)}: not a JSON object")
                continue
            if (kind == "correct") == (score == "full"):
                cases.append(expect.parent.name)
        if not cases:
            what = 'a reference-quality submission with expect.json {"score": "full"}' if kind == "correct" else (
                'a submission with a typical mistake and expect.json {"failed": [check names]}'
            )
            problems.append(
                f"{assignment.name}: no {kind} corpus case: add "
                f"tests/corpus/{kind}/{assignment.name}/<case>/ holding {what}"
            )
    return problems


def _numbering_problems(assignments) -> list[str]:
    by_number: dict[int, list[str]] = {}
    for assignment in assignments:
        if assignment.number is not None:
            by_number.setdefault(assignment.number, []).append(assignment.name)
    return [f"handouts of {', '.join(names)} share the number {n}: give each assignment its own"
            for n, names in sorted(by_number.items()) if len(names) > 1]


def _orphan_problems(root: Path, names: set[str]) -> list[str]:
    """Companion files whose assignment has no reference: they would ship, or grade, nothing."""
    problems = []
    solutions = root / "solutions"
    for path in sorted(solutions.glob("*.py")):
        if not path.stem.startswith("_") and not path.stem.isidentifier():
            problems.append(f"{_rel(path)}: not a valid module name; an assignment name is a Python identifier")
    known = names | set(shared_modules(root))
    for path in sorted((solutions / "handouts").glob("*.md")):
        if path.stem not in names:
            problems.append(f"{_rel(path)}: a handout without a reference solutions/{path.stem}.py")
    for path in sorted((solutions / "public_tests").glob("test_*.py")):
        if path.stem[len("test_"):] not in known:
            problems.append(f"{_rel(path)}: public tests without a reference solutions/{path.stem[5:]}.py")
    checks = root / "autograder" / "checks"
    for path in sorted([*checks.glob("*.py"), *checks.glob("*/__init__.py")]):
        name = path.parent.name if path.name == "__init__.py" else path.stem
        if name not in names and _registry_name(path) is not None:
            problems.append(f"{_rel(path)}: a checks module with a REGISTRY but no reference solutions/{name}.py")
    return problems


def _rel(path: Path) -> str:
    """``path`` from the folder holding ``solutions/`` (for messages)."""
    parts = Path(path).parts
    anchors = [i for i, part in enumerate(parts) if part in ("solutions", "autograder", "tests")]
    return "/".join(parts[anchors[-1]:]) if anchors else str(path)


__all__ = ["HEADING", "MIN_PUBLIC_TESTS", "PUBLIC_TEST_KEYWORDS", "assignment_problems", "public_test_names"]
