"""The `kg` command through its real entry point: exit codes and outputs left intact."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import errors

from .conftest import MINI, ROOT, run_kg


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """An output directory holding a previous good build of the mini corpus."""
    out = tmp_path / "graphs"
    r = run_kg("build", "-q", "--sources", str(MINI), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_help_and_usage_errors() -> None:
    assert run_kg("--help").returncode == 0
    r = run_kg("frobnicate")
    assert r.returncode == errors.EXIT_USAGE
    assert "invalid choice" in r.stderr


def test_the_command_ends_with_its_code_after_its_exit_handlers_with_all_its_output() -> None:
    """``kg`` skips the interpreter's teardown once its work is done: what it wrote but had
    not flushed still arrives, the exit handlers still run (temporary directories, child
    processes), and the exit code is the one the command returned."""
    script = (
        "import atexit, sys, tempfile, pathlib, weakref, shutil, pipeline\n"
        "d = tempfile.mkdtemp()\n"
        "class Held: pass\n"
        "held = Held()\n"
        "weakref.finalize(held, shutil.rmtree, d)\n"  # removed at exit, as kg's are
        "atexit.register(print, 'handler ran')\n"
        "print(d)\n"
        "sys.stdout.write('x' * 100_000)\n"  # buffered, never flushed by the script
        "pipeline.ending.end_without_teardown()\n"
        "sys.exit(pipeline.ending.exit_code(4))\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 4, r.stderr
    first, rest = r.stdout.split("\n", 1)
    assert rest == "x" * 100_000 + "handler ran\n"
    assert not Path(first).exists()


@pytest.mark.parametrize(
    ("base", "says"),
    [
        ("", "no scheme"),
        ("graphs/kg", "no scheme"),
        ("http://example.org/my kg/", "Invalid IRI code point ' '"),
        ("http://example.org/<kg>/", "Invalid IRI code point '<'"),
        ("https://example.org/kg#", "Invalid IRI code point '#'"),  # it made ...kg#ontology#
    ],
)
def test_a_base_that_makes_no_valid_iri_is_a_usage_error(
    base: str, says: str, tmp_path: Path
) -> None:
    """It was an internal error (exit 1), or for a relative one, output with relative IRIs."""
    out = tmp_path / "out"
    done = run_kg("build", "--sources", str(MINI), "--out", str(out), "--base", base)
    assert done.returncode == errors.EXIT_USAGE, done.stderr
    assert "argument --base:" in done.stderr and says in done.stderr
    assert "e.g. https://example.org/kg/" in done.stderr and not out.exists()
    ok = run_kg("build", "--sources", str(MINI), "--out", str(out), "--base", "urn:kg:x/")
    assert ok.returncode == 0, ok.stderr
    assert "<urn:kg:x/resource/" in (out / "kg.nt").read_text(encoding="utf-8")


def test_a_missing_ontology_or_shapes_file_is_a_missing_input(tmp_path: Path) -> None:
    """Exit 3 naming the file, as a missing sources/ is, before anything is read."""
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    r = run_kg(
        "build", "--sources", str(MINI), "--ontology", str(ontology), "--out", str(tmp_path / "o")
    )
    assert r.returncode == errors.EXIT_BAD_INPUT, r.stderr
    assert f"{ontology / 'vjkg.ttl'}: ontology not found" in r.stderr
    (ontology / "vjkg.ttl").write_bytes((ROOT / "ontology" / "vjkg.ttl").read_bytes())
    r = run_kg("validate", "--sources", str(MINI), "--ontology", str(ontology))
    assert r.returncode == errors.EXIT_BAD_INPUT, r.stderr
    assert f"{ontology / 'shapes.ttl'}: shapes not found" in r.stderr


def test_broken_annotation_exits_3_with_location_and_leaves_outputs(
    mini_copy: Path, built: Path
) -> None:
    before = _snapshot(built)
    ann = mini_copy / "a" / "annotations.yaml"
    ann.write_text(ann.read_text().replace("relation: memberOf", "relation: memberof"))
    r = run_kg("build", "--sources", str(mini_copy), "--out", str(built))
    assert r.returncode == errors.EXIT_BAD_INPUT
    assert "a/annotations.yaml:" in r.stderr and "did you mean 'memberOf'" in r.stderr
    assert "nothing was written" in r.stderr
    assert "Traceback" not in r.stderr
    assert _snapshot(built) == before


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("quote: Sony là thành viên của Rapidus.", "quote: Apple là thành viên", "quote not found"),
        ("claims:", "claims: [", "YAML syntax error"),
        ("object: most", "object: unknown-body", "unknown entity 'unknown-body'"),
    ],
)
def test_each_kind_of_broken_annotation_fails_the_build(
    mini_copy: Path, built: Path, old: str, new: str, fragment: str
) -> None:
    before = _snapshot(built)
    ann = mini_copy / "a" / "annotations.yaml"
    ann.write_text(ann.read_text().replace(old, new, 1))
    r = run_kg("build", "--sources", str(mini_copy), "--out", str(built))
    assert r.returncode == errors.EXIT_BAD_INPUT, r.stderr
    assert fragment in r.stderr and "annotations.yaml:" in r.stderr
    assert _snapshot(built) == before


def test_non_conforming_graph_exits_4_and_leaves_outputs(mini_copy: Path, built: Path) -> None:
    before = _snapshot(built)
    # An entity nobody mentions has no evidence: a SHACL violation.
    reg = mini_copy / "registry.yaml"
    reg.write_text(
        reg.read_text() + "  - id: orphan\n    class: Person\n    label: {vi: Ai đó, en: Someone}\n"
    )
    r = run_kg("build", "--sources", str(mini_copy), "--out", str(built))
    assert r.returncode == errors.EXIT_NOT_CONFORMING
    assert "registry.yaml:" in r.stderr and "no evidence" in r.stderr
    assert _snapshot(built) == before
    v = run_kg("validate", "--sources", str(mini_copy))
    assert v.returncode == errors.EXIT_NOT_CONFORMING
    assert "orphan" in v.stdout


def test_unwritable_output_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run_kg("build", "--sources", str(MINI), "--out", str(blocker / "sub"))
    assert r.returncode == errors.EXIT_IO
    assert "cannot create the output directory" in r.stderr
    assert "loading" not in r.stderr  # no work was done


def test_second_concurrent_build_refuses(built: Path) -> None:
    from pipeline.outputs import build_lock

    with build_lock(built):
        r = run_kg("build", "--sources", str(MINI), "--out", str(built))
    assert r.returncode == errors.EXIT_IO
    assert "another kg build is writing here" in r.stderr


def test_interrupted_build_leaves_outputs_and_no_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "graphs"
    first = run_kg("build", "-q", "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    kg = Path(sys.executable).with_name("kg")
    interrupted = 0
    # Each signal goes out when the build reports reaching a stage, not after a fixed delay
    # (a fast machine finished the build before a delay ran out); --no-cache makes every
    # build do every stage.
    stages = (
        ("loaded ", signal.SIGINT),
        ("validating", signal.SIGTERM),
        ("rendered kg.nq", signal.SIGINT),
    )
    for stage, sig in stages:
        proc = subprocess.Popen(
            [str(kg), "build", "--no-cache", "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Ctrl-C as a terminal delivers it, even if this process was started ignoring it
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        assert proc.stderr is not None
        progress = []
        for line in proc.stderr:
            progress.append(line)
            if stage in line:
                break
        proc.send_signal(sig)
        _, rest = proc.communicate(timeout=60)
        err = "".join(progress) + rest
        if proc.returncode == 0 or "wrote" in err:
            continue  # finished before the signal: nothing to check this round
        assert proc.returncode == errors.EXIT_INTERRUPTED, err
        interrupted += 1
        assert "interrupted; earlier outputs are intact" in err
        assert _snapshot(out) == before
        assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    assert interrupted >= 2, "the build finished before every signal: the test checked nothing"


def test_a_file_failing_while_written_in_pieces_leaves_nothing_behind(tmp_path: Path) -> None:
    """Exports are streamed to their temporary file; an error mid-file must not leak it."""
    from pipeline.outputs import staged_files

    (tmp_path / "kg.nt").write_text("earlier\n")

    def pieces():
        yield "<http://e/s> <http://e/p> <http://e/o> .\n"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), staged_files(tmp_path) as stage:
        stage.put("kg.ttl", "@prefix e: <http://e/> .\n")
        stage.put("kg.nt", pieces())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.nt"]
    assert (tmp_path / "kg.nt").read_text() == "earlier\n"
    with staged_files(tmp_path) as stage:
        stage.put("kg.nt", iter(["a\n", "b\n"]))
    assert (tmp_path / "kg.nt").read_text() == "a\nb\n"


def test_a_disk_that_refuses_a_piece_is_an_error_naming_the_file(tmp_path: Path) -> None:
    """A write the system refuses while an export is streamed in pieces (here a real one,
    past the process's file-size limit) is an error naming the file, stops the making of
    pieces, and leaves the earlier file intact and no temporary behind."""
    (tmp_path / "kg.nt").write_text("earlier\n")
    script = f"""
import resource, signal, sys
from pathlib import Path
from pipeline.errors import OutputError
from pipeline.outputs import staged_files
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))
made = 0
def pieces():
    global made
    for _ in range(400):  # 40 MB, in pieces of 100 kB: far past the limit
        made += 1
        yield "x" * 100_000
