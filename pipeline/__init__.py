"""vjkg: a knowledge graph of Japan's digital transformation and Vietnam–Japan IT cooperation,
built from annotated sources (``kg`` is :func:`pipeline.cli.run`).

Importing the package registers :func:`_end_now` with :mod:`atexit` before any other module
of the program can register a handler of its own. Handlers run last-registered first, so it
runs after all of them. It does nothing unless :func:`end_without_teardown` was called, which
the ``kg`` command does once its work is done and written.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

_exit_code: int | None = None


def end_without_teardown(code: int) -> int:
    """End this process with ``code`` once the interpreter has run its exit handlers, without
    its teardown: freeing every object one by one takes 0.5 s after a small build and
    seconds after a large one, and nothing is left to write by then. Returns ``code``."""
    global _exit_code
    _exit_code = code
    return code


def _end_now() -> None:
    if _exit_code is None:
        return
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe or stream: nothing more can be said
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(_exit_code)


atexit.register(_end_now)
