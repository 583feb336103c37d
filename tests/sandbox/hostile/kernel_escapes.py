"""Hostile child: system calls that could undo the sandbox.

argv[1]: the grader's pid. Writes result.json: call -> errno name, or "ok".
"""
import ctypes
import errno
import json
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
grader = int(sys.argv[1])
PTRACE_ATTACH, CLONE_NEWUSER, CLONE_NEWNET = 16, 0x10000000, 0x40000000
calls = {
    "ptrace_grader": lambda: libc.ptrace(PTRACE_ATTACH, grader, 0, 0),
    "unshare_user": lambda: libc.unshare(CLONE_NEWUSER),
    "unshare_net": lambda: libc.unshare(CLONE_NEWNET),
    "io_uring_setup": lambda: libc.syscall(425, 8, ctypes.create_string_buffer(120)),
    "mount_tmpfs": lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None),
}
result = {}
for name, call in calls.items():
    ctypes.set_errno(0)
    status = call()
    result[name] = "ok" if status >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
try:
    os.fork() or os._exit(0)  # plain fork (clone without namespace flags) still works
    os.wait()
    result["fork"] = "ok"
except OSError as error:
    result["fork"] = str(error)
with open("result.json", "w") as out:
    json.dump(result, out)
