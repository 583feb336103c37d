"""Ordinary child: start threads late, as XLA does while a submission imports.

argv[1]: how many threads. Writes `ready`, waits for the file `go`, then starts
the threads and writes result.json: how many started and the first error.
"""
import json
import os
import sys
import threading
import time

count = int(sys.argv[1])
open("ready", "w").close()
deadline = time.monotonic() + 30
while not os.path.exists("go") and time.monotonic() < deadline:
    time.sleep(0.01)
stop = threading.Event()
started, error = [], None
for _ in range(count):
    thread = threading.Thread(target=stop.wait)
    try:
        thread.start()
    except RuntimeError as exc:  # "can't start new thread": pthread_create failed (EAGAIN)
        error = str(exc)
        break
    started.append(thread)
stop.set()
with open("result.json", "w") as out:
    json.dump({"started": len(started), "error": error}, out)
