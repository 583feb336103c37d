"""The seccomp program decides as intended on both architectures. A small
classic-BPF interpreter runs it here, so aarch64 is checked on any machine."""
import errno
import struct

import pytest

from autograder.sandbox import seccomp

ALLOW, KILL = 0x7FFF0000, 0x80000000
AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16


def run_filter(program, *, arch: int, nr: int, arg0: int = 0) -> int:
    data = struct.pack("<iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        if code == 0x20:  # load word at offset k
            acc = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif code in (0x15, 0x45):  # jeq / jset
            hit = acc == k if code == 0x15 else bool(acc & k)
            pc += 1 + (jt if hit else jf)
        elif code == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected opcode {code:#x} at {pc}")


def errno_of(verdict: int) -> int:
    assert verdict & 0xFFFF0000 == 0x00050000, f"expected an errno verdict, got {verdict:#x}"
    return verdict & 0xFFFF


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_filter_decisions(machine):
    table = seccomp.syscall_table(machine)
    program = seccomp.build_program(table)
    arch = table["audit_arch"]
    decide = lambda name, arg0=0: run_filter(program, arch=arch, nr=table[name], arg0=arg0)  # noqa: E731
    assert decide("socket", AF_UNIX) == ALLOW, "AF_UNIX sockets must stay allowed"
    for family in (AF_INET, AF_INET6, AF_NETLINK, 17):
        assert errno_of(decide("socket", family)) == errno.EACCES, f"family {family} must be refused"
    for name in ("ptrace", "unshare", "setns", "mount", "io_uring_setup", "process_vm_readv"):
        assert errno_of(decide(name)) == errno.EPERM, f"{name} must be refused with EPERM"
    assert errno_of(decide("clone3")) == errno.ENOSYS, "clone3 must say ENOSYS so libc falls back to clone"
    assert decide("clone", 0x01200011) == ALLOW, "a plain fork-style clone must be allowed"
    assert errno_of(decide("clone", 0x01200011 | 0x10000000)) == errno.EPERM, "CLONE_NEWUSER must be refused"
    assert run_filter(program, arch=arch, nr=0) == ALLOW, "ordinary system calls must pass"
    assert run_filter(program, arch=0x40000003, nr=table["socket"]) == KILL, "a foreign ABI must be killed"


def test_x32_calls_are_refused_on_x86_64():
    table = seccomp.syscall_table("x86_64")
    verdict = run_filter(seccomp.build_program(table), arch=table["audit_arch"], nr=0x40000000 | 41)
    assert errno_of(verdict) == errno.ENOSYS


def test_unknown_architecture_is_an_error_not_a_silent_pass():
    with pytest.raises(seccomp.SeccompError, match="riscv64"):
        seccomp.syscall_table("riscv64")
