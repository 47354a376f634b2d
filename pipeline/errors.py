"""The error hierarchy and the CLI's exit-code contract.

Every error a person can meet names where (``path:line``), what is wrong and how
to fix it. Stages raise these; only ``cli.py`` turns them into exit codes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The exit-code contract (documented in README.md, tested in tests/test_cli.py).
EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug: please report it
EXIT_USAGE = 2  # wrong command-line arguments
EXIT_BAD_INPUT = 3  # annotations, registry, metadata or source text are wrong
EXIT_NOT_CONFORMING = 4  # the graph violates the SHACL shapes
EXIT_IO = 5  # a file or directory cannot be read or written; another build holds the lock
EXIT_REMOTE = 6  # a remote SPARQL store failed
EXIT_QUERY = 7  # a SPARQL query is malformed or failed
EXIT_DIFFERENT = 8  # kg diff --exit-code: the two graphs differ (as git diff --exit-code)
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGTERM


@dataclass(frozen=True, order=True)
class Location:
    """A place in an input file: ``path:line`` (1-based line; 0 when unknown)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    @classmethod
    def of(cls, path: Path | str, line: int = 0) -> Location:
        """A location for ``path`` shown relative to the working directory when possible.

        Symbolic links are not followed: the path named is the one the person has (a link's
        target may not exist, and a link to itself has none).
        """
        p = Path(path)
        try:
            shown = str(Path(os.path.abspath(p)).relative_to(os.getcwd()))
        except (ValueError, OSError):  # elsewhere; or the working directory is gone
            shown = str(p)
        return cls(shown, line)


@dataclass(frozen=True)
class Problem:
    """One located problem: what is wrong and how to fix it."""

    where: Location
    what: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" + (f" — {self.fix}" if self.fix else "")


class VjkgError(Exception):
    """Base of every error the pipeline raises on purpose."""

    exit_code = EXIT_INTERNAL


class InputError(VjkgError):
    """One or more problems in the human-edited input; all of a run's problems together."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.where, p.what))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        # made again from its problems (a forked child raises it, the parent reports it)
        return type(self), (self.problems,)


class NotConformingError(VjkgError):
    """The built graph violates the SHACL shapes."""

    exit_code = EXIT_NOT_CONFORMING


class OutputError(VjkgError):
    """A file or directory cannot be read or written."""

    exit_code = EXIT_IO


class RemoteStoreError(VjkgError):
    """A remote SPARQL endpoint or Graph Store failed."""

    exit_code = EXIT_REMOTE


class QueryError(VjkgError):
    """A SPARQL query is malformed or failed."""

    exit_code = EXIT_QUERY


class UsageError(VjkgError):
    """The command line asks for something that cannot be done."""

    exit_code = EXIT_USAGE


class ProblemCollector:
    """Collects problems so a run reports all of them together, not the first one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: Location, what: str, fix: str = "") -> None:
        """Record one problem."""
        self.problems.append(Problem(where, what, fix))

    def extend(self, error: InputError) -> None:
        """Record every problem of ``error``."""
        self.problems.extend(error.problems)

    def raise_if_any(self) -> None:
        """Raise an :class:`InputError` holding every problem recorded so far."""
        if self.problems:
            raise InputError(self.problems)
