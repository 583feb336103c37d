#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
#
# Why uv and a standalone CPython: Gradescope's default image (Ubuntu 22.04)
# ships Python 3.10, which JAX @JAX_VERSION@ does not support, and the system
# python3 must stay as it is because Gradescope's own harness runs on it. A
# pinned uv installs a pinned CPython build in seconds: no conda, no browser,
# no PPA whose versions drift. 3.11 is the version the project's tests run on.
# Everything lands under /opt/jaxgrade, outside /root, so that the
# unprivileged `student` user can run the interpreter that runs its code.
set -euo pipefail

PREFIX=/opt/jaxgrade
SOURCE=/autograder/source
UV_VERSION=@UV_VERSION@
PYTHON_VERSION=@PYTHON_VERSION@
export UV_PYTHON_INSTALL_DIR="$PREFIX/python"
export UV_CACHE_DIR="$(mktemp -d)"
export UV_NO_CONFIG=1
export UV_PYTHON_PREFERENCE=only-managed

# uv is a wheel on PyPI; --target keeps it out of the system Python's packages.
python3 -m pip install --quiet --no-cache-dir --disable-pip-version-check \
    --target "$PREFIX/uv" "uv==$UV_VERSION"
UV="$PREFIX/uv/bin/uv"

"$UV" python install "$PYTHON_VERSION"
"$UV" venv --python "$PYTHON_VERSION" "$PREFIX/venv"
VENV_PYTHON="$PREFIX/venv/bin/python"

# Wheels only, every version exact (the list is autograder/packaging/requirements-grader.txt).
"$UV" pip install --python "$VENV_PYTHON" --only-binary :all: \
@PINNED_REQUIREMENTS@

# The grader itself, editable: its code (hidden checks, reference solutions)
# then lives only in /autograder/source, which only root can read.
"$UV" pip install --python "$VENV_PYTHON" --no-deps --no-build-isolation --editable "$SOURCE"
rm -rf "$UV_CACHE_DIR"

# The user that student code runs as: no password, no home, no shell.
id -u student >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin student

chown -R root:root "$SOURCE"
chmod -R go= "$SOURCE"
chmod -R a+rX "$PREFIX"

"$VENV_PYTHON" -c "import autograder.cli, jax; print('jaxgrade ready: jax', jax.__version__, jax.devices())"
