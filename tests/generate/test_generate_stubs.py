"""The stubs generated from the real references keep the whole student API."""
import ast
from pathlib import Path

import pytest

from autograder.checks import ASSIGNMENTS
from autograder.generate import strip_solutions

REPO = Path(__file__).resolve().parents[2]


def public_api(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """name -> (signature, docstring) of public functions, classes and methods."""
    api = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            signature = ast.unparse(node.args) if isinstance(node, ast.FunctionDef) else ast.unparse(node.bases)
            api[node.name] = (signature, ast.get_docstring(node))
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.AnnAssign):
                        api[f"{node.name}.{ast.unparse(item.target)}"] = (ast.unparse(item.annotation), None)
                    elif isinstance(item, ast.FunctionDef):
                        api[f"{node.name}.{item.name}"] = (ast.unparse(item.args), ast.get_docstring(item))
    return api


def functions_with_blocks(source: str) -> set[str]:
    """Functions whose body holds a BEGIN SOLUTION marker."""
    tree = ast.parse(source)
    lines = source.splitlines()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            body = lines[node.lineno:node.end_lineno]
            if any(line.strip() == "# BEGIN SOLUTION" for line in body):
                names.add(node.name)
    return names


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def reference_and_stub(request):
    name = request.param
    source = (REPO / "solutions" / f"{name}.py").read_text(encoding="utf-8")
    return name, source, strip_solutions(source, filename=f"solutions/{name}.py")


def test_stub_keeps_signatures_and_docstrings(reference_and_stub):
    name, source, stub = reference_and_stub
    reference_tree, stub_tree = ast.parse(source), ast.parse(stub, filename=f"assignments/{name}.py")
    assert ast.get_docstring(stub_tree) == ast.get_docstring(reference_tree)
    assert public_api(stub_tree) == public_api(reference_tree)
    assert public_api(stub_tree), f"solutions/{name}.py defines no public function"


def test_stub_raises_not_implemented_in_every_solved_function(reference_and_stub):
    name, source, stub = reference_and_stub
    solved = functions_with_blocks(source)
    assert solved, f"solutions/{name}.py has no solution block inside a function"
    for function in solved:
        expected = f'raise NotImplementedError("{function}: not implemented yet — see handouts/{name}.md")'
        assert expected in stub, f"assignments/{name}.py: {function} does not raise NotImplementedError"


def test_stub_holds_no_solution_code(reference_and_stub):
    name, source, stub = reference_and_stub
    assert "SOLUTION" not in stub
    private_helpers = {
        node.name for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_")
    }
    stub_names = {node.name for node in ast.parse(stub).body if isinstance(node, ast.FunctionDef)}
    assert not (private_helpers & stub_names), (
        f"assignments/{name}.py still defines helpers {sorted(private_helpers & stub_names)}; "
        "put them inside solution markers"
    )


def test_generated_stubs_are_the_committed_ones(reference_and_stub):
    name, _, stub = reference_and_stub
    for folder in ("assignments", "student_template/assignments"):
        committed = (REPO / folder / f"{name}.py").read_text(encoding="utf-8")
        assert committed == stub, f"{folder}/{name}.py is out of date: run `jaxgrade regenerate`"
