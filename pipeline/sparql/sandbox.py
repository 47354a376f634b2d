"""Sandbox for query evaluation: a process that runs SPARQL can open no network connection.

The SERVICE check in :mod:`pipeline.sparql.query` refuses federated queries before they run. This
module is the second line of defence that holds even if that check is wrong: the process
(or forked child) that evaluates a query first calls :func:`deny_network`, which installs a
seccomp filter on every thread of the process, so ``socket()``, ``socketpair()``,
``connect()`` and ``io_uring_setup()`` fail with ``EACCES``. Oxigraph's HTTP client then
cannot resolve a name or open a connection, whatever the query says.

seccomp needs no privilege (``PR_SET_NO_NEW_PRIVS`` is set first), so it works for root
and for any user; it is Linux-only (x86-64 and aarch64). Where the kernel refuses it, the
fallback is a new, empty network namespace (``unshare(CLONE_NEWNET)``, as root, or with
``CLONE_NEWUSER`` where unprivileged user namespaces are allowed); where both are refused,
:func:`deny_network` reports why and the SERVICE check is the only protection left.
The filter cannot be removed: call it only in a process that will never need the network.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pickle
import platform
import signal
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# linux/audit.h, linux/seccomp.h, linux/filter.h, asm/unistd.h
_ARCHES: dict[str, tuple[int, int, dict[str, int]]] = {
    # machine: (AUDIT_ARCH_*, __NR_seccomp, syscalls to deny)
    "x86_64": (
        0xC000003E,
        317,
        {"socket": 41, "connect": 42, "socketpair": 53, "io_uring_setup": 425},
    ),
    "aarch64": (
        0xC00000B7,
        277,
        {"socket": 198, "socketpair": 199, "connect": 203, "io_uring_setup": 425},
    ),
}
_X32_SYSCALL_BIT = 0x40000000
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_BPF_RET_K = 0x06  # BPF_RET | BPF_K
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class SandboxStatus:
    """How (or whether) a process was cut off from the network."""

    method: str  # "seccomp", "network namespace", or "" when neither was possible
    detail: str = ""  # why the kernel refused, when method is ""

    @property
    def active(self) -> bool:
        """Whether the process can no longer open network connections."""
        return bool(self.method)


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_program(arch: int, denied: list[int], err: int = errno.EACCES) -> list[tuple]:
    """The BPF program: ``denied`` syscalls (and foreign ABIs) fail with ``err``; others run.

    Each instruction is ``(code, jt, jf, k)``. A syscall from another ABI (i386 via
    ``int 0x80``, x32) is refused as a whole, so the numbers below cannot be sidestepped.

    >>> prog = seccomp_program(0xC000003E, [41, 42])
    >>> len(prog), prog[-2] == (0x06, 0, 0, 0x7FFF0000)
    (9, True)
    """
    refuse = _SECCOMP_RET_ERRNO | (err & 0xFFFF)
    n = len(denied)
    prog: list[tuple] = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_BPF_JEQ_K, 1, 0, arch),
        (_BPF_RET_K, 0, 0, refuse),
        (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (_BPF_JGE_K, n + 1, 0, _X32_SYSCALL_BIT),  # x32 ABI: jump to the refusal
    ]
    for i, nr in enumerate(denied):
        prog.append((_BPF_JEQ_K, n - i, 0, nr))  # jump to the refusal at the end
    prog.append((_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW))
    prog.append((_BPF_RET_K, 0, 0, refuse))
    return prog


def _libc() -> Any:
    # The running interpreter's own symbols include libc's (find_library would spawn
    # ldconfig, tens of milliseconds per query).
    return ctypes.CDLL(None, use_errno=True)


def _install_seccomp() -> str:
    """Install the filter on every thread; return "" or why it could not be installed."""
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in _ARCHES:
        return f"seccomp filters are written for Linux x86-64 and aarch64, not {machine}"
    arch, nr_seccomp, denied = _ARCHES[machine]
    prog = seccomp_program(arch, sorted(denied.values()))
    filters = (_SockFilter * len(prog))(*[_SockFilter(*ins) for ins in prog])
    fprog = _SockFprog(len(prog), filters)
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}"
    libc.syscall.restype = ctypes.c_long
    rc = libc.syscall(
        ctypes.c_long(nr_seccomp),
        ctypes.c_long(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_long(_SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(fprog),
    )
    if rc > 0:  # TSYNC names the thread whose filters differ
        return f"seccomp: thread {rc} could not take the filter"
    if rc != 0:
        return f"seccomp(SECCOMP_SET_MODE_FILTER): {os.strerror(ctypes.get_errno())}"
    return ""


def _unshare_network() -> str:
    """Move the process into a new network namespace with no interface up."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux-only"
    libc = _libc()
    if libc.unshare(_CLONE_NEWNET) == 0:
        return ""
    first = os.strerror(ctypes.get_errno())
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        return ""
    return f"unshare(CLONE_NEWNET): {first}; with CLONE_NEWUSER: " + os.strerror(ctypes.get_errno())


