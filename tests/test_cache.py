"""The build cache's key: any change to the package's code, subpackages included, is a miss."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline.cache import code_digest

from .conftest import ROOT, run_kg


def test_code_digest_sees_an_edit_in_a_subpackage(tmp_path: Path) -> None:
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    sub = package / "newsub"
    sub.mkdir(exist_ok=True)
    (sub / "__init__.py").write_text("")
    (sub / "stage.py").write_text("X = 1\n")
    before = code_digest(package)
    (sub / "stage.py").write_text("X = 2\n")
    assert code_digest(package) != before  # used to hash pipeline/*.py only


def test_code_digest_is_stable_and_names_files_by_relative_path(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        (root / "sub").mkdir(parents=True)
    (a / "x.py").write_text("1")
    (a / "sub" / "y.py").write_text("2")
    (b / "sub" / "x.py").write_text("1")  # same bytes, moved: a different package
    (b / "y.py").write_text("2")
    assert code_digest(a) == code_digest(a)
    assert code_digest(a) != code_digest(b)


class _Planted:
    """What a hostile cache entry holds: unpickling it creates a file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_cache_entry_this_user_did_not_write_is_never_unpickled(mini_copy: Path, tmp_path: Path):
    """An output directory may come from anyone (a cloned repository, a shared folder), and
    unpickling runs what the file says: entries are signed with the user's own key."""
    import pickle

    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    out = tmp_path / "out"
    first = run_kg("build", "--sources", str(mini_copy), "--out", str(out), env=env)
    assert first.returncode == 0, first.stderr
    key = tmp_path / "xdg" / "vjkg" / "cache-key"
    assert key.stat().st_size == 32 and key.stat().st_mode & 0o077 == 0
    entries = sorted((out / ".kg-cache").glob("sources/*.pickle"))
    assert entries
    marker = tmp_path / "ran"
    record = out / ".kg-cache" / "build" / "last.pickle"  # "nothing changed since"
    assert record.is_file()
    for entry in [*entries, record]:  # a planted entry, with or without a copied signature
        entry.write_bytes(entry.read_bytes()[:32] + pickle.dumps(_Planted(marker)))
    again = run_kg("build", "--sources", str(mini_copy), "--out", str(out), env=env)
    assert again.returncode == 0, again.stderr
    assert not marker.exists()
    assert "nothing changed" not in again.stderr  # the planted record: never read
    # the sources read again; the layout and the analysis, which no one planted, reused
    assert "cache: 2 reused, reprocessed ['source a', 'source b']" in again.stderr
    (out / "kg.ttl").touch()  # an output touched since: the build runs (see below)
    third = run_kg("build", "--sources", str(mini_copy), "--out", str(out), env=env)
    assert f"cache: {len(entries) + 2} reused" in third.stderr  # its own entries: kept


