"""The one RDF reader: every command that takes a graph file reads it here, within limits.

Reading a graph file goes through four steps, each refusal an :class:`InputError` (exit 3)
that names the file, and the line where it is known:

1. **The path** (:func:`check_graph_file`): it must exist, be a regular file (not a
   directory, a FIFO or a device; symbolic links are followed, a loop is refused), be
   readable, have a suffix of the formats registry (:mod:`pipeline.formats`) and be at
   most ``max_bytes`` long.
2. **A pre-scan** of the formats that can expand: RDF/XML is read with expat and refused if
   it declares a DOCTYPE (entity declarations are how a few hundred bytes become gigabytes)
   or nests elements deeper than ``max_depth``; JSON-LD is read with the stdlib ``json``
   module and refused if a ``@context`` is remote (a string: nothing is ever fetched), uses
   ``@import``, nests contexts deeper than ``max_depth`` or defines more than
   ``max_context_terms`` terms in all; or if it would read as less than it says: a relative
   ``@id`` with no ``@base`` (a JSON-LD processor drops its triples, where Turtle refuses a
   relative IRI), or data that gives no triple at all (keys that are no IRI).
3. **The parse.** Line-based formats (N-Triples, N-Quads: no entities, no contexts, and no
   nesting unless they hold RDF 1.2 triple terms, which need ``<<``) without ``<<`` are parsed
   in process. Every other file is parsed by a child process (:mod:`pipeline.parse_child`)
   whose address space is capped at ``max_parse_memory`` and CPU time at
   ``max_parse_seconds`` (JSON-LD scoped contexts within the other caps can still cost
   minutes of CPU, not memory): whatever the input, a parser that
   panics, runs out of memory or overflows its stack kills only the child, and the command
   exits 3 naming the file. The child refuses triple terms (deep ones overflow the parser's
   stack; the pipeline's rdflib graphs cannot hold them), so what it hands back is flat.
4. **Blank nodes**, for readers that split a file into graphs (``kg push``), are skolemised
   (:func:`skolemise`) so that one blank node shared by two graphs stays one node.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import xml.parsers.expat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import InputError, Location, Problem
from .formats import RdfFormatInfo, by_suffix, readable_list
from .parse_child import TOO_LONG_FIX, too_long

if TYPE_CHECKING:  # rdflib is imported when terms are converted: `kg --help` stays fast
    from rdflib import Graph
    from rdflib.term import Node

    Quad = tuple[Node, Node, Node, Node | None]

MISSING_HINT = "run `kg build` to write graphs/, or pass --input FILE"
SKOLEM_PATH = ".well-known/genid/"  # RFC 7511-style skolem IRIs, RDF 1.1 Concepts §3.5
_CHILD = Path(__file__).with_name("parse_child.py")


@dataclass(frozen=True)
class InputLimits:
    """The caps on reading one graph file (each a ``kg`` option; defaults documented in README).

    >>> InputLimits().max_bytes == 1 << 30
    True
    """

    max_bytes: int = 1 << 30  # --max-input-bytes: 1 GiB
    max_depth: int = 64  # --max-input-depth: RDF/XML elements, JSON-LD @context nesting
    max_context_terms: int = 2000  # --max-context-terms: JSON-LD term definitions, all contexts
    max_parse_memory: int = 1 << 30  # --max-parse-memory: address space of the parser child
    max_parse_seconds: int = 300  # --max-parse-seconds: CPU time of the parser child


DEFAULT_LIMITS = InputLimits()
# --max-ontology-bytes: the ontology and the shapes are parsed in process (read_schema)
MAX_SCHEMA_BYTES = 4 << 20
_XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def _refuse(path: Path, what: str, fix: str = "", line: int = 0) -> InputError:
    # The path as given (relative to the working directory when under it), links not
    # followed: Location.of resolves them, which raises on a loop and hides a dangling link.
    shown = os.path.relpath(os.path.abspath(path))
    if shown.startswith(".."):
        shown = str(path)
    return InputError([Problem(Location(shown, line), what, fix)])


def to_rdflib(term: object) -> Node:
    """A pyoxigraph term as the equal rdflib term."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"unsupported term {term!r}")


