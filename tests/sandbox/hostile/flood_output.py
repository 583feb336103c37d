"""Hostile child: write 50 MB to stdout. Writes result.json with what happened."""
import json
import sys

written, error = 0, None
chunk = "x" * (1 << 20)
try:
    for _ in range(50):
        sys.stdout.write(chunk)
        sys.stdout.flush()
        written += len(chunk)
except OSError as exc:
    error = f"{type(exc).__name__}: {exc}"
with open("result.json", "w") as out:
    json.dump({"written": written, "error": error}, out)
