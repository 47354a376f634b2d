"""The child process that parses one RDF file for :mod:`pipeline.readers`.

Run as ``python -I parse_child.py SOURCE MEDIA_TYPE OUT.nq MAX_MEMORY_BYTES MAX_CPU_SECONDS``:
it caps its own address space and CPU time, parses SOURCE with pyoxigraph as a stream and
writes the quads to OUT.nq as N-Quads, refusing RDF 1.2 triple terms. A syntax error or a
refusal is printed on stdout as one JSON object and exits 3. If the parser panics, runs out
of memory or CPU time, or overflows its stack, only this process dies; the parent turns that
into a clean error naming the file. The script imports nothing from the package (it runs with
``-I``, so the package directory is not on ``sys.path``).
"""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Iterator

TRIPLE_TERMS = (
    "RDF 1.2 triple terms (<<( … )>>, quoted triples) are not accepted: the pipeline's graphs "
    "hold none, and deeply nested ones crash the parser"
)


RAISE_MEMORY = "raise --max-parse-memory if you trust the file"
TOO_LONG_FIX = "shorten that term (a long text belongs in a file the graph links to)"


def too_long(error: MemoryError) -> tuple[str, int] | None:
    """What pyoxigraph's refusal of one term longer than its parsers read in one piece
    ("Reached the buffer maximal size of 16777216") says, and that size; ``None`` for
    another MemoryError. (:mod:`pipeline.readers` says the same for files it parses.)

    >>> too_long(MemoryError("Reached the buffer maximal size of 16777216"))
    ('a term is longer than 16,777,216 bytes, the most the RDF parser reads in one piece', 16777216)
    >>> too_long(MemoryError()) is None
    True
    """
    text = str(error)
    if "buffer maximal size" not in text:
        return None
    size = int("".join(c for c in text.rsplit(" ", 1)[-1] if c.isdigit()) or 0)
    return f"a term is longer than {size:,} bytes, the most the RDF parser reads in one piece", size


class _TripleTerm(Exception):
    """The file holds a triple term."""


def main(argv: list[str]) -> int:
    """Parse ``argv[0]`` (of media type ``argv[1]``) into N-Quads at ``argv[2]``."""
    source, media_type, out = argv[0], argv[1], argv[2]
    max_memory, max_seconds = int(argv[3]), int(argv[4])
    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    # SIGXCPU at the soft limit kills the process; the hard limit (SIGKILL) is the backstop.
    resource.setrlimit(resource.RLIMIT_CPU, (max_seconds, max_seconds + 5))
    import pyoxigraph as ox

    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise SystemExit(f"unknown media type {media_type}")

    def checked(quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
        for quad in quads:
            if isinstance(quad.object, ox.Triple):
                raise _TripleTerm
            yield quad

    error: dict[str, object]
    try:
        with open(source, "rb") as fh:
            quads = checked(ox.parse(fh, format=fmt))
            ox.serialize(quads, output=out, format=ox.RdfFormat.N_QUADS)
    except _TripleTerm:
        error = {"message": TRIPLE_TERMS, "fix": "write the statements as plain triples"}
    except SyntaxError as exc:
        error = {"line": exc.lineno or 0, "column": exc.offset or 0, "message": exc.msg}
    except MemoryError as exc:
        found = too_long(exc)
        if found is not None:
            error = {"message": found[0], "fix": TOO_LONG_FIX}
        else:
            error = {"message": "the parser ran out of memory", "fix": RAISE_MEMORY}
    except BaseException as exc:  # a Rust panic surfaces as pyo3's PanicException
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = {"message": f"the parser failed: {exc}", "fix": "check the file"}
    else:
        return 0
    print(json.dumps(error))
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
