"""Hostile child: try every route we know to the grader's hidden files.

argv[1]: JSON {"files": [...], "dirs": [...], "checkout": str, "grader_pid": int}.
Writes result.json: which files it could read or list, and how many ordinary
files its walks saw (to show the walks themselves work).
"""
import json
import os
import sys

plan = json.loads(sys.argv[1])
secret_dirs = [d.rstrip("/") + "/" for d in plan["dirs"]]
result = {"read": [], "listed": [], "imported": [], "walked_files": 0}


def readable(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # pipes and ttys must not block us
    except OSError:
        return False
    try:
        os.read(fd, 64)
    except BlockingIOError:
        pass
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def is_secret(path):
    try:
        real = os.path.realpath(path)
    except OSError:
        real = path
    return any(real.startswith(d) or real + "/" == d for d in secret_dirs)


# 1. Direct paths, and the same paths through /proc and through links we make.
for index, path in enumerate(plan["files"]):
    forms = [path, "/proc/self/root" + path, f"/proc/{plan['grader_pid']}/root" + path]
    link = f"link{index}"
    try:
        os.symlink(path, link)
        forms.append(link)
    except OSError:
        pass
    try:
        os.link(path, f"hard{index}")
        forms.append(f"hard{index}")
    except OSError:
        pass
    result["read"] += [form for form in forms if readable(form)]

# 2. The grader's memory, environment and open files, through /proc.
grader = os.getppid()  # the process that started us (the launcher exec'd into us)
for path in (f"/proc/{grader}/environ", f"/proc/{grader}/mem", f"/proc/{grader}/maps"):
    if readable(path):
        result["read"].append(path)
try:
    open_files = [f"/proc/{grader}/fd/{fd}" for fd in os.listdir(f"/proc/{grader}/fd")]
except OSError:
    open_files = []  # fd numbers alone reveal nothing; opening them would
result["read"] += [path for path in open_files if readable(path)]

# 3. Listing the secret folders.
for folder in plan["dirs"]:
    try:
        os.listdir(folder)
        result["listed"].append(folder)
    except OSError:
        pass

# 4. Walking the tree from the top, from the checkout and from a folder we may read.
# (System folders and environments are pruned only to keep the unconfined control fast.)
SYSTEM = {"proc", "sys", "dev", "usr", "lib", "lib64", "bin", "sbin", "var", "run", "boot", "etc"}
BULKY = {"__pycache__", "node_modules", "site-packages"}
roots = ["/", "/work", plan["checkout"], "/proc/self/root" + plan["checkout"],
         f"/proc/{plan['grader_pid']}/cwd", "/usr/lib/python3.11/email"]
for root in roots:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in BULKY and not d.startswith(".")
                   and not (folder == "/" and d in SYSTEM)]
        for name in files:
            path = os.path.join(folder, name)
            if is_secret(path):
                if readable(path):
                    result["read"].append(path)
            else:
                result["walked_files"] += 1

# 5. Importing the grader's packages from the checkout.
sys.path.insert(0, plan["checkout"])
for module in ("solutions", "autograder.checks"):
    try:
        __import__(module)
        result["imported"].append(module)
    except Exception:
        pass

with open("result.json", "w") as out:
    json.dump(result, out)
