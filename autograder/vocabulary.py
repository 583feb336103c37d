"""Words and numbers the grader, its packages and its command line share.

Each is defined here once and imported wherever it is used: the CLI's
defaults, the Gradescope and Otter zips, batch grading, and the student
template's README all say the same thing because they read it from here.

Standard library only: Gradescope's system ``python3`` imports this module
when the grading environment itself is broken.
"""
from __future__ import annotations

VISIBLE = "visible"
VISIBILITIES = (VISIBLE, "hidden", "after_due_date", "after_published")
"""Gradescope's values for when a student sees a test's result."""

HIDDEN_VISIBILITY = "after_published"
"""When students see the hidden checks' results unless an instructor chooses otherwise."""

HIDDEN_FEEDBACK_MODES = ("fix", "status", "off")
"""What the always-visible summary says about hidden checks before their details show:
each one's pass/fail and how to fix it (no inputs, no numbers), pass/fail only, or nothing."""

HIDDEN_FEEDBACK = "fix"
"""The default: students learn before the deadline which hidden properties fail and how to fix them."""

CALL_BUDGET_SECONDS = 60.0
"""Seconds one graded call of student code may take, compilation included."""

GRADING_BUDGETS = 6
"""All graded calls of one grading together may take this many call budgets (6 min at the
default): a submission whose calls each stay under the budget still ends inside Gradescope's limit."""

SCRATCH_LIMIT_MB = 256
"""The most the child may have in its scratch folder (files it writes, its own runtime copy
included): past this, the grader stops it."""

GRADESCOPE_TIME_LIMIT_SECONDS = 540
"""One whole grading on Gradescope: inside its default 10-minute limit, with room to write results."""

OTTER_TIME_LIMIT_SECONDS = 1200.0
"""One whole grading through Otter, which sets no limit of its own."""

RUN_AS = "nobody"
"""The unprivileged user student code runs as when the grader runs as root."""

GRADESCOPE_RUN_AS = "student"
"""The unprivileged user Gradescope's image provides."""

BATCH_FIRST_UID = "61000"
"""First uid of batch grading's parallel graders, one uid each (no accounts needed)."""

NOT_RUN = "Not run:"
"""How the output of a check that did not run begins (a GPU-tier check without a GPU): 0 points, never a pass."""


def check_visibility(public: bool, hidden_visibility: str = HIDDEN_VISIBILITY) -> str:
    """The Gradescope visibility of a check: public checks are always visible."""
    return VISIBLE if public else hidden_visibility


def require_visibility(hidden_visibility: str) -> str:
    """``hidden_visibility`` if it is one of Gradescope's values; ValueError naming them if not."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, not {hidden_visibility!r}")
    return hidden_visibility
