"""The names grader and child share (child/names.py) are the ones the child registers."""
from autograder.child import names, program_registry, programs  # noqa: F401  (programs fills the registry)


def test_every_named_program_is_registered():
    for name in names.PROGRAMS:
        assert program_registry.get(name).__name__ == name
