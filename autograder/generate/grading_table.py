"""The points table of each handout's "How it is graded", rendered from the check registry.

Handouts are written by hand, but the checks, their points and when a student
sees each result are not: they come from the assignment's ``REGISTRY`` and the
grader's defaults, so a handout cannot promise points the grader does not give.
A handout places the table with a line holding only ``MARKER``; without one,
the table closes its "How it is graded" section (or the handout).
"""
from __future__ import annotations

import json

from .. import vocabulary

MARKER = "<!-- jaxgrade: points table -->"
SECTION = "## How it is graded"

_WHEN_DETAILS = {
    "after_published": "once grades are published",
    "after_due_date": "after the due date",
    "hidden": "never",
    "visible": "at once",
}


def points_table(checks) -> str:
    """Markdown: one row per check (name, points, when its result shows), then the total."""
    details = _WHEN_DETAILS[vocabulary.HIDDEN_VISIBILITY]
    hidden_now = {
        "fix": "pass/fail and how to fix at once",
        "status": "pass/fail at once",
        "off": "nothing at once",
    }[vocabulary.HIDDEN_FEEDBACK]
    rows = ["| Check | Points | Where and when you see it |", "| --- | --- | --- |"]
    for check in checks:
        if check.public:
            when = "**public**: your local tests, and Gradescope at once"
        else:
            when = f"hidden: {hidden_now}; inputs and details {details}"
        if check.gpu:
            when += " (GPU tier: counts only where your instructor grades on a GPU)"
        rows.append(f"| {check.name.replace('|', chr(92) + '|')} | {check.points:g} | {when} |")
    total = sum(c.points for c in checks if not c.gpu)
    rows.append(f"| **Total** (without the GPU tier) | **{total:g}** | |")
    note = (
        "Public checks are the ones `python -m pytest` runs for you, with the grader's own verdicts and "
        "messages. Hidden checks run on inputs you never see; on Gradescope a summary lists each one as "
        "passed or failed, with how to fix it (your instructor may choose to show more, or less)."
    )
    return "\n".join(rows) + "\n\n" + note


def with_points_table(handout: str, checks) -> str:
    """``handout`` with the points table at its marker, or at the end of "How it is graded"."""
    table = points_table(checks)
    if MARKER in handout:
        return handout.replace(MARKER, table)
    start = handout.find(SECTION)
    if start < 0:
        return handout.rstrip("\n") + f"\n\n{SECTION}\n\n{table}\n"
    end = handout.find("\n## ", start + len(SECTION))
    if end < 0:
        return handout.rstrip("\n") + f"\n\n{table}\n"
    return handout[:end].rstrip("\n") + f"\n\n{table}\n" + handout[end:]


def points_json(registries: dict) -> str:
    """The template's ``tests/jaxgrade_points.json``: each assignment's checks and points, for the local
    points summary (solutions/public_tests/jaxgrade_points.py). ``registries``: name -> CheckRegistry.

    A check is listed by its identifier (its function's name) and its title, so a public test's
    ``graded_as`` may name either. The total leaves out the GPU tier, as the handouts' tables do.
    """
    table = {}
    for name, registry in registries.items():
        checks = [
            {"id": check.fn.__name__, "title": check.name, "points": check.points, "public": check.public}
            for check in registry.checks if not check.gpu
        ]
        table[name] = {"total": sum(check["points"] for check in checks), "checks": checks}
    return json.dumps(table, indent=1, sort_keys=True) + "\n"
