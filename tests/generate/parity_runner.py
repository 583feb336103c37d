"""Run the template's linked public tests on corpus submissions, in one process per assignment.

Usage: ``python parity_runner.py TEMPLATE ASSIGNMENT CASE_DIR...``; prints JSON
``{case_dir: {graded_as link: true (passed) | false}}``. Each case's module is
imported as ``assignments.<assignment>`` afresh, and the public test module
under a fresh name, so module-level compiled functions and caches belong to
that case only. Only correct and wrong corpus cases come here: hostile ones
run nowhere but in the grader's sandbox.
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path


def _load(name: str, path: Path, *, search=None):
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _module_file(case: Path, assignment: str) -> Path:
    flat = case / f"{assignment}.py"
    return flat if flat.is_file() else case / "assignments" / f"{assignment}.py"


def linked_verdicts(template: Path, assignment: str, case: Path, serial: int) -> dict[str, bool]:
    """graded_as link -> whether its public test passed on ``case``'s module."""
    import assignments  # the template's package: jla.py, data/ and the other stubs

    helpers = str(_module_file(case, assignment).parent)
    assignments.__path__.insert(0, helpers)  # a case's own helper modules, as the grader stages them
    for name in [n for n in sys.modules if n.startswith("assignments.") and n != "assignments.jla"]:
        del sys.modules[name]
    verdicts: dict[str, bool] = {}
    try:
        student = _load(f"assignments.{assignment}", _module_file(case, assignment))
        setattr(assignments, assignment, student)
        tests = _load(f"parity_test_{assignment}_{serial}", template / "tests" / f"test_{assignment}.py")
    except BaseException as error:  # noqa: BLE001 - a module that does not import fails every test
        if isinstance(error, KeyboardInterrupt):
            raise
        tests = None
    finally:
        assignments.__path__.remove(helpers)
    for name in sorted(n for n in dir(tests) if n.startswith("test_")) if tests else []:
        function = getattr(tests, name)
        link = getattr(function, "graded_check", None)
        if link is None:
            continue
        try:
            function()
            passed = True
        except BaseException as error:  # noqa: BLE001 - pytest.fail raises a BaseException
            if isinstance(error, KeyboardInterrupt):
                raise
            passed = False
        verdicts[link] = verdicts.get(link, True) and passed
    if tests is None:  # the module did not import: every linked test fails
        source = (template / "tests" / f"test_{assignment}.py").read_text(encoding="utf-8")
        verdicts = {link: False for link in re.findall(r'@graded_as\("([^"]+)"\)', source)}
    return verdicts


def main(argv: list[str]) -> None:
    template, assignment, cases = Path(argv[0]), argv[1], [Path(c) for c in argv[2:]]
    sys.path[:0] = [str(template / "tests"), str(template)]
    import jax

    jax.config.update("jax_enable_x64", True)  # as the template's conftest.py and the grader do
    # Verdicts only: naming the mistake (which compiles every known HMC variant) is tested elsewhere.
    import jaxgrade_diagnosis_sampling

    jaxgrade_diagnosis_sampling.matching_variant = lambda *args, **kwargs: ("(not named here)", "")
    results = {str(case): linked_verdicts(template, assignment, case, i) for i, case in enumerate(cases)}
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