try:
    with staged_files(Path({str(tmp_path)!r})) as stage:
        stage.put("kg.nt", pieces())
except OutputError as exc:
    print("refused after", made, "pieces:", exc)
    sys.exit(7)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 7, done.stdout + done.stderr
    assert "kg.nt: cannot write: File too large" in done.stdout, done.stdout
    made = int(done.stdout.split()[2])
    assert made < 400, "every piece was made after the write had failed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.nt"]
    assert (tmp_path / "kg.nt").read_text() == "earlier\n"


def test_stats_prints_counts() -> None:
    r = run_kg("stats", "--sources", str(MINI), "-q")
    assert r.returncode == 0
    assert "entities per class:" in r.stdout
    assert "Membership" not in r.stdout  # relations are listed by name
    assert "memberOf" in r.stdout and "doc-a" in r.stdout


def test_stats_json_of_built_file(built: Path) -> None:
    import json

    r = run_kg("stats", "--input", str(built / "kg.nq"), "--json")
    assert r.returncode == 0
    stats = json.loads(r.stdout)
    assert stats["facts_per_relation"]["memberOf"] == 1
    assert stats["facts_stated_by_several_sources"] == 1  # sony memberOf rapidus
    assert stats == json.loads((built / "stats.json").read_text())


def test_an_output_that_is_a_directory_is_named_and_nothing_is_left(tmp_path: Path) -> None:
    out = tmp_path / "trang.html"
    out.mkdir()
    r = run_kg("html", str(ROOT / "graphs" / "kg.nq"), "-o", str(out))
    assert r.returncode == 5, r.stderr
    assert f"{out}: is a directory" in r.stderr and ".tmp-" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trang.html"]