def format_info(path: Path) -> RdfFormatInfo:
    """The registry row of a graph file, from its suffix; an unknown suffix is exit 3."""
    fmt = by_suffix(path.suffix)
    if fmt is None:
        raise _refuse(path, f"unknown RDF file type {path.suffix!r}", f"use {readable_list()}")
    return fmt


def format_of(path: Path) -> ox.RdfFormat:
    """The pyoxigraph format of a graph file, from its suffix; an unknown suffix is exit 3."""
    return format_info(path).oxigraph


def check_graph_file(
    path: Path,
    limits: InputLimits = DEFAULT_LIMITS,
    cap: tuple[str, str] = ("input", "--max-input-bytes"),
) -> RdfFormatInfo:
    """Check that ``path`` is a readable graph file within ``limits``; return its format.
    ``cap`` names the size cap and its option in the refusal of a file over it.

    Missing files, dangling links, link loops, directories and other non-files, unreadable
    files, unknown suffixes and files over ``limits.max_bytes`` are each exit 3, the same in
    every command.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _refuse(
                path, f"is a symbolic link to {os.readlink(path)!r}, which does not exist"
            ) from None
        raise _refuse(path, "no such graph file", MISSING_HINT) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(
                path, "symbolic link loop", "point the link at a file, or pass the file itself"
            ) from None
        raise _refuse(path, f"cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise _refuse(path, "is a directory, not a graph file", "pass a file, e.g. graphs/kg.nq")
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "is not a regular file (a FIFO, socket or device)", "pass a file")
    fmt = format_info(path)
    if st.st_size > limits.max_bytes:
        raise _refuse(
            path,
            f"is {st.st_size:,} bytes, over the {cap[0]} cap of {limits.max_bytes:,} bytes",
            f"raise {cap[1]} if you trust the file",
        )
    if not os.access(path, os.R_OK):
        raise _refuse(path, "cannot read: permission denied")
    if fmt.oxigraph != ox.RdfFormat.RDF_XML and _starts_with_bom(path):  # XML allows one
        raise _refuse(
            path,
            "starts with a UTF-8 byte-order mark (U+FEFF), which this format does not allow",
            'save it as UTF-8 without a BOM (in most editors "UTF-8", not "UTF-8 with BOM")',
            line=1,
        )
    return fmt


def _starts_with_bom(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False  # the parse says why it cannot read the file


# ---------------------------------------------------------------- pre-scans


def prescan_rdfxml(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Refuse an RDF/XML file that declares a DOCTYPE or nests elements too deep.

    expat reads the file as a stream; it stops at the DOCTYPE, before any entity is declared.
    """
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    depth = 0

    def doctype(*_: object) -> None:
        raise _refuse(
            path,
            "RDF/XML with a DOCTYPE is refused (entity declarations can expand a few bytes "
            "into gigabytes)",
            "remove the <!DOCTYPE …> and write the entities out, or convert the file to Turtle",
            parser.CurrentLineNumber,
        )

    def start(*_: object) -> None:
        nonlocal depth
        depth += 1
        if depth > limits.max_depth:
            raise _refuse(
                path,
                f"XML elements nested deeper than {limits.max_depth}",
                "raise --max-input-depth if you trust the file",
                parser.CurrentLineNumber,
            )

    def end(*_: object) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with open(path, "rb") as fh:
            parser.ParseFile(fh)
    except xml.parsers.expat.ExpatError as exc:
        raise _refuse(
            path,
            f"XML syntax error (column {exc.offset + 1}): "
            f"{xml.parsers.expat.ErrorString(exc.code)}",
            line=exc.lineno,
        ) from None


@dataclass(frozen=True)
class _Scan:
    """What the JSON-LD pre-scan keeps of one JSON object (the rest is dropped at once)."""

    keys: int  # how many keys it has (its term definitions, if it is a context)
    depth: int = 0  # @context nesting at and below it
    terms: int = 0  # term definitions in all the contexts below it
    imports: bool = False  # an @import at or below it
    remote: str | None = None  # the first remote @context reference at or below it
    data: bool = False  # a key that is no keyword, outside contexts, at or below it
    relative: str | None = None  # the first @id outside contexts that is a relative IRI
    base: bool = False  # an @base at or below it


