"""Shared fixtures: paths, the mini corpus, a built dataset, and running the real `kg`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MINI = FIXTURES / "mini"
SHARED = ROOT.parent / "shared"


def run_kg(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: int = 300):
    """Run the real `kg` console script; return the CompletedProcess (text mode)."""
    kg = Path(sys.executable).with_name("kg")
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(kg), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini corpus."""
    dest = tmp_path / "sources"
    shutil.copytree(MINI, dest)
    return dest


@pytest.fixture(scope="session")
def corpus():
    """The bundled corpus, loaded."""
    from pipeline.load import load_corpus

    return load_corpus(ROOT / "sources")


@pytest.fixture(scope="session")
def dataset(corpus):
    """The bundled corpus, built."""
    from pipeline.build import build_dataset, load_ontology
    from pipeline.vocab import Vocabulary

    return build_dataset(corpus, load_ontology(ROOT / "ontology" / "vjkg.ttl", Vocabulary()))


@pytest.fixture(scope="session")
def mini_dataset():
    """The mini corpus, built."""
    from pipeline.build import build_dataset, load_ontology
    from pipeline.load import load_corpus
    from pipeline.vocab import Vocabulary

    corpus = load_corpus(MINI)
    return build_dataset(corpus, load_ontology(ROOT / "ontology" / "vjkg.ttl", Vocabulary()))
