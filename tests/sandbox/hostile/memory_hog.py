"""Hostile child: allocate argv[1] bytes, then argv[2] bytes. Writes result.json."""
import json
import sys

result = {}
for size in map(int, sys.argv[1:]):
    try:
        block = bytearray(size)
        block[::4096] = b"x" * len(block[::4096])  # touch every page
        result[str(size)] = "ok"
        del block
    except MemoryError:
        result[str(size)] = "MemoryError"
with open("result.json", "w") as out:
    json.dump(result, out)
