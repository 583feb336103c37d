"""The check framework: what a check is, how it reaches the student's code, and how it decides.

Assignment-neutral. ``framework`` (checks, registries, gates, the context),
``verdicts`` (how a check ends), ``arguments`` (argument references the child
resolves), ``tolerances`` (every shared tolerance, defined once), the property
helpers (``properties``, ``property_inputs``, ``property_structure``,
``loose_gates``), ``evidence`` (exported programs, read in the verifier) and
``reuse`` (reference values a long-lived grader keeps). The assignments'
checks, in ``autograder/checks/``, import from here; nothing here imports them.
"""
