"""Hostile child: try to write outside its scratch folder.

argv[1]: JSON list of paths to create. Writes result.json: path -> "ok" or error,
plus "scratch" for a write inside scratch (which must work).
"""
import json
import os
import sys

result = {}
for path in json.loads(sys.argv[1]) + [os.path.join(os.environ["HOME"], "inside.txt")]:
    try:
        with open(path, "w") as f:
            f.write("escaped")
        result[path] = "ok"
    except OSError as error:
        result[path] = f"{type(error).__name__}: {error}"
with open("result.json", "w") as out:
    json.dump(result, out)
