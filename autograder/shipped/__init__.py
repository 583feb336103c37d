"""The modules shipped to students: the same words in the grader and in the local tests.

``regenerate`` copies each module here into the student template's tests as
``tests/jaxgrade_<module>.py`` (``feedback.py`` -> ``jaxgrade_feedback.py``).
They import only NumPy, JAX and one another; a sibling is imported relatively
inside this package and, in the template's copy, by its ``jaxgrade_`` name.
"""
