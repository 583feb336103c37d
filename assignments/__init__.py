"""Your solutions to the JAX physics assignments.

One module per assignment; ``handouts/<name>.md`` says what each function
must do. The autograder imports them as ``assignments.<name>``: keep the file
names, function names and signatures. You may add helper modules here and
import them from your solutions (``from . import my_helpers``).
"""