# An IRI with a scheme (or a compact IRI, whose prefix looks like one): not document-relative.
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _relative_id(value: object) -> str | None:
    """``value`` if it is an ``@id`` a JSON-LD processor resolves against the document's base
    (no scheme, not a blank node, not a keyword)."""
    if not isinstance(value, str) or value.startswith(("_:", "@")) or _HAS_SCHEME.match(value):
        return None
    return value


def _children(value: object) -> Iterator[object]:
    if isinstance(value, list):
        for item in value:
            yield from _children(item)
    else:
        yield value


def _scan_object(pairs: list[tuple[str, object]]) -> _Scan:
    depth = terms = 0
    imports = base = False
    data = False
    remote: str | None = None
    relative: str | None = None
    for key, value in pairs:
        in_context = key == "@context"
        for child in _children(value):
            if isinstance(child, _Scan):
                depth, terms = max(depth, child.depth), terms + child.terms
                imports, remote = imports or child.imports, remote or child.remote
                base = base or child.base
                if not in_context:
                    data = data or child.data
                    relative = relative or child.relative
        if key == "@import":
            imports = True
        elif key == "@base":
            base = True
        elif key == "@id":
            relative = relative or _relative_id(value)
        elif in_context:
            for item in _children(value):
                if isinstance(item, str):
                    remote = remote or item
                elif isinstance(item, _Scan):
                    depth, terms = max(depth, item.depth + 1), terms + item.keys
        elif not key.startswith("@"):
            data = True
    if not (depth or terms or imports or remote or relative or base):
        return _plain(len(pairs), data)
    return _Scan(len(pairs), depth, terms, imports, remote, data, relative, base)


_PLAIN: dict[tuple[int, bool], _Scan] = {}


def _plain(keys: int, data: bool) -> _Scan:
    scan = _PLAIN.get((keys, data))
    if scan is None:
        scan = _PLAIN[keys, data] = _Scan(keys, data=data)
    return scan


def _line_of(text: str, needle: str) -> int:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 0


