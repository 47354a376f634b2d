"""Writing outputs so that a failed or interrupted run leaves the previous ones intact.

Every file is written to a temporary file in the same directory, flushed with fsync and
renamed over the old one. A build stages all its files first and renames them together
at the end, with SIGINT/SIGTERM held back during the renames, so ``graphs/`` never mixes
two builds. A lock file keeps two builds from writing the same directory at once.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import OutputError

TMP_MARK = ".tmp-"
LOCK_NAME = ".kg-build.lock"


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_tmp(path: Path, data: bytes) -> Path:
    tmp = _tmp_path(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(
            f"{path}: cannot write: {exc.strerror} — check permissions and free space"
        ) from None
    return tmp


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write one file atomically (temporary file, fsync, rename)."""
    commit_files(path.parent, {path.name: data})


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def commit_files(directory: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``files`` (name → content) into ``directory``: all staged, then all renamed.

    If anything fails or is interrupted before the renames, no file in ``directory``
    changes and no temporary file is left behind.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            target = directory / name
            staged.append((_write_tmp(target, data), target))
        with _signals_held():
            for tmp, target in staged:
                os.replace(tmp, target)
            staged = []
        _fsync_dir(directory)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return [directory / name for name in files]


def check_writable(directory: Path) -> None:
    """Fail early, before any work, when ``directory`` cannot be created or written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{directory}: cannot create the output directory: {exc.strerror} — "
            "choose another --out or fix its permissions"
        ) from None
    if not directory.is_dir():
        raise OutputError(f"{directory}: is not a directory — choose another --out")
    probe = directory / f".kg-write-probe{TMP_MARK}{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(
            f"{directory}: output directory is not writable: {exc.strerror} — "
            "fix its permissions or choose another --out"
        ) from None


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Remove temporary files left by runs that were killed (their process is gone)."""
    removed = []
    for path in directory.glob(f".*{TMP_MARK}*"):
        pid_text = path.name.rsplit(TMP_MARK, 1)[-1]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` for one build; refuse if another holds it."""
    lock_path = directory / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"{lock_path}: cannot create the lock file: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise OutputError(
                    f"{directory}: another kg build is writing here — wait for it to finish "
                    "and run again (or use another --out)"
                ) from None
            raise
        yield
    finally:
        os.close(fd)