@pytest.mark.parametrize("command", ["html", "analyse", "diff"])
def test_an_ill_typed_literal_in_a_graph_file_is_one_warning_not_tracebacks(
    command: str, tmp_path: Path
) -> None:
    """ "abc"^^xsd:integer is legal RDF that a graph file may hold: the command goes on, and
    says once per datatype what it kept as written (rdflib printed a traceback per literal)."""
    graph = tmp_path / "g.nt"
    integer = "<http://www.w3.org/2001/XMLSchema#integer>"
    graph.write_text(
        "".join(f'<http://e/a{i}> <http://e/p> "x{i}"^^{integer} .\n' for i in range(20))
        + '<http://e/a> <http://e/q> "1.5x"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n',
        encoding="utf-8",
    )
    args = {
        "html": ["html", str(graph), "-o", str(tmp_path / "g.html")],
        "analyse": ["analyse", "--input", str(graph), "--out", str(tmp_path / "a")],
        "diff": ["diff", str(graph), str(graph)],
    }[command]
    r = run_kg(*args)
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stderr.splitlines() if line.startswith("kg: warning:")]
    assert len(warnings) == 2 and "XMLSchema#integer" in warnings[0], r.stderr
    assert "'x0'" in warnings[0] and "kept as written" in warnings[0]
    assert "Traceback" not in r.stderr and "Failed to convert" not in r.stderr