_status: SandboxStatus | None = None


def deny_network() -> SandboxStatus:
    """Cut this process off from the network for good (idempotent); say how.

    seccomp first; a new network namespace if the kernel refuses seccomp. Never raises:
    when both are refused, the status is inactive and names both reasons.
    """
    global _status
    if _status is not None and _status.active:
        return _status
    why_seccomp = _install_seccomp()
    if not why_seccomp:
        _status = SandboxStatus("seccomp")
        return _status
    why_netns = _unshare_network()
    if not why_netns:
        _status = SandboxStatus("network namespace")
        return _status
    _status = SandboxStatus("", f"{why_seccomp}; {why_netns}")
    return _status


def run_without_network(fn: Callable[[], Any]) -> tuple[Any, SandboxStatus]:
    """Call ``fn`` in a forked child cut off from the network; return its value and status.

    The child inherits the parent's memory (a store already loaded costs nothing to pass),
    calls :func:`deny_network`, runs ``fn`` and sends back its return value, or the
    exception it raised, which is raised here again. Without ``fork`` (not Linux), ``fn``
    runs in this process and the status says so.
    """
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return fn(), SandboxStatus("", "no fork() here: the query ran without a sandbox")

    def sandboxed() -> tuple[Any, SandboxStatus]:
        status = deny_network()
        return fn(), status

    return run_in_child(sandboxed)


def run_in_child(fn: Callable[[], Any]) -> Any:
    """Call ``fn`` in a forked child and return its value, or raise the exception it raised.

    What ``fn`` does to its process (:func:`deny_network`, memory it allocates, a crash)
    stays in the child: a child that dies without an answer raises
    :class:`ChildProcessError` naming the signal or exit code. The value and the exception
    come back pickled; one that cannot be pickled comes back as a :class:`RuntimeError`
    naming it. Linux only (``fork``).
    """
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_fd)
            try:
                payload: tuple = ("ok", fn())
            except BaseException as exc:  # sent back to the parent, raised there
                payload = ("error", exc)
            try:
                data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                data = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
            with os.fdopen(write_fd, "wb") as out:
                out.write(struct.pack("<Q", len(data)))
                out.write(data)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as inp:
            header = inp.read(8)
            data = inp.read(struct.unpack("<Q", header)[0]) if len(header) == 8 else b""
    except BaseException:  # Ctrl-C here: the child goes too, and is reaped
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    _, wait_status = os.waitpid(pid, 0)
    if not data:
        raise ChildDied(wait_status)
    kind, value = pickle.loads(data)
    if kind == "error":
        raise value
    return value


class ChildDied(ChildProcessError):
    """A child that ended without an answer; ``signal`` is the signal that ended it, if one
    did (``kg query`` tells its own caps, SIGALRM and an aborted allocation, from a crash)."""

    def __init__(self, wait_status: int):
        super().__init__(_describe_exit(wait_status))
        self.signal = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else None


def _describe_exit(wait_status: int) -> str:
    if os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        return f"the query process was killed by signal {sig}"
    return f"the query process exited with code {os.WEXITSTATUS(wait_status)} and no answer"


def _data_bytes() -> int:
    """The size of this process's data segment (``VmData``), in bytes; 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cap_memory(extra_mib: int) -> int:
    """Let this process's data grow by at most ``extra_mib`` MiB from now; return the limit.

    ``RLIMIT_DATA`` counts heap and private anonymous mappings (what the engine and Python
    allocate). Past it, allocations fail: Python raises ``MemoryError`` and the engine
    aborts the process. Where the data size cannot be read, the limit is ``extra_mib``
    alone.
    """
    import resource

    limit = _data_bytes() + extra_mib * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    return limit
