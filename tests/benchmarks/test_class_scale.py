"""The class-scale benchmark's class and report, without grading anyone."""
from __future__ import annotations

from benchmarks import class_scale


def test_a_class_mixes_correct_and_wrong_cases_of_every_assignment(tmp_path):
    from autograder.checks import ASSIGNMENTS

    for assignment in ASSIGNMENTS:
        cases = class_scale.corpus_cases(assignment)
        kinds = [case.parent.parent.name for case in cases[:2]]
        assert kinds == ["correct", "wrong"], f"{assignment}: the class opens with {kinds}"
    folder = class_scale.build_class(tmp_path / "class", "grad_forces", 5)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 5 and not list(folder.glob("*/expect.json")), "expectations must not reach the grader"


def test_the_report_states_the_ratio_and_the_class_figure():
    run = {"wall_s": 60.0, "scores": {"a": 1.0}, "peak_total_mb": 900.0, "peak_grader_mb": 300.0,
           "peak_child_mb": 250.0, "peak_verifier_mb": 100.0}
    report = {"machine": "test", "load_before": "9.0", "load_after": "9.0", "size": 12, "jobs": 2,
              "baseline": "main", "breakdown": {},
              "assignments": {"grad_forces": {"floor_s": 2.0, "baseline": dict(run, wall_s=120.0), "this": run}}}
    del report["assignments"]["grad_forces"]["baseline"]["peak_verifier_mb"]  # an older tree's run
    report["summary"] = {name: class_scale.summarise({"grad_forces": report["assignments"]["grad_forces"][name]},
                                                     12, 2) for name in ("baseline", "this")}
    text = class_scale.to_markdown(report)
    assert "**0.50x**" in text and "| 550 / 650 |" in text and "| yes |" in text
    assert report["summary"]["this"]["class_200x6_min"] == 60.0 / 12 * 1200 / 60
