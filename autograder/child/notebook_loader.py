"""Importing a notebook submission, cell by cell, inside the sandboxed child.

The grader stages ``<module>.ipynb`` as ``<module>.cells.json`` (its code cells,
IPython syntax already made inert: ``autograder/notebook.py``). This finder
makes ``import assignments.<module>`` execute those cells in order in one
module namespace and carry on past a cell that raises, as Jupyter does when a
student runs every cell: a failing plot or demo cell costs nothing, and the
functions defined before and after it are still there.

Each cell is compiled under the file name ``<package>/<notebook>, cell N`` and
its source registered with :mod:`linecache`, so a traceback points at the
notebook's cell and line, never at a generated file.

Standard library only (the child's rule).
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import json
import linecache
import os
import sys

CELLS_SUFFIX = ".cells.json"
PACKAGE = "assignments"
_cell_errors: dict[str, list] = {}


def cell_errors(module: str) -> list:
    """The cells of ``assignments.<module>`` that raised while it was imported (empty for a .py)."""
    return list(_cell_errors.get(f"{PACKAGE}.{module}", []))


class NotebookLoader(importlib.abc.Loader):
    def __init__(self, cells_path: str, describe):
        self.cells_path = cells_path
        self.describe = describe  # exception -> plain dict (the server's describe_exception)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        with open(self.cells_path, encoding="utf-8") as handle:
            payload = json.load(handle)
        folder = os.path.dirname(self.cells_path)
        module.__file__ = os.path.join(folder, payload["notebook"])
        errors = _cell_errors.setdefault(module.__name__, [])
        errors.clear()
        for cell in payload["cells"]:
            filename = os.path.join(folder, f"{payload['notebook']}, cell {cell['number']}")
            source = cell["source"]
            lines = [line + "\n" for line in source.split("\n")]
            linecache.cache[filename] = (len(source), None, lines, filename)  # no mtime: never re-read
            try:
                exec(compile(source, filename, "exec", dont_inherit=True), module.__dict__)
            except (Exception, SystemExit) as exc:  # errors allowed, as in Jupyter's "run all"
                first = next((line.strip() for line in source.split("\n") if line.strip()), "")
                errors.append(dict(self.describe(exc), cell=cell["number"], first_line=first[:120]))


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds ``assignments.<name>`` as ``<name>.cells.json`` where there is no ``<name>.py``."""

    def __init__(self, describe):
        self.describe = describe

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package != PACKAGE or not name.isidentifier():
            return None
        for folder in path or ():
            cells = os.path.join(folder, name + CELLS_SUFFIX)
            if os.path.isfile(cells) and not os.path.exists(os.path.join(folder, name + ".py")):
                return importlib.util.spec_from_loader(fullname, NotebookLoader(cells, self.describe), origin=cells)
        return None


def install(describe) -> None:
    sys.meta_path.insert(0, NotebookFinder(describe))