def test_a_planted_fifo_link_or_linked_cache_folder_is_rebuilt_not_read(
    mini_copy: Path, tmp_path: Path
) -> None:
    """A FIFO in the cache blocked the build for ever, a link to /dev/zero was read until
    memory ran out, and a cache folder linked elsewhere was written and pruned there: each
    is now passed over and rebuilt, within a timeout and with the same outputs."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    out = tmp_path / "out"
    build = ("build", "--sources", str(mini_copy), "--out", str(out))
    assert run_kg(*build, env=env).returncode == 0
    cold = _outputs(out)
    cache = out / ".kg-cache"
    record = cache / "build" / "last.pickle"
    entries = sorted(cache.glob("sources/*.pickle"))
    record.unlink()
    os.mkfifo(record)  # read first: it blocked before any other
    entries[0].unlink()
    entries[0].symlink_to("/dev/zero")
    entries[1].write_bytes(b"\0" * 4096)  # a regular file over the cap below
    done = run_kg(*build, "--max-cache-entry", "2K", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "reprocessed ['source a', 'source b'" in done.stderr  # (and what is over 2K)
    assert _outputs(out) == cold
    # a cache folder that is a link to another folder: not used, nothing written or pruned
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sources").mkdir(parents=True)
    bystander = elsewhere / "sources" / "keep.pickle"
    bystander.write_bytes(b"not ours")
    shutil.rmtree(cache)
    cache.symlink_to(elsewhere, target_is_directory=True)
    linked = run_kg(*build, env=env, timeout=120)
    assert linked.returncode == 0, linked.stderr
    assert sorted(p.name for p in elsewhere.rglob("*")) == ["keep.pickle", "sources"]
    assert _outputs(out) == cold


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def test_an_edit_the_analysis_and_the_layout_do_not_read_reuses_both(
    mini_copy: Path, tmp_path: Path
) -> None:
    """A publisher added: the graph, the exports and the explorer's source panel change; the
    links and the analysis's view do not, so both are kept, and the outputs are byte for
    byte those of a build without the cache."""
    out, cold = tmp_path / "out", tmp_path / "cold"
    first = run_kg("build", "--sources", str(mini_copy), "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = _outputs(out)
    meta = mini_copy / "a" / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + 'publisher: "Báo Mới"\n', encoding="utf-8")
    again = run_kg("build", "--sources", str(mini_copy), "--out", str(out))
    assert again.returncode == 0, again.stderr
    line = next(x for x in again.stderr.splitlines() if "cache:" in x)
    assert "reprocessed ['source a']" in line, line  # no "analysis …", no "layout …"
    assert "rendered analysis (kept from an earlier build)" in again.stderr
    full = run_kg("build", "--sources", str(mini_copy), "--out", str(cold), "--no-cache")
    assert full.returncode == 0, full.stderr
    after = _outputs(out)
    assert after == _outputs(cold)
    assert "Báo Mới" in after["kg.nq"].decode() and after["kg.nq"] != before["kg.nq"]
    assert after["analysis.json"] == before["analysis.json"]
    # a new title is in the analysis's per-source table but moves none of its numbers: the
    # kept analysis is titled again, not analysed again, and reads as a cold build's
    meta.write_text(meta.read_text(encoding="utf-8").replace("Bài A", "Bài A mới"), "utf-8")
    third = run_kg("build", "--sources", str(mini_copy), "--out", str(out))
    line = next(x for x in third.stderr.splitlines() if "cache:" in x)
    assert "'analysis " not in line and "'layout " not in line, line
    assert "rendered analysis (kept from an earlier build)" in third.stderr
    assert "Bài A mới" in (out / "analysis.md").read_text(encoding="utf-8")
    full = run_kg("build", "--sources", str(mini_copy), "--out", str(cold), "--no-cache")
    assert full.returncode == 0, full.stderr
    assert _outputs(out) == _outputs(cold)
    # a fact's relation is what the numbers are made of: analysed again
    annotations = mini_copy / "a" / "annotations.yaml"
    text = annotations.read_text(encoding="utf-8")
    assert "relation: patron" in text, "the fixture's relation moved: pick another to change"
    annotations.write_text(text.replace("relation: patron", "relation: organizer"), "utf-8")
    fourth = run_kg("build", "--sources", str(mini_copy), "--out", str(out))
    assert fourth.returncode == 0, fourth.stderr
    line = next(x for x in fourth.stderr.splitlines() if "cache:" in x)
    assert "'analysis " in line, line


def _stamps(out: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(out.iterdir())
        if not p.name.startswith(".")
    }


def test_a_build_with_nothing_changed_writes_nothing_and_says_what_the_last_one_said(
    mini_copy: Path, tmp_path: Path
) -> None:
    """The same sources, ontology, options and code, over outputs nobody touched: the build
    has nothing to do. It prints the notes, warnings and closing line of the build that
    wrote the outputs, exits as it did, and leaves every file as it was."""
    from .test_checks import _near_duplicate_corpus

    _near_duplicate_corpus(mini_copy)  # a warning, which the second build must repeat
    out = tmp_path / "out"
    args = ("build", "--sources", str(mini_copy), "--out", str(out))
    first = run_kg(*args)
    assert first.returncode == 0, first.stderr
    before = _stamps(out)
    again = run_kg(*args)
    assert again.returncode == 0, again.stderr
    assert "nothing changed since the last build" in again.stderr
    assert "loading" not in again.stderr  # no work was done
    said = [x for x in first.stderr.splitlines() if x.startswith(("warning:", "note:"))]
    assert said and "near-duplicate" in said[0]
    assert [x for x in again.stderr.splitlines() if x.startswith(("warning:", "note:"))] == said
    assert again.stdout == first.stdout and again.stdout.startswith(f"built {out}/")
    assert _stamps(out) == before


def test_any_change_to_what_a_build_reads_or_wrote_builds_again(
    mini_copy: Path, tmp_path: Path
) -> None:
    """Each of these makes the next build run, and leaves what a build without the cache
    writes: a source edited or added, the shapes edited, an option that changes the output,
    an output edited, replaced or deleted."""
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    out, cold = tmp_path / "out", tmp_path / "cold"
    common = ("--sources", str(mini_copy), "--ontology", str(tmp_path / "ontology"))
    assert run_kg("build", *common, "--out", str(out)).returncode == 0

    def ran(*extra: str) -> bool:
        done = run_kg("build", *common, "--out", str(out), *extra)
        full = run_kg("build", *common, "--out", str(cold), "--no-cache", *extra)
        assert done.returncode == full.returncode == 0, done.stderr + full.stderr
        assert _outputs(out) == _outputs(cold)
        return "nothing changed" not in done.stderr

    assert not ran()  # the control: nothing changed
    text = mini_copy / "a" / "text.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\nMột câu nữa.\n", encoding="utf-8")
    assert ran()
    (mini_copy / "a" / "notes.txt").write_text("ghi chú\n", encoding="utf-8")  # a new file
    assert ran()
    shapes = tmp_path / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert ran()
    assert ran("--base", "https://example.org/kg/")
    assert not ran("--base", "https://example.org/kg/")
    assert ran()  # back to the default base
    ttl = out / "kg.ttl"
    times = ttl.stat().st_atime_ns, ttl.stat().st_mtime_ns
    ttl.write_bytes(ttl.read_bytes().replace(b"@prefix", b"@PREFIX", 1))  # same size,
    os.utime(ttl, ns=times)  # and the modification time put back (as `touch -r` does)
    assert ran()
    (out / "kg.html").unlink()
    assert ran()
    (out / "stats.json").write_text((out / "stats.json").read_text())  # the same bytes, anew
    assert ran()
    assert not ran()


def test_a_non_conforming_graph_written_with_keep_going_still_fails_when_unchanged(
    mini_copy: Path, tmp_path: Path
) -> None:
    """--keep-going wrote a graph with violations: the next build, with nothing changed,
    exits 4 with the same message, and without --keep-going it validates and refuses."""
    reg = mini_copy / "registry.yaml"  # an entity nobody mentions: no evidence
    reg.write_text(
        reg.read_text() + "  - id: orphan\n    class: Person\n    label: {vi: Ai đó, en: Someone}\n"
    )
    out = tmp_path / "out"
    args = ("build", "--sources", str(mini_copy), "--out", str(out), "--keep-going")
    first = run_kg(*args)
    assert first.returncode == 4, first.stderr
    again = run_kg(*args)
    assert again.returncode == 4 and "nothing changed" in again.stderr
    assert again.stderr.splitlines()[-1] == first.stderr.splitlines()[-1]
    assert "violation(s), listed in" in again.stderr.splitlines()[-1]
    strict = run_kg(*args[:-1])
    assert strict.returncode == 4 and "nothing changed" not in strict.stderr
    assert "no evidence" in strict.stderr


def test_what_the_digest_reads_covers_folders_file_names_and_byte_boundaries(
    mini_copy: Path, tmp_path: Path
) -> None:
    """An empty folder (a source folder whose files are missing), a file whose bytes spell a
    file name and another file's bytes, and a file name that is not UTF-8: each is told
    apart, and the build that follows says what a build without the cache says."""
    out = tmp_path / "out"
    args = ("build", "--sources", str(mini_copy), "--out", str(out))
    (mini_copy / "b" / "notes").write_bytes(b"J")  # a file the loader does not read
    assert run_kg(*args).returncode == 0
    text = mini_copy / "b" / "text.txt"
    # one file holding what two held: "J", then b/text.txt's name and bytes
    (mini_copy / "b" / "notes").write_bytes(b"J\0b/text.txt\0" + text.read_bytes())
    text.unlink()
    gone = run_kg(*args)
    assert gone.returncode == 3 and "text.txt" in gone.stderr, gone.stderr
    shutil.rmtree(mini_copy / "b")
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini" / "b", mini_copy / "b")
    assert run_kg(*args).returncode == 0
    (mini_copy / "c").mkdir()  # an empty source folder
    empty = run_kg(*args)
    assert empty.returncode == 3 and "meta.yaml" in empty.stderr, empty.stderr
    (mini_copy / "c").rmdir()
    (mini_copy / os.fsdecode(b"x\xff")).write_bytes(b"")  # not a source: ignored, not a crash
    first = run_kg(*args)
    assert first.returncode == 0 and "nothing changed" not in first.stderr, first.stderr
    again = run_kg(*args)
    assert again.returncode == 0 and "nothing changed" in again.stderr, again.stderr


def test_a_source_edited_while_the_build_runs_leaves_no_record(
    mini_copy: Path, tmp_path: Path
) -> None:
    """The record says what the build read: when a source changes after it was read, the
    build's outputs may not be what the files now say, so no record is kept, and the next
    build runs."""
    import subprocess
    import sys

    out = tmp_path / "out"
    kg = Path(sys.executable).with_name("kg")
    text = mini_copy / "a" / "text.txt"
    read = text.read_text(encoding="utf-8")
    proc = subprocess.Popen(
        [str(kg), "build", "--sources", str(mini_copy), "--out", str(out)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "] loaded " in line:  # read: now the file changes under the build
            text.write_text(read + "\nMột câu khác.\n", encoding="utf-8")
            break
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    text.write_text(read, encoding="utf-8")  # what the build read, which it wrote from
    again = run_kg("build", "--sources", str(mini_copy), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "nothing changed" not in again.stderr
    assert (
        "nothing changed" in run_kg("build", "--sources", str(mini_copy), "--out", str(out)).stderr
    )


def test_a_library_imported_from_elsewhere_builds_again(mini_copy: Path, tmp_path: Path) -> None:
    """kg.html embeds pyvis's vis-network script: the same pyvis version imported from
    another place (here a copy on PYTHONPATH, with its script changed) is another input."""
    import pyvis

    shadow = tmp_path / "shadow"
    shutil.copytree(Path(pyvis.__file__).parent, shadow / "pyvis")
    script = shadow / "pyvis" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    script.write_text(script.read_text(encoding="utf-8") + "\n/* changed */\n", "utf-8")
    out = tmp_path / "out"
    args = ("build", "--sources", str(mini_copy), "--out", str(out))
    assert run_kg(*args).returncode == 0
    path = os.pathsep.join(p for p in (str(shadow), os.environ.get("PYTHONPATH", "")) if p)
    moved = run_kg(*args, env={"PYTHONPATH": path})
    assert moved.returncode == 0, moved.stderr
    assert "nothing changed" not in moved.stderr
    assert "/* changed */" in (out / "kg.html").read_text(encoding="utf-8")
