"""The gradebook CSV and the class summary written by batch grading.

The CSV has one row per student (a group submission gives each member a row)
and one column per check, headed by the check's stable identifier (its title may
be reworded between terms; the column keeps its name), so it can be sorted, filtered or pasted into a
learning management system. The summary ranks the checks by how many
submissions failed them: where the class struggles, and so what to revisit.
"""
from __future__ import annotations

import csv
import statistics
from pathlib import Path

from ..results import by_check, check_id_of, possible_score

FIXED_COLUMNS = ["student_id", "name", "email", "submission", "score", "max_score"]


def _number(value) -> str:
    return "" if value is None else f"{float(value):g}"


def gradebook_rows(graded, registry) -> list[dict]:
    """One dict per student; score cells are blank where the grader failed."""
    rows = []
    for outcome in graded:
        tests = by_check(outcome.results) if outcome.results else {}
        for student in outcome.submission.students:
            row = {
                "student_id": student.id,
                "name": student.name,
                "email": student.email,
                "submission": outcome.submission.key,
                "score": _number(outcome.results["score"]) if outcome.results else "",
                "max_score": _number(possible_score(outcome.results)) if outcome.results else "",
            }
            row.update({c.id: _number(tests[c.id]["score"] if c.id in tests else None) for c in registry.checks})
            row["note"] = outcome.note
            rows.append(row)
    return rows


def write_gradebook(csv_path: Path, graded, registry) -> Path:
    columns = FIXED_COLUMNS + [c.id for c in registry.checks] + ["note"]
    csv_path = Path(csv_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(gradebook_rows(graded, registry))
    return csv_path


def failure_counts(graded, registry) -> list[tuple[str, float, int, int]]:
    """(check title, points, submissions that failed it, submissions graded), most failed first."""
    scored = [g.results for g in graded if g.results]
    counts = []
    for check in registry.checks:
        tests = [t for r in scored for t in r["tests"] if check_id_of(t) == check.id]
        failed = sum(t.get("status") == "failed" for t in tests)
        counts.append((check.name, check.points, failed, len(tests)))
    return sorted(counts, key=lambda c: (-c[2], c[0]))


def summary_markdown(graded, registry) -> str:
    assignment = registry.assignment
    scores = [float(g.results["score"]) for g in graded if g.results]
    possible = [possible_score(g.results) for g in graded if g.results]
    not_graded = [g for g in graded if not g.results]
    resumed = sum(g.resumed for g in graded)
    lines = [f"# {assignment}: {len(graded)} submissions", ""]
    lines.append(
        f"- graded: {len(scores)} ({resumed} from an earlier run), not graded: {len(not_graded)}"
    )
    if scores:
        full = sum(s >= p for s, p in zip(scores, possible))
        lines.append(
            f"- score out of {max(possible):g}: mean {statistics.mean(scores):.2f}, "
            f"median {statistics.median(scores):g}; full marks: {full}"
        )
    lines += ["", "## Checks, most failed first", "",
              "| check | points | failed | of | share |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, points, failed, total in failure_counts(graded, registry):
        share = f"{100 * failed / total:.0f}%" if total else "-"
        lines.append(f"| {name.replace('|', '/')} | {points:g} | {failed} | {total} | {share} |")
    noted = [g for g in graded if g.note]
    if noted:
        lines += ["", "## Notes", ""]
        lines += [f"- {g.submission.key}: {g.note}" for g in noted]
    return "\n".join(lines) + "\n"


def write_summary(path: Path, graded, registry) -> str:
    text = summary_markdown(graded, registry)
    Path(path).write_text(text, encoding="utf-8")
    return text
