"""Reading the sources in two processes gives the corpus, the problems and the cache of
reading them in one (pipeline/load.py ``load_corpus(parallel=True)``)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from pipeline import load
from pipeline.cache import DiskCache, cached_source_loader
from pipeline.errors import InputError
from pipeline.load import PARALLEL_FROM, load_corpus

from .conftest import ROOT, run_kg


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus with more source folders than PARALLEL_FROM."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    sources = tmp_path_factory.mktemp("parallel") / "sources"
    generate((PARALLEL_FROM + 12) * 1000, sources, violations=0.0)
    assert len(load.source_folders(sources)) >= PARALLEL_FROM + 10
    return sources


def _broken(generated: Path, tmp_path: Path) -> Path:
    """The corpus with problems in folders both processes read, and a linked folder."""
    sources = tmp_path / "sources"
    shutil.copytree(generated, sources)
    folders = load.source_folders(sources)
    for folder in folders[3:9]:  # consecutive folders: some go to each process
        path = folder / "annotations.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("quote:", "qoute:", 1))
    meta = folders[12] / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "id: [unclosed\n")
    (folders[20] / "text.txt").unlink()
    os.symlink(folders[0], sources / "zz-linked")
    return sources


def _problems(sources: Path, parallel: bool) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_corpus(sources, parallel=parallel)
    return [str(p) for p in caught.value.problems]


def test_two_processes_read_the_same_corpus_as_one(generated: Path) -> None:
    one = load_corpus(generated)
    two = load_corpus(generated, parallel=True)
    assert two == one
    assert len(two.sources) == len(load.source_folders(generated))


def test_the_problems_are_the_same_and_in_the_same_order(generated: Path, tmp_path: Path) -> None:
    sources = _broken(generated, tmp_path)
    one = _problems(sources, parallel=False)
    assert len(one) >= 9
    assert any("symbolic link" in p for p in one)
    assert any("missing text.txt" in p for p in one)
    assert _problems(sources, parallel=True) == one


def test_locations_are_relative_to_the_callers_working_directory(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _broken(generated, tmp_path)  # at tmp_path/sources
    load_corpus(generated, parallel=True)  # the fork server now runs, started elsewhere
    monkeypatch.chdir(tmp_path)
    one = _problems(Path("sources"), parallel=False)
    assert all(p.startswith("sources/") for p in one), one[:3]
    assert _problems(Path("sources"), parallel=True) == one


def test_the_cache_is_filled_and_reused_as_by_one_process(generated: Path, tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "cache")
    cold = load_corpus(generated, cached_source_loader(cache, generated), parallel=True)
    assert cache.hits == 0
    assert len(cache.misses) == len(cold.sources)
    stored = sorted(p.name for p in (tmp_path / "cache" / "sources").iterdir())
    assert len(stored) == len(cold.sources)
    warm = DiskCache(tmp_path / "cache")
    again = load_corpus(generated, cached_source_loader(warm, generated), parallel=True)
    assert (warm.hits, warm.misses) == (len(cold.sources), [])
    assert again == cold == load_corpus(generated)


def test_kg_build_from_a_large_corpus_reports_the_same_errors(
    generated: Path, tmp_path: Path
) -> None:
    """Through the CLI, which reads large corpora in two processes: exit 3, each problem
    once, no output written."""
    sources = _broken(generated, tmp_path)
    out = tmp_path / "out"
    result = run_kg("build", "--sources", str(sources), "--out", str(out))
    assert result.returncode == 3
    for problem in _problems(sources, parallel=False):
        assert result.stderr.count(problem.splitlines()[0]) == 1, problem
    assert not [p for p in out.iterdir() if not p.name.startswith(".")]


def test_size_caps_hold_in_both_processes(generated: Path, tmp_path: Path) -> None:
    """Oversized files in folders of both shares (and a bomb of nested aliases) are refused
    before they are parsed, with the same located problems as when one process reads."""
    from pipeline.load import SourceLimits

    sources = tmp_path / "sources"
    shutil.copytree(generated, sources)
    folders = load.source_folders(sources)
    for folder in folders[:4]:  # 0 and 3 go to the child, 1 and 2 stay here; 5 to the child
        path = folder / "annotations.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "#" + "x" * 40_000 + "\n")
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)}" + f",*{chr(96 + i)}" * 8 + "]\n"
    (folders[5] / "annotations.yaml").write_text(bomb, encoding="utf-8")
    caps = SourceLimits(yaml_bytes=30_000)

    def problems(parallel: bool) -> list[str]:
        with pytest.raises(InputError) as caught:
            load_corpus(sources, limits=caps, parallel=parallel)
        return [str(p) for p in caught.value.problems]

    one = problems(parallel=False)
    assert sum("--max-yaml-bytes" in p for p in one) == 4
    assert any(folders[5].name in p for p in one)
    assert problems(parallel=True) == one
