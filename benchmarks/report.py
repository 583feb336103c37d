"""The report's building blocks and their markdown and JSON renderings.

Each claim module turns its raw measurements into a ``Section``: the
reading's claim in its own words, one ``Verdict`` row per checkable number
(CPU and GPU side by side), detail tables, notes and figures. This module
only lays those out; it never decides what a number means.
"""
import datetime
import json
import os
from typing import NamedTuple

from benchmarks.machine import NO_GPU, machine_markdown

HOLDS = "holds"
FAILS = "does not hold"
PARTLY = "partly"
UNMEASURED = "not measured"


class Table(NamedTuple):
    """A markdown table: a caption, column names and rows of strings."""

    caption: str
    columns: tuple
    rows: list


class Verdict(NamedTuple):
    """One claim, what the reading expects, what was measured, and whether it holds.

    Attributes:
        claim: the claim in a few words.
        expected: the reading's number.
        cpu: measured on the CPU (text with units).
        gpu: measured on the GPU, or why not.
        holds: ``HOLDS``, ``FAILS``, ``PARTLY`` or ``UNMEASURED``.
    """

    claim: str
    expected: str
    cpu: str
    gpu: str
    holds: str


class Section(NamedTuple):
    """One claim group of the report.

    Attributes:
        key: stable identifier (JSON key, test hook).
        title: section heading.
        reading: what the course reading says, quoted or closely paraphrased.
        verdicts: ``Verdict`` rows for the summary and the section.
        tables: detail ``Table`` objects.
        notes: sentences that explain the numbers (method, caveats).
        figures: PNG file names inside the results folder.
        raw: JSON-ready raw numbers, by backend where that applies.
    """

    key: str
    title: str
    reading: str
    verdicts: list
    tables: list
    notes: list
    figures: list
    raw: dict


def _escape(cell):
    return str(cell).replace("|", "\\|").replace("\n", " ")


def markdown_table(columns, rows):
    """Rows of cells as a GitHub markdown table."""
    lines = [
        "| " + " | ".join(_escape(column) for column in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


_VERDICT_COLUMNS = ("Claim", "Reading says", "Measured (CPU)", "Measured (GPU)", "Verdict")


def _section_markdown(number, section):
    parts = [f"## {number}. {section.title}", "", f"> {section.reading}", ""]
    if section.verdicts:
        parts += [markdown_table(_VERDICT_COLUMNS, [tuple(v) for v in section.verdicts]), ""]
    for table in section.tables:
        parts += [f"**{table.caption}**", "", markdown_table(table.columns, table.rows), ""]
    parts += [f"- {note}" for note in section.notes]
    if section.notes:
        parts.append("")
    parts += [f"![{section.title}]({figure})" for figure in section.figures]
    if section.figures:
        parts.append("")
    return "\n".join(parts)


def render_markdown(*, sections, machine, plan, wall_s, generated):
    """The whole report as markdown text."""
    summary_rows = [
        (f"{number}. " + verdict.claim,) + tuple(verdict)[1:]
        for number, section in enumerate(sections, start=1)
        for verdict in section.verdicts
    ]
    parts = [
        "# The course's speed and precision claims, measured",
        "",
        f"Generated {generated} by `python -m benchmarks` (plan: {plan.name}, "
        f"{plan.repeats} timed repeats per number, medians; total run {wall_s:.0f} s). "
        "Every timing is taken after a warm-up call (compilation excluded unless the "
        "row says otherwise), blocks on the result with `jax.block_until_ready`, and "
        "is measured side by side with its baseline in the same run.",
        "",
        "## Machine",
        "",
        machine_markdown(machine),
        "",
        "## Summary",
        "",
        markdown_table(_VERDICT_COLUMNS, summary_rows),
        "",
    ]
    parts += [_section_markdown(number, section) for number, section in enumerate(sections, start=1)]
    return "\n".join(parts).rstrip() + "\n"


def report_json(*, sections, machine, plan, wall_s, generated):
    """The raw numbers and verdicts as a JSON-ready dict."""
    return {
        "generated": generated,
        "plan": plan._asdict(),
        "wall_s": wall_s,
        "machine": machine,
        "sections": {
            section.key: {
                "title": section.title,
                "reading": section.reading,
                "verdicts": [verdict._asdict() for verdict in section.verdicts],
                "figures": section.figures,
                "raw": section.raw,
            }
            for section in sections
        },
    }


def write_report(*, out_dir, sections, machine, plan, wall_s, stem="course_claims"):
    """Write ``<stem>.md`` and ``<stem>.json`` into ``out_dir``; return both paths."""
    generated = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    common = dict(sections=sections, machine=machine, plan=plan, wall_s=wall_s, generated=generated)
    markdown_path = os.path.join(out_dir, f"{stem}.md")
    json_path = os.path.join(out_dir, f"{stem}.json")
    with open(markdown_path, "w", encoding="utf-8") as markdown_file:
        markdown_file.write(render_markdown(**common))
    with open(json_path, "w", encoding="utf-8") as json_file:
        json.dump(report_json(**common), json_file, indent=1, sort_keys=False)
        json_file.write("\n")
    return markdown_path, json_path


def backend_cells(raw_by_backend, describe):
    """``(cpu_text, gpu_text)`` for a verdict row.

    ``describe(raw)`` turns one backend's raw numbers into text; a backend
    that was not measured gets the reason instead.
    """
    cpu = describe(raw_by_backend["cpu"]) if "cpu" in raw_by_backend else UNMEASURED
    gpu = describe(raw_by_backend["gpu"]) if "gpu" in raw_by_backend else NO_GPU
    return cpu, gpu


def judge(values, *, low, high):
    """``HOLDS`` if every value lies in [low, high], ``FAILS`` if none, else ``PARTLY``."""
    values = [value for value in values if value is not None]
    if not values:
        return UNMEASURED
    inside = [low <= value <= high for value in values]
    if all(inside):
        return HOLDS
    return PARTLY if any(inside) else FAILS
