"""A Jupyter or Colab notebook as a submission: its code cells, in order, are the module.

Read here, in the grader (with nbformat), never executed here. What comes out
is plain data for the sandboxed child: each code cell's number and its source,
with IPython syntax the grader cannot run made inert, line for line, so that
every line number the student sees is the cell's own. The child executes the
cells one by one (``autograder/child/notebook_loader.py``) and carries on past
a cell that fails, as nbgrader and Otter grade with errors allowed.

A cell is numbered by its place among all the notebook's cells, from 1, as it
appears on screen (Markdown cells count).

The same neutralising applies to a ``.py`` file (a Colab ``!pip`` line, or an
``nbconvert --to script`` export full of ``get_ipython()`` calls), keeping
its line numbers.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

NOTEBOOK_SUFFIX = ".ipynb"
CELLS_SUFFIX = ".cells.json"
"""The staged form of ``<module>.ipynb`` that the child loads (``<module>.cells.json``)."""
MAX_NOTICES = 8
# Cell magics whose body is Python: the body runs, the magic line does not.
PYTHON_BODY_CELL_MAGICS = {"time", "timeit", "capture", "prun"}

_SHELL_OR_MAGIC = re.compile(r"^(?P<indent>\s*)(?P<target>[A-Za-z_]\w*\s*=\s*)?(?P<syntax>!|%)(?P<rest>.*)$")
_GET_IPYTHON = re.compile(r"^(?P<indent>\s*)(?P<target>[A-Za-z_]\w*\s*=\s*)?get_ipython\(\).*$")


class NotebookUnreadable(Exception):
    """The file is not a notebook nbformat can read."""


@dataclass(frozen=True)
class Cell:
    number: int  # place among all cells, from 1
    source: str  # with IPython syntax made inert, same number of lines


@dataclass(frozen=True)
class Neutralised:
    text: str
    notices: tuple[str, ...]


def _inert(match: re.Match, why: str) -> str:
    target = match.group("target")
    if target:  # `files = !ls` keeps its name defined
        return f"{match.group('indent')}{target.strip()} None  # {why}"
    return f"{match.group('indent')}pass  # {why}"


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _short(line: str, limit: int = 60) -> str:
    line = "".join(ch if ch.isprintable() else "?" for ch in str(line).strip())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def neutralise(text: str, where: str) -> Neutralised:
    """``text`` with IPython-only lines made inert; ``where``: how a notice names the place.

    ``!cmd`` and ``%magic`` lines are touched only when the text does not parse as
    Python (a line starting with ``%`` can continue an expression); a statement that
    calls ``get_ipython()`` always is (there is no IPython in the grader).
    """
    lines = text.split("\n")
    notices = []
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)[0] if lines[first].strip() != "%%" else ""
        if magic in PYTHON_BODY_CELL_MAGICS:
            lines[first] = ""
            notices.append(f"{where}: the %%{magic} cell magic is IPython syntax; the grader ran the cell without it.")
        else:
            notices.append(f"{where}: the %%{magic} cell magic is IPython syntax; the grader skipped this cell.")
            return Neutralised("\n".join("# " + line for line in lines), tuple(notices))
    parses = _parses("\n".join(lines))
    for number, line in enumerate(lines, start=1):
        magic = None if parses else _SHELL_OR_MAGIC.match(line)
        call = _GET_IPYTHON.match(line)
        if magic:
            kind = "shell command" if magic.group("syntax") == "!" else "magic"
            lines[number - 1] = _inert(magic, "IPython syntax, skipped by the grader")
            notices.append(f"{where}, line {number}: `{_short(line)}` is an IPython {kind}; the grader skipped it.")
        elif call:
            lines[number - 1] = _inert(call, "IPython call, skipped by the grader")
            notices.append(f"{where}, line {number}: `{_short(line)}` needs IPython; the grader skipped it.")
    return Neutralised("\n".join(lines), tuple(notices))


def read_cells(path: Path) -> tuple[list[Cell], list[str]]:
    """The notebook's code cells (neutralised) and the notices to show; raises NotebookUnreadable."""
    import nbformat  # the grader's dependency; the child never reads notebooks itself

    try:
        notebook = nbformat.reads(Path(path).read_text(encoding="utf-8", errors="replace"), as_version=4)
    except Exception as exc:  # JSON or schema errors of every kind
        name = Path(path).name
        raise NotebookUnreadable(f"{name} is not a notebook Jupyter can open ({type(exc).__name__}).") from None
    cells, notices = [], []
    raw_cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(raw_cells, list):  # nbformat only logs a schema error: the shape is checked here
        raise NotebookUnreadable(f"{Path(path).name} is not a notebook Jupyter can open (it has no list of cells).")
    for number, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        source = source if isinstance(source, str) else ""
        done = neutralise(source, f"{Path(path).name}, cell {number}")
        cells.append(Cell(number, done.text))
        notices += done.notices
    return cells, notices


def _is_stub(node: ast.AST) -> bool:
    """A function whose body (after its docstring) only raises NotImplementedError."""
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]
    return len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in ast.dump(body[0])


def has_own_code(cells: list[Cell]) -> bool:
    """Whether some function of the notebook has a body of the student's (not the handout's stub)."""
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, ValueError):
            return True
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_stub(node):
                return True
    return False


def cells_payload(notebook_name: str, cells: list[Cell]) -> str:
    """The JSON the child loads: the notebook's name and its code cells."""
    return json.dumps({"notebook": notebook_name, "cells": [{"number": c.number, "source": c.source} for c in cells]})


def module_text(cells: list[Cell]) -> str:
    """The code cells as one text, for checks that read the student's source."""
    return "\n\n".join(c.source for c in cells)


def summarise_notices(notices: list[str]) -> str:
    """What the feedback says about IPython syntax the grader did not run ('' when there was none)."""
    if not notices:
        return ""
    shown = notices[:MAX_NOTICES]
    more = len(notices) - len(shown)
    lines = ["IPython syntax in your submission (fine in Jupyter or Colab; the grader does not run it):"]
    lines += [f"- {n}" for n in shown] + ([f"- and {more} more like these."] if more > 0 else [])
    return "\n".join(lines)


def describe_cell_errors(errors: list[dict]) -> str:
    """The feedback for cells that raised while the module was imported ('' when none did).

    ``errors``: ``[{"cell", "first_line", "type", "message", "traceback"}]`` from the child.
    """
    if not errors:
        return ""
    parts = []
    for error in errors[:MAX_NOTICES]:
        parts.append(
            f"Cell {error.get('cell')} (`{_short(str(error.get('first_line', '')))}`) raised "
            f"{error.get('type')}: {_short(str(error.get('message', '')), 300)}"
            + (f"\n{error['traceback']}" if error.get("traceback") else "")
        )
    return (
        "Some cells of your notebook failed when the grader ran them; the grader carried on, so every "
        "function defined in the other cells was still graded (a cell that only plots or demonstrates "
        "costs nothing; a function defined in a failing cell after the error is missing):\n" + "\n".join(parts)
    )
