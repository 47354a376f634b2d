"""One function run in another process, its value sent back.

``kg build`` validates and analyses a large graph in such children while it writes the
other outputs. By default the child is a fresh process from the fork server: it never held
the build's objects, nothing is shared or copied into it but the arguments, which are
pickled. A small graph is validated in a forked copy of the build instead (``fork=True``):
it starts at once with everything already loaded, and copying a process of a hundred
megabytes costs milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import pickle
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

# What the fork server imports once, so that a child starts with it (and its dependencies)
# loaded instead of importing it again.
PRELOAD = ["__main__", "pipeline.load"]


def warm() -> None:
    """Start the fork server now, without waiting for it: it starts a Python and imports
    :data:`PRELOAD` (a third of a second) while the caller goes on, and the first
    :class:`Child` then starts at once. Nothing happens if it already runs."""
    from multiprocessing import forkserver

    get_context("forkserver").set_forkserver_preload(PRELOAD)  # for a server not yet running
    forkserver.ensure_running()


def pack(*args: Any) -> bytes:
    """Arguments for a :class:`Child`, pickled now (while nothing else changes them)."""
    return pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)


def _run(conn: Connection, func: Callable[..., Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        args = pickle.loads(conn.recv_bytes())
        conn.send(("ok", func(*args)))
    except BaseException:  # everything goes back to the parent, which raises it
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


class Child:
    """``func(*args)`` running in a child process; :meth:`result` waits for its value.

    ``what`` names the work in the error a failure raises (with the child's traceback).
    ``packed``: the arguments as :func:`pack` made them earlier (then ``args`` is empty).
    ``fork``: the child is a copy of this process (see the module docstring), which gets
    ``func`` and ``args`` as they are, unpickled; only the value comes back pickled.
    """

    def __init__(
        self,
        what: str,
        func: Callable[..., Any],
        *args: Any,
        packed: bytes | None = None,
        fork: bool = False,
    ):
        self.what = what
        ctx: Any = get_context("fork" if fork else "forkserver")  # both make a Process
        self._conn, child_end = ctx.Pipe()
        if fork:
            func, args = functools.partial(func, *args), ()
        self.process = ctx.Process(target=_run, args=(child_end, func), daemon=True)
        self.process.start()
        child_end.close()
        # The arguments go over the pipe from a thread: the child reads them only once it
        # has imported what ``func`` needs (a third of a second for the analysis), and this
        # process need not wait for that.
        data = packed if packed is not None else pack(*args)
        self._sender = threading.Thread(target=self._send, args=(data,), daemon=True)
        self._sender.start()

    def _send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):  # the child died or was stopped: result() says so
            self._conn.send_bytes(data)

    def done(self) -> bool:
        """Whether the value is in (never waits)."""
        return self._conn.closed or self._conn.poll()

    def result(self) -> Any:
        """The value ``func`` returned; raises ``RuntimeError`` if it raised or died."""
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError):
            status, value = "error", "the process died"
        finally:
            self.close()
        if status != "ok":
            raise RuntimeError(f"{self.what} failed in its process:\n{value}")
        return value

    def close(self) -> None:
        """Stop the child if it still runs (idempotent)."""
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        # The child is gone, so a send still under way fails at once; the pipe is closed
        # only after it, so that its descriptor cannot be reused under the sender.
        self._sender.join()
        self._conn.close()
