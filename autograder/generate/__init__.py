"""Student-facing files generated from ``solutions/``: stubs, the student
template repository, its fixtures, and a drift check (``regenerate``)."""
from .markers import MarkerError, strip_solutions
from .regenerate import GenerationError, regenerate

__all__ = ["GenerationError", "MarkerError", "regenerate", "strip_solutions"]
