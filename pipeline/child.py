"""One function run in a fresh process from the fork server, its value sent back.

``kg build`` validates and analyses a large graph in such children while it writes the
other outputs. A child from the fork server never held the build's objects: nothing is
shared or copied into it but the arguments, which are pickled.
"""

from __future__ import annotations

import signal
import traceback
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any


def _run(conn: Connection, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        conn.send(("ok", func(*args)))
    except BaseException:  # everything goes back to the parent, which raises it
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


class Child:
    """``func(*args)`` running in a child process; :meth:`result` waits for its value.

    ``what`` names the work in the error a failure raises (with the child's traceback).
    """

    def __init__(self, what: str, func: Callable[..., Any], *args: Any):
        self.what = what
        ctx = get_context("forkserver")
        self._conn, child_end = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_run, args=(child_end, func, args), daemon=True)
        self.process.start()
        child_end.close()

    def done(self) -> bool:
        """Whether the value is in (never waits)."""
        return self._conn.closed or self._conn.poll()

    def result(self) -> Any:
        """The value ``func`` returned; raises ``RuntimeError`` if it raised or died."""
        try:
            status, value = self._conn.recv()
        except EOFError:
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
        self._conn.close()