@pytest.mark.parametrize("out", ["{sources}", "{sources}/a/graphs", "{ontology}"])
def test_outputs_inside_an_input_directory_are_refused(
    out: str, mini_copy: Path, tmp_path: Path
) -> None:
    """--out sources wrote the cache folder among the source folders (the next build read
    it as a source)."""
    ontology = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", ontology)
    target = out.format(sources=mini_copy, ontology=ontology)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    r = run_kg("build", "--sources", str(mini_copy), "--ontology", str(ontology), "--out", target)
    assert r.returncode == errors.EXIT_USAGE, r.stderr
    assert "the outputs would mix with the inputs" in r.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["query", "--queries", "/nonexistent", "--list"], "'/nonexistent' does not exist"),
        (["serve", "--queries", "/nonexistent"], "'/nonexistent' does not exist"),
        (["query", "--truncate", "-1", "SELECT * {}"], "'-1' is not a whole number of 0 or more"),
    ],
)
def test_an_option_value_that_cannot_work_is_a_usage_error(args: list[str], says: str) -> None:
    """A mistyped --queries folder listed no queries and exited 0; --truncate -1 was taken."""
    r = run_kg(*args)
    assert r.returncode == errors.EXIT_USAGE and says in r.stderr, r.stderr


def test_a_parse_memory_cap_too_small_to_start_the_parser_says_so(tmp_path: Path) -> None:
    turtle = ROOT / "graphs" / "kg.ttl"  # Turtle is parsed in the capped child
    r = run_kg("html", str(turtle), "-o", str(tmp_path / "g.html"), "--max-parse-memory", "1")
    assert r.returncode == errors.EXIT_BAD_INPUT, r.stderr
    assert "parser could not start under --max-parse-memory of 1 bytes" in r.stderr, r.stderr
    assert "ImportError" not in r.stderr


@pytest.mark.parametrize("command", ["suggest", "review"])
@pytest.mark.parametrize("target", ["004/text.txt", "003/annotations.yaml", "registry.yaml"])
def test_suggest_and_review_never_write_over_a_source_file(
    command: str, target: str, corpus_copy: Path
) -> None:
    """`-o sources/004/text.txt` replaced the text with the suggestions (or the page)."""
    sources = corpus_copy
    before = (sources / target).read_bytes()
    extra = ["--no-validate"] if command == "review" else []
    r = run_kg(command, str(sources / "004"), "-o", str(sources / target), *extra)
    assert r.returncode == errors.EXIT_USAGE and "would destroy the input" in r.stderr, r.stderr
    assert (sources / target).read_bytes() == before


@pytest.mark.parametrize("value", ["-1", "5", "nan", "inf"])
def test_a_confidence_outside_0_to_1_is_a_usage_error(value: str, tmp_path: Path) -> None:
    r = run_kg("suggest", str(ROOT / "sources" / "004"), "--min-confidence", value,
               "-o", str(tmp_path / "s.yaml"))  # fmt: skip
    assert r.returncode == errors.EXIT_USAGE, r.stderr
    assert "is not a confidence from 0 to 1" in r.stderr and not (tmp_path / "s.yaml").exists()


def test_agreement_names_the_documents_it_could_not_compare(corpus_copy: Path) -> None:
    """A document missing from one side was left out of the scores without a word."""
    second = corpus_copy
    shutil.rmtree(second / "004")
    r = run_kg("agreement", str(ROOT / "sources"), str(second))
    assert r.returncode == 0, r.stderr
    assert "1 source(s) of" in r.stderr and "not compared: doc-004" in r.stderr


