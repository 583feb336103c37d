"""Grading latency per assignment: a slot for the grading benchmark's numbers.

The grading benchmark (separate from the course claims) writes
``benchmarks/results/grading.json``; this module only reads it and lays it
out. Expected shape, either a list of rows or an object with ``rows``:

    {"rows": [{"assignment": "grad_forces", "grade_wall_s": 14.2, ...}, ...],
     "machine": "where it ran (optional)",
     "budget_s": 15,                      (optional, applies to every row)
     "notes": ["optional sentences shown under the table"]}

The file is ``benchmarks/results/grading.json`` unless the command line
names another. Columns are the rows' keys in first-seen order; keys ending in ``_s`` are
seconds, and the first of them is the row's latency. A row is checked
against its own ``budget_s`` or the file's. Without the file the section
says "not measured yet".
"""
import json
import os

from benchmarks.report import FAILS, HOLDS, UNMEASURED, Section, Table, Verdict
from benchmarks.timing import format_seconds

GRADING_FILE = "grading.json"
NOT_MEASURED = "not measured yet"
CLAIM = "grading latency per assignment"
EXPECTED = "within the handout's budget (30–90 s per graded call)"
GPU_CELL = "not applicable (grading runs on the CPU)"


def _rows_and_notes(data):
    """Rows (each with ``budget_s`` filled in from the file if given) and notes."""
    if isinstance(data, list):
        return data, []
    budget = data.get("budget_s")
    rows = [
        dict(row, budget_s=row.get("budget_s", budget)) if budget is not None else row for row in data.get("rows", [])
    ]
    notes = list(data.get("notes", []))
    if data.get("machine"):
        notes.insert(0, f"Measured on: {data['machine']}.")
    return rows, notes


def _columns(rows):
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def _cell(key, value):
    if key.endswith("_s") and isinstance(value, (int, float)):
        return format_seconds(value)
    return "" if value is None else str(value)


def _latency_key(row):
    return next((key for key in row if key.endswith("_s") and key != "budget_s"), None)


def _budget_verdict(rows):
    checked = [(row[_latency_key(row)], row["budget_s"]) for row in rows if _latency_key(row) and "budget_s" in row]
    slowest = max((row[_latency_key(row)] for row in rows if _latency_key(row)), default=None)
    summary = f"{len(rows)} rows; slowest {format_seconds(slowest)}" if slowest is not None else f"{len(rows)} rows"
    if not checked:
        return summary, "measured (no budget in the file)"
    return summary, HOLDS if all(latency <= budget for latency, budget in checked) else FAILS


def _absent_section(path, reason):
    return Section(
        key="grading_latency",
        title="Grading latency per assignment",
        reading="Course spec: each graded call has a budget stated in the handout (30–90 s, compilation included).",
        verdicts=[Verdict(CLAIM, EXPECTED, NOT_MEASURED, GPU_CELL, UNMEASURED)],
        tables=[],
        notes=[
            f"{NOT_MEASURED}: {reason} `python -m benchmarks.grading_latency` writes it; run that, "
            "then rerun `python -m benchmarks`."
        ],
        figures=[],
        raw={"status": NOT_MEASURED, "reason": reason},
    )


def grading_section(*, path):
    """The grading-latency section, from the JSON file at ``path`` if it exists."""
    if not os.path.exists(path):
        return _absent_section(path, f"no `{os.path.relpath(path)}`.")
    try:
        with open(path, encoding="utf-8") as grading_file:
            rows, notes = _rows_and_notes(json.load(grading_file))
    except (OSError, ValueError, AttributeError) as error:
        return _absent_section(path, f"`{GRADING_FILE}` could not be read ({type(error).__name__}: {error}).")
    if not rows:
        return _absent_section(path, f"`{GRADING_FILE}` holds no rows.")
    columns = _columns(rows)
    summary, status = _budget_verdict(rows)
    return Section(
        key="grading_latency",
        title="Grading latency per assignment",
        reading="Course spec: each graded call has a budget stated in the handout (30–90 s, compilation included).",
        verdicts=[Verdict(CLAIM, EXPECTED, summary, GPU_CELL, status)],
        tables=[
            Table(
                f"From `{os.path.basename(path)}`",
                tuple(columns),
                [tuple(_cell(key, row.get(key)) for key in columns) for row in rows],
            )
        ],
        notes=notes,
        figures=[],
        raw={"status": "measured", "rows": rows},
    )
