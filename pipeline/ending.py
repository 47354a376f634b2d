"""How the ``kg`` command ends: once the interpreter has run its exit handlers, without its
teardown (:func:`end_without_teardown`).

Importing :mod:`pipeline` imports this module first, which registers :func:`_end_now` with
:mod:`atexit` before any other module of the program can register a handler of its own.
Handlers run last-registered first, so it runs after all of them. It does nothing unless
:func:`end_without_teardown` was called, which the ``kg`` command does.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

_ending = False
_exit_code = 1  # until the command returns its own (an uncaught error: a bug)
_kept: list[object] = []


def end_without_teardown() -> None:
    """Have this process end, once the interpreter has run its exit handlers, without its
    teardown: freeing every object one by one takes 0.5 s after a small build and seconds
    after a large one, and nothing is left to write by then. The exit code is the one given
    to :func:`exit_code`."""
    global _ending
    _ending = True


def exit_code(code: int) -> int:
    """The code this process ends with (see :func:`end_without_teardown`); returns it."""
    global _exit_code
    _exit_code = code
    return code


def keep_until_exit(value: object) -> None:
    """Keep ``value`` alive until the process ends, when :func:`end_without_teardown` was
    called: a large build's objects are then released by the system at once, not freed one
    by one when the command returns (over a second at 1M quads)."""
    if _ending:
        _kept.append(value)


def _end_now() -> None:
    if not _ending:
        return
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe or stream: nothing more can be said
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(_exit_code)


atexit.register(_end_now)
