"""The build cache's key: any change to the package's code, subpackages included, is a miss."""

from __future__ import annotations

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
    for entry in entries:  # a planted entry, with or without a copied signature
        entry.write_bytes(entry.read_bytes()[:32] + pickle.dumps(_Planted(marker)))
    again = run_kg("build", "--sources", str(mini_copy), "--out", str(out), env=env)
    assert again.returncode == 0, again.stderr
    assert not marker.exists()
    # the sources read again; the layout and the analysis, which no one planted, reused
    assert "cache: 2 reused, reprocessed ['source a', 'source b']" in again.stderr
    third = run_kg("build", "--sources", str(mini_copy), "--out", str(out), env=env)
    assert f"cache: {len(entries) + 2} reused" in third.stderr  # its own entries: kept


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