def prescan_jsonld(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> bool:
    """Refuse a JSON-LD file with remote or imported contexts, or contexts too deep or large,
    or a relative ``@id`` with no ``@base`` to resolve it against; return whether the file
    has data (a key that is no keyword, outside its contexts).

    Nothing is fetched, ever: a ``@context`` that is a string (an IRI to load) is refused.
    A relative ``@id`` is refused as the Turtle and RDF/XML parsers refuse a relative IRI:
    with no base, a JSON-LD processor drops the node's triples without a word.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(path, f"JSON-LD is not UTF-8 (byte {exc.start})") from None
    try:
        root = json.loads(text, object_pairs_hook=_scan_object)
    except json.JSONDecodeError as exc:
        raise _refuse(
            path, f"JSON syntax error (column {exc.colno}): {exc.msg}", line=exc.lineno
        ) from None
    except RecursionError:
        raise _refuse(
            path, "JSON nested too deep for the pre-scan", "flatten the document"
        ) from None
    scans = [c for c in _children(root) if isinstance(c, _Scan)]
    if any(s.remote for s in scans):
        iri = next(s.remote for s in scans if s.remote)
        raise _refuse(
            path,
            f"remote JSON-LD context {iri!r} refused (nothing is fetched)",
            "inline the context in the file",
            _line_of(text, json.dumps(iri)),
        )
    if any(s.imports for s in scans):
        raise _refuse(
            path,
            "JSON-LD @import refused (nothing is fetched)",
            "inline the imported context",
            _line_of(text, '"@import"'),
        )
    depth = max((s.depth for s in scans), default=0)
    if depth > limits.max_depth:
        raise _refuse(
            path,
            f"JSON-LD contexts nested {depth} deep, over the cap of {limits.max_depth}",
            "raise --max-input-depth if you trust the file",
        )
    terms = sum(s.terms for s in scans)
    if terms > limits.max_context_terms:
        raise _refuse(
            path,
            f"JSON-LD contexts define {terms:,} terms, over the cap of "
            f"{limits.max_context_terms:,}",
            "raise --max-context-terms if you trust the file",
        )
    relative = next((s.relative for s in scans if s.relative is not None), None)
    if relative is not None and not any(s.base for s in scans):
        raise _refuse(
            path,
            f"JSON-LD @id {json.dumps(relative, ensure_ascii=False)} is a relative IRI and the "
            "file sets no @base: a JSON-LD processor would drop the triples it is in",
            'write an absolute IRI, or set "@base" in the @context',
            _line_of(text, json.dumps(relative, ensure_ascii=False)),
        )
    return any(s.data for s in scans)


# ---------------------------------------------------------------- parsing


_SUBJECT_ERROR = "The subject of a triple must be an IRI or a blank node"
_AT_COLUMN = re.compile(r"between columns (\d+) and")


def _syntax_problem(path: Path, message: str, line: int, column: int) -> InputError:
    where = f" (column {column})" if column and "line" not in message else ""
    fix = "correct the syntax at that line" if line else "correct the file's syntax"
    if "Only UTF-8 is supported" in message:
        fix = "convert the file to UTF-8 (iconv -f ISO-8859-1 -t UTF-8) and its declaration too"
    if _SUBJECT_ERROR in message and _graph_name_literal(path, line, message):
        # pyoxigraph's N-Quads parser says "subject" of a literal in the fourth place too
        message = message.replace(
            _SUBJECT_ERROR, "A graph name must be an IRI or a blank node, not a literal"
        )
        fix = "name the graph with an IRI, or drop the fourth term (the default graph)"
    return _refuse(path, f"RDF syntax error{where}: {message}", fix, line=line)


def _graph_name_literal(path: Path, line: int, message: str) -> bool:
    """Whether the term an N-Quads syntax error points at, on line ``line``, is a literal
    after the first term: a literal where the graph name goes (a subject comes first)."""
    found = _AT_COLUMN.search(message)
    if path.suffix.lower() != ".nq" or not line or found is None:
        return False
    column = int(found.group(1))
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            if number == line:
                text = raw[: 1 << 20].decode("utf-8", "replace")
                before = text[: column - 1]
                return text[column - 1 : column] == '"' and bool(before.strip())
    return False


def _parse_in_child(path: Path, fmt: RdfFormatInfo, out: Path, limits: InputLimits) -> None:
    args = [sys.executable, "-I", str(_CHILD), str(path), fmt.media_types[0], str(out)]
    done = subprocess.run(
        [*args, str(limits.max_parse_memory), str(limits.max_parse_seconds)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return
    if done.returncode == 3 and done.stdout.strip():
        error = json.loads(done.stdout.strip().splitlines()[-1])
        if "fix" in error:  # a refusal, not a syntax error
            raise _refuse(path, error["message"], error["fix"])
        raise _syntax_problem(path, error["message"], error["line"], error["column"])
    if done.returncode < 0:
        sig = signal.Signals(-done.returncode)
        cpu = (
            f"more than {limits.max_parse_seconds} s of CPU "
            "(raise --max-parse-seconds if you trust the file)"
        )
        if sig == signal.SIGSEGV:
            why = "it overflowed its stack (input nested too deep) or crashed on this input"
        elif sig == signal.SIGXCPU:
            why = f"it used {cpu}"
        elif sig == signal.SIGKILL:
            why = f"it was killed: it used {cpu}, or the system ran out of memory"
        else:
            why = (
                f"it ran out of memory under the cap of {limits.max_parse_memory:,} bytes "
                "(raise --max-parse-memory if you trust the file), or crashed on this input"
            )
        raise _refuse(path, f"the {fmt.label} parser died ({sig.name}): {why}", "check the file")
    last = (done.stderr.strip().splitlines() or ["no message"])[-1]
    if "MemoryError" in last or "failed to map segment" in last:  # it could not even start
        raise _refuse(
            path,
            f"the {fmt.label} parser could not start under --max-parse-memory of "
            f"{limits.max_parse_memory:,} bytes",
            "raise --max-parse-memory (default 1G; the parser needs about 50M to start)",
        )
    raise _refuse(path, f"the {fmt.label} parser failed (exit {done.returncode}): {last[:300]}")


def _may_hold_triple_terms(path: Path) -> bool:
    """Whether ``<<`` occurs in the file: N-Triples and N-Quads nest only in triple terms."""
    tail = b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if b"<<" in tail + block[:1] or b"<<" in block:
                return True
            tail = block[-1:]
    return False


@contextlib.contextmanager
def parsable(
    path: Path, limits: InputLimits = DEFAULT_LIMITS
) -> Iterator[tuple[Path, ox.RdfFormat]]:
    """A file and format that pyoxigraph may parse in this process, for the graph at ``path``.

    Line-based files are themselves; any other file is checked, parsed in a child process
    and handed over as N-Quads, deleted when the ``with`` block ends.
    """
    fmt = check_graph_file(path, limits)
    if fmt.line_based and not _may_hold_triple_terms(path):
        yield path, fmt.oxigraph
        return
    if fmt.oxigraph == ox.RdfFormat.RDF_XML:
        prescan_rdfxml(path, limits)
    data = fmt.oxigraph == ox.RdfFormat.JSON_LD and prescan_jsonld(path, limits)
    with tempfile.TemporaryDirectory(prefix="kg-read-") as tmp:
        out = Path(tmp, "parsed.nq")
        _parse_in_child(path, fmt, out, limits)
        if data and not out.stat().st_size:
            raise _refuse(
                path,
                "JSON-LD gave no triple although it holds data: a key that is not an IRI, a "
                "compact IRI or a term of its @context is dropped, and so is a node whose "
                "properties all are",
                'map the keys to IRIs in an @context (e.g. "@vocab": "https://example.org/")',
            )
        yield out, ox.RdfFormat.N_QUADS


def _too_long(path: Path, message: str, size: int) -> InputError:
    """The refusal of a term too long for the parser (:func:`parse_child.too_long`), at the
    first line that long when the file is line-based (N-Triples, N-Quads)."""
    line = 0
    if size and path.suffix.lower() in (".nt", ".nq"):
        with contextlib.suppress(OSError), open(path, "rb") as fh:
            for number, text in enumerate(fh, 1):
                if len(text) > size:
                    line = number
                    break
    return _refuse(path, message, TOO_LONG_FIX, line=line)


@contextlib.contextmanager
def parse_errors(path: Path) -> Iterator[None]:
    """Turn what pyoxigraph raises while reading ``path`` into located input errors."""
    try:
        yield
    except SyntaxError as exc:
        raise _syntax_problem(path, exc.msg, exc.lineno or 0, exc.offset or 0) from None
    except OSError as exc:
        raise _refuse(path, f"cannot read: {exc.strerror or exc}") from None
    except MemoryError as exc:
        found = too_long(exc)  # one term past the parser's buffer
        if found is not None:
            raise _too_long(path, *found) from None
        raise _refuse(path, "out of memory while reading", "lower --max-input-bytes") from None
    except BaseException as exc:
        # pyo3 turns a Rust panic into PanicException, a BaseException; anything else (a bug
        # of ours, Ctrl-C) goes on as it is.
        if isinstance(exc, Exception | KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise _refuse(path, f"the RDF parser failed: {exc}") from None


def iter_quads(
    path: Path, limits: InputLimits = DEFAULT_LIMITS, *, skolem_base: str | None = None
) -> Iterator[ox.Quad]:
    """The quads of the graph file ``path``, read as the module docstring says.

    With ``skolem_base``, blank nodes come out as skolem IRIs under it (:func:`skolemise`).
    """
    with parsable(path, limits) as (source, fmt), parse_errors(path), open(source, "rb") as fh:
        quads: Iterator[ox.Quad] = ox.parse(fh, format=fmt)
        if skolem_base is not None:
            quads = skolemise(quads, file_digest(path), skolem_base)
        yield from quads


def read_quads(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> list[Quad]:
    """The quads of a graph file as rdflib terms (graph ``None`` for the default graph)."""
    out: list[Quad] = []
    for q in iter_quads(path, limits):
        g = None if isinstance(q.graph_name, ox.DefaultGraph) else to_rdflib(q.graph_name)
        out.append((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), g))
    return out


def read_schema(path: Path, max_bytes: int = MAX_SCHEMA_BYTES) -> Graph:
    """The ontology or the shapes (``ontology/vjkg.ttl``, ``ontology/shapes.ttl``) as an rdflib
    Graph, read by pyoxigraph's strict parser: a syntax error is exit 3 at its line.

    These are small files that every build reads, so they are parsed in this process (a
    child costs more than the parse) once the checks of :func:`check_graph_file` pass and the
    file is at most ``max_bytes`` (``--max-ontology-bytes``): the Turtle parser's memory is
    bounded by a small multiple of that (about 80× for blank nodes nested a million deep).
    A file that may hold RDF 1.2 triple terms, whose nesting the parser follows on its
    stack, goes to the child like any other graph file.
    """
    limits = InputLimits(max_bytes=max_bytes)
    fmt = check_graph_file(path, limits, cap=("ontology", "--max-ontology-bytes"))
    if _may_hold_triple_terms(path):  # the child's N-Quads keep no prefixes
        return _graph(iter_quads(path, limits), {})
    with parse_errors(path), open(path, "rb") as fh:
        parser = ox.parse(fh, format=fmt.oxigraph, base_iri=Path(path).resolve().as_uri())
        return _graph(parser, parser)


def schema_from_text(text: str) -> Graph:
    """A Turtle ontology or shapes text that :func:`read_schema` has read before (a child of
    the build gets the text, not the file), as an rdflib Graph."""
    parser = ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return _graph(parser, parser)


def _graph(quads: Iterable[ox.Quad], parser: ox.QuadParser | dict[str, str]) -> Graph:
    """``quads`` as an rdflib Graph, with the prefixes ``parser`` read once they are all
    read (as rdflib's own parser binds them: pySHACL writes its messages with them)."""
    from rdflib import Graph, Literal

    g = Graph()
    for q in quads:
        o = q.object
        # A simple literal as rdflib's parser makes it (no datatype; pyoxigraph says xsd:string)
        if isinstance(o, ox.Literal) and not o.language and o.datatype == _XSD_STRING:
            obj: Node = Literal(o.value)
        else:
            obj = to_rdflib(o)
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), obj))
    prefixes = parser if isinstance(parser, dict) else parser.prefixes
    for prefix, iri in sorted(prefixes.items()):
        g.bind(prefix, iri, override=True, replace=True)
    return g


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def skolem_iri(seed: str, n: int, base: str | None = None) -> str:
    """The skolem IRI of the ``n``-th distinct blank node (0-based) of the file ``seed`` hashes.

    ``seed`` is the file's SHA-256, so the same bytes give the same IRIs on every run and two
    files never share one. ``base`` defaults to the vocabulary's default base.

    >>> skolem_iri("0" * 64, 0)
    'https://w3id.org/vjkg/.well-known/genid/308d0b5be3c1890a69f31422eb69389a'
    """
    if base is None:
        from .vocab import DEFAULT_BASE as base
    digest = hashlib.sha256(f"{seed} {n}".encode()).hexdigest()[:32]
    return f"{base}{SKOLEM_PATH}{digest}"


def skolemise(quads: Iterable[ox.Quad], seed: str, base: str | None = None) -> Iterator[ox.Quad]:
    """Replace every blank node by its :func:`skolem_iri`, numbered by first appearance.

    One label is one node across all the graphs of the file, and stays one node once the
    graphs are written apart (``kg push`` sends one request per graph).
    """
    names: dict[str, ox.NamedNode] = {}

    def term(t: Any) -> Any:
        if isinstance(t, ox.BlankNode):
            node = names.get(t.value)
            if node is None:
                node = names[t.value] = ox.NamedNode(skolem_iri(seed, len(names), base))
            return node
        if isinstance(t, ox.Triple):
            return ox.Triple(term(t.subject), term(t.predicate), term(t.object))
        return t

    for q in quads:
        graph = q.graph_name
        yield ox.Quad(
            term(q.subject),
            q.predicate,
            term(q.object),
            graph if isinstance(graph, ox.DefaultGraph) else term(graph),
        )
