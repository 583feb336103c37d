#!/usr/bin/env bash
# Gradescope runs this as root for every submission. jaxgrade grades the
# submission with the student's code confined to a child process running as
# the `student` user, and a valid results.json is left behind in every case.
#
# To rehearse it elsewhere: JAXGRADE_AUTOGRADER_ROOT stands in for /autograder,
# JAXGRADE_PYTHON for the interpreter setup.sh installed (any Python with the
# grader's dependencies), JAXGRADE_RUN_AS for the `student` user.
set -uo pipefail

ROOT="${JAXGRADE_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${JAXGRADE_PYTHON:-/opt/jaxgrade/venv/bin/python}"
RUN_AS="${JAXGRADE_RUN_AS:-@RUN_AS@}"
ASSIGNMENT=@ASSIGNMENT@
TIME_LIMIT=@TIME_LIMIT@
HIDDEN_VISIBILITY=@HIDDEN_VISIBILITY@
HIDDEN_FEEDBACK=@HIDDEN_FEEDBACK@

mkdir -p "$ROOT/results"
# Names, emails, the submission and its results are for root's eyes only.
chmod -R go= "$ROOT/submission" "$ROOT/results" "$ROOT/submission_metadata.json" 2>/dev/null || true

export PYTHONPATH="$ROOT/source"
"$PYTHON" -m autograder.packaging.gradescope_entry \
    --root "$ROOT" --assignment "$ASSIGNMENT" --run-as "$RUN_AS" --time-limit "$TIME_LIMIT" \
    --hidden-visibility "$HIDDEN_VISIBILITY" --hidden-feedback "$HIDDEN_FEEDBACK"
status=$?
if [ "$status" -ne 0 ]; then
    # The grading environment itself is broken. The system python3 (always
    # there: Gradescope's harness runs on it) still writes a results file that
    # says so, through the same results code.
    python3 -m autograder.packaging.gradescope_entry \
        --root "$ROOT" --assignment "$ASSIGNMENT" --hidden-visibility "$HIDDEN_VISIBILITY" \
        --failure "the grading environment did not start (exit status $status)"
fi
exit 0