def test_new_source_of_a_directory_says_it_is_one(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "doc.txt").mkdir()
    r = run_kg("new-source", str(tmp_path / "doc.txt"), "--sources", str(tmp_path / "sources"))
    assert r.returncode == errors.EXIT_BAD_INPUT and "is a directory" in r.stderr, r.stderr
    # a missing input is exit 3, as for every command that reads one; --id takes 0-9 only
    (tmp_path / "doc.txt").rmdir()
    r = run_kg("new-source", str(tmp_path / "doc.txt"), "--sources", str(tmp_path / "sources"))
    assert r.returncode == errors.EXIT_BAD_INPUT and "no such file" in r.stderr, r.stderr
    (tmp_path / "doc.txt").write_text("Văn bản.\n", encoding="utf-8")
    r = run_kg("new-source", str(tmp_path / "doc.txt"), "--sources", str(tmp_path / "nowhere"))
    assert r.returncode == errors.EXIT_BAD_INPUT and "sources directory not found" in r.stderr
    for digits in ("١٢٣", "０１２"):
        r = run_kg("new-source", str(tmp_path / "doc.txt"), "--sources",
                   str(tmp_path / "sources"), "--id", digits)  # fmt: skip
        assert r.returncode == errors.EXIT_USAGE and "digits 0-9" in r.stderr, r.stderr
    assert not any((tmp_path / "sources").iterdir())


def test_kg_html_on_a_directory_says_so(tmp_path: Path) -> None:
    """No file name to derive the page's from: what the graph argument is, exit 3."""
    for given in (".", "/"):
        r = run_kg("html", given, cwd=tmp_path)
        assert r.returncode == errors.EXIT_BAD_INPUT, r.stderr
        assert "is a directory, not a graph file" in r.stderr
        assert "internal error" not in r.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--out", ""],
        ["analyse", "--input", "graphs/kg.nq", "--out", ""],
        ["html", "graphs/kg.nq", "-o", ""],
        ["diff", "graphs/kg.nq", "graphs/kg.ttl", "--patch", " "],
        ["validate", "--report", ""],
    ],
)
def test_an_empty_output_path_is_a_usage_error(argv: list[str], tmp_path: Path) -> None:
    """``Path("")`` is the working directory: the files would land there unasked."""
    before = sorted(p.name for p in ROOT.iterdir())
    r = run_kg(*argv)
    assert r.returncode == errors.EXIT_USAGE, r.stderr
    assert "an empty path" in r.stderr
    assert sorted(p.name for p in ROOT.iterdir()) == before


def test_an_output_that_is_a_link_or_a_fifo_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    """Outputs are renamed into place: a link (to /dev/stdout, say) or a FIFO would be
    replaced by a file. Each is exit 5, naming it; the link and its target stay."""
    import os

    graph = ROOT / "graphs" / "kg.nq"
    target = tmp_path / "target.html"
    target.write_text("mine\n", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    r = run_kg("html", str(graph), "-o", str(link))
    assert r.returncode == errors.EXIT_IO, r.stderr
    assert f"{link}: is a symbolic link" in r.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "mine\n"
    fifo = tmp_path / "p.rdfp"
    os.mkfifo(fifo)
    r = run_kg("diff", str(graph), str(graph), "--patch", str(fifo), "-q")
    assert r.returncode == errors.EXIT_IO, r.stderr
    assert f"{fifo}: is not a regular file" in r.stderr
    assert fifo.is_fifo()
    out = tmp_path / "out"
    (out / "analysis.json").mkdir(parents=True)  # a directory where a file goes
    r = run_kg("analyse", "--input", str(graph), "--out", str(out))
    assert r.returncode == errors.EXIT_IO, r.stderr
    assert f"{out / 'analysis.json'}: is a directory" in r.stderr and ".tmp-" not in r.stderr


def test_kg_diff_patch_into_a_missing_directory_makes_it(tmp_path: Path) -> None:
    graph = ROOT / "graphs" / "kg.nq"
    patch = tmp_path / "new" / "dir" / "p.rdfp"
    r = run_kg("diff", str(graph), str(graph), "--patch", str(patch), "-q")
    assert r.returncode == 0, r.stderr
    text = patch.read_text(encoding="utf-8")
    assert "TX .\n" in text and text.endswith("TC .\n")
