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
import stat
from collections.abc import Iterable, Iterator, Mapping
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


def _write_tmp(path: Path, data: bytes | Iterable[str]) -> Path:
    """Write ``data`` (bytes, or text in pieces) to ``path``'s temporary file, fsynced.

    The temporary file is removed if anything goes wrong, including an error raised while the
    pieces are being made or an interruption.
    """
    tmp = _tmp_path(path)
    try:
        with open(tmp, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                for piece in data:
                    fh.write(piece.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(
            f"{path}: cannot write: {exc.strerror} — check permissions and free space"
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _refuse_replacing(path: Path) -> None:
    """An output is renamed into place: where a symbolic link, a FIFO, a device or a
    directory stands, the rename would replace it (a link to /dev/stdout would become a
    file), not write through it. Each is an :class:`OutputError` naming the path."""
    try:
        st = os.lstat(path)
    except OSError:
        return  # nothing there (or nothing this process may look at: the write says so)
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(
            f"{path}: is a symbolic link — writing would replace the link, not the file it "
            "points to; give the path of the file itself"
        )
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(
            f"{path}: is a directory — give a file name for the output, or remove the directory"
        )
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{path}: is not a regular file (a FIFO, socket or device) — give the path of a "
            "file to write"
        )


def write_atomic(path: Path, data: str | bytes | Iterable[str]) -> None:
    """Write one file atomically (temporary file, fsync, rename); a directory, a link or a
    FIFO in its place is an :class:`OutputError` naming the path (:func:`_refuse_replacing`).
    ``data`` may be text in pieces, written as they come."""
    commit_files(path.parent, {path.name: data})


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Staging:
    """Files written to temporaries as soon as they are produced, renamed into place together.

    A large build does not hold every rendered file in memory until the end; and until
    :meth:`commit`, no file in the directory changes.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.staged: list[tuple[Path, Path]] = []

    def put(self, name: str, content: str | bytes | Iterable[str]) -> None:
        """Write one file to its temporary (fsynced); it replaces ``name`` at commit.

        ``content`` may be text in pieces (an iterator of ``str``), written as they come.
        """
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = self.directory / name
        _refuse_replacing(target)
        self.staged.append((_write_tmp(target, data), target))

    @property
    def names(self) -> list[str]:
        """The names staged so far."""
        return [target.name for _, target in self.staged]

    def commit(self) -> list[Path]:
        """Rename every staged file into place, with SIGINT/SIGTERM held back meanwhile."""
        with _signals_held():
            for tmp, target in self.staged:
                os.replace(tmp, target)
            done = [target for _, target in self.staged]
            self.staged = []
        _fsync_dir(self.directory)
        return done

    def discard(self) -> None:
        """Remove whatever is still staged (after a failure or an interruption)."""
        for tmp, _ in self.staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self.staged = []


@contextlib.contextmanager
def staged_files(directory: Path) -> Iterator[Staging]:
    """Stage files in ``directory``; commit them all if the block succeeds, else none."""
    staging = Staging(directory)
    try:
        yield staging
        staging.commit()
    finally:
        staging.discard()


def commit_files(directory: Path, files: Mapping[str, str | bytes | Iterable[str]]) -> list[Path]:
    """Write ``files`` (name → content) into ``directory``: all staged, then all renamed.

    If anything fails or is interrupted before the renames, no file in ``directory``
    changes and no temporary file is left behind.
    """
    with staged_files(directory) as staging:
        for name, content in files.items():
            staging.put(name, content)
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
