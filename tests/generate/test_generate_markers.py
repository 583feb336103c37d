"""Solution markers: what a stub keeps, what it loses, and loud misuse errors."""
import ast
import textwrap

import pytest

from autograder.generate import MarkerError, strip_solutions


def stub_of(source: str, filename: str = "solutions/physics.py") -> str:
    return strip_solutions(textwrap.dedent(source), filename=filename)


def test_function_block_becomes_not_implemented_with_handout_path():
    stub = stub_of('''
        def energy(x, m, eps2=0.0):
            """Docstring stays."""
            # BEGIN SOLUTION
            r = x * 2
            return r.sum()
            # END SOLUTION
    ''')
    assert '"""Docstring stays."""' in stub
    assert "r = x * 2" not in stub and "return r.sum()" not in stub
    assert ('    raise NotImplementedError("energy: not implemented yet — see handouts/physics.md")\n'
            in stub)
    tree = ast.parse(stub)
    function = tree.body[0]
    assert function.name == "energy"
    assert ast.unparse(function.args) == "x, m, eps2=0.0"


def test_nested_function_block_names_the_innermost_function():
    stub = stub_of('''
        def outer(x):
            def inner(y):
                # BEGIN SOLUTION
                return y
                # END SOLUTION
            return inner(x)
    ''')
    assert 'raise NotImplementedError("inner: not implemented yet' in stub
    assert "        raise NotImplementedError" in stub  # at the block's indentation
    assert "return inner(x)" in stub


def test_module_level_block_is_removed_without_extra_blank_lines():
    stub = stub_of('''
        import jax


        # BEGIN SOLUTION
        def _helper(x):
            return x
        # END SOLUTION


        def public(x):
            return x
    ''')
    assert "_helper" not in stub and "NotImplementedError" not in stub
    assert "\n\n\n\n" not in stub
    assert "import jax\n\n\ndef public(x):" in stub


def test_line_marked_solution_is_dropped():
    stub = stub_of('''
        import functools  # SOLUTION
        import jax


        @jax.jit  # SOLUTION
        def f(x):
            return x
    ''')
    assert "functools" not in stub and "@jax.jit" not in stub
    assert "import jax" in stub and "def f(x):" in stub


def test_method_block_inside_class():
    stub = stub_of('''
        class Integrator:
            """Keeps its docstring."""

            def step(self, state):
                # BEGIN SOLUTION
                return state
                # END SOLUTION
    ''')
    assert 'raise NotImplementedError("step: not implemented yet' in stub
    ast.parse(stub)


def test_text_without_markers_is_unchanged():
    source = "def f(x):\n    # a normal comment about the solution\n    return x\n"
    assert strip_solutions(source, filename="solutions/f.py") == source


@pytest.mark.parametrize(
    ("source", "line", "phrase"),
    [
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", 3, "nested"),
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", 2, "unterminated"),
        ("def f():\n    return 1\n    # END SOLUTION\n", 3, "stray"),
        ("x = f(\n    # BEGIN SOLUTION\n    1)\n# END SOLUTION\n", 2, "middle of a statement"),
        ('s = """\n# BEGIN SOLUTION\n"""\n', 2, "middle of a statement"),
        ("x = 1  # BEGIN SOLUTION\n", 1, "stand alone"),
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION\n", 4, "indented differently"),
        ("def f():\n    # begin solution\n    return 1\n", 2, "not spelled"),
        ("x = g(1,  # SOLUTION\n      2)\n", 1, "only part of the statement"),
    ],
    ids=["nested", "unterminated", "stray-end", "inside-brackets", "inside-string", "trailing",
         "dedented-end", "misspelled", "half-statement"],
)
def test_marker_misuse_names_file_and_line(source, line, phrase):
    with pytest.raises(MarkerError) as error:
        strip_solutions(source, filename="solutions/broken.py")
    message = str(error.value)
    assert message.startswith(f"solutions/broken.py:{line}:"), message
    assert phrase in message, message


def test_stub_that_is_not_valid_python_is_reported_at_the_source_line():
    source = textwrap.dedent('''
        class Empty:
            # BEGIN SOLUTION
            value = 1
            # END SOLUTION


        def f():
            return 1
    ''')
    with pytest.raises(MarkerError) as error:
        strip_solutions(source, filename="solutions/empty.py")
    message = str(error.value)
    assert "solutions/empty.py:" in message and "not valid Python" in message
    assert "stub line" in message
