"""docs/ARCHITECTURE.md is true to the code.

Its tree names only files and folders that exist, it names every module of
the grader, and every ```python example in it runs.
"""
from __future__ import annotations

import os
import re

import pytest

from autograder.packaging.bundle import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "ARCHITECTURE.md"
PLACEHOLDER = re.compile(r"[<{]|\.\.\.")  # <module>.py, corpus/{correct,...}/, ...


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.M | re.S)


def tree_paths() -> list[str]:
    """Every path the tree names, relative to the project root (placeholders left out).

    An entry is a word ending in ``/`` or ``.py`` (several may share a line,
    separated by commas) indented at most one level below its parent; deeper
    lines continue the description above them.
    """
    tree = next(block for block in _blocks("") if "autograder/" in block)
    parents: list[str] = []  # the folder at each level
    paths = []
    for line in tree.splitlines():
        level = (len(line) - len(line.lstrip(" "))) // 2
        names = re.match(r"\s*((?:[\w.<>{},/-]+(?:/|\.py))(?:, [\w.<>-]+(?:/|\.py))*)(?:\s|$)", line)
        if not names or level > len(parents):
            continue
        del parents[level:]
        for name in names.group(1).split(", "):
            path = "".join(parents) + name
            if not PLACEHOLDER.search(path):
                paths.append(path)
        if names.group(1).endswith("/"):
            parents.append(names.group(1))
    return paths


def test_the_tree_names_only_what_exists():
    paths = tree_paths()
    assert "autograder/grading.py" in paths and "autograder/sandbox/session.py" in paths, paths
    missing = [p for p in paths if not (PROJECT_ROOT / p).exists()]
    assert not missing, f"docs/ARCHITECTURE.md names what does not exist: {missing}"


def test_the_tree_names_every_module_of_the_grader():
    from autograder.checks import ASSIGNMENTS

    named = set(tree_paths())
    unnamed = []
    for path in sorted((PROJECT_ROOT / "autograder").rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if path.name == "__init__.py" or "templates" in path.parts:
            continue
        if path.parent.name == "checks" and path.stem.removesuffix("_diagnosis") in ASSIGNMENTS:
            continue  # "checks/<module>.py" and "checks/<module>_diagnosis.py": an assignment's own
        if relative not in named:
            unnamed.append(relative)
    assert not unnamed, f"docs/ARCHITECTURE.md does not say what these modules are: {unnamed}"


@pytest.mark.parametrize("number", range(len(_blocks("python"))))
def test_every_python_example_runs(number, tmp_path):
    source = _blocks("python")[number]
    cwd = os.getcwd()
    os.chdir(tmp_path)  # an example that writes files writes them here
    try:
        exec(compile(source, f"ARCHITECTURE.md example {number + 1}", "exec"), {"__name__": "architecture_example"})
    finally:
        os.chdir(cwd)


def test_the_doc_has_examples():
    assert len(_blocks("python")) >= 2
