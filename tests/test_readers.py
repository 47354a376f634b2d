"""The one RDF reader: hostile files are refused with exit 3 in bounded memory, in every command.

Memory is measured, not timed: each ``kg`` run goes through a fresh wrapper process whose
``RUSAGE_CHILDREN`` maximum covers ``kg`` and the parser child it waits for.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE, InputError
from pipeline.formats import FORMATS, by_suffix, readable_list
from pipeline.readers import (
    InputLimits,
    _parse_in_child,
    read_quads,
    read_schema,
    schema_from_text,
    skolem_iri,
)
from pipeline.sparql.push import read_graph_payloads

from .conftest import MINI, ROOT, run_kg

GRAPHS = ROOT / "graphs"
KG = Path(sys.executable).with_name("kg")
PEAK_MB = 500
RDF_OPEN = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
    '<rdf:Description rdf:about="http://e/s">'
)
RDF_CLOSE = "</rdf:Description></rdf:RDF>\n"

_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.stdout.write(f"{done.returncode} {peak:.1f}\\n")
sys.stdout.write(done.stderr)
"""


def run_measured(*args: str, timeout: int = 120) -> tuple[int, float, str]:
    """Run ``kg ARGS``; return its exit code, the peak RSS (MB) of it and its children, stderr."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(KG), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    head, _, stderr = done.stdout.partition("\n")
    code, peak = head.split()
    return int(code), float(peak), stderr


# ---------------------------------------------------------------- hostile files


def laughs(levels: int, fan: int = 10, used: bool = False) -> str:
    """RDF/XML with nested entity definitions ("billion laughs"), used or not."""
    ents = ['<!ENTITY a0 "laughlaughlaughlaugh">']
    ents += [f'<!ENTITY a{i} "{f"&a{i - 1};" * fan}">' for i in range(1, levels)]
    value = f"&a{levels - 1};" if used else "x"
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE r [\n'
        + "\n".join(ents)
        + "\n]>\n"
        + RDF_OPEN
        + f"<e:p>{value}</e:p>"
        + RDF_CLOSE
    )


def parameter_entities() -> str:
    """Entities declared through a parameter entity."""
    return (
        '<!DOCTYPE r [<!ENTITY % p "<!ENTITY a \'x\'>"> %p; <!ENTITY b "&a;&a;">]>\n'
        + RDF_OPEN
        + "<e:p>&b;</e:p>"
        + RDF_CLOSE
    )


def deep_rdfxml(depth: int) -> str:
    """RDF/XML whose descriptions nest ``depth`` deep (quadratic in pyoxigraph)."""
    inner = "<e:p><rdf:Description>" * depth + "</rdf:Description></e:p>" * depth
    return RDF_OPEN + inner + RDF_CLOSE


def property_scoped_contexts(depth: int, terms: int = 20) -> str:
    """JSON-LD whose property-scoped contexts nest ``depth`` deep, used at every level."""
    ctx: dict[str, object] = {}
    cur = ctx
    for _ in range(depth):
        inner: dict[str, object] = {f"t{j}": f"http://e/t{j}" for j in range(terms)}
        cur["p"] = {"@id": "http://e/p", "@context": inner}
        cur = inner
    data: dict[str, object] = {"@context": ctx, "@id": "http://e/s"}
    node = data
    for i in range(depth):
        child: dict[str, object] = {"@id": f"http://e/n{i}"}
        node["p"] = child
        node = child
    return json.dumps(data)


def type_scoped_contexts(types: int = 100, terms: int = 50, nodes: int = 100) -> str:
    """JSON-LD whose nodes carry many types, each with a scoped context."""
    ctx = {
        f"T{i}": {
            "@id": f"http://e/T{i}",
            "@context": {f"x{j}": f"http://e/x{j}" for j in range(terms)},
        }
        for i in range(types)
    }
    graph = [
        {"@id": f"http://e/s{i}", "@type": [f"T{k}" for k in range(types)]} for i in range(nodes)
    ]
    return json.dumps({"@context": ctx, "@graph": graph})


BOMBS = {
    "laughs-unused.rdf": (laughs(9), "DOCTYPE"),  # 688 bytes; 4 GB unguarded
    "laughs-used.rdf": (laughs(8, used=True), "DOCTYPE"),  # 635 MB unguarded
    # unguarded, pyoxigraph aborts: "memory allocation of … bytes failed", exit 134
    "laughs-abort.rdf": (laughs(16), "DOCTYPE"),
    "parameter-entities.rdf": (parameter_entities(), "DOCTYPE"),
    "deep.rdf": (deep_rdfxml(20_000), "nested deeper than 64"),  # minutes unguarded
    "scoped-deep.jsonld": (property_scoped_contexts(200), "contexts nested 201 deep"),
    "scoped-wide.jsonld": (type_scoped_contexts(), "over the cap of 2,000"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_memory_bombs_are_refused_with_exit_3_in_bounded_memory(tmp_path: Path, name: str) -> None:
    text, reason = BOMBS[name]
    bomb = tmp_path / name
    bomb.write_text(text, encoding="utf-8")
    code, peak, stderr = run_measured("html", str(bomb), "-o", str(tmp_path / "out.html"))
    assert code == EXIT_BAD_INPUT, stderr
    assert str(bomb) in stderr and reason in stderr
    assert peak < PEAK_MB, f"peak {peak} MB"
    assert not (tmp_path / "out.html").exists()


def test_a_doctype_refusal_names_the_line(tmp_path: Path) -> None:
    bomb = tmp_path / "laughs.rdf"
    bomb.write_text(laughs(9), encoding="utf-8")
    done = run_kg("stats", "--input", str(bomb))
    assert done.returncode == EXIT_BAD_INPUT
    assert f"{bomb}:2: RDF/XML with a DOCTYPE is refused" in done.stderr


def test_a_parser_that_dies_is_a_located_input_error_not_an_abort(tmp_path: Path) -> None:
    """Past the pre-scans, the child process is the guard: here pyoxigraph aborts on purpose."""
    bomb = tmp_path / "laughs.rdf"
    bomb.write_text(laughs(16), encoding="utf-8")
    fmt = by_suffix(".rdf")
    assert fmt is not None
    with pytest.raises(InputError) as err:
        _parse_in_child(bomb, fmt, tmp_path / "out.nq", InputLimits(max_parse_memory=300 << 20))
    assert "laughs.rdf" in str(err.value) and "parser died (SIGABRT)" in str(err.value)


def nested_triple_terms(depth: int) -> str:
    """One statement whose object is a triple term nested ``depth`` deep (overflows the stack)."""
    inner = "<<( <http://e/s> <http://e/p> " * depth + "<http://e/o>" + " )>>" * depth
    return f"<http://e/s> <http://e/p> {inner} .\n"


@pytest.mark.parametrize("suffix", [".nt", ".nq", ".ttl", ".trig"])
def test_deep_triple_terms_are_exit_3_not_a_segfault(tmp_path: Path, suffix: str) -> None:
    text = nested_triple_terms(100_000)
    if suffix == ".trig":
        text = "<http://e/g> { " + text + " }\n"
    bomb = tmp_path / f"deep{suffix}"
    bomb.write_text(text, encoding="utf-8")
    code, peak, stderr = run_measured("stats", "--input", str(bomb))
    assert code == EXIT_BAD_INPUT, stderr  # in process, N-Triples died with SIGSEGV (139)
    assert str(bomb) in stderr and peak < PEAK_MB


def test_a_shallow_triple_term_is_refused_and_a_literal_with_angles_is_read(tmp_path: Path) -> None:
    quoted = tmp_path / "quoted.nt"
    quoted.write_text(nested_triple_terms(1), encoding="utf-8")
    done = run_kg("stats", "--input", str(quoted))
    assert done.returncode == EXIT_BAD_INPUT and "triple terms" in done.stderr
    angles = tmp_path / "angles.nq"
    angles.write_text('<http://e/s> <http://e/p> "a << b" <http://e/g> .\n', encoding="utf-8")
    assert [str(q[2]) for q in read_quads(angles)] == ["a << b"]


HOSTILE = {
    "empty.ttl": "",
    "binary.ttl": "\x00\xff\xfe" * 100,
    "bad-utf8.nq": '<http://e/s> <http://e/p> "\udcff" .\n',
    "unclosed.trig": "<http://e/g> { " * 10_000,
    "brackets.ttl": "<http://e/s> <http://e/p> " + "[ <http://e/p> " * 50_000,
    "arrays.jsonld": "[" * 100_000 + "]" * 100_000,
    "objects.jsonld": '{"http://e/p":' * 50_000 + "1" + "}" * 50_000,
    "not-json.jsonld": "{'@context': 1}",
    "not-xml.rdf": "<rdf:RDF><a></b>",
    "xml-bomb-no-rdf.rdf": laughs(12).split("<rdf:RDF")[0] + "<r/>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_or_broken_files_are_exit_3_in_every_format(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(HOSTILE[name].encode("utf-8", "surrogateescape"))
    code, peak, stderr = run_measured("stats", "--input", str(path))
    if name == "empty.ttl":
        assert code == EXIT_OK, stderr  # an empty graph is a graph
        return
    assert code == EXIT_BAD_INPUT, stderr
    assert str(path) in stderr and "internal error" not in stderr and peak < PEAK_MB


class _Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join(5)
        self.sock.close()


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ('{"@context": "http://127.0.0.1:PORT/ctx.jsonld", "@id": "http://e/s"}', "remote"),
        ('{"@context": ["http://127.0.0.1:PORT/c", {"e": "http://e/"}], "@id": "e:s"}', "remote"),
        (
            '{"@context": {"p": {"@id": "http://e/p", "@context": "http://127.0.0.1:PORT/x"}},\n'
            ' "@id": "http://e/s", "p": {"@id": "http://e/o"}}',
            "remote",
        ),
        (
            '{"@context": {"@import": "http://127.0.0.1:PORT/i", "e": "http://e/"}, "@id": "e:s"}',
            "@import",
        ),
    ],
)
def test_remote_contexts_are_refused_and_never_fetched(
    tmp_path: Path, document: str, reason: str
) -> None:
    listener = _Listener()
    try:
        doc = tmp_path / "remote.jsonld"
        doc.write_text(document.replace("PORT", str(listener.port)), encoding="utf-8")
        done = run_kg("stats", "--input", str(doc))
        time.sleep(0.3)  # a connection attempt would have been accepted by now
    finally:
        listener.close()
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert (
        f"{doc}:1" in done.stderr and reason in done.stderr and "nothing is fetched" in done.stderr
    )
    assert listener.connections == 0


@pytest.mark.parametrize(
    ("document", "line", "reason"),
    [
        ('{\n "@id": "doc/1",\n "http://e/p": "x"\n}', 2, '@id "doc/1" is a relative IRI'),
        (
            '{"@context": {"@vocab": "http://e/"},\n "@graph": [{"@id": "http://e/a",\n'
            '  "knows": {"@id": "#b"}}]}',
            3,
            '@id "#b" is a relative IRI',
        ),
        ('{"name": "Rapidus", "founded": "2022"}', 0, "gave no triple although it holds data"),
        ('[{"@id": "http://e/s", "p": "x"}]', 0, "gave no triple although it holds data"),
    ],
)
def test_json_ld_that_would_lose_its_data_is_refused_as_turtle_is(
    tmp_path: Path, document: str, line: int, reason: str
) -> None:
    """A JSON-LD processor drops, without a word, a node whose @id is relative when there is
    no base, and every key that is no IRI: refused at the line, as a relative IRI in Turtle
    or RDF/XML is, instead of read as an empty graph."""
    doc = tmp_path / "lossy.jsonld"
    doc.write_text(document, encoding="utf-8")
    done = run_kg("stats", "--input", str(doc))
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    where = f"{doc}:{line}:" if line else f"{doc}:"
    assert where in done.stderr and reason in done.stderr, done.stderr
    assert "@base" in done.stderr or "@context" in done.stderr  # how to fix it


@pytest.mark.parametrize(
    ("document", "triples"),
    [
        ('{"@context": {"@base": "http://b/"}, "@id": "doc/1", "http://e/p": "x"}', 1),
        ('{"@context": {"e": "http://e/"}, "@id": "e:a", "e:p": "x"}', 1),
        ('{"@id": "_:b", "http://e/p": "x"}', 1),
        ('{"@context": {"x": {"@id": "http://e/x"}}, "@graph": []}', 0),  # no data: empty
        ("{}", 0),
    ],
)
def test_json_ld_with_a_base_prefixes_or_no_data_is_read(
    tmp_path: Path, document: str, triples: int
) -> None:
    doc = tmp_path / "fine.jsonld"
    doc.write_text(document, encoding="utf-8")
    assert len(read_quads(doc)) == triples


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('<http://e/s> <http://e/p> "Hà Nội" "graph" .', "A graph name must be an IRI"),
        ('<http://e/s> <http://e/p> <http://e/o> "g"@vi .', "A graph name must be an IRI"),
        ('"s" <http://e/p> <http://e/o> <http://e/g> .', "The subject of a triple must be"),
    ],
)
def test_a_literal_graph_name_in_n_quads_is_called_a_graph_name(
    tmp_path: Path, line: str, says: str
) -> None:
    """pyoxigraph calls a literal in the fourth place of a quad a bad "subject"; the error
    says what it is, at its line (a literal subject keeps its own wording)."""
    doc = tmp_path / "g.nq"
    doc.write_text("<http://e/s> <http://e/p> <http://e/o> .\n" + line + "\n", encoding="utf-8")
    done = run_kg("stats", "--input", str(doc))
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert f"{doc}:2:" in done.stderr and says in done.stderr, done.stderr


def test_the_committed_exports_pass_every_cap() -> None:
    for name in ("kg.ttl", "kg.trig", "kg.nt", "kg.nq", "kg.jsonld"):
        assert len(read_quads(GRAPHS / name)) > 7000, name


def test_caps_are_options_and_name_themselves(tmp_path: Path) -> None:
    for name in ("kg.nq", "kg.ttl"):  # parsed in process, and in the child
        done = run_kg("stats", "--input", str(GRAPHS / name), "--max-input-bytes", "100K")
        assert done.returncode == EXIT_BAD_INPUT
        assert (
            f"graphs/{name}: is " in done.stderr
            and "over the input cap of 102,400 bytes" in done.stderr
        )
        assert "--max-input-bytes" in done.stderr
    deep = tmp_path / "deep.rdf"
    deep.write_text(deep_rdfxml(10), encoding="utf-8")
    assert run_kg("stats", "--input", str(deep), "--max-input-depth", "8").returncode == 3
    assert run_kg("stats", "--input", str(deep), "--max-input-depth", "30").returncode == 0
    wide = tmp_path / "wide.jsonld"
    wide.write_text(type_scoped_contexts(types=5, terms=5), encoding="utf-8")
    done = run_kg("stats", "--input", str(wide), "--max-context-terms", "20")
    assert done.returncode == EXIT_BAD_INPUT and "over the cap of 20" in done.stderr
    assert run_kg("stats", "--input", str(wide)).returncode == EXIT_OK
    slow = tmp_path / "slow.jsonld"  # within the caps above, but minutes of CPU
    slow.write_text(type_scoped_contexts(types=40, terms=45, nodes=500), encoding="utf-8")
    done = run_kg("stats", "--input", str(slow), "--max-parse-seconds", "1")
    assert done.returncode == EXIT_BAD_INPUT and "more than 1 s of CPU" in done.stderr
    done = run_kg("stats", "--input", str(GRAPHS / "kg.nq"), "--max-input-bytes", "lots")
    assert done.returncode == EXIT_USAGE and "512M" in done.stderr


# ---------------------------------------------------------------- paths


GRAPH_COMMANDS = {
    "html": lambda f: ["html", f, "-o", str(Path(f).with_name("out.html"))],
    "stats": lambda f: ["stats", "--input", f],
    "analyse": lambda f: ["analyse", "--input", f, "--out", str(Path(f).parent / "out")],
    "path": lambda f: ["path", "meti", "jetro", "--input", f],
    "query": lambda f: ["query", "ASK {}", "--input", f],
    "push": lambda f: ["push", "--endpoint", "http://127.0.0.1:9/store", "--input", f],
    "serve": lambda f: ["serve", "--port", "0", "--input", f],
}


@pytest.mark.parametrize("command", sorted(GRAPH_COMMANDS))
def test_a_missing_file_is_exit_3_with_the_same_hint_in_every_command(
    tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "kg.nq"
    done = run_kg(*GRAPH_COMMANDS[command](str(missing)), timeout=60)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert f"{missing}: no such graph file — run `kg build`" in done.stderr


@pytest.mark.parametrize("command", sorted(GRAPH_COMMANDS))
def test_link_loops_directories_and_fifos_are_exit_3_with_the_path(
    tmp_path: Path, command: str
) -> None:
    loop = tmp_path / "loop.ttl"
    os.symlink(tmp_path / "other.ttl", loop)
    os.symlink(loop, tmp_path / "other.ttl")
    folder = tmp_path / "folder.nq"
    folder.mkdir()
    fifo = tmp_path / "fifo.nq"
    os.mkfifo(fifo)
    dangling = tmp_path / "dangling.nq"
    os.symlink(tmp_path / "gone.nq", dangling)
    for path, what in (
        (loop, "symbolic link loop"),
        (folder, "is a directory"),
        (fifo, "is not a regular file"),
        (dangling, "which does not exist"),
    ):
        done = run_kg(*GRAPH_COMMANDS[command](str(path)), timeout=60)
        assert done.returncode == EXIT_BAD_INPUT, (path, done.stderr)
        assert f"{path}: {what}" in done.stderr or f"{path}: is a symbolic link" in done.stderr


@pytest.mark.parametrize("suffix", [".xyz", ".n3", ".xml", ".html", ""])
def test_a_suffix_not_in_the_registry_is_refused_with_the_list(tmp_path: Path, suffix: str) -> None:
    odd = tmp_path / f"graph{suffix}"  # pyoxigraph could read N3; --help does not list it
    odd.write_text("<http://e/s> <http://e/p> <http://e/o> .\n", encoding="utf-8")
    done = run_kg("stats", "--input", str(odd))
    assert done.returncode == EXIT_BAD_INPUT
    assert f"unknown RDF file type {suffix!r}" in done.stderr and readable_list() in done.stderr


# ---------------------------------------------------------------- outputs


def test_kg_html_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    graph = tmp_path / "x.ttl"
    shutil.copy(GRAPHS / "kg.ttl", graph)
    before = graph.read_bytes()
    link = tmp_path / "link.html"
    os.symlink(graph, link)
    for out in (graph, link, tmp_path / "." / "x.ttl"):
        done = run_kg("html", str(graph), "-o", str(out))
        assert done.returncode == EXIT_USAGE, done.stderr
        assert "is the input" in done.stderr and "give another output path" in done.stderr
    assert graph.read_bytes() == before


def test_kg_analyse_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    graph = tmp_path / "analysis.json"  # .json reads as JSON-LD
    shutil.copy(GRAPHS / "kg.jsonld", graph)
    before = graph.read_bytes()
    done = run_kg("analyse", "--input", str(graph), "--out", str(tmp_path))
    assert done.returncode == EXIT_USAGE and "is the input" in done.stderr
    assert graph.read_bytes() == before


def test_kg_validate_refuses_to_write_its_report_over_an_input(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", ontology)
    before = (ontology / "shapes.ttl").read_bytes()
    done = run_kg(
        "validate",
        "--sources",
        str(MINI),
        "--ontology",
        str(ontology),
        "--report",
        str(ontology / "shapes.ttl"),
    )
    assert done.returncode == EXIT_USAGE and "is the input" in done.stderr
    assert (ontology / "shapes.ttl").read_bytes() == before


# ---------------------------------------------------------------- formats


def test_help_lists_exactly_the_formats_the_readers_accept(tmp_path: Path) -> None:
    sample = [ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("Hà Nội"))]
    for fmt in FORMATS:
        assert fmt.readable
        for suffix in fmt.suffixes:
            path = tmp_path / f"sample{suffix}"
            ox.serialize(sample, output=str(path), format=fmt.oxigraph)
            assert len(read_quads(path)) == 1, suffix
    for command in ("html", "stats", "analyse", "path", "query", "serve", "push"):
        text = " ".join(run_kg(command, "--help").stdout.split())
        for fmt in FORMATS:
            assert f"{fmt.label} ({', '.join(fmt.suffixes)})" in text, (command, fmt.label)


# ---------------------------------------------------------------- blank nodes

SHARED_BNODE = """@prefix e: <http://e/> .
e:g1 { e:alice e:knows _:b . _:b e:name "b" . }
e:g2 { _:b e:age 42 . [] e:seen _:b . }
"""


def test_a_blank_node_shared_by_two_graphs_is_one_skolem_iri(tmp_path: Path) -> None:
    trig = tmp_path / "shared.trig"
    trig.write_text(SHARED_BNODE, encoding="utf-8")
    payloads = {p.iri: p.body.decode() for p in read_graph_payloads(trig)}
    genid = "https://w3id.org/vjkg/.well-known/genid/"
    first = {line.split()[2] for line in payloads["http://e/g1"].splitlines() if "knows" in line}
    (b,) = first
    assert b.startswith(f"<{genid}") and "_:" not in "".join(payloads.values())
    assert f"{b} <http://e/age>" in payloads["http://e/g2"]
    assert f"{b} <http://e/name>" in payloads["http://e/g1"]
    assert read_graph_payloads(trig) == read_graph_payloads(trig)  # same bytes, same IRIs
    nquads = tmp_path / "shared.nq"  # the same file as N-Quads: the same rule
    nquads.write_text(
        '_:x <http://e/p> "1" <http://e/g1> .\n_:x <http://e/q> "2" <http://e/g2> .\n',
        encoding="utf-8",
    )
    bodies = [p.body.decode().split()[0] for p in read_graph_payloads(nquads)]
    assert bodies[0] == bodies[1] and bodies[0].startswith(f"<{genid}")


def test_skolem_iris_differ_between_files() -> None:
    assert skolem_iri("a" * 64, 0) != skolem_iri("b" * 64, 0) != skolem_iri("a" * 64, 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def oxigraph_store(tmp_path: Path) -> Iterator[str]:
    """A real ``oxigraph serve`` on 127.0.0.1; yields its base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [
            str(KG.with_name("oxigraph")),
            "serve",
            "--location",
            str(tmp_path / "db"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def test_kg_push_keeps_a_shared_blank_node_one_node_in_the_store(
    tmp_path: Path, oxigraph_store: str
) -> None:
    trig = tmp_path / "shared.trig"
    trig.write_text(SHARED_BNODE, encoding="utf-8")
    done = run_kg("push", "--endpoint", f"{oxigraph_store}/store", "--input", str(trig))
    assert done.returncode == EXIT_OK, done.stderr
    query = (
        "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH <http://e/g1> { <http://e/alice> "
        "<http://e/knows> ?b } GRAPH <http://e/g2> { ?b <http://e/age> 42 } }"
    )
    request = urllib.request.Request(
        f"{oxigraph_store}/query",
        data=query.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        (row,) = json.loads(resp.read())["results"]["bindings"]
    assert row["n"]["value"] == "1"


# ---------------------------------------------------------------- fuzzing

SEEDS = {
    ".ttl": '@prefix e: <http://e/> .\ne:s e:p ( 1 [ e:q "Hà Nội"@vi ] ) ; e:r e:o .\n',
    ".trig": "@prefix e: <http://e/> .\ne:g { e:s e:p _:b . _:b e:q 2 . }\n",
    ".nq": '<http://e/s> <http://e/p> "x"^^<http://e/t> <http://e/g> .\n_:b <http://e/p> _:c .\n',
    ".jsonld": '{"@context": {"e": "http://e/", "p": {"@id": "e:p", "@context": {"q": "e:q"}}},'
    ' "@id": "e:s", "p": {"@id": "e:o", "q": [1, {"@value": "v", "@language": "vi"}]}}',
    ".rdf": RDF_OPEN + '<e:p rdf:parseType="Resource"><e:q>Hà</e:q></e:p>' + RDF_CLOSE,
}
SPLICES = st.sampled_from(
    [
        "<",
        ">",
        "<<",
        "&",
        "&a;",
        '"',
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "\\",
        "\x00",
        "\ufeff",
        "@",
        "<!DOCTYPE r>",
        '"@context": "http://e/"',
        '"@import"',
        " .",
        "\n",
        "xmlns:e=",
        "\udcff",
    ]
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.integers(0, 10**4), SPLICES), max_size=6),
)
def test_any_mangled_file_is_read_or_refused_never_a_crash(suffix: str, edits: list) -> None:
    text = SEEDS[suffix]
    for at, piece in edits:
        at %= len(text) + 1
        text = text[:at] + piece + text[at:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, f"fuzz{suffix}")
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        try:
            read_quads(path)
        except InputError as err:
            assert "fuzz" in str(err)


@pytest.mark.parametrize("suffix", [".nt", ".ttl"])
def test_a_term_longer_than_the_parser_reads_is_named_with_its_limit(
    tmp_path: Path, suffix: str
) -> None:
    """pyoxigraph reads at most 16 MiB in one piece: a longer literal is refused as that,
    at its line where the file is line-based (it was "out of memory — lower
    --max-input-bytes", for a file far under that cap)."""
    big = tmp_path / f"big{suffix}"
    big.write_text(
        '<http://e/a> <http://e/p> "short" .\n'
        '<http://e/a> <http://e/p> "' + "x" * (17 * 2**20) + '" .\n',
        encoding="utf-8",
    )
    done = run_kg("stats", "--input", str(big), timeout=120)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert "a term is longer than 16,777,216 bytes" in done.stderr
    assert "shorten that term" in done.stderr and "max-input-bytes" not in done.stderr
    if suffix == ".nt":
        assert f"{big}:2:" in done.stderr


# ---------------------------------------------------------------- the ontology and the shapes


def _ontology_copy(tmp_path: Path) -> Path:
    onto = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", onto)
    return onto


@pytest.mark.parametrize("name", ["vjkg.ttl", "shapes.ttl"])
def test_the_schema_files_read_as_rdflib_reads_them(name: str) -> None:
    """Strict pyoxigraph in process, yet the same graph rdflib's Turtle parser makes: the same
    triples (simple literals without a datatype), the same prefixes bound."""
    from rdflib import Graph, Literal
    from rdflib.compare import isomorphic

    path = ROOT / "ontology" / name
    ours, theirs = read_schema(path), Graph().parse(path, format="turtle")
    assert len(ours) > 500 and isomorphic(ours, theirs)

    def literals(g: Graph) -> set[tuple[str, object, object]]:
        return {(str(o), o.datatype, o.language) for o in g.objects() if isinstance(o, Literal)}

    assert literals(ours) == literals(theirs)
    assert sorted(ours.namespaces()) == sorted(theirs.namespaces())
    text = schema_from_text(path.read_text(encoding="utf-8"))
    assert isomorphic(text, ours) and literals(text) == literals(ours)


def test_a_schema_file_that_may_hold_triple_terms_is_read_by_the_child(tmp_path: Path) -> None:
    """``<<`` (here in a comment) sends the file to the parser child; the graph is the same."""
    plain = tmp_path / "plain.ttl"
    plain.write_text('<http://e/s> <http://e/p> "x", "y"@vi, 3 .\n', encoding="utf-8")
    marked = tmp_path / "marked.ttl"
    marked.write_text("# a << b\n" + plain.read_text(encoding="utf-8"), encoding="utf-8")
    assert set(read_schema(marked)) == set(read_schema(plain))
    deep = tmp_path / "deep.ttl"
    deep.write_text(nested_triple_terms(100_000), encoding="utf-8")
    with pytest.raises(InputError, match=r"deep\.ttl: the Turtle parser died"):
        read_schema(deep, max_bytes=16 << 20)  # the child's stack, not this process's


def test_blank_nodes_nested_deep_in_a_schema_file_are_read_in_process(tmp_path: Path) -> None:
    deep = tmp_path / "deep.ttl"
    deep.write_text(
        "<http://e/s> <http://e/p> " + "[ <http://e/p> " * 50_000 + "1" + " ]" * 50_000 + " .\n"
    )
    assert len(read_schema(deep, max_bytes=1 << 20)) == 50_001


def test_broken_ontology_and_shapes_are_exit_3_at_their_lines_together(
    tmp_path: Path,
) -> None:
    onto = _ontology_copy(tmp_path)
    for name, line in [("vjkg.ttl", 40), ("shapes.ttl", 30)]:
        lines = (onto / name).read_text(encoding="utf-8").splitlines(keepends=True)
        lines[line - 1] = lines[line - 1].rstrip("\n") + " @@@ broken\n"
        (onto / name).write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    done = run_kg("build", "--sources", str(MINI), "--ontology", str(onto), "--out", str(out))
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert f"{onto / 'vjkg.ttl'}:40: RDF syntax error" in done.stderr
    assert f"{onto / 'shapes.ttl'}:30: RDF syntax error" in done.stderr
    assert "internal error" not in done.stderr and not (out / "kg.ttl").exists()
    review = run_kg("review", str(MINI / "a"), "--ontology", str(onto), "-o", str(out) + ".html")
    assert review.returncode == EXIT_BAD_INPUT and f"{onto / 'vjkg.ttl'}:40:" in review.stderr


def test_an_ontology_over_its_cap_is_refused_naming_the_option(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_kg("validate", "--sources", str(MINI), "--max-ontology-bytes", "20K")
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert "ontology/shapes.ttl: is 6" in done.stderr and "ontology/vjkg.ttl: is 4" in done.stderr
    assert "--max-ontology-bytes" in done.stderr
    ok = run_kg("build", "--sources", str(MINI), "--out", str(out), "--max-ontology-bytes", "1M")
    assert ok.returncode == EXIT_OK, ok.stderr


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".ttl", '<http://ex.org/a> <http://ex.org/p> "x" .\n'),
        (".nt", '<http://ex.org/a> <http://ex.org/p> "x" .\n'),
        (".nq", '<http://ex.org/a> <http://ex.org/p> "x" <http://ex.org/g> .\n'),
        (".trig", '<http://ex.org/g> { <http://ex.org/a> <http://ex.org/p> "x" . }\n'),
        (".jsonld", '{"@id": "http://ex.org/a", "http://ex.org/p": "x"}\n'),
    ],
)
def test_a_byte_order_mark_is_refused_at_line_1_saying_what_to_do(
    tmp_path: Path, suffix: str, text: str
) -> None:
    """An editor's "UTF-8 with BOM": the parsers' own words for it were "﻿ is not a valid
    subject" or a Python hint; the message names the mark and how to save without it."""
    path = tmp_path / f"bom{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    with pytest.raises(InputError) as err:
        read_quads(path)
    assert f"bom{suffix}:1: starts with a UTF-8 byte-order mark" in str(err.value)
    assert "without a BOM" in str(err.value)
    path.write_bytes(text.encode("utf-8"))  # the same file saved without one
    assert len(read_quads(path)) == 1


def test_rdf_xml_may_start_with_a_byte_order_mark(tmp_path: Path) -> None:
    """XML allows one: an RDF/XML file with a BOM is read."""
    path = tmp_path / "bom.rdf"
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:e="http://ex.org/"><rdf:Description rdf:about="http://ex.org/a">'
        "<e:p>x</e:p></rdf:Description></rdf:RDF>\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert len(read_quads(path)) == 1


def test_rdf_xml_in_another_encoding_is_answered_with_how_to_convert_it(tmp_path: Path) -> None:
    doc = tmp_path / "latin.rdf"
    doc.write_bytes(
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    )
    done = run_kg("stats", "--input", str(doc))
    assert done.returncode == EXIT_BAD_INPUT and "Only UTF-8" in done.stderr
    assert "convert the file to UTF-8" in done.stderr
